"""What this machine has verified itself, kept apart from the committed results.

A recorded result says what a snippet's inputs gave wherever it was recorded; its input digest names
no machine, so a fresh checkout on a new machine finds every result fresh. That alone must not make
``journey verify`` skip: a newcomer's ``make site`` is the proof that the snippets still build and run.
So a snippet counts as done only where this machine verified those same inputs and, for an image
snippet, still holds the image it verified (``.cache/verified/<volume>/<snippet>.json``, never committed).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import docker.errors

from journey.core.layout import cache_dir, write_text_atomic
from journey.engine.images import image_id

if TYPE_CHECKING:
    from pathlib import Path

    from journey.engine.session import Session
    from journey.model.manifest import Snippet


def _path(root: Path, snippet: Snippet) -> Path:
    return cache_dir(root, "verified", snippet.volume, f"{snippet.name}.json")


def _image_id(session: Session, snippet: Snippet) -> str | None:
    """Return the ID of the snippet's ``:verified`` image in the engine, None without one."""
    if snippet.build is None:
        return None
    try:
        return image_id(session.client, snippet.image_tag)
    except docker.errors.DockerException:
        return None


def remember(root: Path, session: Session, snippet: Snippet, inputs: str | None) -> None:
    """Note that this machine verified ``inputs`` for the snippet (and which image that gave)."""
    record = {"input_digest": inputs, "image_id": _image_id(session, snippet)}
    write_text_atomic(_path(root, snippet), json.dumps(record, sort_keys=True) + "\n")


def verified_here(root: Path, session: Session, snippet: Snippet, inputs: str) -> bool:
    """Tell whether this machine verified exactly these inputs and still has what that built."""
    try:
        record = json.loads(_path(root, snippet).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(record, dict) or record.get("input_digest") != inputs:
        return False
    wanted = record.get("image_id")
    return wanted is None or _image_id(session, snippet) == wanted
