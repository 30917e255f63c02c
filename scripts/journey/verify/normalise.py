"""Make captured output stable, so that committed outputs change only when something real changed.

Image and container IDs, "N seconds ago", durations, ephemeral ports, temp paths, bridge addresses
and timestamps differ on every run without meaning anything; each is replaced by a placeholder
that says what was there (``<id>``, ``<dur>``…). Real content (sizes, status lines, error text) is
left alone: a rule that could eat real content is written narrowly on purpose.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
_HEX12 = r"(?<![\w.+-])(?=[0-9]*[a-f])(?=[a-f]*[0-9])[0-9a-f]{12}(?![\w.-])"
_ISO = r"\b\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?(?: [A-Z]{3,4})?"
_SPAN = r"(?:Less than a second|About an? (?:minute|hour)|\d+ (?:second|minute|hour|day|week|month|year)s?)"
_HOST = r"(?:127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1?\])"
_EPHEMERAL = r"(?:3[2-9]\d{3}|[45]\d{4}|60\d{3})"
_TMP = "/tmp/<tmp>"  # noqa: S108 - a placeholder, never a path the tool writes to

# (pattern, replacement), applied in order; earlier rules protect text from later, broader ones.
RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\x1b\[[0-9;?]*[A-Za-z]", ""),  # terminal colours
        # RFC 1123 dates (HTTP Date:, Last-Modified:)
        (rf"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (?:{_MONTHS}) \d{{4}} \d\d:\d\d:\d\d GMT", "<date>"),
        # ISO 8601 / RFC 3339 timestamps, with optional fraction and zone
        (_ISO, "<timestamp>"),
        (r"\b\d{4}/\d\d/\d\d(?: - | )\d\d:\d\d:\d\d(?:\.\d+)?", "<timestamp>"),  # Go log, Gin
        (r"\b20\d\d-[01]\d-[0-3]\d\b", "<date>"),
        (r"\bsha256:[0-9a-f]{64}\b", "sha256:<id>"),
        (r"\b[0-9a-f]{64}\b", "<id>"),
        (_HEX12, "<id>"),
        # durations: 1m2.5s, 0.123s, 12ms, 3.4µs; go test's "(cached)" stands for a duration too
        (r"\b\d+h\d+m\d+(?:\.\d+)?s\b|\b\d+m\d+(?:\.\d+)?s\b", "<dur>"),
        (r"\b\d+\.\d+(?:ns|µs|us|ms|s|m|h)\b|\b\d+(?:ns|µs|us|ms)\b", "<dur>"),
        (r"(?<=\t)\(cached\)$", "<dur>"),
        # docker's relative times
        (rf"\b{_SPAN} ago\b", "<time> ago"),
        (r"\bUp (?:Less than a second|About an? (?:minute|hour)|\d+ \w+)", "Up <time>"),
        # host ports the engine or the tool picked (Linux ephemeral range 32768-60999)
        (rf"(?<![\w.])({_HOST}):{_EPHEMERAL}\b", r"\1:<port>"),
        # a verify run's scratch folder (layout.SCRATCH_PREFIX, tempfile.mkdtemp's 8 characters) holds every
        # temporary folder of the run: a path in one reads as the folder alone did before (/tmp/<tmp>/…)
        (r"(?<![\w/])(/tmp)/journey-run-[a-z0-9_]{8}(?=/)", r"\1"),
        (r"(?<![\w/])/tmp/[\w.+-]+", _TMP),
        # Docker's default address pools: 172.17-31.0.0/16 and 192.168.0.0/16 (moby's ipamutils); a
        # container's or gateway's address there depends on which networks the machine made before.
        (r"\b172\.(?:1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}\b", "<bridge-ip>"),
        (r"\b192\.168\.\d{1,3}\.\d{1,3}\b", "<bridge-ip>"),
    )
)
_PLACEHOLDER_PAD = re.compile(r" {2,}(?=<(?:dur|id|time|timestamp|date|bridge-ip)>)")


def normalise(text: str, *, root: Path | None = None) -> str:
    """Return ``text`` with churning values replaced; ``root`` (the checkout) becomes ``<repo>``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if root is not None:
        text = text.replace(str(root.resolve()), "<repo>")
    for pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    text = _PLACEHOLDER_PAD.sub(" ", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n") + ("\n" if text.strip() else "")


def realign(rows: list[list[str]], gap: int = 3) -> str:
    """Lay out cells in left-aligned columns, the way ``docker images`` (Go's tabwriter) does."""
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(max(map(len, rows), default=0))]
    lines = []
    for row in rows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append((" " * gap).join(cells).rstrip())
    return "\n".join(lines) + ("\n" if lines else "")


def normalise_table(text: str) -> str:
    """Normalise a column table (cells split at 2+ spaces) and realign it, so widths do not churn."""
    rows = [re.split(r" {2,}|\t", line.strip()) for line in text.strip("\n").splitlines() if line.strip()]
    return realign([[normalise(cell).strip() for cell in row] for row in rows])
