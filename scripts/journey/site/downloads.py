"""The files a reader downloads: every snippet file as itself, and one zip of each snippet's folders.

Neither builder runs code of ours while it builds (Zensical has no hooks or plugins of its own), but both
copy every file of ``docs/`` that is not a page into the site. So ``journey render`` writes the downloads
under ``docs/downloads/`` (a mirror of ``snippets/``, and ``<volume>/<snippet>.zip``), they are committed
like fragments, and ``journey check`` compares them byte for byte with what this module makes now. Pages
link them with relative links, which work under any sub-path ``site_url``; no page carries a file's bytes.
"""

from __future__ import annotations

import io
import posixpath
import stat
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from journey.core.errors import ManifestError
from journey.core.layout import DOCS, DOWNLOADS, SNIPPETS, write_bytes_atomic
from journey.model.digest import source_roots, tree_files

if TYPE_CHECKING:
    from collections.abc import Collection
    from pathlib import Path

    from journey.model.manifest import Snippet, Volume

#: What MkDocs builds into a page instead of copying (Zensical: ``.md``). A snippet file with one of these
#: suffixes is served with ``.txt`` added; its link's ``download`` attribute saves it under its real name.
PAGE_SUFFIXES = (".md", ".markdown", ".mdown", ".mkdn", ".mkd")
ARCHIVE_SUFFIX = ".zip"
#: Zip entries carry a date; a fixed one (the format's earliest) makes the archive the same on every machine.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Download:
    """One file the site serves: the repository file, where it is under ``docs/``, the name it saves as.

    ``target`` is ``source`` with its links followed (``in_snippets``), resolved once for every use.
    """

    source: Path
    served: str
    name: str
    target: Path


def in_snippets(root: Path, path: Path) -> Path:
    """Return the file a snippet path is, links followed, refusing one that leads out of ``snippets/``.

    Loading the manifests refuses such a link already; this keeps a file elsewhere on the machine (one
    linked in after loading) out of the published downloads and archives all the same.
    """
    return _inside((root / SNIPPETS).resolve(), path)


def _inside(snippets: Path, path: Path) -> Path:
    """``in_snippets`` with the resolved ``snippets/`` folder given (a run resolves it once, not per file)."""
    target = path.resolve()
    if not target.is_relative_to(snippets):
        cause = f"leads outside {SNIPPETS}/ (to {target}): not published; keep only files under {SNIPPETS}/"
        raise ManifestError(str(path), "", cause)
    return target


def served_path(root: Path, path: Path) -> str:
    """Return where the site serves a snippet file (``downloads/vol1/multistage/Dockerfile``).

    The mirror keeps ``snippets/``'s folders, so a build context shared by many snippets is served once.
    """
    snippets = (root / SNIPPETS).resolve()
    return _served(snippets, _inside(snippets, path))


def _served(snippets: Path, target: Path) -> str:
    """Return where the site serves the resolved snippet file ``target``."""
    served = f"{DOWNLOADS}/{target.relative_to(snippets).as_posix()}"
    return served + ".txt" if served.lower().endswith(PAGE_SUFFIXES) else served


def snippet_sources(snippet: Snippet) -> list[Path]:
    """Every file a reader needs: the snippet folder's, and a build context's elsewhere."""
    roots = [root for _, root in source_roots(snippet)]
    return [path for root in roots for path in ([root] if root.is_file() else tree_files(root))]


def snippet_downloads(root: Path, snippet: Snippet) -> list[Download]:
    """Return each file of a snippet as the site serves it, in the order the digest reads them."""
    snippets = (root / SNIPPETS).resolve()
    found = []
    for path in snippet_sources(snippet):
        target = _inside(snippets, path)
        found.append(Download(path, _served(snippets, target), path.name, target))
    return found


def archive_path(snippet: Snippet) -> str:
    """Return where the site serves the snippet's archive (``downloads/vol1/multistage.zip``)."""
    return f"{DOWNLOADS}/{snippet.volume}/{snippet.name}{ARCHIVE_SUFFIX}"


def archive_base(root: Path, snippet: Snippet, downloads: list[Download] | None = None) -> Path:
    """Return the folder a snippet's download and archive names are relative to.

    It is ``snippets/<volume>/``, or ``snippets/`` for a snippet whose build context is in another
    volume (Vol. 3 builds Vol. 1's service), so the relative paths of its manifest hold in the zip.
    ``downloads`` are the snippet's (``snippet_downloads``), when the caller has them already.
    """
    volume = (root / SNIPPETS / snippet.volume).resolve()
    files = snippet_downloads(root, snippet) if downloads is None else downloads
    if all(d.target.is_relative_to(volume) for d in files):
        return volume
    return (root / SNIPPETS).resolve()


def archive_members(
    root: Path, snippet: Snippet, downloads: list[Download] | None = None
) -> list[tuple[str, Path]]:
    """Return (name in the archive, file): paths relative to ``archive_base`` (``snippets/<volume>/``).

    So the archive unpacks to the snippet folder next to its build context (``multistage/``,
    ``service/``), and ``docker build -f multistage/Dockerfile service`` works as it does in the repository.
    """
    files = snippet_downloads(root, snippet) if downloads is None else downloads
    base = archive_base(root, snippet, files)
    return [(d.target.relative_to(base).as_posix(), d.source) for d in files]


def archive_bytes(root: Path, snippet: Snippet, downloads: list[Download] | None = None) -> bytes:
    """Return the snippet's zip: stored (not deflated, so no zlib version changes a byte), fixed dates.

    Each entry keeps the file's executable bit, so ``unzip`` gives back a runnable script.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, path in archive_members(root, snippet, downloads):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.create_system = 3  # Unix: the mode below is read by unzip
            executable = path.stat().st_mode & stat.S_IXUSR
            info.external_attr = (stat.S_IFREG | (0o755 if executable else 0o644)) << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def expected_downloads(root: Path, volumes: list[Volume]) -> dict[str, tuple[bytes, int]]:
    """Return every file ``docs/downloads/`` must hold: path under ``docs/`` → (bytes, mode)."""
    expected: dict[str, tuple[bytes, int]] = {}
    for volume in volumes:
        for snippet in volume.snippets:
            downloads = snippet_downloads(root, snippet)
            for download in downloads:
                executable = download.source.stat().st_mode & stat.S_IXUSR
                expected[download.served] = (download.source.read_bytes(), 0o755 if executable else 0o644)
            expected[archive_path(snippet)] = (archive_bytes(root, snippet, downloads), 0o644)
    return expected


def committed_downloads(root: Path) -> list[str]:
    """Return every file now under ``docs/downloads/`` (paths under ``docs/``)."""
    folder = root / DOCS / DOWNLOADS
    return (
        [f"{DOWNLOADS}/{p.relative_to(folder).as_posix()}" for p in tree_files(folder)]
        if folder.is_dir()
        else []
    )


def write_downloads(root: Path, volumes: list[Volume], keep: Collection[str] = ()) -> list[Path]:
    """Write the downloads whose bytes changed and remove those no snippet has any more; return them.

    ``keep`` names snippets whose verification failed: every download of theirs (their files, their
    zip, anything under their own folder) stays exactly as it was, so a broken snippet never publishes
    its new files, and the site goes on serving what was last verified.
    """
    expected = expected_downloads(root, volumes)
    frozen, folders = _kept(root, volumes, keep)
    changed: list[Path] = []
    for served, (data, mode) in sorted(expected.items()):
        path = root / DOCS / served
        if served not in frozen and (not path.is_file() or path.read_bytes() != data):
            write_bytes_atomic(path, data, mode)
            changed.append(path)
    for served in committed_downloads(root):
        if served not in expected and served not in frozen and not served.startswith(folders):
            (root / DOCS / served).unlink()
            changed.append(root / DOCS / served)
    return changed


def _kept(root: Path, volumes: list[Volume], keep: Collection[str]) -> tuple[set[str], tuple[str, ...]]:
    """Return the served paths of the ``keep`` snippets' files and zips, and their own download folders."""
    kept = [s for v in volumes for s in v.snippets if s.id in keep]
    paths = {d.served for s in kept for d in snippet_downloads(root, s)} | {archive_path(s) for s in kept}
    return paths, tuple(f"{DOWNLOADS}/{s.volume}/{s.name}/" for s in kept)


def link_to(page: str, served: str) -> str:
    """Return the link from a page (``vol1/index.md``) to a served file: relative, for any sub-path."""
    return posixpath.relpath(served, posixpath.dirname(page) or ".")
