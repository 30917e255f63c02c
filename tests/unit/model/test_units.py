"""How a byte count and a duration are spelt on a page: as ``docker images`` does, three digits."""

from __future__ import annotations

import pytest

from journey.model.units import format_seconds, format_size


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1 kB"),
        (1234, "1.23 kB"),
        (999_499, "999 kB"),
        (999_500, "1 MB"),  # 999.5 kB rounds to 1000 at three digits: the next unit, never "1e+03 kB"
        (7_123_456, "7.12 MB"),
        (21_200_000, "21.2 MB"),
        (567_000_000, "567 MB"),
        (999_600_000, "1 GB"),
        (1_110_000_000, "1.11 GB"),
        (1_500_000_000, "1.5 GB"),
        (2_000_000_000_000, "2 TB"),
        (5 * 10**15, "5e+03 TB"),  # no unit past TB: the count grows rather than the unit going missing
    ],
)
def test_sizes_are_decimal_with_three_significant_digits(size, text):
    assert format_size(size) == text
    assert format_size(size, compact=True) == text.replace(" ", "")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.0, "0 ms"),
        (0.0123, "12.3 ms"),
        (0.9994, "999 ms"),
        (1, "1 s"),
        (43.21, "43.2 s"),
        (1234.5, "1.23e+03 s"),
    ],
)
def test_durations_below_a_second_are_milliseconds(seconds, text):
    assert format_seconds(seconds) == text
