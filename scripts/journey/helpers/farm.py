"""A private build farm for Vol. 3's ``ship:`` steps: BuildKit, a registry and a clean engine on loopback.

The shared engine (dockerd 26.1.5, classic image store, buildx's ``docker`` driver) cannot export a
multi-platform image, zstd or eStargz layers or attestations to its store; the same dockerd with the
containerd image store can, but its built-in BuildKit refuses ``rewrite-timestamp`` ("exporter option
"rewrite-timestamp" conflicts with "unpack"", checked here). So for a run that has ``ship:`` snippets,
this module starts, in one privileged container of its own on the shared engine (``scripts/farm/``,
``--network none``: its network namespace holds only loopback):

- a **standalone buildkitd** (built from its Go module, ``BUILDKIT``, with
  Debian's runc), listening on a unix socket and added to buildx as a ``remote`` builder;
- **Debian's docker-registry** on ``127.0.0.1:5000`` of that namespace, where builds push and which
  buildkitd uses as its ``docker.io`` mirror (the stand-in bases are pushed there: nothing can be pulled);
- a **private dockerd with the containerd image store** (the store that can hold what was pushed:
  multi-platform, zstd), which copies the bases in, runs foreign-architecture images under QEMU and
  is the clean engine that pull times are measured on;
- the **module server** on the stand-in's GOPROXY port, serving the host's module cache.

Why a container and not a namespace on the host: a user in the ``docker`` group may start one, so
the farm needs no root (``unshare --net`` did), and removing it removes everything the servers stored
(its ``/farm`` volume). The two unix sockets the host talks to (dockerd's, buildkitd's) are made in a
temporary folder of the calling user, owned by that user's group. The container carries the run's
labels (its owner among them), so the run's cleanup removes it after an interrupt, and a later run's
sweep after a SIGKILL; the folder is marked (``sweep.marked_tempdir``) and the builder noted in the
run's record, for the same sweep.

Every failure to start or answer is this machine's, not a snippet's: :class:`FarmError` exits 8.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path  # noqa: TC003 - dataclass field types are read at run time
from typing import IO, TYPE_CHECKING

from journey.core import layout, process
from journey.core.errors import MachineError
from journey.engine import images, sweep
from journey.helpers import gotools, modproxy, tool_image
from journey.model.manifest import foreign_of

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

#: 0.13 is the first BuildKit with ``rewrite-timestamp`` (moby/buildkit#4057); Docker 26.1 ships 0.13 too.
BUILDKIT = gotools.GoTool("github.com/moby/buildkit/cmd/buildkitd", "v0.13.2")
REGISTRY = "127.0.0.1:5000"
#: Seconds for a daemon of the farm to answer after it was started.
START_WAIT = 60.0
#: The farm image's recipe (tooling, not a snippet), the image it is built from, and where it is tagged.
RECIPE = tool_image.RECIPES / "farm"
RECIPE_FILES = tool_image.RECIPE_FILES
IMAGE_BASE = tool_image.BASE
IMAGE_REPO = "journey-tools/farm"
LABEL_RECIPE = "org.golangjourney.farm.recipe-digest"
TOOL_LABEL = tool_image.TOOL_LABEL
TOOL_NAME = "build-farm"
#: Serialises this user's builds of the farm image (two checkouts starting a farm at once): the name of
#: its lock in the runtime folder (``layout.lock_path``).
BUILD_LOCK = "farm-image"
#: Longest a streamed registry read (one layer blob, over loopback) may take.
STREAM_SECONDS = 900


class FarmError(MachineError):
    """The build farm could not be started or did not answer (exit 8): names the part and its log's tail."""


@dataclass(frozen=True)
class FarmSpec:
    """What the farm's container is started with (all of it chosen by ``running``)."""

    #: the buildkitd binary, mounted read-only at its host path
    buildkitd: Path
    #: the module cache folder to serve (``cache/download``), or None: no module server
    modules: Path | None
    goproxy_port: int | None
    #: the group that owns the two sockets: the caller's, so a docker-group user can use them
    gid: int
    labels: dict[str, str]


@dataclass
class Farm:
    """A running farm: where its sockets are, which buildx builder is it, and its container."""

    folder: Path
    builder: str
    buildkit: str
    #: the container's ID once started; removing it stops every server of the farm
    container: str | None = None
    #: held by one snippet's ship work at a time: a push prunes BuildKit's cache and empties the clean
    #: engine before timed pulls, which another snippet's push must not see half-way
    exclusive: threading.Lock = field(default_factory=threading.Lock)
    #: the container's first process (its init): the CPU of its tree (buildkitd and the steps it runs,
    #: the other servers too) tells a silent step, such as an emulated compile, from a hung one
    buildkitd_pid: int | None = None

    @property
    def docker_sock(self) -> Path:
        """The private engine's socket."""
        return self.folder / "docker.sock"

    def netns(self) -> list[str]:
        """Prefix that runs a command in the farm's network namespace (where 127.0.0.1:5000 is)."""
        return ["docker", "exec", str(self.container)]

    def alive(self) -> bool:
        """Whether the farm's container is still running."""
        argv = ["docker", "inspect", "--format", "{{.State.Running}}", str(self.container)]
        done = process.run(argv, capture_output=True, text=True, timeout=60, check=False)
        return done.stdout.strip() == "true"

    def engine_env(self) -> dict[str, str]:
        """Environment of a docker CLI talking to the farm's private engine."""
        return {**os.environ, "DOCKER_HOST": f"unix://{self.docker_sock}"}

    def docker(self, *argv: str, timeout: float = 600, stdin: bytes | None = None) -> str:
        """Run the docker CLI against the private engine; raise FarmError with its stderr on failure."""
        done = process.run(
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
        done = process.run([*argv, f"http://{REGISTRY}{path}"], capture_output=True, timeout=180, check=False)
        if done.returncode != 0:
            raise FarmError(
                f"registry GET {path}: {done.stderr.decode(errors='replace').strip()}", step="registry"
            )
        return done.stdout

    @contextlib.contextmanager
    def registry_stream(self, path: str) -> Iterator[IO[bytes]]:
        """Stream the body of ``GET <path>`` from the registry (a layer blob): never held whole in memory.

        A layer of Vol. 1's naive image is hundreds of megabytes, its tar over a gigabyte: read by
        ``registry_get`` and decompressed in memory, one push's measure held both at once. The stream
        is curl's stdout; curl's own ``--max-time`` bounds it, and its failure (after the body was read,
        or not) is a :class:`FarmError` naming the path.
        """
        argv = [*self.netns(), "curl", "-sSf", "--max-time", str(STREAM_SECONDS), f"http://{REGISTRY}{path}"]
        curl = process.start(argv, stdout=process.PIPE, stderr=process.PIPE)
        stdout = curl.stdout
        if stdout is None:  # never: stdout=PIPE gives a stream
            raise FarmError(f"registry GET {path}: curl gave no stream", step="registry")
        try:
            yield stdout
        finally:
            stdout.close()
            try:
                curl.wait(timeout=STREAM_SECONDS)
            except process.TimeoutExpired:
                curl.kill()
                curl.wait()
        if curl.returncode != 0:
            error = curl.stderr.read().decode(errors="replace").strip() if curl.stderr else ""
            raise FarmError(
                f"registry GET {path}: {error or f'curl exited {curl.returncode}'}", step="registry"
            )


def buildkitd_binary(root: Path, say: Callable[[str], None]) -> Path:
    """Return buildkitd at :data:`BUILDKIT`'s version, built once into ``.cache/tools`` (helpers.gotools)."""
    if BUILDKIT.binary(root).is_file():
        return BUILDKIT.binary(root)
    say(f"farm: building buildkitd {BUILDKIT.version} from the Go module proxy (a few minutes, once)")

    def run(argv: list[str], extra: dict[str, str]) -> None:
        done = process.run(
            argv, env={**os.environ, **extra}, capture_output=True, text=True, timeout=1800, check=False
        )
        if done.returncode != 0:
            raise FarmError(f"{' '.join(argv)} failed: {done.stderr[-400:]}", step="farm")

    return gotools.install(root, BUILDKIT, run)


def _wait(what: str, ready: Callable[[], bool], log: Path | None, farm: Farm | None = None) -> None:
    """Poll ``ready`` until it answers or START_WAIT passes; then fail with the log's tail.

    A farm container that exited fails at once, with what it printed: waiting longer would not help.
    """
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        if ready():
            return
        if farm is not None and not farm.alive():
            break
        time.sleep(0.3)
    text = log.read_text(encoding="utf-8", errors="replace")[-800:] if log and log.is_file() else ""
    if farm is not None and not farm.alive():
        raise FarmError(f"the farm's container exited before {what} answered: {text}", step="farm")
    raise FarmError(f"{what} did not answer within {START_WAIT:.0f} s: {text}", step="farm")


def recipe_digest(folder: Path = RECIPE) -> str:
    """Return ``sha256:…`` over the farm image's recipe files (name and bytes): an edit is a new image."""
    return tool_image.recipe_digest(folder, RECIPE_FILES)


def image_tag(folder: Path = RECIPE) -> str:
    """Return the farm image's tag: the recipe's digest names it, so an edit builds a new one."""
    return tool_image.image_tag(IMAGE_REPO, folder, RECIPE_FILES)


def _present(ref: str) -> bool:
    """Tell whether the shared engine has ``ref`` (through the CLI, as every farm call to it goes)."""
    return images.cli_present(ref, timeout=60)


def ensure_image(say: Callable[[str], None]) -> str:
    """Return the farm image's tag, building it on the shared engine first if this recipe is new here.

    Built from ``debian:trixie`` (the stand-in, or the real image where a registry has it) with apt
    from Debian's archive, once per recipe; one build at a time for this user (a lock in the runtime
    folder, waited for at most ``tool_image.LOCK_TIMEOUT`` seconds, then an error naming its holder).
    """
    tag = image_tag()
    if _present(tag):
        return tag
    if not _present(IMAGE_BASE):
        raise FarmError(f"the farm image's base {IMAGE_BASE} is not present (run `make bases`)", step="farm")
    try:
        lock = tool_image.build_lock(layout.lock_path(BUILD_LOCK), purpose=f"building the farm image {tag}")
        with lock:
            _build_image(tag, say)
    except tool_image.LockHeldError as exc:
        raise FarmError(exc.cause, step="farm") from exc
    return tag


def _build_image(tag: str, say: Callable[[str], None]) -> None:
    """Build the farm image, holding the build lock, unless the holder before built it meanwhile."""
    if _present(tag):
        return
    say(f"farm: building its image {tag} (Debian's dockerd, registry and buildx; once per recipe)")
    argv = [
        "docker", "buildx", "build", "--builder", "default", "--progress=plain", "--load",
        f"--label={LABEL_RECIPE}={recipe_digest()}", "-t", tag, str(RECIPE),
    ]  # fmt: skip
    done = process.run(argv, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise FarmError(f"building the farm image failed: {done.stderr.strip()[-600:]}", step="farm")


def write_configs(farm: Farm) -> None:
    """Write what the farm's servers read, into the shared folder (the container sees the same path)."""
    folder = farm.folder
    (folder / "daemon.json").write_text(
        json.dumps({"features": {"containerd-snapshotter": True}}) + "\n", encoding="utf-8"
    )
    (folder / "registry.yml").write_text(
        "version: 0.1\nlog: {level: error}\n"
        "storage: {filesystem: {rootdirectory: /farm/registry}, delete: {enabled: true}}\n"
        f"http: {{addr: '{REGISTRY}'}}\n",
        encoding="utf-8",
    )
    (folder / "buildkitd.toml").write_text(
        "[worker.oci]\n  enabled = true\n  gc = false\n[worker.containerd]\n  enabled = false\n"
        f'[registry."docker.io"]\n  mirrors = ["{REGISTRY}"]\n[registry."{REGISTRY}"]\n  http = true\n',
        encoding="utf-8",
    )


def container_argv(farm: Farm, image: str, spec: FarmSpec) -> list[str]:
    """Return the ``docker run`` of the farm's container.

    Privileged: dockerd and buildkitd mount, make cgroups and run containers. ``--network none``: its
    loopback is the farm's alone. ``--init``: the servers are reaped and stopped with the container.
    The shared folder, buildkitd and the module cache are mounted at their host paths, so every path
    in a config holds on both sides; ``/farm`` is an anonymous volume (on the engine's disk, where
    overlayfs works), removed with the container.
    """
    env = {
        "JOURNEY_FARM": str(farm.folder),
        "JOURNEY_GID": str(spec.gid),
        "JOURNEY_BUILDKITD": str(spec.buildkitd),
        # imagetools, run in the container, talks to the farm's engine, not to the shared one
        "DOCKER_HOST": f"unix://{farm.docker_sock}",
    }
    mounts = [
        f"type=bind,src={farm.folder},dst={farm.folder}",
        f"type=bind,src={spec.buildkitd},dst={spec.buildkitd},readonly",
    ]
    if spec.modules is not None and spec.goproxy_port is not None:
        env |= {"JOURNEY_MODULES": str(spec.modules), "JOURNEY_GOPROXY_PORT": str(spec.goproxy_port)}
        mounts.append(f"type=bind,src={spec.modules},dst={spec.modules},readonly")
    argv = ["docker", "run", "--detach", "--privileged", "--network", "none", "--init"]
    argv += [f"--label={key}={value}" for key, value in {**spec.labels, TOOL_LABEL: TOOL_NAME}.items()]
    argv += [f"--env={key}={value}" for key, value in env.items()]
    argv += [f"--mount={mount}" for mount in mounts]
    return [*argv, "--volume", "/farm", image]


def _start_container(farm: Farm, image: str, spec: FarmSpec) -> None:
    """Start the farm's container and wait for its engine, registry and module server to answer."""
    done = process.run(
        container_argv(farm, image, spec), capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        raise FarmError(f"cannot start the farm's container: {done.stderr.strip()[-400:]}", step="farm")
    farm.container = done.stdout.strip()
    pid = process.run(
        ["docker", "inspect", "--format", "{{.State.Pid}}", farm.container],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    farm.buildkitd_pid = int(pid.stdout.strip() or 0) or None
    _wait("its engine", lambda: _engine_answers(farm), farm.folder / "dockerd.log", farm)
    registry = f"http://{REGISTRY}/v2/"
    _wait("its registry", lambda: _answers(farm, registry), farm.folder / "registry.log", farm)
    if spec.modules is not None and spec.goproxy_port is not None:
        url = f"http://127.0.0.1:{spec.goproxy_port}/"
        _wait("its module server", lambda: _answers(farm, url), farm.folder / "modules.log", farm)


def _engine_answers(farm: Farm) -> bool:
    if not farm.docker_sock.exists():
        return False
    argv = ["docker", "version", "--format", "{{.Server.Version}}"]
    done = process.run(argv, env=farm.engine_env(), capture_output=True, timeout=30, check=False)
    return done.returncode == 0


def _answers(farm: Farm, url: str) -> bool:
    argv = [*farm.netns(), "curl", "-s", "-o", "/dev/null", "--max-time", "2", url]
    return process.run(argv, capture_output=True, timeout=30, check=False).returncode == 0


def _push_bases(farm: Farm, bases: Iterable[str]) -> None:
    """Copy each base from the shared engine into the private one and push it to the mirror registry.

    buildkitd resolves ``golang:1.26-trixie`` as ``docker.io/library/golang:1.26-trixie``; its config
    makes the loopback registry that name's mirror, so the Dockerfile a reader copies stays unchanged.
    """
    for ref in bases:
        shared = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
        save = process.start(["docker", "save", ref], env=shared, stdout=process.PIPE)
        load = process.run(
            ["docker", "load", "--quiet"],
            env=farm.engine_env(),
            stdin=save.stdout,
            capture_output=True,
            timeout=900,
            check=False,
        )
        if save.stdout is not None:  # always, with PIPE: docker load has read it to the end
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
    done = process.run(argv, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise FarmError(f"imagetools create {name}: {done.stderr.strip()[-400:]}", step="farm")


def library_path(ref: str) -> str:
    """Docker Hub's path for a short name: ``golang:1.26`` is ``library/golang:1.26``."""
    return ref if "/" in ref else f"library/{ref}"


def _start_builder(farm: Farm) -> None:
    """Wait for buildkitd's socket, then add it to buildx as the run's ``remote`` builder."""
    sock = farm.folder / "buildkitd.sock"
    _wait("buildkitd", sock.exists, farm.folder / "buildkitd.log", farm)
    done = process.run(
        ["docker", "buildx", "create", "--name", farm.builder, "--driver", "remote", f"unix://{sock}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise FarmError(f"buildx create --driver remote: {done.stderr.strip()}", step="farm")


def _modules(root: Path, contexts: Iterable[Path], port: int | None) -> Path | None:
    """Fill the host's module cache for the contexts; return the folder to serve (None: no server)."""
    if port is None:
        return None
    gomodcache = modproxy.cache_dir(root)
    modproxy.download(modproxy.module_dirs(contexts), gomodcache)
    directory = gomodcache / "cache" / "download"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@contextlib.contextmanager
def running(
    root: Path,
    run_id: str,
    needs: tuple[Iterable[str], Iterable[Path], int | None],
    say: Callable[[str], None],
    labels: Mapping[str, str] | None = None,
) -> Iterator[Farm]:
    """Start the farm for one run, yield it, and remove every part of it afterwards.

    ``needs`` are the bases to push to its registry, the build contexts whose modules to serve, and the
    stand-in's GOPROXY port (None: no module server). ``labels`` go on its container (the run's, so
    the run's cleanup after an interrupt removes it too).
    """
    bases, contexts, goproxy_port = needs
    spec = FarmSpec(
        buildkitd=buildkitd_binary(root, say),
        modules=_modules(root, contexts, goproxy_port),
        goproxy_port=goproxy_port,
        gid=os.getgid(),
        labels=dict(labels or {}),
    )
    image = ensure_image(say)
    folder = sweep.marked_tempdir("journey-farm-")
    farm = Farm(folder, builder=f"journey-farm-{run_id}", buildkit=f"buildkitd {BUILDKIT.version}")
    say(f"farm: starting buildkitd {BUILDKIT.version}, a registry and a private engine in a container")
    try:
        write_configs(farm)
        _start_container(farm, image, spec)
        _push_bases(farm, bases)
        sweep.note_builder(run_id, farm.builder)  # before it exists: a kill in between leaves nothing unnamed
        _start_builder(farm)
        yield farm
    finally:
        stop(farm, run_id)


def stop(farm: Farm, run_id: str | None = None) -> None:
    """Remove the run's buildx builder and the farm's container with its volume, then the folder.

    Never raises: it runs on the way out of errors and interrupts. Removing the container stops every
    server in it and deletes what they stored; the folder holds only files and sockets, which the
    calling user may delete even where the container's root made them. The builder's note leaves the
    run's record (``run_id``) once the builder is gone.
    """
    with contextlib.suppress(OSError, process.SubprocessError):
        done = process.run(
            ["docker", "buildx", "rm", farm.builder], capture_output=True, timeout=60, check=False
        )
        if run_id is not None and (done.returncode == 0 or b"no builder" in done.stderr):
            sweep.forget_builder(run_id, farm.builder)
    if farm.container:
        with contextlib.suppress(OSError, process.SubprocessError):
            process.run(
                ["docker", "rm", "--force", "--volumes", farm.container],
                capture_output=True, timeout=120, check=False,
            )  # fmt: skip
    shutil.rmtree(farm.folder, ignore_errors=True)
