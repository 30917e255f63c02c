"""When the full proof last re-verified each snippet and found nothing moved (``results/reverified.json``).

A recorded result says when it was recorded; a reader also wants to know that the figures still hold.
``journey verify --all --report`` and ``journey merge`` (the fan-out) note here the date of every
snippet they re-verified with no drift; the provenance note on the page shows it. It is one small file
beside the results, not a field of each result, so a full proof that finds no drift rewrites no result.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from journey.core.layout import RESULTS, write_text_atomic

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

NAME = "reverified.json"


def path(root: Path) -> Path:
    """Return ``<root>/results/reverified.json``."""
    return root / RESULTS / NAME


def read(root: Path) -> dict[str, str]:
    """Return ``{snippet: YYYY-MM-DD}``; none recorded (or unreadable) is an empty mapping."""
    try:
        data = json.loads(path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def mark(root: Path, snippets: Iterable[str], day: str) -> list[str]:
    """Note ``day`` for each snippet (a later date wins); return the snippets whose date changed."""
    dates = read(root)
    changed = [s for s in snippets if dates.get(s, "") < day]
    if changed:
        dates.update(dict.fromkeys(changed, day))
        write_text_atomic(path(root), json.dumps(dict(sorted(dates.items())), indent=2) + "\n")
    return changed
