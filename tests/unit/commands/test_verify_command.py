"""``journey verify``'s own figures: the time a snippet takes alone, which durations.json keeps."""

from __future__ import annotations

from journey.commands.verify import own_seconds
from journey.core.progress import Outcome


def test_own_time_leaves_out_every_wait_for_others():
    """A ship snippet that waited for the farm took its pushes' time, not the wait (issue 23's 10 minutes)."""
    outcome = Outcome("vol3/provenance", "verified", seconds=1275.0, steps={"ship": 1260.0}, waited=1100.0)
    assert own_seconds(outcome) == 175.0


def test_own_time_is_never_negative():
    assert own_seconds(Outcome("vol1/x", "verified", seconds=1.0, waited=1.5)) == 0.0
