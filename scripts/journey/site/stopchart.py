"""The stop chart of a volume: how long ``docker stop`` took for each snippet with a stop probe.

One row per stop probe: a bar to the median of its runs, a whisker from the fastest to the slowest
run, and the exit code and what happened to the request in flight, as the probe recorded them. A
dashed line marks the engine's 10 s grace, after which ``docker stop`` kills. Rendered from recorded
results only, like every fragment; the SVG names no font or address outside itself.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from journey.model.runspec import DOCKER_STOP_GRACE, StopProbe

if TYPE_CHECKING:
    from journey.model.manifest import Snippet, Volume
    from journey.model.record import Result

STOP_SVG = "stop-times.svg"
_LABEL_W, _BAR_W, _ROW_H, _TOP = 150, 300, 30, 36
_STYLE = "font-family:sans-serif;font-size:12px"
_EXIT = re.compile(r"^exit code: (\d+) in", re.MULTILINE)
_IN_FLIGHT = re.compile(r"^request in flight: (\w+) in", re.MULTILINE)


def stop_rows(volume: Volume, results: dict[str, Result | None]) -> list[tuple[str, dict[str, Any] | None]]:
    """Return (label, recorded outcome or None) for each stop probe of the volume, in reading order."""
    rows: list[tuple[str, dict[str, Any] | None]] = []
    for snippet in volume.snippets:
        result = results.get(snippet.id)
        outcomes = {o["name"]: o for o in (result["probes"] if result else [])}
        rows += [(_label(snippet, p.name), outcomes.get(p.name)) for p in snippet.probes if p.of(StopProbe)]  # type: ignore[misc]
    return rows


def _label(snippet: Snippet, probe: str) -> str:
    """Name a row by its snippet (and probe, when a snippet has several stop probes)."""
    several = sum(1 for p in snippet.probes if p.of(StopProbe)) > 1
    return f"{snippet.name} ({probe})" if several else snippet.name


def summarise(outcome: dict[str, Any]) -> str:
    """Say what the runs showed: median seconds, exit code, the request in flight."""
    timing = outcome.get("measured", {}).get("stop_seconds", {})
    parts = [f"{timing.get('median', 0):.2f} s"]
    code = _EXIT.search(outcome["output"])
    flight = _IN_FLIGHT.search(outcome["output"])
    parts += [f"exit {code.group(1)}"] if code else []
    parts += [f"request {flight.group(1)}"] if flight else []
    return " · ".join(parts)


def _row(index: int, label: str, outcome: dict[str, Any] | None, scale: float) -> list[str]:
    """Return the SVG parts of one row: label, bar to the median, whisker over the spread, summary."""
    y = _TOP + index * _ROW_H
    parts = [f'<text x="0" y="{y + 13}" fill="currentColor">{html.escape(label)}</text>']
    timing = (outcome or {}).get("measured", {}).get("stop_seconds")
    if outcome is None or not timing:
        return [*parts, f'<text x="{_LABEL_W}" y="{y + 13}" fill="currentColor">not measured</text>']
    x = [_LABEL_W + round(_BAR_W * float(timing[key]) / scale) for key in ("median", "min", "max")]
    parts += [
        f'<rect x="{_LABEL_W}" y="{y + 2}" width="{max(1, x[0] - _LABEL_W)}" height="14" fill="#4f7cac"/>',
        f'<line x1="{x[1]}" y1="{y + 9}" x2="{x[2]}" y2="{y + 9}" stroke="currentColor" stroke-width="1.5"/>',
        f'<line x1="{x[1]}" y1="{y + 4}" x2="{x[1]}" y2="{y + 14}" stroke="currentColor"/>',
        f'<line x1="{x[2]}" y1="{y + 4}" x2="{x[2]}" y2="{y + 14}" stroke="currentColor"/>',
        _text(max(x[0], x[2]) + 8, y + 13, summarise(outcome)),
    ]
    return parts


def _text(x: int, y: int, words: str) -> str:
    """Return an SVG text element in the page's colour."""
    return f'<text x="{x}" y="{y}" fill="currentColor">{html.escape(words)}</text>'


def render_stop_svg(volume: Volume, results: dict[str, Result | None]) -> str:
    """Render ``stop-times.svg`` for the volume's stop probes (medians, spreads, the 10 s grace)."""
    rows = stop_rows(volume, results)
    largest = max(
        (float(o["measured"]["stop_seconds"]["max"]) for _, o in rows if o and o.get("measured")), default=0.0
    )
    scale = max(largest, float(DOCKER_STOP_GRACE)) * 1.05
    height = _TOP + len(rows) * _ROW_H + 24
    title = html.escape(f"{volume.title}: docker stop, median and spread of the runs")
    grace_x = _LABEL_W + round(_BAR_W * DOCKER_STOP_GRACE / scale)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 760 {height}" width="760" height="{height}" '
        f'role="img" aria-label="{title}" style="{_STYLE}">'
    )
    grace = (
        f'<line x1="{grace_x}" y1="{_TOP - 8}" x2="{grace_x}" y2="{height - 18}" stroke="#c0504d" '
        'stroke-dasharray="4 3"/>'
    )
    grace_label = (
        f'<text x="{grace_x}" y="{height - 4}" fill="#c0504d" text-anchor="middle">'
        f"{DOCKER_STOP_GRACE} s: docker stop sends SIGKILL</text>"
    )
    legend = (
        '<text x="0" y="14" fill="currentColor">bar: median of the runs; whisker: fastest to slowest</text>'
    )
    parts = [head, f"<title>{title}</title>", legend, grace, grace_label]
    parts.append(f'<text x="{_LABEL_W}" y="{height - 4}" fill="currentColor">0 s</text>')
    for index, (label, outcome) in enumerate(rows):
        parts += _row(index, label, outcome, scale)
    return "\n".join([*parts, "</svg>"]) + "\n"


def has_stop_probes(volume: Volume) -> bool:
    """Tell whether the volume has a stop probe at all (only then is there a chart to draw)."""
    return any(p.of(StopProbe) is not None for s in volume.snippets for p in s.probes)
