"""``journey list``: every snippet with its recorded measurements and whether its result is fresh."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from journey.core.errors import ExitCode
from journey.model.digest import source_digest
from journey.model.manifest import all_snippets, discover
from journey.model.record import read_result_quietly, result_path
from journey.model.units import format_size

if TYPE_CHECKING:
    from pathlib import Path

    from journey.core.options import ListOptions
    from journey.model.manifest import Snippet
    from journey.model.record import Result


def snippet_entry(root: Path, snippet: Snippet) -> dict[str, Any]:
    """Describe one snippet for ``journey list --json``: manifest facts plus the recorded result."""
    result = read_result_quietly(result_path(root, snippet.id))
    where = snippet.dir.relative_to(root).as_posix() if snippet.dir.is_relative_to(root) else str(snippet.dir)
    return {
        "snippet": snippet.id,
        "title": snippet.title,
        "summary": snippet.summary,
        "dir": where,
        "status": result["status"] if result else "missing",
        "fresh": result is not None and result["source_digest"] == source_digest(snippet),
        "result": result,
    }


def list_line(entry: dict[str, Any]) -> str:
    """Return one human-readable line of ``journey list``."""
    result: Result | None = entry["result"]
    final = next((i for i in (result or {"images": []})["images"] if i["role"] == "final"), None)
    sizes = ""
    if final:
        sizes = f"{format_size(final['size'])} ({format_size(final['compressed_size'])} compressed)"
    fresh = "" if entry["fresh"] or result is None else " STALE"
    return f"{entry['snippet']:<32} {entry['status']}{fresh:<6} {sizes}".rstrip()


def run_list(options: ListOptions) -> int:
    """One line per snippet, or everything as JSON with ``--json``."""
    entries = [snippet_entry(options.root, s) for s in all_snippets(discover(options.root))]
    if options.json:
        sys.stdout.write(json.dumps(entries, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write("".join(list_line(e) + "\n" for e in entries))
    return ExitCode.OK
