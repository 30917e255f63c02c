"""Build a stand-in for a caller who is not root: the recipe runs in a privileged helper container.

``debian.sh`` and ``foreign.sh`` debootstrap and chroot, which needs root, and they refuse to run
without it. A user in the ``docker`` group can start privileged containers on the engine anyway, so
"``make verify`` needs no root" (issue 14) holds when the *same* recipe, byte for byte, runs as the
root of a container instead of the host's. Its bytes matter: a stand-in's identity is its recipe's
digest and its packages (``bases.Recipe.digest``, ``bases.base_identity``); a recipe changed for this
path would make every recorded result stale. So all of the wrapping is here, around the recipe:

- the helper image is made on the spot (``docker import`` of a tar holding only the merged-/usr
  symlinks and empty folders: there is no registry to pull from), tagged and labelled with the build's
  own id, and removed when the build ends;
- the container runs the host's programs: ``/usr`` and ``/etc`` bind-mounted read-only (debootstrap,
  dpkg, the docker CLI and its buildx plugin, the keyrings; the host's passwd says who root is);
  ``scripts/bases`` read-only at its own path (the recipes find their Dockerfiles next to themselves);
  the engine's socket, with ``DOCKER_HOST`` pointing at it (the recipes call ``docker import`` and
  ``docker buildx build``); ``--network host`` (debootstrap reaches the Debian mirror over plain HTTP,
  as on the host); ``--privileged`` (chroot, the mounts of debootstrap's second stage, QEMU for
  ``foreign.sh``);
- everything the recipe writes is the container's own: ``/tmp`` and ``/run`` are tmpfs, ``/var/tmp``
  (debootstrap's root filesystem: it needs device nodes, which Docker's tmpfs forbids) and ``/root``
  (the docker CLI's config) are its writable layer. Removing the container removes all of it, so
  nothing root-owned is left on the host. Nothing else is needed: debootstrap reads no dpkg database
  of the host, and ``/dev`` and ``/proc`` are the container's;
- ``scripts/standin-helper/enter.sh`` is its first process: it mounts binfmt_misc and passes a stop
  signal to the recipe's whole process group, so the recipe's own EXIT trap cleans up as on the host.

The container and the image carry ``org.golangjourney.tool=standin-helper``, the build's id under
``org.golangjourney.run`` (the labels ``deploy_engine`` and ``session`` use) and this process under
``org.golangjourney.owner``, and both are removed on success, failure, timeout, Ctrl-C and SIGTERM; after
a SIGKILL, by a later run's sweep (``journey.engine.sweep``; the build's record names it). As root, none of
this runs: ``bases`` runs the recipe on the host exactly as before. The engine must be this machine's
(the bind mounts are its paths).

The caller's proxies may hold credentials (``http://user:secret@proxy:3128``): they reach the container
by name only (``--env=http_proxy``, the value taken from the docker CLI's own environment), never on a
command line, where any user's ``ps`` would show them.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import tarfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from journey.core import process
from journey.core.errors import EngineUnavailableError
from journey.engine import images, sweep
from journey.engine.images import OWNER_LABEL, RUN_LABEL

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

#: The label ``deploy_engine`` puts on its container too: what made it, for a person or a test.
TOOL_LABEL = "org.golangjourney.tool"
TOOL_NAME = "standin-helper"
#: Repository of the helper image's tag; the tag is the build's id (one image per build).
HELPER_REPO = "journey-tools/standin-helper"
#: The helper's first process (shellchecked with the other scripts).
ENTRY = Path(__file__).resolve().parents[2] / "standin-helper" / "enter.sh"
#: Where the engine's socket appears inside the container (under its own tmpfs /run).
SOCKET_IN_CONTAINER = "/run/journey-docker.sock"
#: The CLI's and the SDK's default when DOCKER_HOST is not set.
DEFAULT_SOCKET = "/var/run/docker.sock"
#: The helper image's whole file system: merged-/usr symlinks (the host's /usr is mounted), and empty
#: folders to mount on or to write in (mode 1777 where any program may make temporary files).
SYMLINKS: dict[str, str] = {"bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib", "lib64": "usr/lib64"}
FOLDERS: dict[str, int] = {
    "usr": 0o755,
    "etc": 0o755,
    "dev": 0o755,
    "proc": 0o555,
    "sys": 0o555,
    "run": 0o755,
    "root": 0o700,
    "tmp": 0o1777,
    "var": 0o755,
    "var/tmp": 0o1777,
}
#: Environment the recipes read (mirrors, bootstrap, GOPROXY port, no-cache) and the proxies apt and
#: debootstrap honour: passed on by name, since on the host the recipe inherits the whole environment.
PASSED_PREFIX = "JOURNEY_"
PASSED_NAMES = ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")
#: Seconds the recipe gets to run its EXIT trap after a stop signal, before the container is killed.
STOP_GRACE = 15
#: Seconds a docker CLI call around the recipe (import, create, inspect, remove) may take.
CLI_TIMEOUT = 120
#: What the docker CLI prints when no engine answers (then the exit code is 3, not 5).
NO_ENGINE_SIGNS = ("Cannot connect to the Docker daemon", "Is the docker daemon running")


class HelperError(Exception):
    """The helper container could not be made or started; ``bases`` records it as the base's cause."""


def needed(euid: int | None = None) -> bool:
    """Whether a recipe must run in the helper: the caller is not root (``euid`` for the tests)."""
    return (os.geteuid() if euid is None else euid) != 0


def skeleton_tar() -> bytes:
    """Return the helper image's file system as a tar (owned by root, dated 0: the same bytes each time)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, mode in FOLDERS.items():
            entry = tarfile.TarInfo(name)
            entry.type, entry.mode = tarfile.DIRTYPE, mode
            tar.addfile(entry)
        for name, target in SYMLINKS.items():
            entry = tarfile.TarInfo(name)
            entry.type, entry.linkname, entry.mode = tarfile.SYMTYPE, target, 0o777
            tar.addfile(entry)
    return buffer.getvalue()


def engine_endpoint(docker_host: str | None) -> tuple[str | None, str]:
    """Return the engine's socket on the host (None: not a unix socket) and DOCKER_HOST in the container.

    A unix socket (DOCKER_HOST unset means the default one) is bind-mounted; a TCP address is passed on
    as it is (the container shares the host's network).
    """
    host = docker_host or f"unix://{DEFAULT_SOCKET}"
    if host.startswith("unix://"):
        return host.removeprefix("unix://"), f"unix://{SOCKET_IN_CONTAINER}"
    return None, host


@dataclass(frozen=True)
class HelperSpec:
    """One recipe run in the helper: what it builds, the recipe, and the engine it talks to."""

    ref: str
    script: Path
    args: tuple[str, ...]
    docker_host: str | None = None
    environ: Mapping[str, str] = field(default_factory=dict)
    build_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    #: the process that made the helper (``sweep.Owner``), so a later sweep knows when it has ended
    owner: str = field(default_factory=lambda: str(sweep.current()))

    @property
    def image(self) -> str:
        """The helper image's tag, unique to this build."""
        return f"{HELPER_REPO}:{self.build_id}"

    @property
    def container(self) -> str:
        """The helper container's name, unique to this build."""
        return f"journey-standin-helper-{self.build_id}"

    @property
    def labels(self) -> dict[str, str]:
        """Labels of the image and the container: what made them, this build's id and its owner."""
        return {TOOL_LABEL: TOOL_NAME, RUN_LABEL: self.build_id, OWNER_LABEL: self.owner}


def import_argv(spec: HelperSpec) -> list[str]:
    """Return the ``docker import`` arguments making the helper image from :func:`skeleton_tar` on stdin."""
    changes = [f"--change=LABEL {key}={value}" for key, value in spec.labels.items()]
    return ["docker", "import", *changes, "-", spec.image]


def create_argv(spec: HelperSpec) -> list[str]:
    """Return the ``docker create`` arguments of the helper container (see the module's docstring)."""
    socket, inner_host = engine_endpoint(spec.docker_host)
    recipes = spec.script.parent
    mounts = [
        ("/usr", "/usr"),
        ("/etc", "/etc"),
        (str(recipes), str(recipes)),
        (str(ENTRY.parent), str(ENTRY.parent)),
    ]
    argv = ["docker", "create", "--name", spec.container]
    argv += [f"--label={key}={value}" for key, value in spec.labels.items()]
    argv += ["--privileged", "--network=host", "--user=0:0", "--workdir=/"]
    argv += [f"--mount=type=bind,source={src},target={dst},readonly" for src, dst in mounts]
    if socket is not None:
        argv.append(f"--mount=type=bind,source={socket},target={SOCKET_IN_CONTAINER}")
    argv += ["--tmpfs=/tmp:mode=1777", "--tmpfs=/run:mode=0755"]
    own = {"DOCKER_HOST": inner_host, "HOME": "/root"}
    passed = passed_environment(spec.environ)
    env = {**{key: f"{key}={value}" for key, value in own.items()}, **{key: key for key in passed}}
    argv += [f"--env={entry}" for _key, entry in sorted(env.items())]
    return [*argv, spec.image, "bash", str(ENTRY), str(spec.script), *spec.args]


def passed_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """Pick the caller's variables a recipe reads (``JOURNEY_*``, the proxies), for the container."""
    return {
        key: value for key, value in environ.items() if key.startswith(PASSED_PREFIX) or key in PASSED_NAMES
    }


def create_environment(spec: HelperSpec) -> dict[str, str]:
    """Return the environment of the ``docker create`` call: where the passed variables' values come from.

    ``create_argv`` names them without values (``--env=http_proxy``), so a proxy's credentials are never
    on a command line; the docker CLI reads each value from its own environment, this one.
    """
    return {**os.environ, **passed_environment(spec.environ)}


def run_recipe(ref: str, script: Path, args: Sequence[str], *, timeout: float) -> int:
    """Run ``script args`` in a new helper container as its root; return the recipe's exit code.

    The recipe's stderr (its progress lines) passes through, its stdout is dropped, as on the host.
    Raises ``process.TimeoutExpired`` after ``timeout`` seconds, :class:`HelperError` when the
    helper cannot be made or started, ``EngineUnavailableError`` when no docker CLI or engine answers,
    and ``KeyboardInterrupt`` on Ctrl-C or SIGTERM; the container and the image are gone in every case.
    """
    spec = HelperSpec(ref, script, tuple(args), os.environ.get("DOCKER_HOST"), dict(os.environ))
    with _sigterm_as_interrupt():
        record = sweep.open_record(spec.build_id)  # a later sweep finds what a SIGKILL leaves
        try:
            _cli(spec, "make the helper image", import_argv(spec), stdin=skeleton_tar())
            _cli(spec, "create the helper container", create_argv(spec), env=create_environment(spec))
            return _attach(spec, timeout)
        finally:
            sweep.mark_clean(record, _remove(spec))
            sweep.drop_if_finished(record)


def _attach(spec: HelperSpec, timeout: float) -> int:
    """Start the container attached; stop it (the recipe cleans up) on timeout or interrupt."""
    argv = ["docker", "start", "--attach", spec.container]
    # A session of its own: Ctrl-C reaches only journey, which stops the recipe through the container.
    proc = process.start(argv, stdin=process.DEVNULL, stdout=process.DEVNULL, start_new_session=True)
    try:
        proc.wait(timeout=timeout)
    except BaseException:  # TimeoutExpired, KeyboardInterrupt (Ctrl-C or SIGTERM)
        _stop(spec, proc)
        raise
    status, error, code = _state(spec)
    if status == "created" or error:
        why = error or "no reason given"
        raise HelperError(f"the helper container {spec.container} did not start: {why}")
    return code


def _state(spec: HelperSpec) -> tuple[str, str, int]:
    """Return the container's status, start error and exit code, as the engine has them."""
    fmt = "{{.State.Status}}\t{{.State.ExitCode}}\t{{.State.Error}}"
    out = _cli(spec, "inspect the helper container", ["docker", "inspect", "--format", fmt, spec.container])
    status, code, error = [*out.rstrip("\n").split("\t", 2), "", "", ""][:3]
    return status, error.strip(), int(code or 0)


def _stop(spec: HelperSpec, proc: process.Popen[bytes]) -> None:
    """Send the recipe SIGTERM (``enter.sh`` passes it on), give it ``STOP_GRACE`` s, then kill."""
    with contextlib.suppress(OSError, process.SubprocessError):
        argv = ["docker", "kill", "--signal=TERM", spec.container]
        process.run(argv, capture_output=True, timeout=CLI_TIMEOUT, check=False)
        proc.wait(timeout=STOP_GRACE)
    with contextlib.suppress(OSError):
        proc.kill()


def _remove(spec: HelperSpec) -> bool:
    """Remove the container (with its writable layer: the recipe's files) and the helper image.

    Never raises: it runs on the way out of errors and interrupts. Tells whether both are gone. What it
    cannot remove carries the labels, so ``docker ps -a --filter label=org.golangjourney.tool=standin-helper``
    finds it, and so does a later sweep (through the owner label and the build's record).
    """
    gone = True
    for remove, name in ((_remove_container, spec.container), (images.cli_remove, spec.image)):
        try:
            done = remove(name, timeout=CLI_TIMEOUT)
        except (OSError, process.SubprocessError):
            gone = False
            continue
        gone = gone and (done.returncode == 0 or b"No such" in done.stderr)
    return gone


def _remove_container(name: str, *, timeout: float) -> process.CompletedProcess[bytes]:
    """Run ``docker rm --force --volumes name`` (unchecked: ``_remove`` reads its exit code and stderr)."""
    argv = ["docker", "rm", "--force", "--volumes", name]
    return process.run(argv, capture_output=True, timeout=timeout, check=False)


def _cli(
    spec: HelperSpec,
    step: str,
    argv: list[str],
    stdin: bytes | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """Run one docker CLI call around the recipe; a failure names the base and the step."""
    try:
        done = process.run(argv, input=stdin, env=env, capture_output=True, timeout=CLI_TIMEOUT, check=False)
    except FileNotFoundError as exc:
        cause = f"{spec.ref}: cannot {step}: the docker CLI is not installed; run `make engine`"
        raise EngineUnavailableError(cause, step="bases") from exc
    except process.TimeoutExpired as exc:
        raise HelperError(f"cannot {step}: `docker {argv[1]}` did not answer within {CLI_TIMEOUT} s") from exc
    err = done.stderr.decode(errors="replace").strip()
    if done.returncode != 0:
        if any(sign in err for sign in NO_ENGINE_SIGNS):
            why = _first_line(err)
            cause = f"{spec.ref}: cannot {step}: no Docker engine answers ({why}); run `make engine`"
            raise EngineUnavailableError(cause, step="bases")
        raise HelperError(f"cannot {step}: {_first_line(err) or f'exit {done.returncode}'}")
    return done.stdout.decode(errors="replace")


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Make SIGTERM take Ctrl-C's path while the helper runs, so its cleanup runs for both.

    ``journey verify`` already does this for the whole run (``runner.signals_interrupt``); ``journey
    bases`` does not, and a SIGTERM would otherwise leave the container running. Signal handlers can
    only be set from the main thread; elsewhere the caller's own handling stands.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt
