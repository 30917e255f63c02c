"""The one way a byte count or a duration is spelt on a page.

Sizes as ``docker images`` spells them (decimal units, three significant digits); ``render`` and
``render_measurements`` both use these, so a test can find a page's figure in the result it came from.
"""

from __future__ import annotations

_UNITS = ("B", "kB", "MB", "GB", "TB")


def format_size(size: int, *, compact: bool = False) -> str:
    """Format bytes like ``docker images``: decimal units, 3 significant digits (``7.12 MB``).

    ``compact`` drops the space (``7.12MB``), exactly as ``docker images`` prints it.
    """
    value = float(size)
    unit = 0
    while value >= 999.5 and unit < len(_UNITS) - 1:  # noqa: PLR2004 - rounds to 1000 at 3 digits
        value /= 1000
        unit += 1
    return f"{value:.3g}{'' if compact else ' '}{_UNITS[unit]}"


def format_seconds(seconds: float) -> str:
    """Format a duration: milliseconds below one second (``12 ms``), else seconds (``43.2 s``), 3 digits."""
    if seconds < 1:
        return f"{seconds * 1000:.3g} ms"
    return f"{seconds:.3g} s"
