"""A volume's measured headline: the one sentence the home page shows on the volume's card.

The home page lists every volume with a figure of its own (issue 27), and a figure on a page is never
typed (ARCHITECTURE.md, "Data flows one way"): so the sentence is computed from recorded results, and a
re-recorded result changes it. Which sentence depends on what the volume measured, first match wins:

0. a volume whose size ladder quotes a published size (Vol. 1, against the 2019 article) is about size:
   the range of its final images, as in 3;
1. stop probes (Vol. 2): how long ``docker stop`` took for each, and what became of the request, as
   its stop chart says it (``stopchart.summarise``);
2. pushes of one image exported several ways (Vol. 3's compressions): that table's reading
   (``ship_render.reading``);
2a. govulncheck scans (Vol. 4): how many known vulnerabilities each scan reports as called;
3. otherwise (Vol. 1) the range of its final images: the largest and the smallest, as ``docker images``
   showed them, and how many times smaller the second is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from journey.helpers.vulndb import found
from journey.model.units import format_size
from journey.site.stopchart import summarise

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

HEADLINE_MD = "headline.md"
#: Below this many verified images there is no range to state.
_RANGE = 2
#: From this ratio on, a tenth means nothing to a reader: ``219 times``, but ``2.4 times``.
_WHOLE = 10


def render_headline(sizes: Sequence[tuple[str, int]]) -> str:
    """Return ``headline.md`` from ``(snippet title, final image size in bytes)`` in reading order.

    Ties keep reading order (the first of equal sizes is named). With fewer than two verified images the
    sentence says so instead of stating a range.
    """
    if len(sizes) < _RANGE:
        return "Measured here: fewer than two images of this volume are verified yet, so no range to show.\n"
    largest = max(sizes, key=lambda item: item[1])
    smallest = min(sizes, key=lambda item: item[1])
    ratio = largest[1] / smallest[1] if smallest[1] else 0.0
    times = f"{ratio:.1f}" if ratio < _WHOLE else f"{ratio:.0f}"
    return (
        f"Measured here: from *{largest[0]}*, {format_size(largest[1])}, to *{smallest[0]}*, "
        f"{format_size(smallest[1])}: **{times} times** smaller, as `docker images` showed them.\n"
    )


def stop_headline(rows: Sequence[tuple[str, dict[str, Any] | None]]) -> str:
    """Return ``headline.md`` from a volume's stop rows (``stopchart.stop_rows``): one clause per probe."""
    clauses = [
        f"{label}: {summarise(outcome)}" for label, outcome in rows if outcome and outcome.get("measured")
    ]
    if not clauses:
        return "Measured here: no stop probe of this volume is verified yet.\n"
    return (
        "Measured here, `docker stop` with a request in flight (median of the runs): "
        + "; ".join(clauses)
        + ".\n"
    )


def vuln_headline(scans: Sequence[tuple[str, str]]) -> str:
    """Return ``headline.md`` from govulncheck scans, ``(check name, recorded output)`` in manifest order."""
    if not scans:
        return "Measured here: no vulnerability scan of this volume is verified yet.\n"
    counts = "; ".join(f"{name}: {len(found(output)) or 'none'}" for name, output in scans)
    return f"Measured here, known vulnerabilities each govulncheck scan reports as called: {counts}.\n"
