"""Medians with their spread: how every repeated timing the tool records is summarised.

One run of a start-up or a compile says little on a shared two-core machine; the median of several,
with the fastest and slowest beside it, says what a reader can expect and how much it moved.
"""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from journey.model.record import Spread


def spread(values: Sequence[float], *, digits: int = 3) -> Spread:
    """Return the median, the minimum, the maximum and every run (rounded to ``digits``).

    Raises ValueError for no values: a timing without runs is a bug, never a zero.
    """
    if not values:
        raise ValueError("no runs to summarise")
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "runs": [round(v, digits) for v in values],
    }


def int_spread(values: Sequence[int]) -> Spread:
    """Summarise byte counts (resident memory) the same way: whole numbers, the median rounded to one."""
    if not values:
        raise ValueError("no runs to summarise")
    return {
        "median": round(statistics.median(values)),
        "min": min(values),
        "max": max(values),
        "runs": list(values),
    }
