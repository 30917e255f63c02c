"""The manifest's ``measure:`` section: figures recorded beside an image's sizes.

Repeated timings (``startup``: ``docker run`` to the first answer and the service's resident memory;
``compile``: the Dockerfile's own ``go build`` with an empty and with a warm Go build cache) are taken
``runs`` times and recorded as medians with their spread (journey.model.stats), never from one run. One-off
facts (``binary``: a file's size and the modules linked into it; ``files``: which paths an image holds;
``context``: the build context with and without the ``.dockerignore``, and what an ignored file's change
rebuilds) are read from the built image or from real builds of a copy of the context.

Every container is labelled with the run and removed in a ``finally``; every temporary tag is the
run's (``Session.temp_tag``) and is removed here, or by the run's cleanup after an interrupt. A failure
names the snippet and the step ``measure <name>`` and leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import os
import re
import shutil
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, assert_never

import docker.errors

from journey.core import process
from journey.core.errors import VerificationError
from journey.engine import images
from journey.engine.build import TOOL_FILES, BuildRequest, build
from journey.engine.container import LOG_CAP, read_log, size_words
from journey.model.manifest import dockerfile_instructions
from journey.model.measure_spec import (
    BinaryMeasure,
    CompileMeasure,
    ContextMeasure,
    FilesMeasure,
    Measurement,
    StartupMeasure,
)
from journey.model.stats import int_spread, spread

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Iterator

    from journey.engine.session import Session
    from journey.model.manifest import Building, Run, Snippet
    from journey.model.record import Measurement as Recorded

#: Seconds between two polls of a starting service: small next to a Go server's start (tens of ms).
START_POLL = 0.005
#: Seconds one poll may wait for an answer.
POLL_TIMEOUT = 1.0


@dataclass(frozen=True)
class Target:
    """What the measurements of one snippet work on: the final image, its stages, the limits."""

    session: Session
    snippet: Snippet
    #: the snippet's build, resolved: only a snippet that builds has measurements
    building: Building
    image_id: str
    #: stage name -> image ID of that stage (``build.stages``)
    stages: dict[str, str]
    #: Dockerfile as staged for the build (the reader's bytes)
    dockerfile: Path
    idle: float
    compile_slot: threading.BoundedSemaphore
    timeout: float = 60.0


def measure_all(target: Target, step: Callable[[str], None]) -> list[Recorded]:
    """Take every ``measure:`` item of the snippet, in manifest order; raise at the first failure."""
    out: list[Recorded] = []
    for item in target.snippet.measure:
        step(f"measure {item.name}")
        out.append(measure(target, item))
    return out


def measure(target: Target, item: Measurement) -> Recorded:
    """Take one item: the one table of kinds, each class to its runner (mypy names a kind left out)."""
    match item:
        case StartupMeasure():
            return startup(target, item)
        case CompileMeasure():
            return compile_times(target, item)
        case BinaryMeasure():
            return binary(target, item)
        case FilesMeasure():
            return files(target, item)
        case ContextMeasure():
            return dockerignore_context(target, item)
        case _:
            assert_never(item)


def _error(target: Target, item: Measurement, cause: str, log: str = "") -> VerificationError:
    return VerificationError(cause, snippet=target.snippet.id, step=f"measure {item.name}", log_tail=log)


# --- startup: docker run to first answer, and resident memory ------------------------------------------


def startup(target: Target, item: StartupMeasure) -> Recorded:
    """Start the service ``runs`` times; each time, time ``docker run`` to the first 2xx and read VmRSS."""
    run = target.snippet.run
    if (
        run is None or not run.port
    ):  # the manifest refuses it (``_measurable``); a Snippet made in code may not
        raise _error(target, item, "a startup measurement needs a container port (run.port)")
    path = item.path or (run.ready.http if run.ready else None) or "/"
    seconds: list[float] = []
    rss: list[int] = []
    for _ in range(item.runs):
        took, resident = _start_once(target, item, (run, path))
        seconds.append(took)
        rss.append(resident)
    return {
        "name": item.name,
        "kind": "startup",
        "runs": item.runs,
        "path": path,
        "seconds": spread(seconds),
        "rss": int_spread(rss),
    }


def _start_once(target: Target, item: StartupMeasure, service: tuple[Run, str]) -> tuple[float, int]:
    """One start of ``service`` (how it runs, the path polled): seconds to its first 2xx, then its VmRSS."""
    session, snippet = target.session, target.snippet
    run, path = service
    session.raise_if_cancelled(snippet.id)
    began = time.monotonic()
    try:
        container = session.client.containers.run(
            target.image_id,
            command=list(run.command) if run.command else None,
            environment=dict(run.env),
            ports={f"{run.port}/tcp": ("127.0.0.1", None)},
            labels=session.labels_for(snippet.id),
            detach=True,
        )
    except docker.errors.APIError as exc:
        raise _error(target, item, f"the container does not start: {exc}") from exc
    try:
        port = _published_port(container, run.port)
        _first_answer(target, item, container, (port, path), began)
        took = time.monotonic() - began
        return took, _resident_bytes(target, item, container)
    finally:
        _remove(container)


def _published_port(container: Any, port: int | None) -> int:  # noqa: ANN401
    container.reload()
    bindings = (container.attrs["NetworkSettings"]["Ports"] or {}).get(f"{port}/tcp") or []
    return int(bindings[0]["HostPort"])


def _first_answer(
    target: Target,
    item: Measurement,
    container: Any,  # noqa: ANN401 - docker-py containers are untyped
    where: tuple[int, str],
    began: float,
) -> None:
    """Poll ``path`` until it answers 2xx; fail with the log if the container exits or time runs out."""
    port, path = where
    polls = 0
    while time.monotonic() - began < target.timeout:
        target.session.raise_if_cancelled(target.snippet.id)  # a plain sleep below: it is what is timed
        if _answers(port, path):
            return
        polls += 1
        if polls % 20 == 0:  # asking the engine costs more than a poll: only now and then
            container.reload()
            if container.status in {"exited", "dead"}:
                log = _logs(container)
                code = container.attrs["State"]["ExitCode"]
                raise _error(target, item, f"the container exited (code {code}) before answering {path}", log)
        time.sleep(START_POLL)
    raise _error(target, item, f"no 2xx answer from {path} within {target.timeout:g} s", _logs(container))


def _answers(port: int, path: str) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=POLL_TIMEOUT)
        try:
            conn.request("GET", path)
            status = conn.getresponse().status
        finally:
            conn.close()
    except (OSError, http.client.HTTPException):
        return False
    return 200 <= status < 300  # noqa: PLR2004


def resident_bytes(status: str) -> int:
    """Read ``VmRSS`` (kB) from a ``/proc/<pid>/status`` text, in bytes; ValueError if it has none."""
    match = re.search(r"^VmRSS:\s+(\d+)\s+kB$", status, re.MULTILINE)
    if match is None:
        raise ValueError("no VmRSS line (a kernel thread, or a process that has exited)")
    return int(match.group(1)) * 1024


def _resident_bytes(target: Target, item: Measurement, container: Any) -> int:  # noqa: ANN401
    """Read the service's resident memory: its PID 1 seen from the host, as the kernel counts it."""
    container.reload()
    pid = int(container.attrs["State"]["Pid"])
    status_file = Path(f"/proc/{pid}/status")
    try:
        return resident_bytes(status_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        cause = f"cannot read the service's resident memory from {status_file} ({exc})"
        cause += ": is the engine on this host?"
        raise _error(target, item, cause) from exc


# --- compile: the Dockerfile's go build, cold and warm ---------------------------------------------------

_MOUNT = re.compile(r"--mount=\S+\s*")


def go_build_command(dockerfile_text: str) -> str:
    """Return the Dockerfile's ``RUN … go build …`` command, without ``RUN`` and its ``--mount`` flags."""
    for line in dockerfile_instructions(dockerfile_text):
        if line.upper().startswith("RUN ") and re.search(r"\bgo build\b", line):
            return _MOUNT.sub("", line[4:]).strip()
    raise ValueError("the Dockerfile has no RUN line with `go build`")


#: One container runs every timed build of a phase; each run prints ``journey-run <ms>``. ``cold``
#: empties the Go build cache before each run; ``warm`` fills it once, then before each run appends a
#: comment to one source file: the main package compiles and links again on a warm cache, which is
#: what a rebuild after an edit does (with nothing changed, ``go build`` only finds the work done).
_TIMER = r"""
set -eu
export GOCACHE=/tmp/journey-gocache
[ "$PHASE" = warm ] && sh -c "$BUILD" >/dev/null 2>&1
i=0
while [ "$i" -lt "$RUNS" ]; do
  [ "$PHASE" = cold ] && rm -rf "$GOCACHE"
  [ "$PHASE" = warm ] && echo "// journey: warm run $i" >> "$(ls ./*.go | head -n 1)"
  start=$(date +%s%N)
  sh -c "$BUILD"
  end=$(date +%s%N)
  echo "journey-run $(( (end - start) / 1000000 ))"
  i=$((i + 1))
done
"""


def compile_times(target: Target, item: CompileMeasure) -> Recorded:
    """Time the ``go build`` of the stage's image ``runs`` times with an empty cache, then with a warm one.

    The stage's image holds the sources and the downloaded modules, so nothing is fetched (no
    network): what is timed is the compile a cold build and a rebuild after a one-line edit spend most
    of their time in. Each phase holds the compile slot, like a build.
    """
    try:
        command = go_build_command(target.dockerfile.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise _error(target, item, str(exc)) from exc
    phases = {}
    for phase in ("cold", "warm"):
        with target.session.hold(target.compile_slot, target.snippet.id):
            phases[phase] = spread(
                [ms / 1000 for ms in _timed_builds(target, item, command, phase)], digits=2
            )
    return {
        "name": item.name,
        "kind": "compile",
        "runs": item.runs,
        "stage": item.stage,
        "command": command,
        "cold": phases["cold"],
        "warm": phases["warm"],
    }


def target_platform(attrs: images.ImageAttrs) -> dict[str, str]:
    """Return the ``TARGETOS``/``TARGETARCH`` BuildKit gave the build: the stage image's own platform.

    A cross-compiling ``go build`` line names them (``GOOS=$TARGETOS``); the build that made the image
    set them to the platform built for, which for a local build is the stage's, so the timed
    compile makes the same binary.
    """
    return {"TARGETOS": str(attrs.get("Os", "linux")), "TARGETARCH": str(attrs.get("Architecture", ""))}


def _timed_builds(target: Target, item: CompileMeasure, command: str, phase: str) -> list[int]:
    session, snippet = target.session, target.snippet
    session.raise_if_cancelled(snippet.id)
    image = target.stages[item.stage]
    container = session.client.containers.create(
        image,
        entrypoint=["sh", "-c", _TIMER],
        command=[],
        environment={
            "PHASE": phase,
            "RUNS": str(item.runs),
            "BUILD": command,
            "GOPROXY": "off",
            **target_platform(images.image_attrs(session.client, image)),
        },
        labels=session.labels_for(snippet.id),
        network_mode="none",
        detach=True,
    )
    try:
        container.start()
        code = session.wait_exit(container, snippet=snippet.id)  # a compile has no time limit, only Ctrl-C
        log = _logs(container)
        if code != 0:
            raise _error(target, item, f"`{command}` failed ({phase} Go build cache, exit {code})", log)
        times = [int(m) for m in re.findall(r"^journey-run (\d+)$", log, re.MULTILINE)]
        if len(times) != item.runs:
            raise _error(target, item, f"expected {item.runs} timed builds, got {len(times)}", log)
        return times
    finally:
        _remove(container)


# --- binary and files: read from a never-started container ----------------------------------------------


@contextlib.contextmanager
def _created(target: Target) -> Iterator[Any]:
    """Yield a never-started container of the final image: reading works on FROM scratch."""
    container = target.session.client.containers.create(
        target.image_id,
        entrypoint=["/journey-never-started"],
        command=[],
        labels=target.session.labels_for(target.snippet.id),
    )
    try:
        yield container
    finally:
        _remove(container)


def count_modules(go_version_m: str) -> int:
    """Count the modules ``go version -m`` lists as linked in (``dep`` lines; ``=>`` is the same module)."""
    return sum(1 for line in go_version_m.splitlines() if line.startswith("\tdep\t"))


def binary(target: Target, item: BinaryMeasure) -> Recorded:
    """Copy one file out of the image; record its size and the modules the Go toolchain finds in it."""
    with _created(target) as container, tempfile.TemporaryDirectory(prefix="journey-binary-") as tmp:
        data = _file_bytes(target, item, container, item.path)
        copy = Path(tmp) / "binary"
        copy.write_bytes(data)
        try:
            listed = process.run(
                ["go", "version", "-m", str(copy)],
                capture_output=True,
                text=True,
                check=False,
                timeout=60,
                env={**os.environ, "GOTOOLCHAIN": "local"},
            )
        except (OSError, process.SubprocessError) as exc:
            raise _error(target, item, f"cannot run `go version -m` ({exc}): is Go on this host?") from exc
    # A packed binary (UPX) hides its build info: a finding, recorded as such, not a failure.
    readable = listed.returncode == 0 and "\tpath\t" in listed.stdout
    first = listed.stdout.splitlines()[0] if readable else ""
    return {
        "name": item.name,
        "kind": "binary",
        "path": item.path,
        "size": len(data),
        "modules": count_modules(listed.stdout) if readable else None,
        "go": first.rsplit(" ", 1)[-1] if readable else None,
    }


def _file_bytes(target: Target, item: Measurement, container: Any, path: str) -> bytes:  # noqa: ANN401
    try:
        chunks, _ = container.get_archive(path)
    except docker.errors.NotFound as exc:
        raise _error(target, item, f"{path} is not in the image") from exc
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as archive:
        member = next((m for m in archive.getmembers() if m.isfile()), None)
        handle = archive.extractfile(member) if member is not None else None
        if handle is None:
            raise _error(target, item, f"{path} is not a regular file")
        return handle.read()


def files(target: Target, item: FilesMeasure) -> Recorded:
    """Say for each path whether the image has it, how many regular files and bytes it holds; and the user."""
    entries: list[dict[str, Any]] = []
    with _created(target) as container:
        for path in item.paths:
            try:
                chunks, _ = container.get_archive(path)
            except docker.errors.NotFound:
                entries.append({"path": path, "present": False, "files": 0, "size": 0})
                continue
            count = total = 0
            with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as archive:
                for member in archive.getmembers():
                    if member.isfile():
                        count, total = count + 1, total + member.size
            entries.append({"path": path, "present": True, "files": count, "size": total})
        user = images.config_user(target.session.client, target.image_id)
    return {"name": item.name, "kind": "files", "user": user or "0 (root: no USER)", "entries": entries}


# --- context: what the .dockerignore keeps out, and what it keeps from rebuilding ----------------------

_STEP = re.compile(r"^#(\d+) \[(?!internal)[^\]]*\] (.+)$")
_CACHED = re.compile(r"^#(\d+) CACHED$")


def rerun_steps(log: str) -> list[str]:
    """List the Dockerfile steps a build ran again (not ``CACHED``), as the plain progress log names them."""
    steps: dict[str, str] = {}
    cached: set[str] = set()
    for line in log.splitlines():
        if match := _STEP.match(line):
            steps.setdefault(match.group(1), " ".join(match.group(2).split()))
        elif match := _CACHED.match(line):
            cached.add(match.group(1))
    return [
        text
        for number, text in steps.items()
        if number not in cached and not text.startswith(("FROM ", "load "))
    ]


def _plant(folder: Path, names: tuple[str, ...], *, again: bool) -> None:
    """Put the touched files in a context copy (``.git``: a real repository of it), or change them."""
    for name in names:
        if name == ".git":
            env = {
                **os.environ,
                "GIT_AUTHOR_NAME": "journey",
                "GIT_AUTHOR_EMAIL": "journey@localhost",
                "GIT_COMMITTER_NAME": "journey",
                "GIT_COMMITTER_EMAIL": "journey@localhost",
            }
            steps = (
                [["git", "commit", "-q", "--allow-empty", "-m", "touch"]]
                if again
                else [["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "context"]]
            )
            for argv in steps:
                process.run(argv, cwd=folder, env=env, check=True, capture_output=True, timeout=60)
        else:
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write("Changed again.\n" if again else "# Notes\n\nA file no build step needs.\n")


def dockerignore_context(target: Target, item: ContextMeasure) -> Recorded:
    """Build a copy of the context with and without its ``.dockerignore``; touch the files; build again.

    Each variant gets its own copy (BuildKit sends a folder it has seen before as a difference) with
    ``touch`` planted, and its own staged ignore file: the context's rules plus the tool's files, or the
    tool's files only. Recorded: the files and bytes the builder receives from the context
    (``_context_held``), and the steps the second build ran again.
    """
    own = target.building.context / ".dockerignore"
    if not own.is_file():
        raise _error(target, item, f"the build context has no .dockerignore ({own})")
    rules = own.read_text(encoding="utf-8")
    tool = "".join(f"{name}\n" for name in TOOL_FILES)
    figures: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="journey-context-") as tmp:
        for variant, ignore in (("with_ignore", rules + tool), ("without_ignore", tool)):
            figures[variant] = _context_variant(target, item, Path(tmp) / variant, ignore)
    return {
        "name": item.name,
        "kind": "context",
        "touched": list(item.touch),
        "with_ignore": figures["with_ignore"],
        "without_ignore": figures["without_ignore"],
    }


def _context_variant(target: Target, item: ContextMeasure, folder: Path, ignore: str) -> dict[str, Any]:
    snippet, spec = target.snippet, target.building.spec
    context, staged = folder / "context", folder / "dockerfile"
    shutil.copytree(target.building.context, context, ignore=shutil.ignore_patterns(*TOOL_FILES))
    staged.mkdir()
    dockerfile = staged / target.dockerfile.name
    dockerfile.write_bytes(target.dockerfile.read_bytes())
    (staged / f"{dockerfile.name}.dockerignore").write_text(ignore, encoding="utf-8")
    _plant(context, item.touch, again=False)
    logs = []
    for again in (False, True):
        if again:
            _plant(context, item.touch, again=True)
        request = BuildRequest(
            snippet.id,
            context,
            dockerfile,
            f"{snippet.volume}-{snippet.name}-context".lower(),
            spec.target,
            spec.args,
            replace_from=spec.replace_from,
        )
        with target.session.hold(target.compile_slot, snippet.id):
            built = build(target.session, request, target.idle)
        logs.append(built.log)
        with contextlib.suppress(docker.errors.DockerException):
            images.remove_image(target.session.client, built.tag, noprune=False)
    files, size = _context_held(target, context, staged / "context.Dockerfile", ignore)
    return {"context_size": size, "context_files": files, "rerun": rerun_steps(logs[1])}


#: What the builder holds of a context: BuildKit sends a context as a difference from the last one it
#: got from this client (buildx's shared key), so its ``transferring context`` figure is not the
#: context's size. ``COPY . /context/`` into an empty image, under the same ignore rules, holds exactly
#: the files ``COPY . .`` would see; they are read from ``/context`` only, because a created container
#: also holds the empty files the engine makes in every one (``/.dockerenv``, ``/etc/hosts``…).
_CONTEXT_DOCKERFILE = "FROM scratch\nCOPY . /context/\n"


def _context_held(target: Target, context: Path, dockerfile: Path, ignore: str) -> tuple[int, int]:
    """Return the regular files and their bytes the builder receives from ``context`` under ``ignore``."""
    snippet = target.snippet
    dockerfile.write_text(_CONTEXT_DOCKERFILE, encoding="utf-8")
    dockerfile.with_name(f"{dockerfile.name}.dockerignore").write_text(ignore, encoding="utf-8")
    request = BuildRequest(snippet.id, context, dockerfile, f"{snippet.volume}-{snippet.name}-held".lower())
    built = build(target.session, request, target.idle)
    try:
        container = target.session.client.containers.create(
            built.image_id,
            entrypoint=["/journey-never-started"],
            command=[],
            labels=target.session.labels_for(snippet.id),
        )
        try:
            chunks, _ = container.get_archive("/context")
            with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as archive:
                held = [m.size for m in archive.getmembers() if m.isfile()]
        finally:
            _remove(container)
    finally:
        with contextlib.suppress(docker.errors.DockerException):
            images.remove_image(target.session.client, built.tag, noprune=False)
    return len(held), sum(held)


# --- the table of kinds, and small helpers --------------------------------------------------------------


def _logs(container: Any) -> str:  # noqa: ANN401
    """Return the log (stdout, then stderr), at most ``LOG_CAP`` bytes of it: a flood is cut, and says so."""
    text, over = read_log(container)
    return text + (f"\n(the log goes on past {size_words(LOG_CAP)}: the rest was not read)" if over else "")


def _remove(container: Any) -> None:  # noqa: ANN401
    with contextlib.suppress(docker.errors.DockerException):
        container.remove(force=True)
