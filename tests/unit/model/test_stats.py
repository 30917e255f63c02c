"""Medians with their spread: every run kept, rounded, and no summary of nothing."""

from __future__ import annotations

import pytest

from journey.model.stats import int_spread, spread


def test_a_timing_is_its_median_and_spread_over_every_run_in_run_order():
    timing = spread([0.31, 0.2, 10.4, 0.25, 0.22])
    assert timing == {"median": 0.25, "min": 0.2, "max": 10.4, "runs": [0.31, 0.2, 10.4, 0.25, 0.22]}


def test_an_even_count_takes_the_mean_of_the_middle_two_and_rounds_every_figure():
    timing = spread([1.00049, 2.0, 3.0004, 4.0], digits=3)
    assert timing == {"median": 2.5, "min": 1.0, "max": 4.0, "runs": [1.0, 2.0, 3.0, 4.0]}
    assert spread([0.123456], digits=1) == {"median": 0.1, "min": 0.1, "max": 0.1, "runs": [0.1]}


def test_byte_counts_stay_whole_numbers_and_the_median_is_rounded_to_one():
    memory = int_spread([300, 100, 201, 200])
    assert memory == {"median": 200, "min": 100, "max": 300, "runs": [300, 100, 201, 200]}
    assert isinstance(memory["median"], int)


@pytest.mark.parametrize("summarise", [spread, int_spread])
def test_no_runs_is_a_bug_never_a_zero(summarise):
    with pytest.raises(ValueError, match="no runs to summarise"):
        summarise([])
