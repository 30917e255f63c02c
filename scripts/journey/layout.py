"""Where everything lives in a checkout, and the one way files the tool owns are written.

Every command finds the repository the same way and names its folders through this module, so a path
is spelt once. Nothing here touches the engine or parses a manifest: every module may import it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from journey.errors import UsageError

SNIPPETS = "snippets"
RESULTS = "results"
DOCS = "docs"
MKDOCS_YML = "mkdocs.yml"
#: Where the site serves each snippet's files and archives from (under ``docs/``, so both builders copy it).
DOWNLOADS = "downloads"
#: What ``journey bases`` records (pages include its bases.md).
BASES_RESULTS = Path(RESULTS) / "bases"
#: The tool's per-checkout working files (never committed): module cache, layer sizes, staged files.
CACHE = ".cache"


def find_root(start: Path | None = None) -> Path:
    """Return the nearest folder, from ``start`` (default: the current one) up, holding ``mkdocs.yml``.

    One rule for every command: a repository of this project always has its site config at the root
    (``journey new`` edits it), so a ``snippets/`` folder alone, e.g. a test's fixtures, is not one.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MKDOCS_YML).is_file():
            return folder
    raise UsageError(f"no repository found from {here} upwards (no {MKDOCS_YML}): run this inside one")


def root_from(option: str | Path | None) -> Path:
    """Return ``--root`` resolved, or the repository holding the current folder."""
    return Path(option).resolve() if option else find_root()


def cache_dir(root: Path, *parts: str) -> Path:
    """Return ``<root>/.cache/<parts…>``."""
    return root.joinpath(CACHE, *parts)


def results_dir(root: Path, snippet_id: str) -> Path:
    """Return ``<root>/results/<volume>/<snippet>``."""
    return root / RESULTS / snippet_id


def write_text_atomic(path: Path, text: str) -> None:
    """Write through a temp file in the same folder and ``os.replace``: all or nothing, never half a file.

    Committed files (results, fragments, records) and per-machine state alike: a crash, Ctrl-C or a
    reader at the wrong moment sees the old file or the new one.
    """
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write bytes the way ``write_text_atomic`` writes text (downloads are copies of any file, and zips)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` atomically unless the file already holds exactly it; return whether it wrote."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    write_text_atomic(path, text)
    return True
