"""What a page shows of a snippet file, for the tests that compare a block with its file.

A block's title is its include spec (`snippets/vol1/service/api.go:routes`, `…/go.mod:1:5`, or a whole
file). pymdownx.snippets includes a whole file without its section-marker lines, a section without its
markers, and a line range as it is; this module says the same, so a test can tell what a reader must get.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

SECTION_RE = re.compile(r".*--8<--[ \t]+\[(start|end):[a-z][-_0-9a-z]*\]")
_LINES_RE = re.compile(r"(?P<start>\d+):(?P<end>\d+)")


def split_spec(spec: str) -> tuple[str, str]:
    """Split `path:part` into the repo path and the section name or line range ('' for the whole file)."""
    path, _, part = spec.partition(":")
    return path, part


def shown_text(root: Path, spec: str) -> str:
    """The text a block titled `spec` must show, with the file's final newline."""
    path, part = split_spec(spec)
    lines = (root / path).read_text(encoding="utf-8").splitlines(keepends=True)
    if not part:
        return "".join(line for line in lines if not SECTION_RE.match(line))
    span = _LINES_RE.fullmatch(part)
    if span:
        return "".join(lines[int(span["start"]) - 1 : int(span["end"])])
    marks = [n for n, line in enumerate(lines) if SECTION_RE.match(line) and f":{part}]" in line]
    if len(marks) != 2:
        msg = f"{spec}: section {part!r} is not marked exactly once in the file"
        raise ValueError(msg)
    return "".join(lines[marks[0] + 1 : marks[1]])
