"""``journey verify``: what to verify, and the run that verifies it.

Digests decide in the main thread what needs verifying (a no-op run stays at digests and image
lookups: no worker, no module proxy); ``journey.runner`` runs the rest in parallel, one snippet at a
time through ``journey.pipeline``; volume-wide fragments are re-rendered for volumes that changed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
import threading
from typing import TYPE_CHECKING

from journey import downloads, engine, farm, modproxy, record, render
from journey.errors import ExitCode
from journey.manifest import discover, select
from journey.measure import LayerCache
from journey.pipeline import Context, Plan, plan, verify_snippet
from journey.progress import Outcome, Reporter
from journey.runner import run_all, signals_interrupt, verify_lock
from journey.session import Session

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from journey.manifest import Snippet, Volume
    from journey.options import VerifyOptions


def run_verify(options: VerifyOptions) -> int:
    """Verify the selected snippets; return the exit code (0 ok, 1 a snippet failed).

    Whole-run problems raise: UsageError/ManifestError (2), BusyError (2), EngineUnavailableError (3),
    InterruptedRunError (130).
    """
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
    """Start the build farm (journey.farm) when a snippet to verify has ``ship:`` pushes, else do nothing."""
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
    """Re-render the volume-wide fragments (size ladder) of volumes whose results changed, and downloads.

    Downloads follow the snippet files, not the results: a verified change is a changed file, and
    ``journey check`` wants its served copy to match.
    """
    touched = {o.snippet.split("/", 1)[0] for o in outcomes if o.changed}
    for volume in volumes:
        if volume.name in touched:
            results = {
                s.id: record.read_result_quietly(record.result_path(root, s.id)) for s in volume.snippets
            }
            render.write_volume_fragments(root, volume, results)
    downloads.write_downloads(root, volumes)
