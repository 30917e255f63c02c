"""A private build farm for Vol. 3's ``ship:`` steps: BuildKit, a registry and a clean engine on loopback.

The shared engine (dockerd 26.1.5, classic image store, buildx's ``docker`` driver) cannot export a
multi-platform image, zstd or eStargz layers or attestations to its store; the same dockerd with the
containerd image store can, but its built-in BuildKit refuses ``rewrite-timestamp`` ("exporter option
"rewrite-timestamp" conflicts with "unpack"", checked here). So for a run
that has ``ship:`` snippets, this module starts, in one network namespace of its own:

- a **standalone buildkitd** (built from its Go module, ``BUILDKIT_MODULE@BUILDKIT_VERSION``, with
  Debian's runc), listening on a unix socket and added to buildx as a ``remote`` builder;
- **Debian's docker-registry** on ``127.0.0.1:5000`` of that namespace, where builds push and which
  buildkitd uses as its ``docker.io`` mirror (the stand-in bases are pushed there: nothing can be pulled);
- a **private dockerd with the containerd image store** (the store that can hold what was pushed:
  multi-platform, zstd), which copies the bases in, runs foreign-architecture images under QEMU and
  is the clean engine that pull times are measured on;
- the **module server** on the stand-in's GOPROXY port, serving the host's module cache.

Everything lives in one temporary folder and is stopped by the PID of what was started (never by name),
unmounted and removed when the block ends, whatever happened. Its own network namespace is why it
cannot disturb the shared engine (a dockerd with ``--bridge=none`` deletes its namespace's docker0).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from journey import layout, modproxy
from journey.errors import JourneyError
from journey.manifest import foreign_of

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

BUILDKIT_MODULE = "github.com/moby/buildkit/cmd/buildkitd"
#: 0.13 is the first BuildKit with ``rewrite-timestamp`` (moby/buildkit#4057); Docker 26.1 ships 0.13 too.
BUILDKIT_VERSION = "v0.13.2"
REGISTRY = "127.0.0.1:5000"
#: Seconds for a daemon of the farm to answer after it was started.
START_WAIT = 60.0
ENGINE_SH = Path(__file__).resolve().parents[1] / "engine.sh"


class FarmError(JourneyError):
    """The build farm could not be started (exit 1): names the part and its log's last lines."""


@dataclass
class Farm:
    """A running farm: where its sockets are, which buildx builder is it, and what was started."""

    folder: Path
    builder: str
    buildkit: str
    #: the processes started here (registry, buildkitd, module server), stopped by their PIDs
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    #: held by one snippet's ship work at a time: a push prunes BuildKit's cache and empties the clean
    #: engine before timed pulls, which another snippet's push must not see half-way
    exclusive: threading.Lock = field(default_factory=threading.Lock)
    #: buildkitd's PID: its process tree's CPU tells a silent step (an emulated compile) from a hung one
    buildkitd_pid: int | None = None

    @property
    def docker_sock(self) -> Path:
        """The private engine's socket."""
        return self.folder / "docker.sock"

    @property
    def dockerd_pid(self) -> int | None:
        """The private engine's PID (its pidfile); its network namespace is the farm's."""
        try:
            return int((self.folder / "docker.pid").read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return None

    def netns(self) -> list[str]:
        """Prefix that runs a command in the farm's network namespace (where 127.0.0.1:5000 is)."""
        return ["nsenter", f"--net=/proc/{self.dockerd_pid}/ns/net", "--"]

    def engine_env(self) -> dict[str, str]:
        """Environment of a docker CLI talking to the farm's private engine."""
        return {**os.environ, "DOCKER_HOST": f"unix://{self.docker_sock}"}

    def docker(self, *argv: str, timeout: float = 600, stdin: bytes | None = None) -> str:
        """Run the docker CLI against the private engine; raise FarmError with its stderr on failure."""
        done = subprocess.run(
            ["docker", *argv],
            env=self.engine_env(),
            input=stdin,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            cause = done.stderr.decode(errors="replace").strip().splitlines()
            raise FarmError(
                f"docker {' '.join(argv[:2])}: {cause[-1] if cause else done.returncode}", step="farm"
            )
        return done.stdout.decode(errors="replace")

    def registry_get(self, path: str, accept: Iterable[str] = ()) -> bytes:
        """GET ``http://127.0.0.1:5000<path>`` from inside the namespace (curl: the host cannot reach it)."""
        argv = [*self.netns(), "curl", "-sSf", "--max-time", "120"]
        for media in accept:
            argv += ["-H", f"Accept: {media}"]
        done = subprocess.run(
            [*argv, f"http://{REGISTRY}{path}"], capture_output=True, timeout=180, check=False
        )
        if done.returncode != 0:
            raise FarmError(
                f"registry GET {path}: {done.stderr.decode(errors='replace').strip()}", step="registry"
            )
        return done.stdout


def buildkitd_binary(root: Path, say: Callable[[str], None]) -> Path:
    """Return buildkitd ``BUILDKIT_VERSION``, built once into ``.cache/tools`` from the Go module proxy."""
    folder = layout.cache_dir(root, "tools", f"buildkitd-{BUILDKIT_VERSION}")
    binary = folder / "buildkitd"
    if binary.is_file():
        return binary
    folder.mkdir(parents=True, exist_ok=True)
    say(
        f"farm: building buildkitd {BUILDKIT_VERSION} from the Go module proxy (a few minutes, once)",
    )
    env = {**os.environ, "GOBIN": str(folder), "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}
    done = subprocess.run(
        ["go", "install", f"{BUILDKIT_MODULE}@{BUILDKIT_VERSION}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0 or not binary.is_file():
        raise FarmError(
            f"go install {BUILDKIT_MODULE}@{BUILDKIT_VERSION} failed: {done.stderr[-400:]}", step="farm"
        )
    return binary


def _wait(what: str, ready: Callable[[], bool], log: Path | None) -> None:
    """Poll ``ready`` until it answers or START_WAIT passes; then fail with the log's tail."""
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.3)
    text = log.read_text(encoding="utf-8", errors="replace")[-800:] if log and log.is_file() else ""
    raise FarmError(f"{what} did not answer within {START_WAIT:.0f} s: {text}", step="farm")


def _start_engine(farm: Farm) -> None:
    """Start the private containerd-store dockerd in a new network namespace (scripts/engine.sh)."""
    config = farm.folder / "daemon.json"
    config.write_text(json.dumps({"features": {"containerd-snapshotter": True}}) + "\n", encoding="utf-8")
    env = {
        **os.environ,
        "JOURNEY_DOCKERD_SOCKET": str(farm.docker_sock),
        "JOURNEY_DOCKERD_DATA_ROOT": str(farm.folder / "data"),
        "JOURNEY_DOCKERD_EXEC_ROOT": str(farm.folder / "exec"),
        "JOURNEY_DOCKERD_PIDFILE": str(farm.folder / "docker.pid"),
        "JOURNEY_DOCKERD_LOG": str(farm.folder / "dockerd.log"),
        "JOURNEY_DOCKERD_ARGS": f"--bridge=none --iptables=false --ip6tables=false --config-file={config}",
        "JOURNEY_ENGINE_WAIT": str(int(START_WAIT)),
    }
    done = subprocess.run(
        ["unshare", "--net", "--", "bash", str(ENGINE_SH)],
        env=env,
        capture_output=True,
        text=True,
        timeout=START_WAIT + 30,
        check=False,
    )
    if done.returncode != 0 or farm.dockerd_pid is None:
        raise FarmError(f"private dockerd: {done.stderr.strip()[-400:]}", step="farm")
    subprocess.run([*farm.netns(), "ip", "link", "set", "lo", "up"], check=True, timeout=30)


def _spawn(farm: Farm, name: str, argv: list[str]) -> Path:
    """Start one of the farm's servers in its namespace, logging to ``<name>.log``; keep its PID."""
    log = farm.folder / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*farm.netns(), *argv],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    farm.procs.append(proc)
    return log


def _answers(farm: Farm, url: str) -> bool:
    argv = [*farm.netns(), "curl", "-s", "-o", "/dev/null", "--max-time", "2", url]
    return subprocess.run(argv, capture_output=True, timeout=10, check=False).returncode == 0


def _start_registry(farm: Farm) -> None:
    config = farm.folder / "registry.yml"
    config.write_text(
        "version: 0.1\nlog: {level: error}\n"
        f"storage: {{filesystem: {{rootdirectory: {farm.folder / 'registry'}}}, delete: {{enabled: true}}}}\n"
        f"http: {{addr: '{REGISTRY}'}}\n",
        encoding="utf-8",
    )
    log = _spawn(farm, "registry", [registry_binary(), "serve", str(config)])
    _wait("registry", lambda: _answers(farm, f"http://{REGISTRY}/v2/"), log)


def registry_binary() -> str:
    """Debian's ``docker-registry`` (distribution); the deploy checks use the same program."""
    found = shutil.which("docker-registry") or shutil.which("registry")
    if not found:
        raise FarmError("docker-registry is not installed (run `make host-deps`)", step="farm")
    return found


def _push_bases(farm: Farm, bases: Iterable[str]) -> None:
    """Copy each base from the shared engine into the private one and push it to the mirror registry.

    buildkitd resolves ``golang:1.26-trixie`` as ``docker.io/library/golang:1.26-trixie``; its config
    makes the loopback registry that name's mirror, so the Dockerfile a reader copies stays unchanged.
    """
    for ref in bases:
        shared = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
        save = subprocess.Popen(["docker", "save", ref], env=shared, stdout=subprocess.PIPE)
        load = subprocess.run(
            ["docker", "load", "--quiet"],
            env=farm.engine_env(),
            stdin=save.stdout,
            capture_output=True,
            timeout=900,
            check=False,
        )
        assert save.stdout is not None  # noqa: S101 - Popen with PIPE
        save.stdout.close()
        if save.wait(timeout=900) != 0 or load.returncode != 0:
            raise FarmError(
                f"cannot copy base {ref} into the farm: {load.stderr.decode()[-300:]}", step="farm"
            )
        mirrored = f"{REGISTRY}/{mirror_path(ref)}"
        farm.docker("tag", ref, mirrored)
        farm.docker("push", "--quiet", mirrored, timeout=900)
    for name, sources in base_indexes(bases).items():
        _create_index(farm, name, sources)


def mirror_path(ref: str) -> str:
    """Where a base is pushed: its Docker Hub path; a foreign stand-in's beside it, tagged by platform.

    ``journey-standin/linux-arm64/golang:1.26-trixie`` goes to ``library/golang:1.26-trixie-linux-arm64``,
    in the same repository as the amd64 one, so one index there can list both.
    """
    foreign = foreign_of(ref)
    if foreign is None:
        return library_path(ref)
    official, platform = foreign
    return f"{library_path(official)}-{platform.replace('/', '-')}"


def base_indexes(bases: Iterable[str]) -> dict[str, list[str]]:
    """Map each official name with a foreign stand-in to the pushed images its index lists.

    The classic image store holds one platform per tag, so each platform was pushed on its own; the
    index under the official name is what ``FROM golang:1.26-trixie`` resolves through the mirror for
    either platform: the native image (when the run has it) first, then each foreign one.
    """
    listed = list(bases)
    indexes: dict[str, list[str]] = {}
    for ref in listed:
        foreign = foreign_of(ref)
        if foreign is None:
            continue
        official = foreign[0]
        name = f"{REGISTRY}/{library_path(official)}"
        native = [name] if official in listed else []
        indexes.setdefault(name, native).append(f"{REGISTRY}/{mirror_path(ref)}")
    return indexes


def _create_index(farm: Farm, name: str, sources: list[str]) -> None:
    """Push one index of ``sources`` as ``name`` (``docker buildx imagetools create``, in the namespace)."""
    argv = [*farm.netns(), "docker", "buildx", "imagetools", "create", "--tag", name, *sources]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise FarmError(f"imagetools create {name}: {done.stderr.strip()[-400:]}", step="farm")


def library_path(ref: str) -> str:
    """Docker Hub's path for a short name: ``golang:1.26`` is ``library/golang:1.26``."""
    return ref if "/" in ref else f"library/{ref}"


def _start_buildkitd(farm: Farm, binary: Path) -> None:
    config = farm.folder / "buildkitd.toml"
    config.write_text(
        "[worker.oci]\n  enabled = true\n  gc = false\n[worker.containerd]\n  enabled = false\n"
        f'[registry."docker.io"]\n  mirrors = ["{REGISTRY}"]\n[registry."{REGISTRY}"]\n  http = true\n',
        encoding="utf-8",
    )
    sock = farm.folder / "buildkitd.sock"
    log = _spawn(
        farm,
        "buildkitd",
        [
            str(binary),
            "--config",
            str(config),
            "--root",
            str(farm.folder / "buildkit"),
            "--addr",
            f"unix://{sock}",
            "--allow-insecure-entitlement",
            "network.host",
        ],
    )
    farm.buildkitd_pid = farm.procs[-1].pid  # nsenter execs it: the same PID
    _wait("buildkitd", sock.exists, log)
    done = subprocess.run(
        ["docker", "buildx", "create", "--name", farm.builder, "--driver", "remote", f"unix://{sock}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise FarmError(f"buildx create --driver remote: {done.stderr.strip()}", step="farm")


def _serve_modules(farm: Farm, root: Path, contexts: Iterable[Path], port: int | None) -> None:
    """Serve the host's module cache on the stand-in's GOPROXY port inside the namespace."""
    if port is None:
        return
    gomodcache = modproxy.cache_dir(root)
    modproxy.download(modproxy.module_dirs(contexts), gomodcache)
    directory = gomodcache / "cache" / "download"
    directory.mkdir(parents=True, exist_ok=True)
    log = _spawn(
        farm,
        "modules",
        [sys.executable, "-m", "http.server", "-b", "127.0.0.1", "-d", str(directory), str(port)],
    )
    _wait("module server", lambda: _answers(farm, f"http://127.0.0.1:{port}/"), log)


@contextlib.contextmanager
def running(
    root: Path,
    run_id: str,
    needs: tuple[Iterable[str], Iterable[Path], int | None],
    say: Callable[[str], None],
) -> Iterator[Farm]:
    """Start the farm for one run, yield it, and remove every part of it afterwards.

    ``needs`` are the bases to push to its registry, the build contexts whose modules to serve, and the
    stand-in's GOPROXY port (None: no module server).
    """
    bases, contexts, goproxy_port = needs
    binary = buildkitd_binary(root, say)
    folder = Path(tempfile.mkdtemp(prefix="journey-farm-"))
    farm = Farm(folder, builder=f"journey-farm-{run_id}", buildkit=f"buildkitd {BUILDKIT_VERSION}")
    say(
        f"farm: starting buildkitd {BUILDKIT_VERSION}, a registry and a private engine in {folder}",
    )
    try:
        _start_engine(farm)
        _start_registry(farm)
        _push_bases(farm, bases)
        _serve_modules(farm, root, contexts, goproxy_port)
        _start_buildkitd(farm, binary)
        yield farm
    finally:
        stop(farm)


def stop(farm: Farm) -> None:
    """Stop what the farm started, by PID, then unmount and remove its folder (never raises)."""
    subprocess.run(["docker", "buildx", "rm", farm.builder], capture_output=True, timeout=60, check=False)
    for proc in farm.procs:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
    for proc in farm.procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    pid = farm.dockerd_pid
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    mounts = Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines()
    points = sorted(
        (m.split()[1] for m in mounts if m.split()[1].startswith(str(farm.folder))), key=len, reverse=True
    )
    for point in points:
        subprocess.run(["umount", "-l", point], capture_output=True, check=False, timeout=30)
    shutil.rmtree(farm.folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
