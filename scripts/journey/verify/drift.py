"""Why a re-verified snippet's result moved: which figures or outputs, and which inputs.

``journey verify --all --report DIR`` re-verifies every snippet against its committed result. Where the
two differ materially (record's own rules: churn ignored, byte counts within the tolerance equal), the
reader of the report needs two answers: what a page would now show differently, and whether an input
(a base's packages, the engine, Go) explains it. A figure that moved while no input did is the case that
needs a person: the tool no longer reproduces its own measurement.

Engine-free on purpose: it only compares two results, so it is cheap to test and safe to run anywhere.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from itertools import zip_longest
from typing import TYPE_CHECKING, TypeAlias, TypeVar

from journey.core.errors import UsageError
from journey.core.layout import write_text_atomic
from journey.model import record

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator, Mapping, Sequence
    from pathlib import Path

#: A result is JSON; its values are walked as such.
JSON: TypeAlias = dict[str, "JSON"] | list["JSON"] | str | int | float | bool | None
_Name = TypeVar("_Name", str, int)

#: The report's two files in ``journey verify --all --report DIR`` (and ``journey merge``).
JSON_NAME = "drift.json"
MARKDOWN_NAME = "drift.md"

NONE = "(none)"
EMPTY = "(empty)"
NO_INPUT = "no input moved (an unexplained change)"
#: What a snippet with no earlier result gets instead: a first recording has nothing to be explained by.
FIRST = "its first result: nothing was recorded before, so no input to compare"
NO_FIGURE = "no figure moved"
#: A shown value's width, and how much of what comes before the first difference stays in view.
WIDTH = 120
CONTEXT = 40
#: The fields a list's entries are matched by, in this order: images by ``role``; probes, checks,
#: measurements and ship pushes by ``name`` (or ``key``); bases by ``ref``; a push's manifests by
#: ``platform``. A list whose entries lack a unique one is compared position by position.
IDENTITY = ("role", "name", "key", "ref", "path", "platform")
#: What went into the build: reported as inputs, not figures.
INPUT_KEYS = ("environment", "source_digest", "input_digest")
#: Labels holding ``name=version`` tokens (a stand-in's packages that matter, and every package it has)
#: move package by package.
PACKAGES_SUFFIX = (".packages", ".package-list")
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class Change:
    """One value that moved, at ``path`` (``images[final].size``), both sides formatted for a reader."""

    path: str
    old: str
    new: str


@dataclass(frozen=True)
class Drift:
    """What moved in one snippet's result (``figures``), and which of its inputs moved (``inputs``)."""

    snippet: str
    figures: tuple[Change, ...]
    inputs: tuple[Change, ...]


def compare(snippet: str, old: record.Result | None, new: record.Result) -> Drift | None:
    """Explain how ``new`` differs from the recorded ``old``; None when record would not rewrite it."""
    if record.materially_equal(old, new):
        return None
    if old is None:
        return Drift(snippet, (Change("result", NONE, "recorded"),), ())
    before: dict[str, JSON] = record._material(old)  # noqa: SLF001 (record's own rules, not a copy of them)
    after: dict[str, JSON] = record._material(new)  # noqa: SLF001
    figures = _diff_dict(_figures(before), _figures(after), "", ship=False)
    inputs = _diff_dict(_inputs(before), _inputs(after), "", ship=False)
    return Drift(snippet, tuple(figures), tuple(inputs))


def _figures(result: dict[str, JSON]) -> dict[str, JSON]:
    """Return the measured part of a material result: everything but its inputs."""
    return {key: value for key, value in result.items() if key not in INPUT_KEYS}


def _inputs(result: dict[str, JSON]) -> dict[str, JSON]:
    """Return the environment's fields, with the source and input digests beside them."""
    environment = result.get("environment")
    inputs = dict(environment) if isinstance(environment, dict) else {}
    inputs.update({key: result[key] for key in ("source_digest", "input_digest") if key in result})
    return inputs


def _diff(old: JSON, new: JSON, path: str, key: str, *, ship: bool) -> Iterator[Change]:
    """Walk two values as ``record._same`` does, yielding a Change wherever it would see a difference."""
    if isinstance(old, dict) and isinstance(new, dict):
        yield from _diff_dict(old, new, path, ship=ship)
    elif isinstance(old, list) and isinstance(new, list):
        yield from _diff_list(old, new, path, key, ship=ship)
    elif not record._same(old, new, key, ship=ship):  # noqa: SLF001 (the same tolerances as record)
        yield from _leaf(old, new, path, key)


def _diff_dict(old: dict[str, JSON], new: dict[str, JSON], path: str, *, ship: bool) -> Iterator[Change]:
    """Compare key by key; a key on one side only is a change (a table of names, name by name)."""
    for name in sorted(old.keys() | new.keys()):
        here = _child(path, name)
        yield from _pair(old, new, name, here, name, ship=ship or name == "ship", expand=True)


def _diff_list(old: list[JSON], new: list[JSON], path: str, key: str, *, ship: bool) -> Iterator[Change]:
    """Match entries by their identity (IDENTITY) where they have one, else by position."""
    matched = _match(old, new)
    if matched is None:
        before, after = dict(enumerate(old)), dict(enumerate(new))
        for index in range(max(len(old), len(new))):
            yield from _pair(before, after, index, f"{path}[{index}]", key, ship=ship, expand=False)
        return
    before_by, after_by = matched
    for name in [*before_by, *(name for name in after_by if name not in before_by)]:
        yield from _pair(before_by, after_by, name, f"{path}[{name}]", key, ship=ship, expand=False)
    yield from _order(before_by, after_by, path)


def _pair(
    old: Mapping[_Name, JSON],
    new: Mapping[_Name, JSON],
    name: _Name,
    here: str,
    key: str,
    *,
    ship: bool,
    expand: bool,
) -> Iterator[Change]:
    """Compare one entry; one present on a side only is a change of its own (``(none)`` on the other)."""
    if name in old and name in new:
        yield from _diff(old[name], new[name], here, key, ship=ship)
    elif name in old:
        yield from _one_sided(old[name], here, gone=True, expand=expand)
    else:
        yield from _one_sided(new[name], here, gone=False, expand=expand)


def _one_sided(value: JSON, path: str, *, gone: bool, expand: bool) -> Iterator[Change]:
    """Name an entry that came or went; a flat table of names (``tools``, ``labels``) entry by entry."""
    table = _flat(value) if expand else None
    if table is not None:
        for name, item in sorted(table.items()):
            yield from _one_sided(item, _child(path, name), gone=gone, expand=False)
        return
    shown = _show(value)
    yield Change(path, shown, NONE) if gone else Change(path, NONE, shown)


def _flat(value: JSON) -> dict[str, JSON] | None:
    """Return ``value`` if it is a non-empty dict of plain values, else None."""
    if isinstance(value, dict) and value and not any(isinstance(v, dict | list) for v in value.values()):
        return value
    return None


def _match(old: list[JSON], new: list[JSON]) -> tuple[dict[str, JSON], dict[str, JSON]] | None:
    """Key both lists by the first IDENTITY field every entry has, uniquely; None if there is none."""
    for field in IDENTITY:
        before, after = _keyed(old, field), _keyed(new, field)
        if before is not None and after is not None:
            return before, after
    return None


def _keyed(items: list[JSON], field: str) -> dict[str, JSON] | None:
    """Key ``items`` by ``field`` in their order; None if one lacks it or two share it."""
    keyed: dict[str, JSON] = {}
    for item in items:
        name = item.get(field) if isinstance(item, dict) else None
        if not isinstance(name, str) or name in keyed:
            return None
        keyed[name] = item
    return keyed


def _order(old: dict[str, JSON], new: dict[str, JSON], path: str) -> Iterator[Change]:
    """Name the entries both sides have in another order: record sees that as a change too."""
    before = [name for name in old if name in new]
    after = [name for name in new if name in old]
    if before != after:
        yield Change(f"{path} order", _clip(", ".join(before)), _clip(", ".join(after)))


def _leaf(old: JSON, new: JSON, path: str, key: str) -> Iterator[Change]:
    """Name one moved value: packages one by one, text by its first differing line, sizes in percent."""
    if isinstance(old, str) and isinstance(new, str):
        packages = _packages(old, new, path) if key.endswith(PACKAGES_SUFFIX) else []
        if packages:
            yield from packages
        elif "\n" in old or "\n" in new:
            yield _first_line(old, new, path)
        else:
            yield Change(path, *_clip_pair(old, new))
        return
    yield Change(path, _show(old), _show(new) + _percent(old, new, key))


def _packages(old: str, new: str, path: str) -> list[Change]:
    """Name the packages that moved between two ``name=version ...`` lists; [] if not such lists."""
    before, after = _versions(old), _versions(new)
    if before is None or after is None:
        return []
    names = sorted(before.keys() | after.keys())
    return [
        Change(f"{path}[{name}]", before.get(name, NONE), after.get(name, NONE))
        for name in names
        if before.get(name) != after.get(name)
    ]


def _versions(text: str) -> dict[str, str] | None:
    """Parse ``name=version`` tokens; None if a token is not one or a name repeats."""
    versions: dict[str, str] = {}
    for token in text.split():
        name, sep, version = token.partition("=")
        if not sep or name in versions:
            return None
        versions[name] = version
    return versions


def _first_line(old: str, new: str, path: str) -> Change:
    """Compare output line by line: name the first line that differs, numbered from 1."""
    lines = zip_longest(old.split("\n"), new.split("\n"))
    number, (before, after) = next((n, pair) for n, pair in enumerate(lines, 1) if pair[0] != pair[1])
    here = f"{path} line {number}"
    if before is not None and after is not None:
        return Change(here, *_clip_pair(before, after))
    return Change(here, NONE if before is None else _show(before), NONE if after is None else _show(after))


def _percent(old: JSON, new: JSON, key: str) -> str:
    """Give a byte count's relative change (`` (+2.8 %)``); empty for anything else (a bool too)."""
    if key not in record.SIZE_KEYS or type(old) is not int or type(new) is not int or not old:
        return ""
    change = (new - old) / old * 100
    digits = 1 if abs(change) >= 0.1 else 3  # noqa: PLR2004 (a small change keeps its digits)
    return f" ({change:+.{digits}f} %)"


def _show(value: JSON) -> str:
    """Format a value for a reader: thousands separators, JSON's words, text shortened to WIDTH."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int | float):
        return f"{value:,}"
    if isinstance(value, str):
        return _clip(value.replace("\n", "\\n")) if value else EMPTY
    return _clip(json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False))


def _clip_pair(old: str, new: str) -> tuple[str, str]:
    """Shorten two strings alike, keeping their first difference in view."""
    if not old or not new:
        return _show(old), _show(new)
    differing = (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b)
    start = next(differing, min(len(old), len(new)))
    skip = max(0, start - CONTEXT) if max(len(old), len(new)) > WIDTH else 0
    return _clip(old, skip), _clip(new, skip)


def _clip(text: str, skip: int = 0) -> str:
    """Drop ``skip`` leading characters and cut to WIDTH, marking each cut with an ellipsis."""
    shown = "…" + text[skip:] if skip else text
    return shown if len(shown) <= WIDTH else shown[: WIDTH - 1] + "…"


def _child(path: str, name: str) -> str:
    """Extend a path by a key: ``.name``, or ``[name]`` for one with dots (labels) or other punctuation."""
    if not _PLAIN.fullmatch(name):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


def still_true(root: Path, verified: Sequence[str], drifted: set[str]) -> list[str]:
    """Return the re-verified snippets whose figures still hold, for ``results/reverified.json``.

    A snippet counts when nothing of it drifted and its result says verified: one recorded as not
    verified here (a base no machine of this project can have) was re-checked, but proved nothing new.
    """
    return [s for s in verified if s not in drifted and _verified_here(root, s)]


def _verified_here(root: Path, snippet: str) -> bool:
    result = record.read_result_quietly(record.result_path(root, snippet))
    return result is not None and result["status"] == "verified"


def report_json(drifts: Sequence[Drift], verified: Sequence[str], when: str) -> str:
    """Render the report for tools: sorted keys, two-space indent, final newline, as results are."""
    data: dict[str, JSON] = {
        "when": when,
        "verified": [*verified],
        "drift": [_drift_json(drift) for drift in drifts],
    }
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _drift_json(drift: Drift) -> JSON:
    """Return one drifted snippet as JSON."""
    return {
        "snippet": drift.snippet,
        "figures": [_change_json(change) for change in drift.figures],
        "inputs": [_change_json(change) for change in drift.inputs],
    }


def _change_json(change: Change) -> JSON:
    """Return one change as JSON."""
    return {"path": change.path, "old": change.old, "new": change.new}


def report_markdown(drifts: Sequence[Drift], verified: Sequence[str], when: str) -> str:
    """Render the report for people: a summary, then per drifted snippet what moved and which input did."""
    lines = [_summary(drifts, verified, when)]
    for drift in drifts:
        lines += ["", f"## {drift.snippet}", ""]
        lines += _markdown_table("figure", drift.figures, NO_FIGURE)
        first = drift.figures == (Change("result", NONE, "recorded"),)
        lines += ["", *_markdown_table("input", drift.inputs, FIRST if first else NO_INPUT)]
    return "\n".join(lines) + "\n"


def _summary(drifts: Sequence[Drift], verified: Sequence[str], when: str) -> str:
    """Say how many snippets were re-verified, and how many of them drifted."""
    checked = f"{len(verified)} snippet{'' if len(verified) == 1 else 's'}"
    outcome = f"{len(drifts)} drifted" if drifts else "no drift"
    return f"Re-verified {checked} on {when}: {outcome}."


def _markdown_table(what: str, changes: Sequence[Change], nothing: str) -> list[str]:
    """Lay ``changes`` out as a what | old | new table, or say ``nothing`` when there are none."""
    if not changes:
        return [nothing]
    rows = [f"| {_cell(c.path)} | {_cell(c.old)} | {_cell(c.new)} |" for c in changes]
    return [f"| {what} | old | new |", "| --- | --- | --- |", *rows]


def _cell(text: str) -> str:
    """Quote a table cell as code, so outputs' ``<timestamp>`` and ``|`` show as they are."""
    fence, pad = ("``", " ") if "`" in text else ("`", "")
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def write_report(directory: Path, drifts: Sequence[Drift], verified: Sequence[str], when: str) -> None:
    """Write ``drift.json`` and ``drift.md`` to ``directory``, each all or nothing."""
    write_text_atomic(directory / JSON_NAME, report_json(drifts, verified, when))
    write_text_atomic(directory / MARKDOWN_NAME, report_markdown(drifts, verified, when))


def carried_over(directory: Path, resumed: Collection[str]) -> tuple[list[Drift], list[str]]:
    """Return what an earlier report in ``directory`` says of the snippets this run ``resumed`` past.

    ``make verify-all`` is resumable: a re-run skips each snippet this machine already verified with the
    same inputs, and its report would then hold only the rest. An earlier entry for such a snippet is
    still true (same inputs, same machine), so it is kept; entries for any other snippet are not, since
    this run either re-verified it or did not look at it. No earlier report (or an unreadable one, which
    a resumed run must not fail on) carries nothing over.
    """
    path = directory / JSON_NAME
    if not resumed or not path.is_file():
        return [], []
    try:
        drifts, verified = read_report(path)
    except UsageError:
        return [], []
    return [d for d in drifts if d.snippet in resumed], [s for s in verified if s in resumed]


def read_report(path: Path) -> tuple[list[Drift], list[str]]:
    """Read back a ``drift.json`` (one fan-out entry's): its drifts and the snippets it re-verified.

    ``journey merge`` combines the entries' reports into one, so what ``report_json`` writes must read
    back as the same Drifts; a report that does not is refused, never taken for "no drift".
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        verified = [str(name) for name in data["verified"]]
        drifts = [_drift_from(item) for item in data["drift"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path}: unreadable drift report ({exc})") from exc
    return drifts, verified


def _drift_from(item: dict[str, list[dict[str, str]] | str]) -> Drift:
    """Rebuild one Drift from its JSON (``_drift_json``)."""
    figures, inputs = item["figures"], item["inputs"]
    if not isinstance(figures, list) or not isinstance(inputs, list):
        raise TypeError("figures and inputs must be lists")
    return Drift(str(item["snippet"]), _changes_from(figures), _changes_from(inputs))


def _changes_from(items: list[dict[str, str]]) -> tuple[Change, ...]:
    """Rebuild Changes from their JSON (``_change_json``)."""
    return tuple(Change(str(c["path"]), str(c["old"]), str(c["new"])) for c in items)
