"""Every figure a page states in its prose is accounted for: by what the page includes, a source, or a review.

Pages never type a measured figure: they include the fragment ``journey verify`` recorded (ARCHITECTURE.md,
"Data flows one way"). This check catches the figure that slipped into a sentence anyway ("217 ms", "less
than half the image"), which no build re-checks when the recorded result moves.

**Prose** is the Markdown of every page under ``docs/`` without: fenced code, inline code, include lines
(``--8<--``), link targets, images, HTML comments and tags, entities, attribute lists (``{#anchor}``), the
marker of an ordered-list item, the section number that opens a heading (``## 1. Title``), and the body of
a content tab or admonition whose title says it is a quotation (``=== "2019 (as published)"``).

**A number** is a run of digits (``16``, ``5.81``, ``9,000``, ``2021-06-15``) with the unit written after
it, if any (``5.81 MB``, ``217 ms``, ``50 %``; ``UNITS``). Spelled-out counts ("two stages") are not.
**A comparative** is a proportion between two figures, in words or as a multiplier (``COMPARATIVES``:
"less than half", "about a third", "2 times smaller" or with the multiplication sign, "twice as", "tens
of milliseconds", "an order of magnitude"). A plain "smaller" or "clearly more" is not: nothing could
account for it but a reader's judgement.

A number is **accounted for** when any of these holds:

1. a file the same page includes (a fragment under ``results/``, or a snippet file: only the section or
   lines the page shows) holds the same figure. Figures compare by value (``5.92``, ``5,92`` and
   ``5.920`` are one value; a comma before exactly three digits groups thousands, ``16,000``) and, when
   both sides carry a unit, as one quantity: ``16 MB`` is ``16,000 kB``, ``0.5 s`` is ``500 ms``, but
   ``16 MiB`` is not ``16 MB`` and ``5.9 MB`` is not ``5.92 MB``. A figure the file writes without a unit
   (``total=512``) accounts for the same value with any unit (``512 MiB``);
2. its sentence, or the sentence after it in the same paragraph, links an external source (``https://``);
3. it is inside a block titled as a quotation (``QUOTED_TITLE_RE``): it is listed, not judged;
4. one of ``IDENTIFIER_RULES`` says it names something (``Go 1.26``, ``#477``, ``proc(5)``, ``Step 3``,
   the ``5`` of a table column headed ``exit code``);
5. a comment on its line says that a reviewer accepted it: ``<!-- number 30: what was checked, and how -->``
   (the figure or phrase exactly as written, then why). ``journey check`` counts and lists every such
   comment; one that covers nothing on its line, or gives no reason, is itself a gap.

A comparative is accounted for by 1 (an included file states the same words, or the same multiplier:
``7.8 times``), by 2, or by 5.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING, Literal, NamedTuple

# The include and section grammar is pymdownx.snippets' own (snippet_syntax), as in journey.site.check.
from journey.site.snippet_syntax import ALL_SNIPPETS, SNIPPET_SECTION

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from journey.site.includes import Include

# --- the grammar -------------------------------------------------------------------------------------

#: What masked text becomes: not a digit, letter or space, so it neither makes nor joins a number.
FILL = "\x01"
_INCLUDE_RE: re.Pattern[str] = ALL_SNIPPETS
_SECTION_RE: re.Pattern[str] = SNIPPET_SECTION
_FENCE_RE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})")
#: Inline code, which may run over a line break but not over a blank line.
_CODE_SPAN_RE = re.compile(r"(?P<ticks>`+)(?:(?!\n[ \t]*\n)[^`]|(?!(?P=ticks))`)+?(?P=ticks)")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)
#: The escape hatch: ``<!-- number <the figure or phrase as written>: <why it stands> -->``.
_HATCH_RE = re.compile(r"<!--\s*number\s+(?P<what>.*?):(?:\s+(?P<why>.*?))?\s*-->", re.DOTALL)
_LINK_RE = re.compile(r"(?P<image>!?)\[(?P<text>[^\]]*)\]\((?P<target>[^)]*)\)")
_REF_LINK_RE = re.compile(r"\[(?P<text>[^\]]+)\]\[(?P<ref>[^\]]*)\]")
_REF_DEF_RE = re.compile(r"^ {0,3}\[(?P<ref>[^\]]+)\]:[ \t]*<?(?P<target>[^\s>]+)>?.*$", re.MULTILINE)
_AUTOLINK_RE = re.compile(r"<(?P<target>[A-Za-z][A-Za-z0-9+.-]*:[^>\s]+)>")
_BARE_URL_RE = re.compile(r"(?P<target>https?://[^\s)>\]]+)")
_TAG_RE = re.compile(r"</?[A-Za-z][^>\n]*>")
_HREF_RE = re.compile(r"""\bhref\s*=\s*["'](?P<target>[^"']*)["']""")
_MARKUP_RES = (re.compile(r"\{:?[ \t]*[#.:][^}\n]*\}"), re.compile(r"&#?[A-Za-z0-9]+;"))
#: A source is a web address, not this machine's loopback (``http://127.0.0.1:8000`` is a preview).
_SOURCE_RE = re.compile(r"^https?://(?!127\.|localhost\b|\[::1\])", re.IGNORECASE)
_HEADING_NUMBER_RE = re.compile(r"^#{1,6}[ \t]+(?P<number>\d+(?:\.\d+)*\.)(?=\s)", re.MULTILINE)
_LIST_MARKER_RE = re.compile(r"^[ \t]*(?P<number>\d+[.)])(?=[ \t])", re.MULTILINE)
_BLOCK_TITLE_RE = re.compile(r'^(?P<indent>[ \t]*)(?:===|!!!|\?\?\?\+?)[^"\n]*"(?P<title>[^"]*)"')
#: A content tab or admonition with this in its title holds a quotation (Vol. 1's "2019 (as published)").
QUOTED_TITLE_RE = re.compile(r"\b(?:as published|quoted)\b", re.IGNORECASE)
#: A line that starts a block of its own: a heading, a list item, a table row, a tab, an admonition, a quote.
_BLOCK_START_RE = re.compile(r"^[ \t]*(?:#{1,6}[ \t]|[-*+][ \t]|\d+[.)][ \t]|\||===|!!!|\?\?\?|>)")
#: The end of a sentence: ``.``, ``!`` or ``?``, closing marks, space, then no lower-case letter.
_SENTENCE_END_RE = re.compile(r"[.!?][)\"'\]*_\u201d\u2019]*(?=\s+(?:" + FILL + r"|[^a-z\s]))")
_ABBREVIATION_RE = re.compile(r"(?i)(?:^|[\s(])(?:vol|e\.g|i\.e|etc|vs|cf|no|fig|approx|incl)\.$")

#: A number: an ISO date, or digits with thousands separators or a decimal point or comma.
_NUMBER_RE = re.compile(r"(?<![\d.,])(?:\d{4}-\d{2}-\d{2}(?!\d)|\d+(?:[.,]\d+)*)")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_THOUSANDS_RE = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")

_KILO, _MEGA, _GIGA = Decimal(10) ** 3, Decimal(10) ** 6, Decimal(10) ** 9
#: Each unit a figure may carry: its family and its factor to the family's base (byte, second, percent).
UNITS: dict[str, tuple[str, Decimal]] = {
    **dict.fromkeys(("B", "byte", "bytes"), ("size", Decimal(1))),
    **dict.fromkeys(("kB", "KB", "kilobytes"), ("size", _KILO)),
    **dict.fromkeys(("MB", "megabytes"), ("size", _MEGA)),
    **dict.fromkeys(("GB", "gigabytes"), ("size", _GIGA)),
    "TB": ("size", _KILO * _GIGA),
    "KiB": ("size", Decimal(2) ** 10),
    "MiB": ("size", Decimal(2) ** 20),
    "GiB": ("size", Decimal(2) ** 30),
    "ns": ("time", 1 / _GIGA),
    **dict.fromkeys(("\u00b5s", "us"), ("time", 1 / _MEGA)),
    "ms": ("time", 1 / _KILO),
    **dict.fromkeys(("s", "sec", "second", "seconds"), ("time", Decimal(1))),
    **dict.fromkeys(("min", "minute", "minutes"), ("time", Decimal(60))),
    **dict.fromkeys(("h", "hour", "hours"), ("time", Decimal(3600))),
    **dict.fromkeys(("%", "percent"), ("percent", Decimal(1))),
}
#: A unit right after a number: glued (``21.2MB``), after one space, or joined by a hyphen (``5-second``).
_UNIT_RE = re.compile(
    r"(?:[ \t]?|-)(?P<unit>" + "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True)) + r")(?!\w)"
)

_TIMES = "\u00d7"  # the multiplication sign
_HEDGE = (
    r"(?:(?:a little|just|well|far|much|slightly)[ \t]+)?"
    r"(?:(?:less|more|fewer)[ \t]+than|under|over|about|nearly|almost|roughly|around|some|only|barely"
    r"|at[ \t]+least|at[ \t]+most)[ \t]+"
)
_FRACTION = r"(?:(?:a|one|two)[ \t]+)?(?:half|third|quarter|fifth|tenth)s?"
_MULTIPLIER_WORD = r"(?:two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|a hundred|a thousand)"
_COMPARED = (
    r"(?:as|more|less|fewer|smaller|larger|bigger|faster|slower|longer|shorter|heavier|lighter"
    r"|the|that|what|its|their|over)\b"
)
#: The comparatives the check looks for, by name: each states a proportion between two figures.
COMPARATIVES: dict[str, re.Pattern[str]] = {
    "multiplier": re.compile(
        rf"(?i)(?:\b\d+(?:[.,]\d+)?[ \t]?{_TIMES}(?:[ \t]+{_COMPARED})?"
        rf"|\b\d+(?:[.,]\d+)?[ \t]?(?:x|times)[ \t]+{_COMPARED}"
        rf"|\b{_MULTIPLIER_WORD}[ \t]+times[ \t]+{_COMPARED}|\btwice[ \t]+{_COMPARED})"
    ),
    "fraction": re.compile(
        rf"(?i)\b(?:{_HEDGE}{_FRACTION}\b|{_FRACTION}[ \t]+(?:the|of|as|that|what|its|their)\b)"
    ),
    "magnitude": re.compile(
        r"(?i)\b(?:(?:an?|one|two|three)[ \t]+orders?[ \t]+of[ \t]+magnitude"
        r"|(?:some[ \t]+|a[ \t]+few[ \t]+|several[ \t]+)?(?:tens|dozens|hundreds|thousands|millions)"
        r"(?:[ \t]+of[ \t]+[a-z]+)?)\b"
    ),
}
_RATIO_RE = re.compile(rf"(?i)(?P<value>\d+(?:[.,]\d+)?)[ \t]?(?:{_TIMES}|x\b|times\b)")


# --- what a page states --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A number or a comparative stated in prose: where (offsets in the page's text), as written, its kind."""

    start: int
    end: int
    text: str
    kind: Literal["number", "comparative"]
    #: a number's value (``5.92``, ``2021-06-15``) and its unit as written (``MB``); None for a comparative
    value: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Reviewed:
    """An escape hatch, ``<!-- number 30: why -->`` on a page's line; ``journey check`` lists each one."""

    path: str
    line: int
    what: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what} ({self.why})"


@dataclass(frozen=True)
class Quoted:
    """A figure inside a block titled as a quotation: history, not a claim, and listed as such."""

    path: str
    line: int
    figure: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.figure}"


class Gap(NamedTuple):
    """What ``journey check`` reports (the fields of ``check.Problem``): path, line, message, hint."""

    path: str
    line: int
    message: str
    hint: str


@dataclass
class Report:
    """What the pages left unaccounted for, and what they accepted by review or as a quotation."""

    gaps: list[Gap] = field(default_factory=list)
    reviewed: list[Reviewed] = field(default_factory=list)
    quoted: list[Quoted] = field(default_factory=list)

    def summary(self) -> str:
        """Return what ``journey check`` prints so that no accepted figure hides: one line for each."""
        lines: list[str] = []
        if self.reviewed:
            count = _figures(len(self.reviewed))
            lines.append(f"journey check: {count} in prose accepted by a reviewed `<!-- number …: why -->`:")
            lines += [f"    {item}" for item in self.reviewed]
        if self.quoted:
            lines.append(f"journey check: {_figures(len(self.quoted))} inside blocks titled as a quotation:")
            lines += [f"    {item}" for item in self.quoted]
        return "".join(f"{line}\n" for line in lines)


def _figures(count: int) -> str:
    return f"{count} figure" if count == 1 else f"{count} figures"


@dataclass
class Prose:
    """A page's text with everything but prose masked (same length, same lines), and what masking found."""

    text: str
    #: offsets where a link to an external source starts
    sources: list[int]
    #: (line, what, why) of each ``<!-- number … -->`` comment
    hatches: list[tuple[int, str, str]]
    #: (line, figure as written) of each figure inside a quotation block
    quoted: list[tuple[int, str]]


class _Mask:
    """A page's characters, some replaced by ``FILL``; newlines always stay, so lines keep their numbers."""

    def __init__(self, text: str) -> None:
        self.chars = list(text)

    @property
    def text(self) -> str:
        return "".join(self.chars)

    def fill(self, start: int, end: int) -> None:
        for i in range(start, end):
            if self.chars[i] != "\n":
                self.chars[i] = FILL

    def fill_all(self, pattern: re.Pattern[str], group: str | int = 0) -> None:
        for match in pattern.finditer(self.text):
            self.fill(*match.span(group))


def _line_starts(text: str) -> list[int]:
    return [0, *(match.end() for match in re.finditer("\n", text))]


def _line_of(starts: list[int], offset: int) -> int:
    return bisect_right(starts, offset)


def _closes(line: str, fence: str) -> bool:
    match = _FENCE_RE.match(line)
    return bool(match and match["fence"][0] == fence[0] and len(match["fence"]) >= len(fence))


def _mask_lines(text: str, mask: _Mask) -> list[tuple[int, int]]:
    """Mask fenced code and include lines; return the spans of quotation blocks' bodies."""
    quotations: list[tuple[int, int]] = []
    offset = 0
    fence: str | None = None
    in_include_block = False
    quote_indent: int | None = None
    for line in text.split("\n"):
        end = offset + len(line)
        if quote_indent is not None and line.strip() and len(line) - len(line.lstrip()) <= quote_indent:
            quote_indent = None
        opening = _FENCE_RE.match(line)
        include = _INCLUDE_RE.match(line)
        title = _BLOCK_TITLE_RE.match(line)
        if fence is not None or opening or include or in_include_block:
            mask.fill(offset, end)
            if fence is not None:
                fence = None if _closes(line, fence) else fence
            elif opening:
                fence = opening["fence"]
            elif include:
                in_include_block ^= bool(include["block_marker"] and not include["escape"])
        elif quote_indent is not None:
            quotations.append((offset, end))
        elif title and QUOTED_TITLE_RE.search(title["title"]):
            quote_indent = len(title["indent"])
        offset = end + 1
    return quotations


def _mask_comments(mask: _Mask, text: str, starts: list[int]) -> list[tuple[int, str, str]]:
    """Mask HTML comments outside code; return (line, what, why) of each ``<!-- number what: why -->``."""
    hatches: list[tuple[int, str, str]] = []
    for match in _COMMENT_RE.finditer(mask.text):
        hatch = _HATCH_RE.fullmatch(text[match.start() : match.end()])
        if hatch:
            what = hatch["what"].strip().strip("\"'`")
            hatches.append((_line_of(starts, match.start()), what, (hatch["why"] or "").strip()))
        mask.fill(*match.span())
    return hatches


def _mask_links(mask: _Mask) -> list[int]:
    """Mask link targets, images, autolinks, bare addresses and HTML tags; return where sources start."""
    sources: list[int] = []
    references = {m["ref"].lower(): m["target"] for m in _REF_DEF_RE.finditer(mask.text)}
    mask.fill_all(_REF_DEF_RE)
    for match in _LINK_RE.finditer(mask.text):
        words = match["target"].strip().strip("<>").split()
        if words and _SOURCE_RE.match(words[0]):
            sources.append(match.start())
        mask.fill(match.start() if match["image"] else match.end("text") + 1, match.end())
    for match in _REF_LINK_RE.finditer(mask.text):
        if _SOURCE_RE.match(references.get((match["ref"] or match["text"]).lower(), "")):
            sources.append(match.start())
        mask.fill(match.end("text") + 1, match.end())
    for pattern in (_AUTOLINK_RE, _BARE_URL_RE):
        sources += [m.start() for m in pattern.finditer(mask.text) if _SOURCE_RE.match(m["target"])]
        mask.fill_all(pattern)
    for match in _TAG_RE.finditer(mask.text):
        href = _HREF_RE.search(match.group())
        if href and _SOURCE_RE.match(href["target"]):
            sources.append(match.start())
    mask.fill_all(_TAG_RE)
    return sorted(sources)


def prose(text: str) -> Prose:
    """Mask everything of a page's Markdown that is not prose (see the module's docstring)."""
    mask = _Mask(text)
    starts = _line_starts(text)
    quotations = _mask_lines(text, mask)
    mask.fill_all(_CODE_SPAN_RE)
    hatches = _mask_comments(mask, text, starts)
    sources = [s for s in _mask_links(mask) if not any(a <= s < b for a, b in quotations)]
    for pattern in _MARKUP_RES:
        mask.fill_all(pattern)
    mask.fill_all(_HEADING_NUMBER_RE, "number")
    mask.fill_all(_LIST_MARKER_RE, "number")
    quoted = [
        (_line_of(starts, figure.start), figure.text)
        for figure in (figures(mask.text) if quotations else [])
        if any(start <= figure.start < end for start, end in quotations)
    ]
    for span in quotations:
        mask.fill(*span)
    return Prose(mask.text, sources, hatches, quoted)


# --- sentences ------------------------------------------------------------------------------------------


def sentences(text: str, original: str) -> list[tuple[int, int, int]]:
    """Return (start, end, block) of each sentence of the masked ``text``.

    A block is a paragraph, or a heading, list item, table row, tab or admonition line and the lines that
    continue it (``original`` tells which lines start one). A sentence ends at ``.``, ``!`` or ``?`` with
    space after it and no lower-case letter next, except after an abbreviation (``Vol.``, ``e.g.``).
    """
    blocks: list[tuple[int, int]] = []
    offset, start = 0, None
    for line, source in zip(text.split("\n"), original.split("\n"), strict=True):
        blank = not line.replace(FILL, "").strip()
        if start is not None and (blank or _BLOCK_START_RE.match(source)):
            blocks.append((start, offset))
            start = None
        if not blank and start is None:
            start = offset
        offset += len(line) + 1
    if start is not None:
        blocks.append((start, len(text)))
    found: list[tuple[int, int, int]] = []
    for number, (first, last) in enumerate(blocks):
        begin = first
        for end in _SENTENCE_END_RE.finditer(text, first, last):
            if not _ABBREVIATION_RE.search(text[begin : end.start() + 1]):
                found.append((begin, end.end(), number))
                begin = end.end()
        found.append((begin, last, number))
    return found


# --- numbers, and the rules that make one a name -------------------------------------------------------


def _word_before(text: str, start: int) -> str:
    """Return the word before a position, past spaces, line breaks and emphasis: ``**Go** 1.26`` gives go."""
    match = re.search(r"([A-Za-z][A-Za-z.]*)[\s*_]*$", text[max(0, start - 40) : start])
    return match.group(1).lower().rstrip(".") if match else ""


def glued_to_a_word_or_path(text: str, start: int, end: int) -> bool:
    r"""``vol1``, ``go1.26``, ``arm64``, ``DL3025``, ``#477``, ``/proc/1``, ``--cpus=1``, ``65534:65534``.

    Digits right after a letter, digit, ``_``, ``.``, ``-``, ``/``, ``:``, ``#``, ``@``, ``$``, ``=``,
    ``~``, ``+``, ``\`` or a minus sign are part of a name, a path, an issue, a flag or a formula: a
    figure is written apart from what comes before it.
    """
    del end
    return start > 0 and bool(re.match(r"[\w.\-/:#@$=~\\+\u2212]", text[start - 1]))


def runs_into_a_name(text: str, start: int, end: int) -> bool:
    """``1.26-trixie``, ``1.12.x``, ``0x4000``, ``64m``, ``65534:65534``: digits that run into a name.

    A letter right after the digits that is no unit (``5s`` is five seconds), a ``-`` before a word that
    is no unit (``5-second`` is a duration), or ``:``, ``/`` or ``.`` before more of the name.
    """
    del start
    after = text[end : end + 24]
    if _UNIT_RE.match(after) or re.match(r"x(?![0-9A-Fa-f])", after):
        return False
    return bool(re.match(r"(?:[A-Za-z_]|-[A-Za-z]|[:/.]\w)", after))


#: Names whose next number is their version: ``Go 1.26``, ``Engine 29``, ``BuildKit 0.13``, ``version 2``.
VERSIONED = frozenset(
    {
        *("go", "golang", "engine", "docker", "dockerd", "containerd", "buildkit", "buildx", "runc"),
        *("debian", "alpine", "ubuntu", "python", "node", "kubernetes", "qemu", "cli"),
        *("version", "versions", "release", "releases"),
    }
)


def version_number(text: str, start: int, end: int) -> bool:
    """``Go 1.26``, ``Docker Engine 29``, ``BuildKit 0.13``, ``version 2``, ``127.0.0.1``, ``1.26.11``.

    A number right after the name of what it versions, or with two dots or more, is a version or an
    address, and so is one listed right after such a version (``versions 1.29 and 2.13``): a version says
    which release a sentence is about; it measures nothing.
    """
    if text[start:end].count(".") >= 2 or _word_before(text, start) in VERSIONED:  # noqa: PLR2004 - x.y.z
        return True
    window = text[max(0, start - 24) : start]
    listed = re.search(r"(\d+(?:\.\d+)*)[\s*_]*(?:,|and|or|to|through)[\s*_]+$", window)
    return listed is not None and _word_before(text, start - len(window) + listed.start(1)) in VERSIONED


#: Words whose next number says which part of a text is meant: ``Vol. 2``, ``step 3``, ``section 4``.
REFERENCES = frozenset(
    {
        *("vol", "volume", "volumes", "step", "steps", "section", "sections", "part", "chapter", "item"),
        *("rfc", "issue", "pr", "line", "lines", "figure", "fig", "table", "page"),
    }
)


def reference_number(text: str, start: int, end: int) -> bool:
    """``Vol. 2``, ``Volume 1``, ``Step 3``, ``section 4``, ``RFC 9110``, ``issue 1234``: a numbered part.

    It points the reader at another part of a text; the numbers that open headings (``## 1. One
    Dockerfile``) and ordered-list items are masked before any rule runs.
    """
    del end
    return _word_before(text, start) in REFERENCES


def manual_section(text: str, start: int, end: int) -> bool:
    """``proc(5)``, ``pid_namespaces(7)``: the section of a manual page, in brackets right after its name."""
    return bool(re.search(r"\w\($", text[max(0, start - 2) : start])) and text[end : end + 1] == ")"


#: The year of the article this site retells.
SEED_YEAR = "2019"


def seed_year(text: str, start: int, end: int) -> bool:
    """``2019``: the year names the article on every page ("the 2019 Dockerfile"); it measures nothing.

    Any other year or date is a figure: "left support in 2020" needs a source like any other claim.
    """
    return text[start:end] == SEED_YEAR


#: A table column whose header ends with one of these words lists codes: ``| exit code | meaning |``.
_CODE_HEADER_RE = re.compile(r"(?i)\b(?:code|codes|port|ports)$")


def code_column(text: str, start: int, end: int) -> bool:
    """``| 5 | a base image cannot be had |`` under ``| exit code | meaning |``: a cell that is one code.

    A table that defines codes (exit codes, ports) keys each row by its code: the number names what the
    rest of the row says, as an issue number does. Only a cell that holds the number alone, in a column
    whose header ends with ``code`` or ``port``, is such a key; every other cell of the table is prose.
    """
    first = text.rfind("\n", 0, start) + 1
    stop = text.find("\n", end)
    row = text[first : len(text) if stop < 0 else stop]
    cell_start, cell_end = text.rfind("|", first, start), text.find("|", end, first + len(row))
    if not row.lstrip().startswith("|") or cell_start < 0 or cell_end < 0:
        return False
    if text[cell_start + 1 : cell_end].strip() != text[start:end]:
        return False
    header = _table_header(text, first)
    column = text.count("|", first, start) - 1
    cells = header.strip().strip("|").split("|")
    return 0 <= column < len(cells) and bool(_CODE_HEADER_RE.search(cells[column].strip()))


def _table_header(text: str, row_start: int) -> str:
    """Return the first line of the table whose row starts at ``row_start``: the lines starting with ``|``."""
    header = row_start
    while header > 0:
        above = text.rfind("\n", 0, header - 1) + 1
        if not text[above : header - 1].lstrip().startswith("|"):
            break
        header = above
    stop = text.find("\n", header)
    return text[header : len(text) if stop < 0 else stop]


#: The rules that make a number a name, not a figure; each is small, named and says why in its docstring.
IDENTIFIER_RULES: tuple[Callable[[str, int, int], bool], ...] = (
    glued_to_a_word_or_path,
    runs_into_a_name,
    version_number,
    reference_number,
    manual_section,
    seed_year,
    code_column,
)


@cache  # a page and its fragments write the same few numbers thousands of times
def value_of(written: str) -> str:
    """Normalise a number as written: ``5,92`` and ``5.920`` give ``5.92``, ``16,000`` gives ``16000``.

    A comma before exactly three digits (in every group) separates thousands; any other comma between
    digits is a decimal comma. Dates stay as written.
    """
    if _DATE_RE.match(written):
        return written
    plain = written.replace(",", "") if _THOUSANDS_RE.match(written) else written.replace(",", ".")
    try:
        return _plain(Decimal(plain))
    except InvalidOperation:
        return plain


def _plain(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@cache
def base_quantity(value: str, unit: str | None) -> tuple[str, str] | None:
    """Return (family, value in the family's base unit) of a figure with a unit: ``16 MB`` is 16000000 B."""
    if unit is None or unit not in UNITS:
        return None
    family, factor = UNITS[unit]
    try:
        return family, _plain(Decimal(value) * factor)
    except InvalidOperation:
        return None


def _unit_after(text: str, end: int) -> tuple[str | None, int]:
    match = _UNIT_RE.match(text, end)
    return (None, end) if match is None else (match["unit"], match.end())


def figures(text: str) -> list[Figure]:
    """Return every comparative, and every number no ``IDENTIFIER_RULES`` rule names, of masked prose."""
    found: list[Figure] = []
    taken: list[tuple[int, int]] = []
    for pattern in COMPARATIVES.values():
        for match in pattern.finditer(text):
            if not any(a < match.end() and match.start() < b for a, b in taken):
                taken.append(match.span())
                found.append(Figure(match.start(), match.end(), match.group(), "comparative"))
    for match in _NUMBER_RE.finditer(text):
        start, end = match.span()
        if any(a <= start < b for a, b in taken) or any(rule(text, start, end) for rule in IDENTIFIER_RULES):
            continue
        unit, stop = _unit_after(text, end)
        found.append(Figure(start, stop, text[start:stop], "number", value_of(match.group()), unit))
    return sorted(found, key=lambda figure: figure.start)


# --- what the page's included files hold ---------------------------------------------------------------


@dataclass
class Shown:
    """The figures the files a page includes hold: values, quantities, multipliers, and their words."""

    values: set[str] = field(default_factory=set)
    unitless: set[str] = field(default_factory=set)
    quantities: set[tuple[str, str]] = field(default_factory=set)
    ratios: set[str] = field(default_factory=set)
    #: each file's words (``_words``), joined once when a comparative is looked for (``words``)
    parts: list[str] = field(default_factory=list)

    @property
    def words(self) -> str:
        """Every file's words, each file's between spaces: where a comparative's phrase is looked for."""
        return "".join(f" {part} " for part in self.parts)

    def add(self, text: str) -> None:
        """Read one included file's text (already cut to what the page shows)."""
        for match in _NUMBER_RE.finditer(text):
            value = value_of(match.group())
            self.values.update((value, value[:4]) if _DATE_RE.match(value) else (value,))
            quantity = base_quantity(value, _unit_after(text, match.end())[0])
            if quantity:
                self.quantities.add(quantity)
            else:
                self.unitless.add(value)
        self.ratios.update(value_of(m["value"]) for m in _RATIO_RE.finditer(text))
        self.parts.append(_words(text))

    def accounts_for(self, figure: Figure) -> bool:
        """Tell whether these files state the figure (the module's docstring says how figures compare)."""
        if figure.kind == "comparative":
            ratio = _RATIO_RE.search(figure.text)
            return bool(ratio and value_of(ratio["value"]) in self.ratios) or (
                f" {_words(figure.text)} " in self.words
            )
        quantity = base_quantity(figure.value or "", figure.unit)
        if quantity is None:
            return figure.value in self.values
        return quantity in self.quantities or figure.value in self.unitless


def _words(text: str) -> str:
    """Return the lower-case words of a text, one space apart, without markup: how phrases compare."""
    return " ".join(re.findall(rf"[a-z0-9{_TIMES}.]+", text.lower().replace("*", " ").replace("_", " ")))


def _cut_lines(lines: list[str], spec: str) -> list[str]:
    """Cut ``:1:5`` (or ``:3``, ``:1:5,9:12``) from a file's lines as pymdownx does; all if unusual."""
    kept: list[str] = []
    for part in spec.lstrip(":").split(","):
        bounds = part.lstrip(":").split(":")
        if len(bounds) > 2 or any(b and not b.isdigit() for b in bounds):  # noqa: PLR2004 - start, end
            return lines
        first = max(int(bounds[0] or 1), 1)
        last = int(bounds[1]) if len(bounds) > 1 and bounds[1] else len(lines)
        kept += lines[first - 1 : last]
    return kept


def shown_text(root: Path, include: Include) -> str:
    """Return the text a page shows of one include: the section or lines it names, an SVG's text only."""
    path = (root / include.target).resolve()
    text = ""
    if path.is_relative_to(root.resolve()) and path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            text = ""
    lines = text.splitlines()
    if path.suffix == ".svg":
        text = re.sub(r"<[^>]*>", " ", text)
    elif include.section:
        starts = [i for i, line in enumerate(lines) if _is_marker(line, "start", include.section)]
        ends = [i for i, line in enumerate(lines) if _is_marker(line, "end", include.section)]
        text = "\n".join(lines[starts[0] + 1 : ends[-1]]) if starts and ends else ""
    elif include.lines:
        text = "\n".join(_cut_lines(lines, include.lines))
    return text


def _is_marker(line: str, kind: str, name: str) -> bool:
    match = _SECTION_RE.match(line) if "8<-" in line else None
    return bool(match and not match["escape"] and match["type"].lower() == kind and match["name"] == name)


# --- the check ------------------------------------------------------------------------------------------

_NUMBER_HINT = (
    "include the fragment that records it, link a source in this sentence or the next, "
    "or, once reviewed, add `<!-- number {what}: why -->` to this line"
)
_COMPARATIVE_HINT = (
    "have a fragment this page includes state it (as ship-<a>-vs-<b>.md does: `7.8 times`), "
    "link a source in this sentence or the next, or, once reviewed, add `<!-- number {what}: why -->` "
    "to this line"
)


def _gap(path: str, line: int, figure: Figure) -> Gap:
    if figure.kind == "comparative":
        message = f"states the comparison {figure.text!r}, which no included fragment or cited source states"
        return Gap(path, line, message, _COMPARATIVE_HINT.format(what=figure.text))
    message = f"states {figure.text!r}, and no included fragment, quotation or cited source accounts for it"
    return Gap(path, line, message, _NUMBER_HINT.format(what=figure.text))


def _names(what: str, figure: Figure) -> bool:
    """Tell whether a reviewed comment's ``what`` is this figure, as written (case and spacing aside)."""
    wanted = " ".join(what.lower().split())
    return wanted in {" ".join(figure.text.lower().split()), figure.value}


def _review(path: str, hatches: list[tuple[int, str, str]], unaccounted: list[tuple[int, Figure]]) -> Report:
    """Apply the page's reviewed comments: accept what each names on its line, report the idle ones."""
    report = Report()
    covered: set[tuple[int, Figure]] = set()
    for line, what, why in hatches:
        hits = [(at, figure) for at, figure in unaccounted if at == line and _names(what, figure)]
        if not why:
            message = f"the reviewed-number comment for {what!r} gives no reason"
            report.gaps.append(Gap(path, line, message, f"say why it stands: `<!-- number {what}: why -->`"))
        elif not hits:
            message = (
                f"the reviewed-number comment names {what!r}, which this line does not state unaccounted for"
            )
            hint = "remove the comment (something else accounts for it now), or name the figure as written"
            report.gaps.append(Gap(path, line, message, hint))
        else:
            covered.update(hits)
            report.reviewed.append(Reviewed(path, line, what, why))
    report.gaps += [_gap(path, line, figure) for line, figure in unaccounted if (line, figure) not in covered]
    return report


def check_page(root: Path, page: Path, includes: Iterable[Include]) -> Report:
    """Report every figure of one page's prose that nothing accounts for (see the module's docstring)."""
    path = page.relative_to(root).as_posix()
    original = page.read_text(encoding="utf-8")
    masked = prose(original)
    shown = Shown()
    for include in includes:
        if include.page == path:
            shown.add(shown_text(root, include))
    spans = sentences(masked.text, original)
    sentence_starts = [span[0] for span in spans]
    cited = {bisect_right(sentence_starts, offset) - 1 for offset in masked.sources}
    starts = _line_starts(original)
    unaccounted: list[tuple[int, Figure]] = []
    for figure in figures(masked.text):
        index = bisect_right(sentence_starts, figure.start) - 1
        next_cites = index + 1 in cited and spans[index + 1][2] == spans[index][2]
        if not (index in cited or next_cites or shown.accounts_for(figure)):
            unaccounted.append((_line_of(starts, figure.start), figure))
    report = _review(path, masked.hatches, unaccounted)
    report.quoted = [Quoted(path, line, figure) for line, figure in masked.quoted]
    return report


def check_pages(root: Path, pages: Iterable[Path], includes: Iterable[Include]) -> Report:
    """Check every page's prose; ``includes`` are every page's (``includes.page_includes``, nested too)."""
    root = root.resolve()
    listed = list(includes)
    report = Report()
    for page in pages:
        found = check_page(root, page, listed)
        report.gaps += found.gaps
        report.reviewed += found.reviewed
        report.quoted += found.quoted
    return report
