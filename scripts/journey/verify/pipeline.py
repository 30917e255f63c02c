"""One snippet through ``journey verify``: build, measure, run and probe, check, record.

Each snippet goes through :func:`verify_snippet` in a worker thread; the run around it (lock, signals,
the pool) is ``verify.runner``'s, and what to verify at all is ``commands.verify``'s. A failing snippet
raises nothing: its outcome carries the error, named with its snippet and step, and its recorded result
stays byte-for-byte as it was.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import docker.errors

from journey.core import process
from journey.core.errors import InternalError, JourneyError, MachineError, VerificationError
from journey.core.layout import crash_log
from journey.core.progress import Outcome, Reporter
from journey.engine import machine
from journey.engine.build import BuildRequest, Built, build, stage_dockerfile
from journey.engine.images import Image, cli_listing, lookup, remove_image, tag_image
from journey.engine.measure import LayerCache, containerd_store, measure_image
from journey.engine.session import CancelledError, Deadline, Session
from journey.model import record
from journey.model.digest import input_digest, source_digest
from journey.model.manifest import base_refs
from journey.site import render
from journey.verify import ship
from journey.verify.bases import RECIPES
from journey.verify.checks import CheckContext
from journey.verify.measurements import Target, measure_all
from journey.verify.normalise import normalise, normalise_table
from journey.verify.probe import run_probes
from journey.verify.tools import run_checks, run_file_checks, tool_versions

if TYPE_CHECKING:
    import threading

    from journey.core.options import VerifyOptions
    from journey.engine.daemon import EngineInfo
    from journey.helpers.farm import Farm
    from journey.model.manifest import Build, Building, Snippet

#: The columns ``docker images`` has always shown, spelt out: Engine 29's CLI prints a tree view without
#: ``--format``, and results record this table (``outputs.docker_images``).
DOCKER_IMAGES_FORMAT = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
#: The same columns, one tab-separated row per image and no header (the containerd store's SIZE is replaced).
DOCKER_IMAGES_ROWS = DOCKER_IMAGES_FORMAT.removeprefix("table ")


@dataclass(frozen=True)
class Context:
    """What every worker shares for one run."""

    options: VerifyOptions
    session: Session
    engine: EngineInfo
    reporter: Reporter
    cache: LayerCache
    #: taken by every build and every Go check (see DEFAULT_BUILD_JOBS)
    compile_slot: threading.BoundedSemaphore
    #: the build farm of Vol. 3's ``ship:`` pushes, started by commands.verify only when a snippet has one
    farm: Farm | None = None


@dataclass(frozen=True)
class Plan:
    """A snippet that needs verifying, with the digests worked out before any worker starts."""

    snippet: Snippet
    bases: list[Image]
    source: str
    inputs: str


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
        bases = [lookup(ctx.session.client, ref) for ref in base_refs(snippet)]
        source = source_digest(snippet)
    except (OSError, docker.errors.DockerException) as exc:
        error = VerificationError(f"{type(exc).__name__}: {exc}", snippet=snippet.id, step="digest")
        return Outcome(snippet.id, "failed", error=error)
    identities = {b.ref: b.identity for b in bases}
    engine = None if snippet.done == "checked" else ctx.engine
    inputs = input_digest(
        source, identities, engine.engine if engine else None, engine.buildx if engine else None
    )
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
    except Exception as exc:  # noqa: BLE001 - a bug of ours fails this snippet only; the run then exits 70
        log = crash_log("verify", "".join(traceback.format_exception(exc)))
        error = InternalError(exc, snippet=snippet.id, step=step.name, log=str(log))
        outcome = Outcome(snippet.id, "failed", seconds=time.monotonic() - start, error=error)
    outcome.steps = step.timings()
    outcome.waited = ctx.session.waited(snippet.id)
    return outcome


def _named(exc: JourneyError, snippet: Snippet, step: _Step) -> JourneyError:
    """Make sure an error names its snippet and step, whoever raised it.

    The machine's failures (exit 8) and the tool's bugs (exit 70) keep their kind, so the run's exit
    code still says whose fault it was; any other error becomes the snippet's failure (exit 1).
    """
    if exc.snippet and exc.step:
        return exc
    if isinstance(exc, (MachineError, InternalError)):
        exc.snippet, exc.step = exc.snippet or snippet.id, exc.step or step.name
        exc.args = (exc.message,)
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
        result["done"] = "checked" if result["checks"] else None
        result["environment"]["tools"] = tool_versions(ctx.options.root, snippet, files_only=True)
    else:
        result = _measured_result(ctx, snippet, bases, (item.source, item.inputs), step)
    step("record")
    changed = _record(ctx, snippet, result)
    return result["status"], changed, result["reason"]


def _measured_result(
    ctx: Context, snippet: Snippet, bases: list[Image], digests: tuple[str, str], step: _Step
) -> record.Result:
    """Build, measure, probe and check; return the ``verified`` result or raise on the first failure.

    Checks (linters, ``go test`` on the host) need only the built image, so they run beside the
    measuring and probing (containers) instead of after them.
    """
    deadline = Deadline(ctx.options.timeout)
    result = _result(ctx, snippet, bases, digests)
    building = snippet.building
    built: list[Built] = []
    try:
        if building is not None:
            built = _build_all(ctx, snippet, building, step)
        image_id = built[0].image_id if built else None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="checks") as pool:
            checks = pool.submit(_timed_checks, _check_context(ctx, snippet, deadline, image_id), step)
            if building is not None and built:
                _measure_and_probe(ctx, snippet, (building, built, bases), result, (deadline, step))
                if snippet.measure:
                    result["measurements"] = measure_all(_target(ctx, snippet, building, built), step)
            step("checks")
            result["checks"] = [cast("record.Outcome", c) for c in checks.result()]
        # asked once the checks ran: the deploy check's engine image exists only after its first run
        result["environment"]["tools"] = tool_versions(ctx.options.root, snippet)
        if snippet.ship is not None:
            _ship(ctx, snippet, building, result, step)
        if built:
            step("tag")
            result["outputs"]["docker_images"] = _keep_final(ctx, snippet, built, bases, result["images"])
    finally:
        _untag(ctx.session, built)
    return result


def _target(ctx: Context, snippet: Snippet, building: Building, built: list[Built]) -> Target:
    """Return what the ``measure:`` items work on: the final image, each stage's image, the limits."""
    run = snippet.run
    staged = stage_dockerfile(ctx.options.root, snippet.id, building.dockerfile, building.context)
    return Target(
        ctx.session,
        snippet,
        building,
        built[0].image_id,
        {stage: item.image_id for stage, item in zip(building.spec.stages, built[1:], strict=True)},
        staged,
        ctx.options.idle_timeout,
        ctx.compile_slot,
        timeout=float(run.timeout if run else 30),
    )


def _ship(
    ctx: Context, snippet: Snippet, building: Building | None, result: record.Result, step: _Step
) -> None:
    """Run the snippet's ``ship:`` pushes on the farm (journey.verify.ship) and record them under ``ship``."""
    if ctx.farm is None:
        raise VerificationError(
            "no build farm was started for its ship: pushes", snippet=snippet.id, step="ship"
        )
    if building is None:  # the manifest refuses ship: without build:, but a Snippet made in code may not
        raise VerificationError("ship: pushes need a build: section", snippet=snippet.id, step="ship")
    step("ship")
    root, context = ctx.options.root, building.context
    dockerfile = stage_dockerfile(root, snippet.id, building.dockerfile, context)
    sources: dict[str, ship.Source] = {}
    for push in snippet.ship.pushes if snippet.ship else ():
        own = snippet.push_dockerfile(push)
        # a push's own Dockerfile is staged apart: two files called Dockerfile must not share a folder
        staged = (
            stage_dockerfile(root, f"{snippet.id}/push-{push.name}", own, context)
            if push.dockerfile and own
            else None
        )
        sources[push.name] = ship.Source(staged or dockerfile, context)
    result["ship"] = ship.ship_snippet(
        ctx.farm, ctx.session, snippet, sources, idle=ctx.options.idle_timeout, slot=ctx.compile_slot
    )


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
        compile_slot=ctx.session.hold(ctx.compile_slot, snippet.id),
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
    images: tuple[Building, list[Built], list[Image]],
    result: record.Result,
    when: tuple[Deadline, _Step],
) -> None:
    """Fill in the images, probes and service log of ``result``."""
    (building, built, bases), (deadline, step) = images, when
    step("measure")
    result["images"] = _measure_all(ctx, snippet, building.spec, built, bases)
    step("probes")
    probes, logs = run_probes(ctx.session, snippet, built[0].image_id, deadline)
    result["probes"] = [_normalised(ctx, p) for p in probes]
    if logs:
        result["outputs"]["logs"] = normalise(logs, root=ctx.options.root)


def _build_all(ctx: Context, snippet: Snippet, building: Building, step: _Step) -> list[Built]:
    """Build the final image, then each ``build.stages`` stage (``--target``) for measuring.

    Each build waits for the compile slot; the Dockerfile is a staged copy whose own ignore file keeps
    the tool's manifests out of the build context (build.stage_dockerfile), so editing a
    ``snippet.yml`` never invalidates a ``COPY . .`` layer.
    """
    spec = building.spec
    slug = f"{snippet.volume}-{snippet.name}".lower()
    dockerfile = stage_dockerfile(ctx.options.root, snippet.id, building.dockerfile, building.context)
    built: list[Built] = []
    for target, suffix in [(spec.target, ""), *((stage, f"-{stage}") for stage in spec.stages)]:
        request = BuildRequest(
            snippet.id,
            building.context,
            dockerfile,
            _tag_safe(slug + suffix),
            target,
            spec.args,
            no_cache=ctx.options.no_cache,
            replace_from=spec.replace_from,
            builder=ctx.options.builder,
            cache=ctx.options.cache,
        )
        step(f"queued ({request.step} waits for a build slot)")
        with ctx.session.hold(ctx.compile_slot, snippet.id):
            step(request.step)
            built.append(build(ctx.session, request, ctx.options.idle_timeout))
    return built


def _measure_all(
    ctx: Context, snippet: Snippet, spec: Build, built: list[Built], bases: list[Image]
) -> list[record.Image]:
    """Measure the final image, each stage and each base: the rows of the 2019 table."""
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


def _keep_final(
    ctx: Context, snippet: Snippet, built: list[Built], bases: list[Image], measured: list[record.Image]
) -> str:
    """Tag the verified image (``journey/<vol>-<snippet>:verified``) and show it as ``docker images`` does.

    Each ``build.stages`` stage is tagged ``journey/<vol>-<snippet>:<stage>`` for the listing and
    untagged after it: BuildKit leaves no dangling builder behind, and a stage built with ``--target``
    and tagged is how a reader gets the 2019 article's three rows (final, builder, base) for real.

    On the containerd image store ``docker images`` counts an image's stored blobs and its unpacked
    snapshot together (the 120 MB Debian base shows as 258 MB); there the SIZE column shows the measured
    size, as the classic store prints it, so the recorded table does not depend on the store.
    """
    repo, tag = snippet.image_tag.rsplit(":", 1)
    client = ctx.session.client
    tag_image(client, built[0].image_id, repo, tag)
    spec = snippet.build
    stages = list(zip(spec.stages if spec else [], built[1:], strict=False))
    filters = ["--filter", f"reference={repo}"] if stages else ["--filter", f"reference={snippet.image_tag}"]
    for ref in (b.ref for b in bases):
        filters += ["--filter", f"reference={ref}"]
    for stage, item in stages:
        tag_image(client, item.image_id, repo, stage)
    try:
        return _listing(ctx, snippet, bases, measured, filters)
    finally:
        for stage, _ in stages:
            with contextlib.suppress(docker.errors.DockerException):
                remove_image(client, f"{repo}:{stage}", noprune=False)


def _listing(
    ctx: Context, snippet: Snippet, bases: list[Image], measured: list[record.Image], filters: list[str]
) -> str:
    """Run ``docker images`` with ``filters`` and return its normalised table, rows in the article's order.

    ``docker images`` sorts by creation time, which the recording hides (``<time> ago``) and which can
    come out either way round for the final image and the builder stage tagged from the same build
    (seen on 2026-12-02: the same inputs listed in both orders). So the rows are put in the order the
    2019 article listed them: the final image, its stages in manifest order, then the bases.
    """
    if not containerd_store(ctx.session):
        out = cli_listing(DOCKER_IMAGES_FORMAT, filters, timeout=60)
        return normalise_table(hide_image_ids(in_listing_order(out, listing_order(snippet, bases))))
    repo = snippet.image_tag.rsplit(":", 1)[0]
    sizes = {snippet.image_tag: measured[0]["size"]}
    sizes.update(
        {
            f"{repo}:{m['role'].removeprefix('stage:')}": m["size"]
            for m in measured
            if m["role"].startswith("stage:")
        }
    )
    sizes.update({b.ref: m["size"] for b in bases for m in measured if m["role"] == f"base:{b.ref}"})
    out = cli_listing(DOCKER_IMAGES_ROWS, filters, timeout=60)
    rows = ["REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE"]
    for line in out.splitlines():
        cells = line.split("\t")
        ref = f"{cells[0]}:{cells[1]}"
        if ref in sizes:
            cells[-1] = docker_size(sizes[ref])
        rows.append("\t".join(cells))
    return normalise_table(
        hide_image_ids(in_listing_order("\n".join(rows) + "\n", listing_order(snippet, bases)))
    )


def listing_order(snippet: Snippet, bases: list[Image]) -> list[str]:
    """Return the references of a snippet's ``docker images`` rows in the order they are recorded."""
    repo = snippet.image_tag.rsplit(":", 1)[0]
    stages = [f"{repo}:{stage}" for stage in (snippet.build.stages if snippet.build else [])]
    return [snippet.image_tag, *stages, *(b.ref for b in bases)]


def in_listing_order(table: str, order: list[str]) -> str:
    """Return a ``docker images`` table (header first) with its rows sorted by ``order``.

    A row is named by its first two columns (repository and tag, tab- or space-separated); a row that
    ``order`` does not name keeps its place after the named ones (the sort is stable).
    """
    header, *rows = table.splitlines()
    rank = {ref: index for index, ref in enumerate(order)}

    def key(row: str) -> int:
        repository, tag = row.split()[:2]
        return rank.get(f"{repository}:{tag}", len(order))

    return "\n".join([header, *sorted(rows, key=key)]) + "\n"


def hide_image_ids(table: str) -> str:
    """Put ``<id>`` in the IMAGE ID column of a ``docker images`` table (header first), whatever the ID.

    The general rule (``normalise``) takes a 12-digit hex word for an ID only if it has a letter, so as
    not to hide a number; an image ID of decimal digits only (one in a few hundred) was then recorded as
    it came, and two runs of one snippet differed. In this column every value is an ID.
    """
    header, *rows = table.splitlines()
    hidden = [header]
    for row in rows:
        cells = re.split(r"\t| {2,}", row.strip())
        if len(cells) > _ID_COLUMN and re.fullmatch(r"[0-9a-f]{12}", cells[_ID_COLUMN]):
            cells[_ID_COLUMN] = "<id>"
        hidden.append("\t".join(cells))
    return "\n".join(hidden) + "\n"


#: The IMAGE ID column of ``DOCKER_IMAGES_FORMAT``.
_ID_COLUMN = 2


def docker_size(size: int) -> str:
    """Spell a byte count as ``docker images`` does (docker/go-units HumanSizeWithPrecision, 3 digits)."""
    units = ("B", "kB", "MB", "GB", "TB", "PB")
    value, unit = float(size), 0
    while value >= 1000 and unit < len(units) - 1:  # noqa: PLR2004 - decimal units
        value /= 1000
        unit += 1
    return f"{value:.3g}{units[unit]}"


def _untag(session: Session, built: list[Built]) -> None:
    """Remove this snippet's temporary tags (stage images go with them; build cache stays)."""
    for item in built:
        with contextlib.suppress(docker.errors.DockerException):
            remove_image(session.client, item.tag, noprune=False)


def _tag_safe(text: str) -> str:
    """Make a repository name component Docker accepts (lowercase letters, digits, ``.-_``)."""
    return "".join(c if c.isalnum() or c in "._-" else "-" for c in text.lower()).strip("-._") or "snippet"


def _normalised(ctx: Context, outcome: dict[str, Any]) -> record.Outcome:
    """Return an outcome with its output normalised (IDs, ports, times), as results record it."""
    normalised: record.Outcome = {
        "name": str(outcome["name"]),
        "ok": bool(outcome["ok"]),
        "output": normalise(str(outcome["output"]), root=ctx.options.root),
    }
    if outcome.get("measured"):
        normalised["measured"] = dict(outcome["measured"])
    return normalised


# --- bases, results and fragments --------------------------------------------------------------------


def _go_version(bases: list[Image]) -> str:
    """Return the Go that built the binary (the builder base's GOLANG_VERSION), else the host's."""
    for base in bases:
        for item in base.env:
            if item.startswith("GOLANG_VERSION="):
                return "go" + item.split("=", 1)[1]
    try:
        return process.run(
            ["go", "env", "GOVERSION"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
            env={**os.environ, "GOTOOLCHAIN": "local"},
        ).stdout.strip()
    except (OSError, process.SubprocessError):
        return "unknown"


def _base_record(snippet: Snippet, base: Image) -> record.Base:
    """Return a base's entry in the result, with the ``FROM`` name it stood in for, if it did."""
    entry = cast("record.Base", base.as_result())
    replace_from = snippet.build.replace_from if snippet.build else {}
    named = [name for name, image in replace_from.items() if image == base.ref]
    if named:
        entry["replaces"] = ", ".join(named)
    return entry


def _result(
    ctx: Context,
    snippet: Snippet,
    bases: list[Image],
    digests: tuple[str, str],
    reason: str | None = None,
) -> record.Result:
    """Return the result skeleton: status, digests, environment; measurements are filled in later.

    What the environment names follows what verifying does (``Snippet.done``): an engine only where one
    took part, the Go that built an image only where one was built, and always the programs the checks
    run, with the versions they give.
    """
    done = snippet.done
    engine = None if done == "checked" else ctx.engine
    environment: record.Environment = {
        "engine": engine.engine if engine else None,
        "buildx": engine.buildx if engine else None,
        "platform": engine.platform if engine else None,
        "go": _go_version(bases) if done == "built-and-run" and not reason else None,
        "bases": [_base_record(snippet, b) for b in bases],
        "tools": {},  # filled in by the caller: after the checks ran, or with the file checks' only
    }
    return {
        "results_version": record.RESULTS_VERSION,
        "snippet": snippet.id,
        "status": "not-verified" if reason else "verified",
        "done": None if reason else done,
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
    """Write the result (only if materially changed) and its fragments; nothing after an interrupt.

    The check for an interrupt comes before the first write; once writing began, the result and its
    fragments are written whole (the session notes it), so the tree is never half a record.
    """
    ctx.session.raise_if_cancelled(snippet.id)
    path = record.result_path(ctx.options.root, snippet.id)
    changed = record.write_result(path, result)
    recorded = record.read_result(path) or result
    render.write_snippet_fragments(ctx.options.root, snippet, recorded)
    if changed:
        ctx.session.note_recorded(snippet.id)
    machine.remember(ctx.options.root, ctx.session, snippet, result["input_digest"])
    return changed
