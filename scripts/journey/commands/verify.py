"""``journey verify``: what to verify, and the run that verifies it.

First the source digests, with no engine: a recorded result whose snippet files are as they were
verified is trusted (``journey.verify.schedule``), unless ``--all`` asks for the full proof. For the rest,
input digests decide in the main thread what needs verifying (a no-op run stays at digests and image
lookups: no worker, no module proxy); ``journey.verify.runner`` runs the rest in parallel, one snippet at a
time through ``journey.verify.pipeline``; volume-wide fragments are re-rendered for volumes that changed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from journey.core.errors import ExitCode, InterruptedRunError, worst
from journey.core.progress import Outcome, Reporter
from journey.engine import daemon
from journey.engine.measure import LayerCache
from journey.engine.session import Session
from journey.helpers import farm, modproxy
from journey.model import record, reverified
from journey.model.manifest import discover, select
from journey.site import render
from journey.verify import drift, schedule
from journey.verify.pipeline import Context, Plan, plan, verify_snippet
from journey.verify.runner import run_all, signals_interrupt, verify_lock

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from journey.core.options import VerifyOptions
    from journey.model.manifest import Snippet, Volume


def run_verify(options: VerifyOptions) -> int:
    """Verify the selected snippets; return the exit code (0 ok, 1 a snippet failed, 6 drift reported).

    A snippet that failed because this machine did, or because of a bug in journey, makes it 8 or 70
    (``exit_code``). Without ``--all`` a result whose source digest matches is trusted as recorded, and a
    run with nothing else to do needs no engine at all. Whole-run problems raise: UsageError/ManifestError
    (2), BusyError (2), EngineUnavailableError (3), the machine's errors (8), InterruptedRunError (130).
    """
    with verify_lock(options.root), signals_interrupt():
        volumes = discover(options.root)
        snippets = select(volumes, list(options.ids))
        reused = _trusted(options, snippets)
        todo = [s for s in snippets if s.id not in reused]
        before = {s.id: record.read_result_quietly(record.result_path(options.root, s.id)) for s in todo}
        with Reporter() as reporter:
            if reused:
                reporter.note(f"{len(reused)} results reused as recorded (their files are as verified)")
            outcomes = _verify_engine(options, volumes, todo, reporter) if todo else []
        reporter.summary(outcomes)  # after the live view stopped, so it prints once, cleanly
        _remember_durations(options.root, outcomes)
    drifted = _report_drift(options, before, outcomes)
    if options.json:
        everything = [*(Outcome(i, "reused") for i in reused), *outcomes]
        json.dump({"outcomes": [o.as_json() for o in everything]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    failed = exit_code(outcomes)
    return failed or int(ExitCode.DRIFT if drifted else ExitCode.OK)


def exit_code(outcomes: list[Outcome]) -> int:
    """Return the code the run's failures give (0: none), 1 for a failed snippet.

    A worker that met a bug of the tool (70) or a failure of this machine (8) makes that the run's code
    (``errors.worst``): neither is the snippet's fault, and CI must not read it as one.
    """
    kept = {ExitCode.INTERNAL, ExitCode.MACHINE}
    failed = [o.error.exit_code if o.error is not None else None for o in outcomes if o.status == "failed"]
    codes = [code if code in kept else ExitCode.VERIFICATION_FAILED for code in failed]
    return worst(codes)


def _trusted(options: VerifyOptions, snippets: list[Snippet]) -> list[str]:
    """Snippets whose recorded result is trusted as it is: fresh by source digest, and not ``--all``."""
    if not options.trusting:
        return []
    return [e.snippet for e in schedule.entries(options.root, snippets) if e.state == "fresh"]


def _verify_engine(
    options: VerifyOptions, volumes: list[Volume], todo: list[Snippet], reporter: Reporter
) -> list[Outcome]:
    """Run the part that needs the engine: plan by input digest, verify, re-render the volumes."""
    client = daemon.connect()
    if options.all:
        planned = schedule.entries(options.root, todo)
        count = f"{len(todo)} snippet{'s' * (len(todo) != 1)}"
        reporter.note(f"re-proving {count}: {schedule.estimate_text(planned)}")
    ctx = Context(
        options,
        Session(client),
        daemon.info(client),
        reporter,
        LayerCache(options.root / ".cache"),
        threading.BoundedSemaphore(options.build_jobs),
    )
    try:
        outcomes = _verify_planned(ctx, todo)
    except InterruptedRunError as exc:
        raise _interrupted(options.root, volumes, ctx.session.recorded, exc) from None
    _render_volumes(options.root, volumes, outcomes)
    return outcomes


def _interrupted(
    root: Path, volumes: list[Volume], recorded: list[str], exc: InterruptedRunError
) -> InterruptedRunError:
    """Return the interrupt as it really ended: untouched, or with the results written before it named.

    A signal that lands while a worker writes a result cannot undo the write. The record stays whole:
    its volume's fragments and the downloads are brought up to it here (as a finished run would), and
    the message names it instead of claiming that nothing was written.
    """
    if not recorded:
        return exc
    render.rerender_volumes(root, volumes, {snippet.split("/", 1)[0] for snippet in recorded})
    names = ", ".join(recorded)
    cause = (
        f"interrupted: containers and temporary images of this run removed; {names} had been recorded "
        "when the signal came (result, fragments and volume pages complete); nothing else written"
    )
    return InterruptedRunError(cause, step=exc.step)


def own_seconds(outcome: Outcome) -> float:
    """Return a snippet's time without its waits for others (slots, the farm): alone, as in a fan-out job."""
    return max(0.0, outcome.seconds - outcome.waited)


def _remember_durations(root: Path, outcomes: list[Outcome]) -> None:
    """Keep how long each snippet took here: ``journey plan`` estimates the next full proof from it."""
    timed = {o.snippet: own_seconds(o) for o in outcomes if o.status in {"verified", "not-verified"}}
    if timed:
        schedule.write_durations(schedule.durations_paths(root)[0], timed)


def _report_drift(
    options: VerifyOptions, before: dict[str, record.Result | None], outcomes: list[Outcome]
) -> bool:
    """With ``--report``: compare each re-verified result with what was recorded; tell whether any moved."""
    if options.report is None:
        return False
    verified = [o.snippet for o in outcomes if o.status in {"verified", "not-verified"}]
    found = []
    for snippet in verified:
        new = record.read_result_quietly(record.result_path(options.root, snippet))
        moved = drift.compare(snippet, before.get(snippet), new) if new is not None else None
        if moved is not None:
            found.append(moved)
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%MZ")
    resumed = {o.snippet for o in outcomes if o.status == "unchanged"}
    earlier, earlier_verified = drift.carried_over(options.report, resumed)
    drift.write_report(options.report, [*earlier, *found], [*earlier_verified, *verified], when)
    timings = {o.snippet: own_seconds(o) for o in outcomes if o.snippet in verified}
    schedule.write_durations(options.report / schedule.DURATIONS, timings)
    schedule.write_durations(schedule.durations_paths(options.root)[1], timings)
    drifted = {d.snippet for d in found}  # the earlier run marked its own snippets
    still_true = reverified.mark(options.root, drift.still_true(options.root, verified, drifted), when[:10])
    render.rerender(options.root, still_true)
    return bool(found or earlier)


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
        bases = [base for p in todo for base in p.bases]
        wait = ctx.options.timeout  # another checkout's run may hold the one proxy port
        with (
            modproxy.serving_for([p.snippet for p in todo], ctx.options.root, bases, wait),
            _farm_for(ctx, todo) as farmed,
        ):
            done.update((o.snippet, o) for o in run_all(farmed, todo, verify_snippet))
    return [done[s.id] for s in snippets if s.id in done]


@contextlib.contextmanager
def _farm_for(ctx: Context, todo: list[Plan]) -> Iterator[Context]:
    """Start the build farm (helpers.farm) when a snippet to verify has ``ship:`` pushes, else do nothing."""
    shipping = [p for p in todo if p.snippet.ship is not None]
    if not shipping:
        yield ctx
        return
    bases = list(dict.fromkeys(b.ref for p in shipping for b in p.bases))
    contexts = [p.snippet.context_dir for p in shipping if p.snippet.context_dir is not None]
    port = modproxy.proxy_port([b for p in shipping for b in p.bases])
    needs = (bases, contexts, port)
    labels = ctx.session.labels_for(None)
    with farm.running(ctx.options.root, ctx.session.run_id, needs, ctx.reporter.note, labels) as running:
        yield dataclasses.replace(ctx, farm=running)


def _render_volumes(root: Path, volumes: list[Volume], outcomes: list[Outcome]) -> None:
    """Re-render the volume-wide fragments of volumes whose results changed, and the downloads."""
    touched = {o.snippet.split("/", 1)[0] for o in outcomes if o.changed}
    failed = {o.snippet for o in outcomes if o.status == "failed"}
    render.rerender_volumes(root, volumes, touched, failed)
