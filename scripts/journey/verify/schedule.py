"""``journey plan``: which recorded results can be trusted as they are, and what a full proof would cost.

A recorded result is a cache entry keyed by its ``source_digest``: the digest needs no engine, and it
changes whenever a snippet's files (or the tool's ``RESULTS_VERSION``) change. So a fresh clone can
build the site from the results it holds, and only a snippet whose files moved since it was recorded
(or that has no result) needs verifying here. The full proof, every snippet re-verified, runs where it
belongs: ``journey verify --all`` on one machine, or fanned out one snippet per job in CI, which is why
this module also computes the fan-out's matrix, its time estimate and its critical path.

Durations come from this machine's last verify of each snippet (``.cache/durations.json``) or, before
it verified anything, from the last full proof (``results/durations.json``, written by ``journey verify
--all --report`` and by ``journey merge`` from the fan-out's jobs). Each is a snippet's own time, without
its wait for a build slot. A snippet with neither has no estimate, and the total says so.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal

from journey.core.layout import RESULTS, cache_dir, write_text_atomic
from journey.model.digest import source_digest
from journey.model.record import read_result_quietly, result_path

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from pathlib import Path

    from journey.model.manifest import Snippet

State = Literal["fresh", "stale", "missing"]
DURATIONS = "durations.json"


@dataclass(frozen=True)
class Entry:
    """One snippet as the plan sees it: may its recorded result be trusted, and what would it cost."""

    snippet: str
    state: State
    verified_on: str | None
    engine: str | None
    #: seconds its last verify took (None: never timed), and where that figure comes from
    seconds: float | None
    timed: str | None

    @property
    def slug(self) -> str:
        """``vol1-multistage``: a name a CI job, an artifact or a folder can carry."""
        return self.snippet.replace("/", "-")


def durations_paths(root: Path) -> tuple[Path, Path]:
    """Return the timing files: this machine's own, then the last full proof's (committed)."""
    return cache_dir(root, DURATIONS), root / RESULTS / DURATIONS


def read_durations(path: Path) -> dict[str, float]:
    """Read ``{snippet: seconds}``; a missing or unreadable file is no timings at all."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: float(v) for k, v in data.items() if isinstance(k, str) and isinstance(v, int | float)}


def write_durations(path: Path, seconds: Mapping[str, float]) -> None:
    """Merge ``seconds`` into the timings file at ``path`` (atomic; sorted, so diffs stay small)."""
    merged = {**read_durations(path), **{k: round(v, 1) for k, v in seconds.items()}}
    write_text_atomic(path, json.dumps(dict(sorted(merged.items())), indent=2) + "\n")


def _state(root: Path, snippet: Snippet) -> tuple[State, str | None, str | None]:
    result = read_result_quietly(result_path(root, snippet.id))
    if result is None:
        return "missing", None, None
    state: State = "fresh" if result["source_digest"] == source_digest(snippet) else "stale"
    return state, result.get("verified_on"), result["environment"].get("engine")


def entries(root: Path, snippets: Iterable[Snippet]) -> list[Entry]:
    """Plan every snippet: its state by source digest and its best-known duration."""
    local_path, shared_path = durations_paths(root)
    local, shared = read_durations(local_path), read_durations(shared_path)
    planned = []
    for snippet in snippets:
        state, when, engine = _state(root, snippet)
        seconds, timed = _timing(snippet.id, local, shared)
        planned.append(Entry(snippet.id, state, when, engine, seconds, timed))
    return planned


def _timing(
    snippet: str, local: Mapping[str, float], shared: Mapping[str, float]
) -> tuple[float | None, str | None]:
    if snippet in local:
        return local[snippet], "this machine"
    if snippet in shared:
        return shared[snippet], "as recorded"
    return None, None


def to_verify(planned: Sequence[Entry]) -> list[str]:
    """Return the snippets a trusting run verifies: stale by source digest, or with no result."""
    return [e.snippet for e in planned if e.state != "fresh"]


def estimate(planned: Sequence[Entry]) -> tuple[float, int]:
    """Seconds the timed snippets took one after another, and how many have no timing."""
    known = [e.seconds for e in planned if e.seconds is not None]
    return sum(known), len(planned) - len(known)


def critical_path(planned: Sequence[Entry]) -> Entry | None:
    """Return the slowest timed snippet: one job per snippet, so it bounds the fan-out's wall time."""
    timed = [e for e in planned if e.seconds is not None]
    return max(timed, key=lambda e: e.seconds or 0.0) if timed else None


def minutes(seconds: float) -> str:
    """``about 38 min``, ``under a minute``: how a person reads an estimate."""
    return "under a minute" if seconds < 60 else f"about {round(seconds / 60)} min"  # noqa: PLR2004


def estimate_text(planned: Sequence[Entry]) -> str:
    """``about 71 min on this machine`` (plus what has no timing), for the summary and verify --all."""
    total, untimed = estimate(planned)
    where = {e.timed for e in planned if e.timed}
    source = "on this machine" if where == {"this machine"} else "as last recorded"
    text = f"{minutes(total)} {source}" if total else "time unknown"
    if untimed and total:
        text += f", plus {untimed} snippet{'s' * (untimed != 1)} never timed"
    return text


def summary_line(planned: Sequence[Entry], reverified: int) -> str:
    """Return the line ``make site`` ends with: what was trusted, from when and where, and the way out."""
    reused = [e for e in planned if e.state == "fresh"]
    dates = sorted(e.verified_on[:10] for e in reused if e.verified_on)
    engines = sorted({f"Docker Engine {e.engine}" for e in reused if e.engine})
    span = f"{dates[0]} .. {dates[-1]}" if dates else "no dates"
    where = ", ".join([span, *engines])
    reused_count = max(0, len(reused) - reverified)
    return (
        f"{reused_count} results reused as recorded ({where}); {reverified} re-verified here. "
        f"make verify-all re-proves every snippet ({estimate_text(planned)})"
    )


def matrix(planned: Sequence[Entry]) -> list[dict[str, str]]:
    """Return the fan-out's matrix: one entry per snippet, slowest first (the critical path starts first)."""
    order = sorted(planned, key=lambda e: -(e.seconds or float("inf")))
    return [{"snippet": e.snippet, "slug": e.slug} for e in order]


def plan_json(planned: Sequence[Entry]) -> str:
    """Everything the plan knows, for CI and scripts (``journey plan --json``)."""
    slowest = critical_path(planned)
    total, untimed = estimate(planned)
    data = {
        "snippets": [asdict(e) for e in planned],
        "to_verify": to_verify(planned),
        "matrix": matrix(planned),
        "estimate_seconds": round(total, 1),
        "untimed": untimed,
        "critical_path": asdict(slowest) if slowest else None,
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def table(planned: Sequence[Entry]) -> str:
    """One line per snippet, then the totals and the critical path (``journey plan``)."""
    lines = [f"{'snippet':<32} {'state':<8} {'recorded':<11} {'engine':<14} last verify"]
    for e in planned:
        took = f"{e.seconds:.0f} s ({e.timed})" if e.seconds is not None else "never timed"
        when = (e.verified_on or "-")[:10]
        lines.append(f"{e.snippet:<32} {e.state:<8} {when:<11} {e.engine or '-':<14} {took}")
    slowest = critical_path(planned)
    lines.append(
        f"{len(to_verify(planned))} of {len(planned)} to verify here; all of them: {estimate_text(planned)}"
    )
    if slowest is not None:
        lines.append(
            f"critical path of the fan-out (one job per snippet): {slowest.snippet}, {slowest.seconds:.0f} s"
        )
    return "\n".join(lines) + "\n"
