"""Which snippet files the pages show, and what "the copy button yields exactly that file" means.

Pages show a snippet file as a fenced code block whose only line is a block-level include and whose title is
the repo path, e.g.

    ```dockerfile title="snippets/vol1/multistage/Dockerfile"
    --8<-- "snippets/vol1/multistage/Dockerfile"
    ```

Material's copy button copies the block's text with `innerText.trimEnd()` (bundle.js, Material 9.8),
so the final newline of a file never reaches the clipboard. A block titled with a section or line range
(`snippets/vol1/service/api.go:routes`) yields that part, and a whole file yields it without the section
markers pymdownx.snippets leaves out (the download link gives the file with them: `shown.py`).
"Exactly that file's bytes" therefore means:
the clipboard, encoded as UTF-8, equals the file's bytes with its one final "\\n" removed (a file without
a final newline must match byte for byte). Anything else (a tab turned into spaces, a changed line
ending, a lost blank line at the end, a file with several trailing newlines) is a difference and fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from browser_page import copy_all_titled_blocks

from shown import shown_text

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Page

_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_INCLUDE = re.compile(r"""^[ \t]*-{1,}8<-{1,}[ \t]+(?P<quote>["'])(?P<target>[^"']+)(?P=quote)[ \t]*$""")
_TITLE = re.compile(r"""title=(?P<quote>["'])(?P<title>.*?)(?P=quote)""")


@dataclass(frozen=True)
class FencedInclude:
    """A fenced code block of a Markdown page whose body is one `--8<--` include of a file under snippets/."""

    doc: Path
    line: int
    target: str
    title: str | None


def fenced_snippet_includes(doc: Path, root: Path | None = None) -> list[FencedInclude]:
    """Every fenced code block of `doc` that includes a snippets/ file, with the title its fence sets.

    With `root`, a fragment the page includes (`results/vol1/no-ca/variant.md`, which holds a fenced
    include of the variant's Dockerfile) is read too, in page order.
    """
    lines = doc.read_text(encoding="utf-8").splitlines()
    found = []
    index = 0
    while index < len(lines):
        opening = _FENCE_OPEN.match(lines[index])
        if not opening:
            fragment = _INCLUDE.match(lines[index]) if root is not None else None
            target = fragment.group("target") if fragment else ""
            if root is not None and target.startswith("results/") and target.endswith(".md"):
                found += fenced_snippet_includes(root / target, root)
            index += 1
            continue
        close = _closing_line(lines, index, opening.group("fence"))
        body = [line for line in lines[index + 1 : close] if line.strip()]
        include = _INCLUDE.match(body[0]) if len(body) == 1 else None
        if include and include.group("target").startswith("snippets/"):
            title = _TITLE.search(opening.group("info"))
            title_text = title.group("title") if title else None
            found.append(FencedInclude(doc, index + 1, include.group("target"), title_text))
        index = close + 1
    return found


def _closing_line(lines: list[str], start: int, fence: str) -> int:
    """The index of the line closing the fence opened at `start` (same character, at least as long)."""
    closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
    for index in range(start + 1, len(lines)):
        if closing.match(lines[index]):
            return index
    return len(lines)


def expected_clipboard(file_bytes: bytes) -> bytes:
    """The bytes the copy button must yield for a file: the file minus its single final newline."""
    return file_bytes.removesuffix(b"\n")


def copy_difference(title: str, clipboard: str, file_bytes: bytes) -> str | None:
    """Why the clipboard is not the file `title` names (None when it is), with the first differing line."""
    copied = clipboard.encode("utf-8")
    expected = expected_clipboard(file_bytes)
    if copied == expected:
        return None
    copied_lines = copied.split(b"\n")
    expected_lines = expected.split(b"\n")
    for number, (got, want) in enumerate(zip(copied_lines, expected_lines, strict=False), start=1):
        if got != want:
            return f"{title}: line {number} differs: copied {got!r}, file has {want!r}"
    return (
        f"{title}: copied {len(copied_lines)} lines ({len(copied)} bytes), "
        f"the file has {len(expected_lines)} lines ({len(expected)} bytes without its final newline)"
    )


def copy_differences(page: Page, repo: Path, expected_titles: list[str] | None = None) -> list[str]:
    """Copy every titled block of `page`; list each snippet file whose clipboard is not the file.

    With `expected_titles`, the page must also show exactly those snippet files, in that order: a block that
    lost its title (so no check could find it) is a difference too.
    """
    copied = copy_all_titled_blocks(page)
    shown = [block.title for block in copied if block.title.startswith("snippets/")]
    found = []
    if expected_titles is not None and shown != expected_titles:
        found.append(f"titled blocks {shown} do not match the includes of the page {expected_titles}")
    for block in copied:
        if block.title.startswith("snippets/"):
            shown = shown_text(repo, block.title).encode("utf-8")
            if ":" in block.title:  # a part of a file ends where its marker is: blank lines before it go
                shown = shown.rstrip(b"\n") + b"\n"
            difference = copy_difference(block.title, block.clipboard, shown)
            found += [difference] if difference else []
    return found
