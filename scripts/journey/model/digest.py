"""The two digests of ARCHITECTURE.md: what a snippet is made of, and what its result depends on.

``source_digest`` needs no engine, so ``journey check`` can tell a stale result in milliseconds;
``input_digest`` adds what only the engine knows (what each base image is, engine and buildx versions)
so ``journey verify`` can skip work whose inputs did not move. A base counts by its identity
(``bases.base_identity``: registry digest, or a stand-in's recipe and packages), never by its local
image ID, so the same inputs give the same digest on every machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from typing import TYPE_CHECKING

from journey.model.record import RESULTS_VERSION

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

    from journey.model.manifest import Snippet

# Version-control bookkeeping is not part of a snippet; everything else is.
VCS_JUNK = frozenset({".git", ".hg", ".svn", ".bzr"})
_CHUNK = 1 << 16


def tree_files(root: Path) -> list[Path]:
    """Every file under ``root`` (symlinks included, not followed), sorted by POSIX relative path."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in VCS_JUNK)
        found.extend(root.joinpath(dirpath, name) for name in filenames if name not in VCS_JUNK)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def _hash_file(path: Path, digest: hashlib._Hash) -> None:
    """Feed a file's kind, executable bit and bytes (or link target): each can change a build.

    A link is hashed as its target's name, never followed; a FIFO, socket or device (which loading the
    manifests refuses) only as its kind, never opened: opening a FIFO would wait for a writer forever.
    """
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        digest.update(b"L" + str(path.readlink()).encode() + b"\0")
        return
    if not stat.S_ISREG(mode):
        digest.update(b"S\0")
        return
    digest.update(b"X" if os.access(path, os.X_OK) else b"F")
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    digest.update(b"\0")


def source_roots(snippet: Snippet) -> list[tuple[str, Path]]:
    """Folders whose files make up the snippet: its own, and its build context if that is elsewhere."""
    roots = [("snippet", snippet.dir)]
    context = snippet.context_dir
    if context is not None and not context.is_relative_to(snippet.dir):
        roots.append(("context", context))
    # the build's Dockerfile, then any other a ship: push builds, when they sit outside those folders
    for dockerfile in snippet.dockerfiles():
        if not any(dockerfile.is_relative_to(root) for _, root in roots):
            extra = sum(label.startswith("dockerfile") for label, _ in roots)
            roots.append(("dockerfile" if not extra else f"dockerfile-{extra + 1}", dockerfile))
    return roots


def _labelled_files(snippet: Snippet) -> Iterator[tuple[str, Path]]:
    """Each source file with a stable label (``snippet/Dockerfile``) independent of the checkout path."""
    for label, root in source_roots(snippet):
        if root.is_file():
            yield f"{label}/{root.name}", root
            continue
        for path in tree_files(root):
            yield f"{label}/{path.relative_to(root).as_posix()}", path


def source_digest(snippet: Snippet) -> str:
    """Return ``sha256:…`` over the snippet's files, its manifest and the tool's ``RESULTS_VERSION``."""
    digest = hashlib.sha256(f"results_version={RESULTS_VERSION}\0".encode())
    for label, path in _labelled_files(snippet):
        digest.update(label.encode() + b"\0")
        _hash_file(path, digest)
    return f"sha256:{digest.hexdigest()}"


def input_digest(source: str, bases: Mapping[str, str], engine: str | None, buildx: str | None) -> str:
    """Return ``sha256:…`` over the source digest, every base's identity, and engine and buildx versions.

    A snippet that is only checked (``Snippet.done``) passes None for both: no engine takes part in it,
    so a new engine does not make it stale.
    """
    payload = {"source": source, "bases": dict(sorted(bases.items())), "engine": engine, "buildx": buildx}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return f"sha256:{hashlib.sha256(text.encode()).hexdigest()}"
