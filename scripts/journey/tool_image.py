"""Images of the tool's own helpers (the deploy checks' engine, the build farm): named by their recipe.

Each helper image is built on this machine from a small recipe folder (a Dockerfile and its files) on
the debian base, once: its tag carries the digest of the recipe, so an edited recipe is a new image and
an unchanged one is never rebuilt. Two checkouts may want the same image at once; a lock file in the
temporary folder lets one build it while the other waits.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

#: Where the recipes are: ``scripts/<name>/``, each a Dockerfile and its entrypoint.
RECIPES = Path(__file__).resolve().parents[1]
RECIPE_FILES = ("Dockerfile", "entrypoint.sh")
#: What every helper image is built from: the debian stand-in, or the real image where it can be pulled.
BASE = "debian:trixie"
#: On a helper's container, beside the run's labels: which helper it is, so a person (or a test) can tell.
TOOL_LABEL = "org.golangjourney.tool"


def recipe_digest(folder: Path, files: Iterable[str]) -> str:
    """Return ``sha256:…`` over the recipe's files (name and bytes), in the order given."""
    digest = hashlib.sha256()
    for name in files:
        digest.update(name.encode() + b"\0" + (folder / name).read_bytes() + b"\0")
    return f"sha256:{digest.hexdigest()}"


def image_tag(repo: str, folder: Path, files: Iterable[str]) -> str:
    """Return ``<repo>:<first 12 hex digits of the recipe digest>``."""
    return f"{repo}:{recipe_digest(folder, files).removeprefix('sha256:')[:12]}"


#: Seconds between two tries of a build lock another checkout holds (its build takes minutes).
LOCK_POLL = 0.5


@contextlib.contextmanager
def build_lock(path: Path, pause: Callable[[float], None] = time.sleep) -> Iterator[None]:
    """Hold an exclusive lock on ``path``; the file may be another user's (so it is opened read-only).

    Tried without blocking, with ``pause`` between tries: a worker thread blocked in ``flock`` would not
    see an interrupt (signals reach the main thread only), so a worker passes ``Session.pause``.
    """
    fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pause(LOCK_POLL)
        yield
    finally:
        os.close(fd)
