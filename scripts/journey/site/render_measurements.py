"""Fragments of the ``measure:`` figures: one table per measurement, and side-by-side tables per volume.

``measure-<name>.md`` sits next to a snippet's ``sizes.md``. Two volume-wide tables put snippets side by
side: ``measurements.md`` (image, binary, modules, compile, start-up, memory: the figures a reader
weighs a variant by) and ``files-compared.md`` (which runtime files each final image holds, and its
user). Timings always show the median with the fastest and slowest run and the number of runs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from journey.model.units import format_seconds, format_size

if TYPE_CHECKING:
    from journey.model.manifest import Volume
    from journey.model.record import Measurement, Result, Spread

MEASUREMENTS_MD = "measurements.md"
FILES_MD = "files-compared.md"
_NONE = "-"


def measure_fragment(name: str) -> str:
    """Return the file name of a measurement's fragment (``measure-startup.md``)."""
    return "measure-" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unnamed") + ".md"


def _timing(value: Spread, *, as_size: bool = False) -> str:
    """Spell a Spread as ``12.3 ms (11.9 to 14.0 ms, 5 runs)``."""
    spell = format_size if as_size else format_seconds
    low, high = spell(value["min"]), spell(value["max"])  # type: ignore[arg-type]
    return f"{spell(value['median'])} (median; {low} to {high}, {len(value['runs'])} runs)"  # type: ignore[arg-type]


def _startup(item: Measurement) -> list[str]:
    return [
        "| measured | median, fastest to slowest |",
        "| --- | --- |",
        f"| `docker run` to the first answer of `{item.get('path', '/')}` | {_timing(item['seconds'])} |",
        f"| resident memory (VmRSS) after that answer | {_timing(item['rss'], as_size=True)} |",
    ]


def _compile(item: Measurement) -> list[str]:
    return [
        f"`{item.get('command', '')}` in the `{item.get('stage', '')}` stage's image, no network:",
        "",
        "| Go build cache | median, fastest to slowest |",
        "| --- | --- |",
        f"| empty (cold) | {_timing(item['cold'])} |",
        f"| warm, after a one-line change to the source | {_timing(item['warm'])} |",
    ]


def _binary(item: Measurement) -> list[str]:
    modules = item.get("modules")
    listed = str(modules) if modules is not None else "unreadable (`go version -m` finds no build info)"
    cells = [f"`{item.get('path', '')}`", format_size(item.get("size", 0)), listed, item.get("go") or _NONE]
    return [
        "| file | size | modules linked in (`go version -m`) | Go |",
        "| --- | ---: | --- | --- |",
        "| " + " | ".join(cells) + " |",
    ]


def _files(item: Measurement) -> list[str]:
    rows = [
        f"User: `{item.get('user', '')}`.",
        "",
        "| path | in the image | files | bytes |",
        "| --- | --- | ---: | ---: |",
    ]
    for entry in item.get("entries", []):
        present = "yes" if entry["present"] else "no"
        rows.append(f"| `{entry['path']}` | {present} | {entry['files']} | {format_size(entry['size'])} |")
    return rows


def _rerun(steps: list[str]) -> str:
    return "none: every step cached" if not steps else "<br>".join(f"`{step}`" for step in steps)


def _context(item: Measurement) -> list[str]:
    touched = ", ".join(f"`{name}`" for name in item.get("touched", []))
    with_: dict[str, Any] = item.get("with_ignore", {})
    without: dict[str, Any] = item.get("without_ignore", {})
    sent = " | ".join(
        f"{format_size(v['context_size'])} in {v.get('context_files', 0)} files" for v in (with_, without)
    )
    return [
        f"A copy of the build context with {touched} in it, built, then built again after changing them:",
        "",
        "| | with the `.dockerignore` | without it |",
        "| --- | --- | --- |",
        f"| build context the builder receives | {sent} |",
        f"| steps run again after the change | {_rerun(with_['rerun'])} | {_rerun(without['rerun'])} |",
    ]


_RENDERERS = {
    "startup": _startup,
    "compile": _compile,
    "binary": _binary,
    "files": _files,
    "context": _context,
}


def render_measurements(result: Result) -> dict[str, str]:
    """Return ``measure-<name>.md`` for each recorded measurement of a verified result."""
    if result["status"] != "verified":
        return {}
    return {
        measure_fragment(item["name"]): "\n".join(_RENDERERS[item["kind"]](item)) + "\n"
        for item in result.get("measurements", [])
    }


# --- side by side, per volume ------------------------------------------------------------------------


def _of(result: Result, kind: str) -> Measurement | None:
    return next((m for m in result.get("measurements", []) if m["kind"] == kind), None)


def _binary_size(result: Result) -> str:
    binary = _of(result, "binary")
    if binary is not None:
        return format_size(binary.get("size", 0))
    files = _of(result, "files")
    listed: list[dict[str, Any]] = files.get("entries", []) if files is not None else []
    entries = [e for e in listed if e["path"] == "/opt/server" and e["present"]]
    return format_size(entries[0]["size"]) if entries else _NONE


def _median(item: Measurement | None, key: str, *, as_size: bool = False) -> str:
    if item is None or key not in item:
        return _NONE
    value: Any = item[key]  # type: ignore[literal-required]
    return format_size(value["median"]) if as_size else format_seconds(value["median"])


def _row(title: str, result: Result) -> str:
    final = next(i for i in result["images"] if i["role"] == "final")
    binary, build, start = _of(result, "binary"), _of(result, "compile"), _of(result, "startup")
    modules = binary.get("modules") if binary else None
    cells = [
        title,
        format_size(final["size"]),
        format_size(final["compressed_size"]),
        _binary_size(result),
        str(modules) if modules is not None else _NONE,
        _median(build, "cold"),
        _median(build, "warm"),
        _median(start, "seconds"),
        _median(start, "rss", as_size=True),
    ]
    return "| " + " | ".join(cells) + " |"


def render_compared(volume: Volume, results: dict[str, Result | None]) -> dict[str, str]:
    """Return the volume's side-by-side tables, for the snippets that record measurements."""
    measured = [
        (s, r)
        for s in volume.snippets
        if (r := results.get(s.id)) is not None and r["status"] == "verified" and r.get("measurements")
    ]
    if not measured:
        return {}
    head = (
        "| image | uncompressed | compressed | binary | modules | compile, cold | compile, warm "
        "| start to first answer | resident memory |"
    )
    rows = [head, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    rows += [_row(snippet.title.replace("|", "\\|"), result) for snippet, result in measured]
    note = "Timings and memory are medians over the runs each snippet's fragment lists; `-`: not measured."
    fragments = {MEASUREMENTS_MD: "\n".join([*rows, "", note]) + "\n"}
    with_files = [
        (s, f) for s, r in measured if (f := _of(r, "files")) is not None and len(f.get("entries", [])) > 1
    ]
    if with_files:
        fragments[FILES_MD] = _files_table(with_files)
    return fragments


def _files_table(columns: list[tuple[Any, Measurement]]) -> str:
    paths = list(dict.fromkeys(e["path"] for _, f in columns for e in f.get("entries", [])))
    head = "| path | " + " | ".join(s.title.replace("|", "\\|") for s, _ in columns) + " |"
    rows = [head, "| --- |" + " --- |" * len(columns)]
    for path in paths:
        cells = []
        for _, item in columns:
            entry = next((e for e in item.get("entries", []) if e["path"] == path), None)
            if entry is None:
                cells.append(_NONE)
            elif not entry["present"]:
                cells.append("absent")
            else:
                cells.append(f"{entry['files']} files, {format_size(entry['size'])}")
        rows.append(f"| `{path}` | " + " | ".join(cells) + " |")
    rows.append("| user | " + " | ".join(f"`{item.get('user', '')}`" for _, item in columns) + " |")
    return "\n".join(rows) + "\n"
