"""The stop probe's engine-free part: how a stop that is not what the manifest expects is said."""

from __future__ import annotations

import pytest

from journey.model.runspec import stop_probe
from journey.verify.live_stop import _wrong


@pytest.mark.parametrize(
    ("expect", "codes", "answers", "median", "why"),
    [
        ({"exit_code": 0}, [0, 0, 0, 0, 0], [], 0.2, None),
        (
            {"exit_code": 0},
            [0, 137, 137, 0, 0],
            [],
            0.2,
            "docker stop: exit code 0 in 3 of 5 runs; 137 in 2 of 5 runs, expected 0",
        ),
        (
            {"in_flight": "completed"},
            [0] * 5,
            [("completed", "")] * 4 + [("cut", "")],
            0.2,
            "request in flight: completed in 4 of 5 runs; cut in 1 of 5 runs, expected completed",
        ),
        ({"in_flight": "cut"}, [2] * 5, [], 0.2, "request in flight: never sent, expected cut"),
        (
            {"in_flight": "cut"},
            [2] * 5,
            [("cut", "")] * 4 + [("unanswered", "no answer: still waiting 10 s after the stop")],
            0.2,
            (
                "request in flight: cut in 4 of 5 runs; unanswered in 1 of 5 runs: unanswered is no outcome "
                "of the stop (only completed or cut are): no answer: still waiting 10 s after the stop"
            ),
        ),
        (
            {"exit_code": 0},  # no in_flight expected: a stray end fails all the same
            [0] * 5,
            [("completed", "")] * 4 + [("refused", "no answer: connection refused")],
            0.2,
            (
                "request in flight: completed in 4 of 5 runs; refused in 1 of 5 runs: refused is no outcome "
                "of the stop (only completed or cut are): no answer: connection refused"
            ),
        ),
        ({"max_seconds": 5}, [0] * 5, [], 10.1, "docker stop took 10.1 s (median of 5), expected under 5 s"),
        (
            {"min_seconds": 9.5},
            [0] * 5,
            [],
            1.7,
            "docker stop took 1.7 s (median of 5), expected at least 9.5 s",
        ),
    ],
)
def test_a_stop_that_is_not_what_the_manifest_expects_says_how(expect, codes, answers, median, why):
    spec = stop_probe({"expect": expect})
    assert _wrong(spec, codes, answers, {"median": median}) == why
