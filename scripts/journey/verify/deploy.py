"""The ``deploy-e2e`` check: run a deploy script for real against an emulated ECR and a real registry.

A deploy script is only worth showing if it pushes. This check starts moto's server on the host's
loopback (it answers ``aws ecr get-login-password`` like ECR does) and, in a private engine of its own
(``journey.helpers.deploy_engine``: a container on the shared engine with no network but loopback), Docker's
own registry (Debian's ``docker-registry``, i.e. distribution) with htpasswd authentication and TLS,
beside a dockerd the script talks to. It imports a small image into that engine, runs the snippet's
script on the host with the real AWS CLI and the real Docker CLI (``DOCKER_HOST`` at the private
engine), then asks the registry what it holds. It passes only if every expected tag's manifest digest
is the one the engine recorded for the push and the manifest's config digest is the local image ID:
the image in the registry is the image that was built.

Why the registry listens on ``[::1]`` and the engine trusts its CA: dockerd counts every registry
whose address falls in 127.0.0.0/8 as insecure, skips TLS verification for it and, when the login
is refused over HTTPS, retries over plain HTTP and reports that attempt's error instead (a 400 from
the TLS port, or a refused port 80). The IPv6 loopback address is outside that range, so the engine
treats the registry like any private registry: it verifies the certificate against the run's CA,
installed where Docker documents it, ``/etc/docker/certs.d/<host[:port]>/ca.crt``, in the private
engine's own filesystem, and a refused password ends the login with the registry's own 401, over TLS.

How the password is made acceptable: ECR's password is a token its own service checks. The check
asks the emulator for the token first (moto's is stable for an account) and writes the registry's
htpasswd entry for user ``AWS`` with exactly that token, which is the role ECR's auth plays in
real life. With ``refuse_login: true`` the registry gets another password instead, so the login is
refused and the check passes only if the script fails and nothing reached the registry.

The 2019 script cannot be pointed elsewhere: its registry is ``<account>.dkr.ecr.<region>.amazonaws.com``.
For it (``registry: ecr-hostname``) the private engine's container maps exactly that name to ::1 in its
own ``/etc/hosts``, the check refuses to go on unless the name resolves there to loopback only, and the
registry serves on [::1]:443 of that container. Nothing of the host is edited and nothing needs root:
a user in the ``docker`` group runs these checks. Nothing can go past loopback (the container has no
other network); everything started is stopped and the container removed by its ID, whatever happens.
No credential reaches the output: every secret is replaced before recording, and a script that prints
one fails the check.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import http.client
import io
import ipaddress
import json
import os
import secrets
import shlex
import shutil
import socket
import ssl
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path  # noqa: TC003 - dataclass field types are read at run time
from typing import TYPE_CHECKING, Any

import bcrypt
import docker.errors
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from journey.core import layout, process
from journey.core.errors import VerificationError
from journey.engine import images, sweep
from journey.engine.session import kill_group
from journey.helpers import deploy_engine, tool_image
from journey.helpers.deploy_engine import PrivateEngine, https_get
from journey.verify.checks import CheckContext, venv_bin
from journey.verify.normalise import normalise

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from journey.engine.session import Deadline
    from journey.model.check_spec import DeployE2ECheck

#: Serialises this user's deploy-e2e runs: each starts a dockerd of its own (a small machine's cores). The
#: name of its lock in the runtime folder (``layout.lock_path``).
LOCK_NAME = "deploy-e2e"
#: The registry's address: loopback, but outside the 127.0.0.0/8 that dockerd always counts as insecure.
REGISTRY_HOST = "::1"
#: Ports of the registry in today's mode: any of the Linux ephemeral range (outputs normalise them);
#: every one is free in the private engine's own network namespace.
EPHEMERAL_PORTS = range(32768, 61000)
#: The registry's storage: the private engine's tmpfs (``deploy_engine.container_kwargs``).
REGISTRY_STORAGE = "/var/lib/registry"
#: Seconds a started server gets to answer, and a stopped one to exit.
START_TIMEOUT = 20.0
STOP_GRACE = 5.0
#: Emulator keys: moto accepts any; they are not credentials, and are scrubbed anyway.
EMULATOR_KEYS = {
    "AWS_ACCESS_KEY_ID": "moto-emulator-access-key",
    "AWS_SECRET_ACCESS_KEY": "moto-emulator-secret",
}
SCRUBBED = "<credential>"
MANIFEST_ACCEPT = (
    "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json"
)
#: A loopback port nothing listens on: where a script run with a variable missing would go, if it went on.
CLOSED_PORT = 9


@dataclass(frozen=True)
class DeploySpec:
    """What the manifest asks: the script, how to call it, its environment, which registry address."""

    script: str
    command: tuple[str, ...]
    env: dict[str, str]
    ecr_hostname: bool
    refuse_login: bool
    tags: tuple[str, ...]
    also_show: tuple[str, ...]
    missing: str | None = None

    @property
    def image_name(self) -> str:
        """The local image the script pushes (``IMAGE_NAME``), also the repository name."""
        return self.env["IMAGE_NAME"]

    @property
    def region(self) -> str:
        """The region the scripts log in to."""
        return self.env["AWS_REGION"]


@dataclass(frozen=True)
class Registry:
    """A running loopback registry: where it answers, how to trust it, the valid password."""

    address: str  # host[:port] as the script sees it
    #: its TLS port on a unix socket (the private engine's socat): what this module talks to
    socket: Path
    #: the name its certificate is checked for: the ECR name, or ::1
    server_name: str
    ca: ssl.SSLContext
    password: str


@dataclass(frozen=True)
class ScriptRun:
    """What the script left: exit code, merged output (raw, not yet scrubbed)."""

    returncode: int
    output: str


# --- the manifest's options ----------------------------------------------------------------------


def spec_from_check(ctx: CheckContext, check: DeployE2ECheck) -> DeploySpec:
    """Read the check's keys into what the run needs, refusing what the schema would have refused.

    A loaded manifest cannot fail here (its schema has the same rules); a check made in code can.
    """
    script = check.script
    if not script or not (ctx.snippet.dir / script).is_file():
        _fail(ctx, check, f"`script:` must name a file of the snippet (got {script!r})")
    env = {str(k): str(v) for k, v in check.env.items()}
    for name in ("AWS_REGION", "IMAGE_NAME"):
        if name not in env:
            _fail(ctx, check, f"`env:` needs {name}")
    if check.registry == "ecr-hostname" and "AWS_ACCOUNT_ID" not in env:
        _fail(ctx, check, "`registry: ecr-hostname` needs AWS_ACCOUNT_ID in `env:`")
    return DeploySpec(
        script=script,
        command=check.command or (f"./{script}",),
        env=env,
        ecr_hostname=check.registry == "ecr-hostname",
        refuse_login=check.refuse_login,
        tags=check.tags or ("latest",),
        also_show=check.also_show,
        missing=check.missing or None,
    )


def _fail(ctx: CheckContext, check: DeployE2ECheck, cause: str, log_tail: str = "") -> None:
    """Raise the check's failure, naming the snippet and the step."""
    raise VerificationError(cause, snippet=ctx.snippet.id, step=f"check {check.name}", log_tail=log_tail)


def ecr_host(spec: DeploySpec) -> str:
    """Return the registry name the 2019 script builds: ``<account>.dkr.ecr.<region>.amazonaws.com``."""
    return f"{spec.env['AWS_ACCOUNT_ID']}.dkr.ecr.{spec.region}.amazonaws.com"


# --- loopback servers ----------------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    """Ask the kernel for a free loopback port (ephemeral range, which outputs normalise)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server(
    argv: list[str], port: int, log: Path, what: str, host: str = "127.0.0.1"
) -> Iterator[process.Popen[bytes]]:
    """Start a server in its own process group, wait until host:port accepts, always stop it."""
    with log.open("wb") as sink:
        proc = process.start(
            argv, stdout=sink, stderr=process.STDOUT, stdin=process.DEVNULL, start_new_session=True
        )
    try:
        _wait_listening(proc, (host, port), log, what)
        yield proc
    finally:
        stop(proc)


def _wait_listening(proc: process.Popen[bytes], where: tuple[str, int], log: Path, what: str) -> None:
    """Poll the port; a server that exits or never listens is an error carrying its log."""
    limit = time.monotonic() + START_TIMEOUT
    while time.monotonic() < limit:
        if proc.poll() is not None:
            raise OSError(f"{what} exited ({proc.returncode}): {_log_tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection(where, timeout=1):
            return
        time.sleep(0.1)
    raise OSError(f"{what} does not listen on port {where[1]} after {START_TIMEOUT:g} s: {_log_tail(log)}")


def _log_tail(log: Path) -> str:
    """Return the last lines a server logged, for an error message."""
    return " | ".join(log.read_text(errors="replace").strip().splitlines()[-3:])


def stop(proc: process.Popen[bytes]) -> None:
    """SIGTERM the server's group, SIGKILL it if it lingers, and reap it."""
    kill_group(proc, STOP_GRACE)


def moto_argv(port: int) -> list[str]:
    """Return the command line of moto's server from the venv (moto[server]), bound to loopback."""
    return [str(venv_bin() / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]


@dataclass(frozen=True)
class TlsFiles:
    """The run's own CA (what the engine is told to trust) and the registry's certificate and key."""

    ca: Path
    cert: Path
    key: Path


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    """Write a private key readable by its owner only."""
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    path.chmod(0o600)


def tls_files(workdir: Path, names: list[str]) -> TlsFiles:
    """Make a one-day CA and, signed by it, a certificate for ::1, 127.0.0.1 and ``names``.

    A CA apart from the server certificate is what a private registry has, and what
    ``certs.d/<host>/ca.crt`` expects; its key is thrown away with the run's folder.

    Made here, not with ``trustme``: trustme's CA is valid from 2000 to 3000 with no way to say otherwise,
    names itself by organisation only (no common name) and may also sign OCSP answers, and its server
    certificate adds client and code-signing use. A CA trusted for one day, for one run, is the point.
    """
    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "journey deploy-e2e CA")])
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "journey deploy-e2e registry")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    loopback = [x509.IPAddress(ipaddress.ip_address(a)) for a in (REGISTRY_HOST, "127.0.0.1")]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([*loopback, *(x509.DNSName(n) for n in names)]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(workdir / "ca.crt", workdir / "registry.crt", workdir / "registry.key")
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key, files.key)
    return files


def _ca_usage() -> x509.KeyUsage:
    """Return the key usage of a CA: it signs certificates and revocation lists, nothing else."""
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def htpasswd_line(user: str, password: str) -> str:
    """One htpasswd entry: distribution accepts bcrypt hashes only."""
    return f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()}\n"


def registry_config(workdir: Path, port: int, tls: TlsFiles, storage: str = REGISTRY_STORAGE) -> Path:
    """Write distribution's config: filesystem storage, htpasswd auth, TLS, loopback ([::1]) only.

    ``storage`` is a path in the private engine (its tmpfs): the registry runs as the container's root,
    and blobs it wrote into the calling user's folder could not be removed by that user.
    """
    config = {
        "version": 0.1,
        "log": {"level": "warn"},
        "storage": {"filesystem": {"rootdirectory": storage}},
        "http": {
            "addr": f"[{REGISTRY_HOST}]:{port}",
            "tls": {"certificate": str(tls.cert), "key": str(tls.key)},
        },
        "auth": {"htpasswd": {"realm": "journey deploy-e2e", "path": str(workdir / "htpasswd")}},
    }
    path = workdir / "registry.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


# --- AWS CLI, Docker, registry API -----------------------------------------------------------------


def script_env(
    spec: DeploySpec,
    home: Path,
    moto_port: int,
    registry_address: str | None,
    docker_host: str | None = None,
) -> dict[str, str]:
    """Return the script's whole environment: nothing of the caller's leaks in except the engine address.

    ``registry_address`` becomes ``REGISTRY_URL`` (today's script); ``None`` leaves it unset (2019's).
    ``docker_host`` is the private engine's socket; ``None`` keeps the caller's engine (a run that
    starts nothing, where the script must stop before it reaches any engine).
    """
    env = {
        "PATH": os.pathsep.join([str(venv_bin()), os.environ.get("PATH", "/usr/bin:/bin")]),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
        "AWS_ENDPOINT_URL_ECR": f"http://127.0.0.1:{moto_port}",
        "AWS_EC2_METADATA_DISABLED": "true",  # never ask 169.254.169.254 for credentials
        **EMULATOR_KEYS,
        **spec.env,
    }
    if registry_address is not None:
        env["REGISTRY_URL"] = registry_address
    if docker_host is not None:
        env["DOCKER_HOST"] = docker_host
    elif "DOCKER_HOST" in os.environ:
        env["DOCKER_HOST"] = os.environ["DOCKER_HOST"]
    return env


def aws(env: dict[str, str], *args: str) -> str:
    """Run the venv's AWS CLI against the emulator and return its stdout (raises on failure)."""
    done = process.run(
        [str(venv_bin() / "aws"), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0:
        raise OSError(f"aws {' '.join(args[:2])} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def import_image(client: Any, name: str) -> str:  # noqa: ANN401  (docker.DockerClient is untyped)
    """Import a one-file image as ``<name>:latest`` into the private engine and return its ID.

    Nothing to pull, nothing put in the shared engine: the image goes when the private engine goes.
    """
    payload = b"pushed by the journey deploy-e2e check\n"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("deploy-e2e.txt")
        info.size, info.mode, info.mtime = len(payload), 0o644, 0
        tar.addfile(info, io.BytesIO(payload))
    client.api.import_image_from_data(buffer.getvalue(), repository=name, tag="latest")
    return images.inspect(client, f"{name}:latest").id


def registry_get(registry: Registry, path: str) -> tuple[dict[str, str], bytes] | None:
    """Ask the registry API with the valid credential, over TLS checked for its name; ``None`` for 404."""
    auth = base64.b64encode(f"AWS:{registry.password}".encode()).decode()
    headers = {"Authorization": f"Basic {auth}", "Accept": MANIFEST_ACCEPT}
    status, answer_headers, body = https_get(
        registry.socket, registry.server_name, registry.ca, path, headers
    )
    if status == 404:  # noqa: PLR2004 - HTTP status
        return None
    if status != 200:  # noqa: PLR2004
        raise OSError(f"the registry answered {status} to GET {path}")
    return answer_headers, body


def registry_answers(registry: Registry) -> bool:
    """Tell whether the registry answers over TLS (any HTTP status: without a password it is 401)."""
    try:
        https_get(registry.socket, registry.server_name, registry.ca, "/v2/", {})
    except (OSError, http.client.HTTPException):
        return False
    return True


def pushed(registry: Registry, repo: str, tag: str) -> tuple[str, str] | None:
    """Return (manifest digest, config digest) the registry holds for ``repo:tag``, or ``None``."""
    answer = registry_get(registry, f"/v2/{repo}/manifests/{tag}")
    if answer is None:
        return None
    headers, body = answer
    digest = next((v for k, v in headers.items() if k.lower() == "docker-content-digest"), "")
    return digest, str(json.loads(body)["config"]["digest"])


def catalog(registry: Registry) -> list[str]:
    """Every repository the registry holds, as its catalog lists them.

    An empty registry answers 200 with an empty list. Anything else says nothing of what it holds: a
    404 (no catalog there) or an answer without a list of repositories is an error, never "empty",
    or ``refuse_login`` would pass on a registry it could not read.
    """
    answer = registry_get(registry, "/v2/_catalog")
    if answer is None:
        raise OSError("the registry answered 404 to GET /v2/_catalog: what it holds cannot be read")
    not_a_list = f"the registry's catalog is not a list of repositories: {answer[1][:200]!r}"
    try:
        repositories = json.loads(answer[1])["repositories"]
    except (ValueError, TypeError, KeyError) as exc:
        raise OSError(not_a_list) from exc
    repositories = [] if repositories is None else repositories  # the key is there: nothing is held
    if not isinstance(repositories, list) or not all(isinstance(r, str) for r in repositories):
        raise OSError(not_a_list)
    return list(repositories)


def credential_left(home: Path, registry: Registry) -> bool:
    """Tell whether docker login's credential is still stored after the script ended."""
    config = home / ".docker" / "config.json"
    if not config.is_file():
        return False
    auths = json.loads(config.read_text(encoding="utf-8")).get("auths", {})
    return any(registry.address in key and value.get("auth") for key, value in auths.items())


# --- the check -----------------------------------------------------------------------------------


@contextlib.contextmanager
def machine_lock(deadline: Deadline, pause: Callable[[float], None] = time.sleep) -> Iterator[None]:
    """One deploy-e2e at a time for this user: each starts a private dockerd (the first builds its image).

    The helper images' bounded lock (``tool_image.build_lock``, over ``core.locks``) on a file of this
    user's runtime folder, so another user can neither hold it nor make it wait; bounded by the check's
    own deadline, after which the error names the holder. ``pause`` sleeps between tries: the run's
    ``Session.pause``, so an interrupt does not wait out the snippet's whole budget here.
    """
    timeout = max(0.0, deadline.remaining())
    with tool_image.build_lock(
        layout.lock_path(LOCK_NAME), pause, timeout=timeout, purpose="a deploy-e2e check"
    ):
        yield


@dataclass
class Stack:
    """The emulator, the private engine with its registry, and the scratch folder of one run."""

    workdir: Path
    moto_port: int
    registry: Registry
    secrets: list[str]
    engine: PrivateEngine


def registry_port(spec: DeploySpec) -> int:
    """Return 443 for the 2019 script's fixed name, else a port of the ephemeral range (a real one's kind)."""
    if spec.ecr_hostname:
        return 443
    return EPHEMERAL_PORTS[secrets.randbelow(len(EPHEMERAL_PORTS))]


@contextlib.contextmanager
def stack(ctx: CheckContext, check: DeployE2ECheck, spec: DeploySpec, workdir: Path) -> Iterator[Stack]:
    """Start moto on the host's loopback and the private engine, whose registry takes the emulator's token."""
    what = VerificationError("", snippet=ctx.snippet.id, step=f"check {check.name}")
    image = deploy_engine.ensure_image(ctx.session, what, ctx.idle)
    moto_port = free_port()
    with server(moto_argv(moto_port), moto_port, workdir / "moto.log", "moto_server"):
        probe_env = script_env(spec, workdir, moto_port, None)
        token = aws(probe_env, "ecr", "get-login-password", "--region", spec.region)
        if spec.ecr_hostname:
            _same_endpoint(probe_env, spec)
        valid = secrets.token_urlsafe(24) if spec.refuse_login else token
        config, sockets = workdir / "registry", workdir / "engine"
        config.mkdir()
        sockets.mkdir()
        (config / "htpasswd").write_text(htpasswd_line("AWS", valid), encoding="utf-8")
        port = registry_port(spec)
        names = [ecr_host(spec)] if spec.ecr_hostname else []
        tls = tls_files(config, names)
        where = f"[{REGISTRY_HOST}]:{port}"
        address = ecr_host(spec) if spec.ecr_hostname else where
        trust = ssl.create_default_context(cafile=str(tls.ca))
        registry = Registry(
            address, sockets / deploy_engine.REGISTRY_SOCK, names[0] if names else REGISTRY_HOST, trust, valid
        )
        engine_spec = deploy_engine.EngineSpec(
            image=image,
            registry_address=address,
            registry_port=port,
            config_dir=config,
            registry_config=registry_config(config, port, tls),
            ca=tls.ca,
            sockets=sockets,
            uid=os.getuid(),
            gid=os.getgid(),
            labels=ctx.session.labels_for(ctx.snippet.id),
            loopback_name=ecr_host(spec) if spec.ecr_hostname else None,
        )
        with deploy_engine.running(
            ctx.session.client, engine_spec, what, lambda: registry_answers(registry)
        ) as engine:
            if spec.ecr_hostname:
                _require_loopback(engine, ecr_host(spec))
            encoded = base64.b64encode(f"AWS:{token}".encode()).decode()
            hidden = [token, valid, encoded, *EMULATOR_KEYS.values()]
            yield Stack(workdir, moto_port, registry, hidden, engine)


def _require_loopback(engine: PrivateEngine, host: str) -> None:
    """Refuse to go on unless the name resolves, where the engine runs, to loopback only."""
    addresses = engine.resolve(host)
    if not deploy_engine.only_loopback(addresses):
        raise OSError(f"{host} resolves to {sorted(addresses)} in the private engine, not loopback only")


def _same_endpoint(env: dict[str, str], spec: DeploySpec) -> None:
    """Check the 2019 script will log in where ECR says: the name mapped to loopback, nothing else."""
    endpoint = aws(
        env,
        "ecr",
        "get-authorization-token",
        "--region",
        spec.region,
        "--query",
        "authorizationData[0].proxyEndpoint",
        "--output",
        "text",
    )
    if endpoint != f"https://{ecr_host(spec)}":
        raise OSError(
            f"the emulator's endpoint {endpoint} is not https://{ecr_host(spec)}: "
            "set AWS_ACCOUNT_ID to the emulator's account"
        )


def run_script(
    ctx: CheckContext, check: DeployE2ECheck, spec: DeploySpec, env: dict[str, str], work: Path
) -> ScriptRun:
    """Run the script from a copy (the snippet folder stays untouched), with the real CLIs."""
    shutil.copy2(ctx.snippet.dir / spec.script, work / spec.script)
    what = VerificationError("", snippet=ctx.snippet.id, step=f"check {check.name}")
    result = ctx.session.run_process(list(spec.command), idle=ctx.idle, what=what, cwd=str(work), env=env)
    return ScriptRun(result.returncode, result.output)


def scrub(text: str, hidden: list[str]) -> str:
    """Replace every secret (longest first, so a token inside another is caught too)."""
    for secret in sorted({s for s in hidden if s}, key=len, reverse=True):
        text = text.replace(secret, SCRUBBED)
    return text


def leaked(text: str, hidden: list[str]) -> bool:
    """Tell whether any secret appears in ``text``."""
    return any(secret and secret in text for secret in hidden)


def verdict(spec: DeploySpec, run: ScriptRun, stack_: Stack, image_id: str, client: Any) -> list[str]:  # noqa: ANN401
    """Say what the registry holds against what was expected; the lines start with ok/FAIL."""
    registry = stack_.registry
    if spec.refuse_login:
        held = catalog(registry)
        return [
            f"{_mark(run.returncode != 0)} the script exited {run.returncode} after the refused login",
            f"{_mark(not held)} the registry holds no repository ({', '.join(held) or 'none'})",
        ]
    lines = [f"{_mark(run.returncode == 0)} the script exited {run.returncode}"]
    local = {
        d.split("@", 1)[1]
        for d in images.repo_digests(client, image_id)
        if d.startswith(f"{registry.address}/{spec.image_name}@")
    }
    for tag in spec.tags:
        found = pushed(registry, spec.image_name, tag)
        ref = f"{registry.address}/{spec.image_name}:{tag}"
        if found is None:
            lines.append(f"FAIL {ref}: not in the registry")
            continue
        digest, config = found
        lines.append(f"{_mark(digest in local)} {ref}: registry digest {digest} = the engine's pushed digest")
        lines.append(f"{_mark(config == image_id)} {ref}: manifest config {config} = the local image ID")
    return lines


def _mark(ok: bool) -> str:
    return "ok  " if ok else "FAIL"


def transcript(
    spec: DeploySpec,
    run: ScriptRun,
    *,
    given: dict[str, str],
    note: str = "AWS keys: the emulator's; ECR API: moto on loopback",
    shown: list[tuple[str, str]] | None = None,
    lines: list[str],
    left: bool | None,
) -> str:
    """Write what the page shows: the variables given, the commands as run, their output, and the proof.

    ``left`` (whether docker login's credential outlived the script) is left out when ``None``.
    """
    listed = " ".join(f"{k}={v}" for k, v in sorted(given.items()))
    parts = [f"# env: {listed} ({note})"]
    for command, output in shown or []:
        parts += [f"$ {command}", output.rstrip()]
    parts += [
        f"$ {shlex.join(spec.command)}",
        run.output.rstrip(),
        f"[exit status {run.returncode}]",
        *lines,
    ]
    if left is not None:
        parts.append(
            f"credential still stored in ~/.docker/config.json afterwards: {'yes' if left else 'no'}"
        )
    return "\n".join(part for part in parts if part) + "\n"


def deploy_e2e(ctx: CheckContext, check: DeployE2ECheck) -> dict[str, Any]:
    """Run the snippet's deploy script end to end on loopback and prove what it pushed."""
    spec = spec_from_check(ctx, check)
    try:
        pause = functools.partial(ctx.session.pause, snippet=ctx.snippet.id)
        with machine_lock(ctx.deadline, pause), sweep.marked_temporary_directory("journey-deploy-") as tmp:
            if spec.missing:
                return _run_missing(ctx, check, spec, tmp)
            return _run(ctx, check, spec, tmp)
    except (
        OSError,
        process.SubprocessError,
        docker.errors.DockerException,
        http.client.HTTPException,
    ) as exc:
        _fail(ctx, check, f"deploy-e2e could not run: {exc}")
        raise  # unreachable: _fail raises


def require_secure_loopback(client: Any) -> None:  # noqa: ANN401  (docker.DockerClient is untyped)
    """Refuse an engine that counts [::1] as insecure: its refusals would be an HTTP retry's.

    Engine 26 lists only 127.0.0.0/8 by default; Docker's newer API reference lists ::1/128 too.
    Recording such an engine's output would put a harness artefact back on the page.
    """
    cidrs = (client.info().get("RegistryConfig") or {}).get("InsecureRegistryCIDRs") or []
    here = ipaddress.ip_address(REGISTRY_HOST)
    if any(here in ipaddress.ip_network(c, strict=False) for c in cidrs):
        raise OSError(
            f"this engine counts [{REGISTRY_HOST}] as an insecure registry (InsecureRegistryCIDRs "
            f"{', '.join(cidrs)}): it would skip TLS checks and retry a refused login over HTTP"
        )


def _run(ctx: CheckContext, check: DeployE2ECheck, spec: DeploySpec, workdir: Path) -> dict[str, Any]:
    """Start the stack, run the script, judge, record; every resource is released on the way out."""
    home, work = workdir / "home", workdir / "work"
    home.mkdir()
    work.mkdir()
    with stack(ctx, check, spec, workdir) as running:
        client = running.engine.client
        require_secure_loopback(client)
        image_id = import_image(client, spec.image_name)
        address = None if spec.ecr_hostname else running.registry.address
        env = script_env(spec, home, running.moto_port, address, running.engine.docker_host)
        shown = [(cmd, _show(env, cmd, work)) for cmd in spec.also_show]
        run = run_script(ctx, check, spec, env, work)
        lines = verdict(spec, run, running, image_id, client)
        left = credential_left(home, running.registry)
    # What the page shows beside the script may reveal a credential (that is its point); the script may not.
    raw = "\n".join([run.output, *lines])
    given = {**spec.env, **({"REGISTRY_URL": env["REGISTRY_URL"]} if "REGISTRY_URL" in env else {})}
    text = transcript(spec, run, given=given, shown=shown, lines=lines, left=left)
    output = normalise(scrub(text, running.secrets), root=ctx.root)
    if leaked(output, running.secrets):  # pragma: no cover - scrub() makes this impossible
        _fail(ctx, check, "a credential survived scrubbing")
    if leaked(raw, running.secrets):
        _fail(ctx, check, "the script printed a credential (scrubbed in this log)", log_tail=output)
    if any(line.startswith("FAIL") for line in lines):
        _fail(ctx, check, "the deploy did not do what it must (see the FAIL lines)", log_tail=output)
    return {"name": check.name, "ok": True, "output": output}


def _show(env: dict[str, str], command: str, work: Path) -> str:
    """Run a command the page shows beside the script (e.g. what ``aws ecr get-login`` prints)."""
    done = process.run(
        shlex.split(command), env=env, cwd=work, capture_output=True, text=True, timeout=60, check=False
    )
    return done.stdout + done.stderr


def _run_missing(ctx: CheckContext, check: DeployE2ECheck, spec: DeploySpec, workdir: Path) -> dict[str, Any]:
    """Run the script without one variable: it must stop at once, in one line naming the variable.

    Nothing is started: the AWS endpoint and (unless REGISTRY_URL is the variable under test) the
    registry point at a closed loopback port, so a script that went on anyway could reach nothing.
    """
    home, work = workdir / "home", workdir / "work"
    home.mkdir()
    work.mkdir()
    loopback = f"127.0.0.1:{CLOSED_PORT}"
    env = script_env(spec, home, CLOSED_PORT, None if spec.missing == "REGISTRY_URL" else loopback)
    env.pop(str(spec.missing), None)
    run = run_script(ctx, check, spec, env, work)
    printed = [line for line in run.output.splitlines() if line.strip()]
    stopped = run.returncode != 0 and len(printed) == 1 and f"{spec.missing}:" in printed[0]
    untouched = not any(home.iterdir())
    lines = [
        f"{_mark(stopped)} the script exited {run.returncode} with one line naming {spec.missing}",
        f"{_mark(untouched)} neither aws nor docker ran (nothing written to the home folder)",
    ]
    given = {k: v for k, v in env.items() if k in spec.env or k == "REGISTRY_URL"}
    text = transcript(spec, run, given=given, note=f"{spec.missing} not set", lines=lines, left=None)
    output = normalise(text, root=ctx.root)
    if not (stopped and untouched):
        _fail(ctx, check, f"the script did not stop at once without {spec.missing}", log_tail=output)
    return {"name": check.name, "ok": True, "output": output}
