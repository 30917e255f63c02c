"""The ``deploy-e2e`` check's private engine: dockerd and the registry in a container of their own.

A deploy script talks to a Docker engine, and the engine decides whom to trust: it reads a private
registry's CA only from ``/etc/docker/certs.d/<host[:port]>/ca.crt`` and resolves the registry's name
with the resolver of the machine it runs on. Installing a CA there, or mapping the 2019 script's fixed
ECR name in ``/etc/hosts``, needs root on the host. Inside a container of its own, both are the
container's files. So the check starts, on the shared engine, one privileged container from
``scripts/deploy-engine/`` (Debian's ``docker.io``, ``docker-registry`` and ``socat`` on the debian
base) with:

- ``--network none``: its network namespace holds only loopback, so nothing it does can leave the
  machine, whatever a name resolves to;
- the ECR name mapped to ``::1`` in *its* ``/etc/hosts`` (``extra_hosts``), for the 2019 script;
- the run's TLS and htpasswd files bind-mounted read-only, and one shared folder (a host temporary
  folder of the calling user) where it makes two unix sockets owned by that user: the inner dockerd's
  and the registry's TLS port (socat), which is how the check reads the registry;
- images and registry blobs on tmpfs, so removing the container removes everything it held.

The script itself runs on the host as before, with the real AWS CLI against moto on the host's loopback
and the real Docker CLI, ``DOCKER_HOST`` pointing at the inner socket. The container is labelled with
the run (``Session.labels_for``) and the tool (:data:`TOOL_LABEL`), removed by its ID when the check
ends and by the run's cleanup after an interrupt, or by a later run's sweep after a SIGKILL (its owner
label). The image is built once per recipe (its digest is in the tag) and carries the versions of
dockerd and the registry in its labels, which results record.

An engine that cannot be built, started or reached is this machine's failure, not the snippet's:
:class:`DeployEngineError` exits 8.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import ipaddress
import shutil
import socket
import time
from dataclasses import dataclass
from pathlib import Path  # noqa: TC003 - dataclass field types are read at run time
from typing import TYPE_CHECKING, Any

import docker
import docker.errors
from docker.types import Mount

from journey.core import layout
from journey.core.errors import MachineError, VerificationError
from journey.engine import images, sweep
from journey.engine.session import tail
from journey.helpers import tool_image

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable, Iterator

    from journey.engine.session import Session

RECIPE = tool_image.RECIPES / "deploy-engine"
RECIPE_FILES = tool_image.RECIPE_FILES
BASE = tool_image.BASE
IMAGE_REPO = "journey-tools/deploy-engine"
TOOL_LABEL = tool_image.TOOL_LABEL
TOOL_NAME = "deploy-e2e-engine"
#: On the image: the recipe it was built from and what its programs say their versions are.
LABEL_RECIPE = "org.golangjourney.deploy-engine.recipe-digest"
LABEL_DOCKERD = "org.golangjourney.deploy-engine.dockerd"
LABEL_REGISTRY = "org.golangjourney.deploy-engine.registry"
#: Where the inner engine and the registry put their unix sockets, in the shared folder.
DOCKER_SOCK = "docker.sock"
REGISTRY_SOCK = "registry.sock"
#: Most bytes of a registry answer ``https_get`` reads (a catalog or a manifest is kilobytes).
ANSWER_CAP = 1 << 20
#: Seconds the inner dockerd and the registry get to answer after the container started.
START_TIMEOUT = 60.0
#: Serialises this user's image builds (two deploy snippets verified side by side): the name of its lock
#: in the runtime folder (``layout.lock_path``).
BUILD_LOCK = "deploy-engine-image"
#: Seconds the built image's ``dockerd --version && docker-registry --version`` may take (it is instant).
VERSIONS_TIMEOUT = 60.0


def recipe_digest(folder: Path = RECIPE) -> str:
    """Return ``sha256:…`` over the recipe's files (name and bytes): a changed recipe is a new image."""
    return tool_image.recipe_digest(folder, RECIPE_FILES)


def image_tag(folder: Path = RECIPE) -> str:
    """Return the engine image's tag: the recipe's digest names it, so an edit builds a new one."""
    return tool_image.image_tag(IMAGE_REPO, folder, RECIPE_FILES)


def label_format(label: str) -> str:
    """Return the ``docker image inspect --format`` template that prints one label of the image."""
    return f'{{{{index .Config.Labels "{label}"}}}}'


@dataclass(frozen=True)
class EngineSpec:
    """What one private engine is started with (all of it chosen by the check)."""

    image: str
    #: ``host[:port]`` the scripts push to: the certs.d folder's name
    registry_address: str
    registry_port: int
    #: the folder of the registry's config, CA, certificate, key and htpasswd (mounted read-only)
    config_dir: Path
    registry_config: Path
    ca: Path
    #: the shared folder where the two unix sockets appear (the calling user's temporary folder)
    sockets: Path
    uid: int
    gid: int
    labels: dict[str, str]
    #: the ECR name mapped to ::1 in the container's /etc/hosts (the 2019 script), or None
    loopback_name: str | None = None

    @property
    def docker_socket(self) -> Path:
        """The inner dockerd's socket, as the host sees it."""
        return self.sockets / DOCKER_SOCK

    @property
    def registry_socket(self) -> Path:
        """The registry's TLS port on a unix socket, as the host sees it."""
        return self.sockets / REGISTRY_SOCK


def container_kwargs(spec: EngineSpec) -> dict[str, Any]:
    """Return the Docker SDK ``containers.create`` arguments of the private engine.

    Privileged: dockerd mounts and makes cgroups. No network but loopback. The bind mounts sit at the
    host's own paths, so the registry config's paths hold inside the container too.
    """
    return {
        "image": spec.image,
        "detach": True,
        "privileged": True,
        "network_mode": "none",
        "init": True,
        "extra_hosts": {spec.loopback_name: "::1"} if spec.loopback_name else {},
        "labels": {**spec.labels, TOOL_LABEL: TOOL_NAME},
        "environment": {
            "JOURNEY_CA": str(spec.ca),
            "JOURNEY_REGISTRY_ADDRESS": spec.registry_address,
            "JOURNEY_REGISTRY_CONFIG": str(spec.registry_config),
            "JOURNEY_REGISTRY_PORT": str(spec.registry_port),
            "JOURNEY_SOCKETS": str(spec.sockets),
            "JOURNEY_UID": str(spec.uid),
            "JOURNEY_GID": str(spec.gid),
        },
        "mounts": [
            Mount(str(spec.config_dir), str(spec.config_dir), type="bind", read_only=True),
            Mount(str(spec.sockets), str(spec.sockets), type="bind"),
        ],
        "tmpfs": {"/var/lib/docker": "mode=0711", "/var/lib/registry": "mode=0700"},
    }


def resolved_addresses(getent_output: str) -> set[str]:
    """Return the addresses ``getent ahosts NAME`` printed (one per line, the address first)."""
    return {line.split()[0] for line in getent_output.splitlines() if line.strip()}


def only_loopback(addresses: set[str]) -> bool:
    """Tell whether a name resolved, and to loopback addresses only."""
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


class UnixHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS over a unix socket: TLS verified against ``context`` for ``server_name`` (name or IP)."""

    def __init__(self, path: Path, server_name: str, context: ssl.SSLContext, timeout: float = 10) -> None:
        super().__init__(server_name, 443, context=context, timeout=timeout)
        self.socket_path = path
        self.tls = context

    def connect(self) -> None:
        """Connect to the socket and do the TLS handshake, checking the certificate and its name."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(str(self.socket_path))
            self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def https_get(
    path: Path, server_name: str, context: ssl.SSLContext, target: str, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """GET ``target`` over the unix socket; return the status, headers and at most ``ANSWER_CAP`` of body.

    The registry's answers here are a catalog and a few manifests (kilobytes); one longer than the cap is
    not read on (the caller's JSON of it fails, naming the path), so a registry that streams for ever
    cannot hold the check. The socket's own timeout bounds each read.
    """
    conn = UnixHTTPSConnection(path, server_name, context)
    try:
        conn.request("GET", target, headers=headers)
        answer = conn.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read(ANSWER_CAP)
    finally:
        conn.close()


# --- the image ------------------------------------------------------------------------------------


class DeployEngineError(MachineError, VerificationError):
    """The private engine could not be built, started or reached (exit 8, the machine's failure).

    Still a VerificationError of the check that needed it (its snippet, step and log tail), so a caller
    that catches those sees it; its exit code is the machine's.
    """


def _fail(what: VerificationError, cause: str, log_tail: str = "") -> DeployEngineError:
    return DeployEngineError(cause, snippet=what.snippet, step=what.step, log_tail=log_tail)


def ensure_image(session: Session, what: VerificationError, idle: float) -> str:
    """Return the engine image's tag, building it first if this recipe was never built here.

    Two builds: the recipe (apt from Debian), then a FROM-only build that puts on the labels what its
    dockerd and registry say their versions are (read by running them, offline), as the stand-ins do.
    """
    client, tag = session.client, image_tag()
    if images.image_present(client, tag):
        return tag
    if not images.image_present(client, BASE):
        raise _fail(what, f"the deploy engine's base {BASE} is not present (run `make bases`)")
    pause = functools.partial(session.pause, snippet=what.snippet)
    lock = tool_image.build_lock(layout.lock_path(BUILD_LOCK), pause, purpose=f"building the image {tag}")
    try:
        with lock:
            _build_image(session, what, idle, tag)
    except tool_image.LockHeldError as exc:
        raise _fail(what, exc.cause) from exc
    return tag


def _build_image(session: Session, what: VerificationError, idle: float, tag: str) -> None:
    """Build the image, holding the build lock, unless the holder before built it meanwhile."""
    client = session.client
    if images.image_present(client, tag):
        return
    temp = session.temp_tag("deploy-engine")
    with sweep.marked_temporary_directory("journey-deploy-engine-") as folder:
        context = folder / "context"  # the marker stays out of the build context
        context.mkdir()
        for name in RECIPE_FILES:
            shutil.copy2(RECIPE / name, context / name)
        _buildx(session, what, idle, ["-t", temp, str(context)])
        versions = _versions(session, what, temp)
        dockerd, registry = [*versions.strip().splitlines(), "", ""][:2]
        (context / "Final.Dockerfile").write_text(f"FROM {temp}\n", encoding="utf-8")
        labels = {LABEL_RECIPE: recipe_digest(), LABEL_DOCKERD: dockerd, LABEL_REGISTRY: registry}
        flags = [f"--label={key}={value}" for key, value in labels.items()]
        final = ["-f", str(context / "Final.Dockerfile"), "-t", tag, str(context)]
        _buildx(session, what, idle, [*flags, *final])
    with contextlib.suppress(docker.errors.DockerException):
        images.remove_image(client, temp, noprune=True)


def _versions(session: Session, what: VerificationError, image: str) -> str:
    """Return what the image's dockerd and registry print as their versions (a container, then removed).

    Not ``containers.run`` without ``detach``: that waits for the exit with no limit, which no interrupt
    ends, and this runs holding the machine's build lock.
    """
    container = session.client.containers.create(
        image,
        entrypoint=["sh", "-c", "dockerd --version && docker-registry --version"],
        network_mode="none",
        labels=session.labels_for(what.snippet),
    )
    try:
        container.start()
        try:
            code = session.wait_exit(container, snippet=what.snippet, timeout=VERSIONS_TIMEOUT)
        except TimeoutError as exc:
            cause = f"the deploy engine's versions did not print within {VERSIONS_TIMEOUT:g} s"
            raise _fail(what, cause) from exc
        output = bytes(container.logs(stdout=True, stderr=False)).decode(errors="replace")
        if code != 0:
            raise _fail(what, f"the deploy engine's versions command exited {code}", log_tail=tail(output))
        return output
    finally:
        with contextlib.suppress(docker.errors.DockerException):
            container.remove(force=True)


def _buildx(session: Session, what: VerificationError, idle: float, args: list[str]) -> None:
    """Run one ``docker buildx build`` into the engine's store (the docker driver loads it)."""
    argv = ["docker", "buildx", "build", "--progress=plain", "--load", *args]
    done = session.run_process(argv, what=what, idle=idle, engine_cpu=True)
    if done.returncode != 0:
        raise _fail(what, "building the deploy engine image failed", log_tail=tail(done.output))


# --- the container --------------------------------------------------------------------------------


@dataclass
class PrivateEngine:
    """A running private engine: its container, an SDK client on its socket, where the registry is."""

    container: Any
    client: Any
    spec: EngineSpec

    @property
    def docker_host(self) -> str:
        """``DOCKER_HOST`` of a CLI that talks to the inner engine."""
        return f"unix://{self.spec.docker_socket}"

    def logs(self) -> str:
        """Return the container's output (the registry's and dockerd's warnings), for an error message."""
        with contextlib.suppress(docker.errors.DockerException):
            return str(self.container.logs().decode(errors="replace"))
        return ""

    def resolve(self, name: str) -> set[str]:
        """Return what ``name`` resolves to inside the container (its own /etc/hosts, then its resolver)."""
        code, out = self.container.exec_run(["getent", "ahosts", name])
        return resolved_addresses(out.decode(errors="replace")) if code == 0 else set()


@contextlib.contextmanager
def running(
    client: Any,  # noqa: ANN401  (docker.DockerClient is untyped)
    spec: EngineSpec,
    what: VerificationError,
    registry_ready: Callable[[], bool],
) -> Iterator[PrivateEngine]:
    """Start the private engine, wait until dockerd and the registry answer, and always remove it."""
    try:
        container = client.containers.run(**container_kwargs(spec))
    except docker.errors.DockerException as exc:
        raise _fail(what, f"cannot start the private engine: {exc}") from exc
    engine = PrivateEngine(container, None, spec)
    try:
        _wait_ready(engine, what, registry_ready)
        yield engine
    finally:
        if engine.client is not None:
            engine.client.close()
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True, v=True)


def _wait_ready(engine: PrivateEngine, what: VerificationError, registry_ready: Callable[[], bool]) -> None:
    """Poll both sockets; a container that exits or never answers is an error carrying its output."""
    limit = time.monotonic() + START_TIMEOUT
    waiting = "dockerd"
    while time.monotonic() < limit:
        engine.container.reload()
        if engine.container.status not in {"created", "running"}:
            code = engine.container.attrs.get("State", {}).get("ExitCode")
            raise _fail(what, f"the private engine exited ({code})", log_tail=tail(engine.logs()))
        with contextlib.suppress(docker.errors.DockerException, OSError):
            if waiting == "dockerd" and engine.spec.docker_socket.exists():
                # the SDK asks the engine its API version on creation: only once the socket is there
                if engine.client is None:
                    engine.client = docker.DockerClient(base_url=engine.docker_host, timeout=60)
                if engine.client.ping():
                    waiting = "registry"
            if waiting == "registry" and engine.spec.registry_socket.exists() and registry_ready():
                return
        time.sleep(0.2)
    raise _fail(
        what,
        f"the private engine's {waiting} did not answer within {START_TIMEOUT:g} s",
        log_tail=tail(engine.logs()),
    )
