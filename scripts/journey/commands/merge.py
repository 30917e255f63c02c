"""``journey merge``: the fan-out's parts, one per snippet, laid over this checkout as one tree of results.

Each CI job of the full proof runs ``make verify-entry SNIPPET=<id>`` in a clone of its own and hands
on a part: that snippet's ``results/<volume>/<snippet>/`` folder and its ``build/report/`` (drift.json,
durations.json). The merge job checks every part before it copies anything (a part may only hold
results of snippets this checkout has, each with a readable result.json, and a readable drift.json),
replaces each snippet's folder of results, re-renders the volume-wide fragments from the merged
results, combines the drift reports and keeps the timings in ``results/durations.json`` for the next
plan's estimate.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from journey.core.errors import ExitCode, UsageError
from journey.core.layout import RESULTS, results_dir
from journey.model import record, reverified
from journey.model.manifest import all_snippets, discover
from journey.site import render
from journey.verify import drift, schedule

if TYPE_CHECKING:
    from journey.core.options import MergeOptions
    from journey.model.manifest import Snippet

#: Where an entry writes its report (``journey verify --all --report build/report``).
REPORT = "build/report"


@dataclass(frozen=True)
class Part:
    """One fan-out entry's output: the snippets whose results it holds, and its report folder."""

    path: Path
    snippets: tuple[str, ...]

    @property
    def report(self) -> Path:
        """The entry's ``build/report`` folder."""
        return self.path / REPORT


def read_part(path: Path, known: dict[str, Snippet]) -> Part:
    """Find the snippets a part holds results for; refuse anything that is not one of ours."""
    base = path / RESULTS
    found = sorted(p.parent for p in base.glob(f"*/*/{record.RESULT_NAME}")) if base.is_dir() else []
    ids = tuple(f"{d.parent.name}/{d.name}" for d in found)
    strangers = [i for i in ids if i not in known]
    if strangers:
        raise UsageError(f"{path}: results of snippets this checkout does not have: {', '.join(strangers)}")
    for snippet in ids:
        if record.read_result(record.result_path(path, snippet)) is None:  # unreadable raises StaleError
            raise UsageError(f"{path}: {snippet} has no result.json")
    if not ids:
        raise UsageError(f"{path}: holds no results/<volume>/<snippet>/result.json")
    return Part(path, ids)


def _replace(source: Path, target: Path) -> None:
    """Swap a snippet's folder of results for the part's copy (copied beside it first, then renamed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        copy = staging / target.name
        shutil.copytree(source, copy, symlinks=True)
        old = staging / "old"
        if target.exists():
            target.rename(old)
        copy.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def run_merge(options: MergeOptions) -> int:
    """Check every part, then lay them over ``results/``; exit 6 when a part reported drift."""
    root = options.root
    volumes = discover(root)
    known = {s.id: s for s in all_snippets(volumes)}
    parts = [read_part(path, known) for path in options.parts]
    twice = sorted({s for p in parts for s in p.snippets if sum(s in q.snippets for q in parts) > 1})
    if twice:
        raise UsageError(f"more than one part holds {', '.join(twice)}")
    reports = [drift.read_report(part.report / drift.JSON_NAME) for part in parts]  # unreadable: refused
    for part in parts:
        for snippet in part.snippets:
            _replace(part.path / RESULTS / snippet, results_dir(root, snippet))
    render.rerender_volumes(root, volumes, {s.split("/", 1)[0] for p in parts for s in p.snippets})
    drifts, verified = [], []
    for part, (found, checked) in zip(parts, reports, strict=True):
        drifts.extend(found)
        verified.extend(checked)
        timings = schedule.read_durations(part.report / schedule.DURATIONS)
        if timings:
            schedule.write_durations(root / RESULTS / schedule.DURATIONS, timings)
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%MZ")
    drifted = {d.snippet for d in drifts}
    render.rerender(root, reverified.mark(root, drift.still_true(root, verified, drifted), when[:10]))
    if options.report is not None:
        drift.write_report(options.report, drifts, verified, when)
    count = sum(len(p.snippets) for p in parts)
    sys.stdout.write(f"merged {count} snippets' results from {len(parts)} parts; {len(drifts)} drifted\n")
    return int(ExitCode.DRIFT if drifts else ExitCode.OK)
