"""The ``--8<--`` includes a page makes, as pymdownx.snippets reads them, fragments' own includes too.

``journey check`` follows them to see that each include resolves and every snippet file is shown, and the
prose-number check (``prose_numbers``) to know which figures a page shows from a recorded fragment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

# pymdownx.snippets' own patterns (snippet_syntax), so an include is found exactly as the site build finds it.
from journey.site.snippet_syntax import ALL_SNIPPETS, SNIPPET_FILE

if TYPE_CHECKING:
    import re
    from pathlib import Path

_INCLUDE_RE: re.Pattern[str] = ALL_SNIPPETS
_TARGET_RE: re.Pattern[str] = SNIPPET_FILE


@dataclass(frozen=True)
class Include:
    """A block-level ``--8<--`` include on a page: the file, and the section or line range, if any."""

    page: str
    line: int
    target: str
    section: str | None
    lines: str | None
    #: the fragment that makes this include (a ``variant.md`` includes the Dockerfile), or ``None``
    via: str | None = None


def _parse_target(page: str, line: int, spec: str) -> Include | None:
    """Split ``path``, ``path:section`` or ``path:1:5``; comments (``;path``) and URLs are skipped."""
    spec = spec.strip()
    if not spec or spec.startswith(";") or spec.lower().startswith(("http://", "https://")):
        return None
    match = _TARGET_RE.match(spec)
    path, lines, section = match.groups() if match else (spec, None, None)
    return Include(page, line, path.strip(), section[1:] if section else None, lines)


def find_includes(root: Path, page: Path) -> list[Include]:
    """Every include a page makes: inline-marker lines and paths inside ``--8<--`` blocks."""
    rel = page.relative_to(root).as_posix()
    found: list[Include] = []
    in_block = False
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        match = _INCLUDE_RE.match(line)
        if match and match.group("escape"):
            continue
        if match and match.group("block_marker"):
            in_block = not in_block
            continue
        if match and in_block:
            continue  # pymdownx ignores an inline include directly inside a block
        spec = match.group("snippet")[1:-1] if match and not in_block else (line if in_block else None)
        include = _parse_target(rel, number, spec) if spec is not None else None
        if include is not None:
            found.append(include)
    return found


#: How deep fragments may include fragments (pymdownx.snippets nests without a limit; ours go one deep).
_NESTING = 4


def nested_includes(root: Path, include: Include, depth: int = 0) -> list[Include]:
    """Return the includes an included Markdown fragment makes itself, as made from the page's line.

    ``journey render`` writes fragments that include snippet files (``variant.md`` includes the
    variant's Dockerfile), and pymdownx.snippets resolves them; coverage and links must see them too.
    """
    target = (root / include.target).resolve()
    if depth >= _NESTING or target.suffix != ".md" or not target.is_file():
        return []
    if not target.is_relative_to(root.resolve()) or include.section or include.lines:
        return []
    found: list[Include] = []
    for inner in find_includes(root, target):
        placed = Include(include.page, include.line, inner.target, inner.section, inner.lines, include.target)
        found += [placed, *nested_includes(root, placed, depth + 1)]
    return found


def page_includes(root: Path, page: Path) -> list[Include]:
    """Every include of a page, with those its included fragments make (``via`` names the fragment)."""
    direct = find_includes(root, page)
    return [found for include in direct for found in (include, *nested_includes(root, include))]
