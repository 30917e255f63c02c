"""``journey verify``: build, measure, run, probe and check snippets, then record what was seen.

One run holds a file lock (``.cache/verify.lock``) so two runs never race on results; each snippet
is verified in a worker thread (bounded by ``--jobs``) within its own time budget (``--timeout``).
A failing snippet leaves its recorded result byte-for-byte as it was and does not stop the others.
Ctrl-C or SIGTERM stops everything, removes what the run created, and leaves results untouched.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import docker.errors

from journey import engine, machine, modproxy, record, render
from journey.bases import RECIPES, base_identity, provenance_of, stable_labels
from journey.build import BuildRequest, Built, build, stage_dockerfile
from journey.checks import CheckContext
from journey.digest import input_digest, source_digest
from journey.errors import (
    ExitCode,
    InterruptedRunError,
    JourneyError,
    UsageError,
    VerificationError,
)
from journey.manifest import base_refs, discover, select
from journey.measure import LayerCache, measure_image
from journey.normalise import normalise, normalise_table
from journey.probe import run_probes
from journey.progress import Outcome, Reporter
from journey.session import CancelledError, Deadline, Session
from journey.tools import run_checks, run_file_checks

if TYPE_CHECKING:
    from collections.abc import Iterator

    from journey.engine import EngineInfo
    from journey.manifest import Snippet, Volume

DEFAULT_JOBS = 2
DEFAULT_TIMEOUT = 900
#: Seconds without output and without CPU progress after which a build or a check is hung.
DEFAULT_IDLE_TIMEOUT = 600
#: Builds (and Go checks) at once: a cold Go compile uses every core, so two at once on a small
#: machine only double the memory and the time of each. Snippets still measure and probe in parallel.
DEFAULT_BUILD_JOBS = max(1, (os.cpu_count() or 1) // 4)
LOCK_PATH = Path(".cache") / "verify.lock"
OUR_LABELS = "org.golangjourney."


class BusyError(UsageError):
    """Another ``journey verify`` holds the lock (exit 2): results must have one writer."""


@dataclass(frozen=True)
class Options:
    """What the command line asked for."""

    root: Path
    ids: tuple[str, ...] = ()
    force: bool = False
    jobs: int = DEFAULT_JOBS
    timeout: float = DEFAULT_TIMEOUT
    json: bool = False
    no_cache: bool = False
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    build_jobs: int = DEFAULT_BUILD_JOBS


@dataclass(frozen=True)
class Context:
    """What every worker shares for one run."""

    options: Options
    session: Session
    engine: EngineInfo
    reporter: Reporter
    cache: LayerCache
    #: taken by every build and every Go check (see DEFAULT_BUILD_JOBS)
    compile_slot: threading.BoundedSemaphore


@dataclass(frozen=True)
class Plan:
    """A snippet that needs verifying, with the digests worked out before any worker starts."""

    snippet: Snippet
    bases: list[BaseImage]
    source: str
    inputs: str


@dataclass(frozen=True)
class BaseImage:
    """A base image a snippet names, as found in the engine (``id`` None when absent)."""

    ref: str
    id: str | None
    digest: str | None
    labels: dict[str, str]
    env: tuple[str, ...] = ()

    @property
    def provenance(self) -> str:
        """Say where it came from, as ``journey bases`` does; ``unavailable`` when the engine lacks it."""
        return provenance_of(self.labels, self.digest) if self.id else "unavailable"

    @property
    def identity(self) -> str:
        """What the base is, spelled the same on every machine that has the same image (input digest)."""
        return base_identity(self.id, self.digest, self.labels)

    def as_result(self) -> dict[str, Any]:
        """Return the ``environment.bases[]`` entry of result.json: nothing that differs by machine."""
        return {
            "ref": self.ref,
            "digest": self.digest,
            "provenance": self.provenance,
            "labels": stable_labels(self.labels),
        }


# --- command line ------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``journey verify``'s options (the CLI calls this, so the options live with the code)."""
    parser.add_argument(
        "snippets", nargs="*", metavar="SNIPPET", help="snippet ids or volume names (default: all)"
    )
    parser.add_argument("--force", action="store_true", help="verify even when the input digest is unchanged")
    parser.add_argument(
        "--jobs",
        "-j",
        type=_positive_int,
        default=DEFAULT_JOBS,
        help=f"snippets verified at once (default {DEFAULT_JOBS})",
    )
    parser.add_argument(
        "--timeout",
        type=_positive_int,
        default=DEFAULT_TIMEOUT,
        help="seconds per snippet for waits that do no work of their own: containers getting ready, "
        f"probes, loopback servers (default {DEFAULT_TIMEOUT}); builds and checks are never stopped "
        "for wall time, only when --idle-timeout says they hang",
    )
    parser.add_argument(
        "--idle-timeout",
        type=_positive_int,
        default=DEFAULT_IDLE_TIMEOUT,
        help="seconds a build or a check may go without output and without CPU progress before it is "
        f"stopped as hung (default {DEFAULT_IDLE_TIMEOUT})",
    )
    parser.add_argument(
        "--build-jobs",
        type=_positive_int,
        default=DEFAULT_BUILD_JOBS,
        help=f"builds and Go checks at once (default {DEFAULT_BUILD_JOBS}: a quarter of the cores, "
        "at least 1)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="pass --no-cache to every docker buildx build of the run (a truly cold build; "
        "the layer cache is not pruned). Use with --force, or unchanged snippets are skipped",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the outcomes, with per-step seconds, as JSON on stdout"
    )


def _positive_int(text: str) -> int:
    """Parse a count or a number of seconds that must be at least 1 (argparse shows the message)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def options_from(args: argparse.Namespace) -> Options:
    """Read the parsed command line; ``root`` defaults to the checkout holding the current folder."""
    from journey.cli import find_root  # noqa: PLC0415 - the CLI imports this module lazily

    root = Path(getattr(args, "root", None) or find_root()).resolve()
    return Options(
        root=root,
        ids=tuple(getattr(args, "snippets", ()) or ()),
        force=bool(getattr(args, "force", False)),
        jobs=int(getattr(args, "jobs", DEFAULT_JOBS)),
        timeout=float(getattr(args, "timeout", DEFAULT_TIMEOUT)),
        json=bool(getattr(args, "json", False)),
        no_cache=bool(getattr(args, "no_cache", False)),
        idle_timeout=float(getattr(args, "idle_timeout", DEFAULT_IDLE_TIMEOUT)),
        build_jobs=int(getattr(args, "build_jobs", DEFAULT_BUILD_JOBS)),
    )


# --- the run -----------------------------------------------------------------------------------------


def run_verify(args: argparse.Namespace) -> int:
    """Verify the selected snippets; return the exit code (0 ok, 1 a snippet failed).

    Whole-run problems raise: UsageError/ManifestError (2), BusyError (2), EngineUnavailableError (3),
    InterruptedRunError (130).
    """
    options = options_from(args)
    with verify_lock(options.root), signals_interrupt():
        volumes = discover(options.root)
        snippets = select(volumes, list(options.ids))
        client = engine.connect()
        session = Session(client)
        with Reporter() as reporter:
            ctx = Context(
                options,
                session,
                engine.info(client),
                reporter,
                LayerCache(options.root / ".cache"),
                threading.BoundedSemaphore(options.build_jobs),
            )
            outcomes = _verify_planned(ctx, snippets)
            _render_volumes(options.root, volumes, outcomes)
        reporter.summary(outcomes)  # after the live view stopped, so it prints once, cleanly
    failed = any(o.status == "failed" for o in outcomes)
    if options.json:
        json.dump({"outcomes": [o.as_json() for o in outcomes]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    return int(ExitCode.VERIFICATION_FAILED if failed else ExitCode.OK)


def _verify_planned(ctx: Context, snippets: list[Snippet]) -> list[Outcome]:
    """Skip what is unchanged, then verify the rest with the module proxy serving if a base needs it.

    Deciding in the main thread keeps a no-op run to digests and image lookups: no worker, no proxy.
    """
    done: dict[str, Outcome] = {}
    todo: list[Plan] = []
    for snippet in snippets:
        item = plan(ctx, snippet)
        if isinstance(item, Outcome):
            done[snippet.id] = item
            ctx.reporter.done(item)
        else:
            todo.append(item)
    if todo:
        with modproxy.serving_for([p.snippet for p in todo], ctx.options.root):
            done.update((o.snippet, o) for o in run_all(ctx, todo))
    return [done[s.id] for s in snippets if s.id in done]


@contextlib.contextmanager
def verify_lock(root: Path) -> Iterator[None]:
    """Hold ``.cache/verify.lock`` for the run; refuse at once (exit 2) if another run holds it."""
    path = root / LOCK_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise BusyError(
                f"another `journey verify` (pid {holder}) is running in {root}; "
                "wait for it to finish, then run again",
                step="lock",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def run_all(ctx: Context, snippets: list[Plan]) -> list[Outcome]:
    """Verify snippets in parallel; on Ctrl-C/SIGTERM stop, clean up and raise InterruptedRunError."""
    pool = ThreadPoolExecutor(max_workers=ctx.options.jobs, thread_name_prefix="verify")
    finished: dict[str, Outcome] = {}
    try:
        futures = {pool.submit(verify_snippet, ctx, p): p.snippet for p in snippets}
        _collect(ctx, futures, finished)
    except KeyboardInterrupt:
        _stop(ctx, pool)
        raise InterruptedRunError(
            "interrupted: containers and temporary images of this run removed, results untouched",
            step="verify",
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for problem in ctx.session.cleanup():
            ctx.reporter.warn(f"cleanup: {problem}")
    return [finished[p.snippet.id] for p in snippets if p.snippet.id in finished]


@contextlib.contextmanager
def signals_interrupt() -> Iterator[None]:
    """Make SIGTERM take Ctrl-C's path for the whole run; restore both handlers afterwards."""
    previous = signal.signal(signal.SIGTERM, _raise_interrupt), signal.getsignal(signal.SIGINT)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1] or signal.default_int_handler)


def _raise_interrupt(_signum: int, _frame: object) -> None:
    """Turn SIGTERM into the same path as Ctrl-C."""
    raise KeyboardInterrupt


def _collect(ctx: Context, futures: dict[Future[Outcome], Snippet], finished: dict[str, Outcome]) -> None:
    """Wait for workers in short slices, so a signal is handled at once, reporting each as it ends."""
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
        for future in done:
            outcome = future.result()
            finished[outcome.snippet] = outcome
            ctx.reporter.done(outcome)


def _stop(ctx: Context, pool: ThreadPoolExecutor) -> None:
    """Stop workers and remove what they made; further signals are ignored until cleanup is done."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    ctx.reporter.warn("interrupted: stopping builds and containers")
    ctx.session.cancel()
    ctx.session.cleanup()  # unblocks workers waiting on a container
    pool.shutdown(wait=True, cancel_futures=True)


# --- one snippet -------------------------------------------------------------------------------------


class _Step:
    """The step a worker is in, so an unexpected error still names it, and how long each step took.

    The seconds are the worker's own timeline (they add up to the snippet's time); work that runs
    beside it (the checks' thread) is timed apart in ``beside``. Both go to ``--json`` only, never
    into result.json: they churn on every run.
    """

    def __init__(self, ctx: Context, snippet: Snippet) -> None:
        self.ctx, self.snippet, self.name = ctx, snippet, "start"
        self.seconds: dict[str, float] = {}
        self.beside: dict[str, float] = {}
        self._since = time.monotonic()

    def __call__(self, name: str) -> None:
        self.ctx.session.raise_if_cancelled(self.snippet.id)
        self._close()
        self.name = name
        self.ctx.reporter.step(self.snippet.id, name)

    def _close(self) -> None:
        """Add the time since the last step began to that step (``build --target x`` counts as build)."""
        now = time.monotonic()
        key = self.name.split(" ", 1)[0]
        self.seconds[key] = self.seconds.get(key, 0.0) + now - self._since
        self._since = now

    def timings(self) -> dict[str, float]:
        """Return seconds per step, rounded, with the work done beside as ``<name> (beside)``."""
        self._close()
        spent = {**self.seconds, **{f"{k} (beside)": v for k, v in self.beside.items()}}
        return {key: round(value, 2) for key, value in spent.items()}


def plan(ctx: Context, snippet: Snippet) -> Plan | Outcome:
    """Work out a snippet's digests; return an Outcome when there is nothing to do (or it cannot start)."""
    try:
        bases = [find_base(ctx.session, ref) for ref in base_refs(snippet)]
        source = source_digest(snippet)
    except (OSError, docker.errors.DockerException) as exc:
        error = VerificationError(f"{type(exc).__name__}: {exc}", snippet=snippet.id, step="digest")
        return Outcome(snippet.id, "failed", error=error)
    identities = {b.ref: b.identity for b in bases}
    inputs = input_digest(source, identities, ctx.engine.engine, ctx.engine.buildx)
    recorded = record.read_result_quietly(record.result_path(ctx.options.root, snippet.id))
    fresh = recorded is not None and recorded.get("input_digest") == inputs
    if (
        fresh
        and not ctx.options.force
        and machine.verified_here(ctx.options.root, ctx.session, snippet, inputs)
    ):
        return Outcome(snippet.id, "unchanged")
    return Plan(snippet, bases, source, inputs)


def verify_snippet(ctx: Context, item: Plan) -> Outcome:
    """Verify one snippet and record it; never raises (the outcome carries the error)."""
    snippet = item.snippet
    start = time.monotonic()
    step = _Step(ctx, snippet)
    try:
        status, changed, reason = _verify(ctx, item, step)
        outcome = Outcome(snippet.id, status, changed, time.monotonic() - start, reason)
    except CancelledError:
        outcome = Outcome(snippet.id, "interrupted", seconds=time.monotonic() - start)
    except JourneyError as exc:
        error = _named(exc, snippet, step)
        outcome = Outcome(snippet.id, "failed", seconds=time.monotonic() - start, error=error)
    except Exception as exc:  # noqa: BLE001 - engine, OS or tool surprises fail this snippet only
        error = VerificationError(f"{type(exc).__name__}: {exc}", snippet=snippet.id, step=step.name)
        outcome = Outcome(snippet.id, "failed", seconds=time.monotonic() - start, error=error)
    outcome.steps = step.timings()
    return outcome


def _named(exc: JourneyError, snippet: Snippet, step: _Step) -> JourneyError:
    """Make sure an error names its snippet and step, whoever raised it."""
    if exc.snippet and exc.step:
        return exc
    tail = getattr(exc, "log_tail", "")
    return VerificationError(
        exc.cause, snippet=exc.snippet or snippet.id, step=exc.step or step.name, log_tail=tail
    )


def _verify(ctx: Context, item: Plan, step: _Step) -> tuple[str, bool, str | None]:
    """Return (status, result file changed, reason) for one snippet that needs verifying."""
    snippet, bases = item.snippet, item.bases
    absent = [b.ref for b in bases if b.id is None]
    buildable = [ref for ref in absent if ref in RECIPES]
    if buildable:
        raise VerificationError(
            f"base image {', '.join(buildable)} is not built yet (it has a recipe): run `make bases`",
            snippet=snippet.id,
            step="bases",
        )
    if absent:
        reason = f"base image {', '.join(absent)} cannot be had here (no registry, no stand-in recipe)"
        result = _result(ctx, snippet, bases, (item.source, item.inputs), reason=reason)
        step("checks")
        result["checks"] = [cast("record.Outcome", c) for c in run_file_checks(_check_context(ctx, snippet))]
    else:
        result = _measured_result(ctx, snippet, bases, (item.source, item.inputs), step)
    step("record")
    changed = _record(ctx, snippet, result)
    return result["status"], changed, result["reason"]


def _measured_result(
    ctx: Context, snippet: Snippet, bases: list[BaseImage], digests: tuple[str, str], step: _Step
) -> record.Result:
    """Build, measure, probe and check; return the ``verified`` result or raise on the first failure.

    Checks (linters, ``go test`` on the host) need only the built image, so they run beside the
    measuring and probing (containers) instead of after them.
    """
    deadline = Deadline(ctx.options.timeout)
    result = _result(ctx, snippet, bases, digests)
    built: list[Built] = []
    try:
        if snippet.build is not None:
            built = _build_all(ctx, snippet, step)
        image_id = built[0].image_id if built else None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="checks") as pool:
            checks = pool.submit(_timed_checks, _check_context(ctx, snippet, deadline, image_id), step)
            if built:
                _measure_and_probe(ctx, snippet, (built, bases), result, (deadline, step))
            step("checks")
            result["checks"] = [cast("record.Outcome", c) for c in checks.result()]
        if built:
            step("tag")
            result["outputs"]["docker_images"] = _keep_final(ctx, snippet, built[0], bases)
    finally:
        _untag(ctx.session, built)
    return result


def _check_context(
    ctx: Context, snippet: Snippet, deadline: Deadline | None = None, image_id: str | None = None
) -> CheckContext:
    """Return what a snippet's checks get: its limits, the built image, the shared compile slot."""
    return CheckContext(
        ctx.options.root,
        snippet,
        ctx.session,
        deadline or Deadline(ctx.options.timeout),
        ctx.options.idle_timeout,
        image_id,
        compile_slot=ctx.compile_slot,
    )


def _timed_checks(context: CheckContext, step: _Step) -> list[dict[str, Any]]:
    """Run the checks (in their own thread) and note how long they took beside the worker."""
    started = time.monotonic()
    try:
        return run_checks(context)
    finally:
        step.beside["checks"] = time.monotonic() - started


def _measure_and_probe(
    ctx: Context,
    snippet: Snippet,
    images: tuple[list[Built], list[BaseImage]],
    result: record.Result,
    when: tuple[Deadline, _Step],
) -> None:
    """Fill in the images, probes and service log of ``result``."""
    (built, bases), (deadline, step) = images, when
    step("measure")
    result["images"] = _measure_all(ctx, snippet, built, bases)
    step("probes")
    probes, logs = run_probes(ctx.session, snippet, built[0].image_id, deadline)
    result["probes"] = [_normalised(ctx, p) for p in probes]
    if logs:
        result["outputs"]["logs"] = normalise(logs, root=ctx.options.root)


def _build_all(ctx: Context, snippet: Snippet, step: _Step) -> list[Built]:
    """Build the final image, then each ``build.stages`` stage (``--target``) for measuring.

    Each build waits for the compile slot; the Dockerfile is a staged copy whose own ignore file keeps
    the tool's manifests out of the build context (build.stage_dockerfile), so editing a
    ``snippet.yml`` never invalidates a ``COPY . .`` layer.
    """
    spec = snippet.build
    assert spec is not None  # noqa: S101 - only called for snippets that build
    assert snippet.context_dir is not None  # noqa: S101
    assert snippet.dockerfile_path is not None  # noqa: S101
    slug = f"{snippet.volume}-{snippet.name}".lower()
    dockerfile = stage_dockerfile(ctx.options.root, snippet.id, snippet.dockerfile_path, snippet.context_dir)
    built: list[Built] = []
    for target, suffix in [(spec.target, ""), *((stage, f"-{stage}") for stage in spec.stages)]:
        request = BuildRequest(
            snippet.id,
            snippet.context_dir,
            dockerfile,
            _tag_safe(slug + suffix),
            target,
            spec.args,
            no_cache=ctx.options.no_cache,
        )
        step(f"queued ({request.step} waits for a build slot)")
        with ctx.compile_slot:
            step(request.step)
            built.append(build(ctx.session, request, ctx.options.idle_timeout))
    return built


def _measure_all(
    ctx: Context, snippet: Snippet, built: list[Built], bases: list[BaseImage]
) -> list[record.Image]:
    """Measure the final image, each stage and each base: the rows of the 2019 table."""
    spec = snippet.build
    assert spec is not None  # noqa: S101
    final = measure_image(
        ctx.session, built[0].tag, role="final", cache=ctx.cache, payload=spec.payload, snippet=snippet.id
    )
    final.update(tag=snippet.image_tag, build_seconds=built[0].seconds)
    images = [final]
    for stage, item in zip(spec.stages, built[1:], strict=True):
        entry = measure_image(
            ctx.session, item.tag, role=f"stage:{stage}", cache=ctx.cache, snippet=snippet.id
        )
        entry["build_seconds"] = item.seconds
        images.append(entry)
    images += [
        measure_image(ctx.session, base.ref, role=f"base:{base.ref}", cache=ctx.cache, snippet=snippet.id)
        for base in bases
    ]
    return [cast("record.Image", image) for image in images]


def _keep_final(ctx: Context, snippet: Snippet, final: Built, bases: list[BaseImage]) -> str:
    """Tag the verified image (``journey/<vol>-<snippet>:verified``) and show it as ``docker images`` does."""
    repo, tag = snippet.image_tag.rsplit(":", 1)
    ctx.session.client.images.get(final.image_id).tag(repo, tag)
    argv = ["docker", "images"]
    for ref in [snippet.image_tag, *(b.ref for b in bases)]:
        argv += ["--filter", f"reference={ref}"]
    out = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stdout
    return normalise_table(out)


def _untag(session: Session, built: list[Built]) -> None:
    """Remove this snippet's temporary tags (stage images go with them; build cache stays)."""
    for item in built:
        with contextlib.suppress(docker.errors.DockerException):
            session.client.images.remove(item.tag, noprune=False)


def _tag_safe(text: str) -> str:
    """Make a repository name component Docker accepts (lowercase letters, digits, ``.-_``)."""
    return "".join(c if c.isalnum() or c in "._-" else "-" for c in text.lower()).strip("-._") or "snippet"


def _normalised(ctx: Context, outcome: dict[str, Any]) -> record.Outcome:
    """Return an outcome with its output normalised (IDs, ports, times), as results record it."""
    return {
        "name": str(outcome["name"]),
        "ok": bool(outcome["ok"]),
        "output": normalise(str(outcome["output"]), root=ctx.options.root),
    }


# --- bases, results and fragments --------------------------------------------------------------------


def find_base(session: Session, ref: str) -> BaseImage:
    """Look a base image up in the engine; absent is not an error here (the result says so)."""
    try:
        image = session.client.images.get(ref)
    except docker.errors.ImageNotFound:
        return BaseImage(ref, None, None, {})
    labels = {
        k: v
        for k, v in (image.attrs.get("Config", {}).get("Labels") or {}).items()
        if k.startswith(OUR_LABELS)
    }
    digests = image.attrs.get("RepoDigests") or []
    digest = digests[0].split("@", 1)[1] if digests else None
    env = tuple(image.attrs.get("Config", {}).get("Env") or ())
    return BaseImage(ref, image.id, digest, labels, env)


def _go_version(bases: list[BaseImage]) -> str:
    """Return the Go that built the binary (the builder base's GOLANG_VERSION), else the host's."""
    for base in bases:
        for item in base.env:
            if item.startswith("GOLANG_VERSION="):
                return "go" + item.split("=", 1)[1]
    try:
        return subprocess.run(
            ["go", "env", "GOVERSION"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
            env={**os.environ, "GOTOOLCHAIN": "local"},
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _result(
    ctx: Context,
    snippet: Snippet,
    bases: list[BaseImage],
    digests: tuple[str, str],
    reason: str | None = None,
) -> record.Result:
    """Return the result skeleton: status, digests, environment; measurements are filled in later."""
    environment: record.Environment = {
        "engine": ctx.engine.engine,
        "buildx": ctx.engine.buildx,
        "platform": ctx.engine.platform,
        "go": _go_version(bases),
        "bases": [cast("record.Base", b.as_result()) for b in bases],
    }
    return {
        "results_version": record.RESULTS_VERSION,
        "snippet": snippet.id,
        "status": "not-verified" if reason else "verified",
        "reason": reason,
        "source_digest": digests[0],
        "input_digest": digests[1],
        "verified_on": datetime.now(UTC).date().isoformat(),
        "environment": environment,
        "images": [],
        "probes": [],
        "checks": [],
        "outputs": {},
    }


def _record(ctx: Context, snippet: Snippet, result: record.Result) -> bool:
    """Write the result (only if materially changed) and its fragments; nothing after an interrupt."""
    ctx.session.raise_if_cancelled(snippet.id)
    path = record.result_path(ctx.options.root, snippet.id)
    changed = record.write_result(path, result)
    recorded = record.read_result(path) or result
    render.write_snippet_fragments(ctx.options.root, snippet, recorded)
    machine.remember(ctx.options.root, ctx.session, snippet, result["input_digest"])
    return changed


def _render_volumes(root: Path, volumes: list[Volume], outcomes: list[Outcome]) -> None:
    """Re-render the volume-wide fragments (size ladder) of volumes whose results changed."""
    touched = {o.snippet.split("/", 1)[0] for o in outcomes if o.changed}
    for volume in volumes:
        if volume.name in touched:
            results = {
                s.id: record.read_result_quietly(record.result_path(root, s.id)) for s in volume.snippets
            }
            render.write_volume_fragments(root, volume, results)
