"""Where everything lives in a checkout and on the machine, and the one way files the tool owns are written.

Every command finds the repository the same way and names its folders through this module, so a path
is spelt once: the checkout's folders, this user's private runtime folder (locks, run records) and the
machine's temporary folder, also while a run's scratch folder stands in for it. Nothing here touches
the engine or parses a manifest: every module may import it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from journey.core.errors import MachineError, UsageError

if TYPE_CHECKING:
    from collections.abc import Iterator

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


#: The name of this user's private folder for locks and run records, under ``$XDG_RUNTIME_DIR`` (or, as
#: ``journey-<uid>``, in the machine's temporary folder).
RUNTIME = "journey"
#: Every folder a verify run keeps in the machine's temporary folder is under one named like this, which
#: stands in for the temporary folder while the run lasts (``temp_root``; ``sweep.scratch`` makes it).
SCRATCH_PREFIX = "journey-run-"
#: What ``temp_root`` set aside, outermost first: the former ``tempfile.tempdir`` and the machine's folder.
_REPLACED: list[tuple[str | None, str]] = []


def system_tmp() -> Path:
    """Return the machine's temporary folder (``TMPDIR`` or ``/tmp``), also while a run's scratch stands in.

    Shared places (lease folders, the runtime folder's fallback, what the sweep looks at) are found here,
    never through ``tempfile.gettempdir()``, which names the run's own scratch folder during a run.
    """
    return Path(_REPLACED[0][1]) if _REPLACED else Path(tempfile.gettempdir())


@contextlib.contextmanager
def temp_root(folder: Path) -> Iterator[None]:
    """Make ``folder`` Python's temporary folder while the block runs, so every temporary file is under it.

    Every ``tempfile.mkdtemp``/``TemporaryDirectory`` of any module (deploy keys, the farm's sockets, a
    build's metadata) then lands in the run's scratch folder, which one marker names and one removal
    deletes, even after the run was killed. Child processes keep their own ``TMPDIR``: only this
    process's files move. Set from the main thread, before the workers start.
    """
    previous, machine = tempfile.tempdir, str(system_tmp())
    _REPLACED.append((previous, machine))
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        _REPLACED.pop()
        tempfile.tempdir = previous


def private_folder_problem(folder: Path, uid: int | None = None) -> str | None:
    """Say why ``folder`` is not a private folder of ``uid`` (default: this user); None when it is one.

    A link, a file, a folder of another owner or one others may enter is refused: locks and run records
    say which processes own what, and a sweep removes what they name.
    """
    me = os.geteuid() if uid is None else uid
    try:
        info = folder.lstat()
    except OSError as exc:
        return f"cannot be looked at ({exc.strerror})"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a folder (a link or a file)"
    if info.st_uid != me:
        return f"is owned by uid {info.st_uid}, not by you (uid {me})"
    if info.st_mode & 0o077:
        return f"has mode {stat.S_IMODE(info.st_mode):04o}, open to other users (it must be 0700)"
    return None


def make_private_folder(folder: Path, uid: int | None = None) -> str | None:
    """Make ``folder`` (mode 0700, whatever the umask) unless it exists; say why it is not private, if so.

    One folder another user made, or may write in, must be refused by the caller rather than used: what
    it holds (locks, run records, leases) says which processes own what. ``OSError`` if it cannot be made.
    """
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    else:
        folder.chmod(0o700)
    return private_folder_problem(folder, uid)


def runtime_dir() -> Path:
    """Return this user's private folder for locks and run records, made (mode 0700) when missing.

    ``$XDG_RUNTIME_DIR/journey`` when that runtime folder is the user's own and private (systemd makes it
    per login), else ``<tmp>/journey-<uid>``. A folder there that is not private to this user is refused
    (exit 8, naming it): anyone who may write there could forge a lock holder or a record the sweep trusts.
    """
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime.startswith("/") and private_folder_problem(Path(runtime)) is None:
        folder = Path(runtime) / RUNTIME
    else:
        folder = system_tmp() / f"{RUNTIME}-{os.geteuid()}"
    try:
        why = make_private_folder(folder)
    except OSError as exc:
        raise MachineError(
            f"cannot make the runtime folder {folder}: {exc.strerror}", step="runtime"
        ) from exc
    if why:
        cause = (
            f"the runtime folder {folder} {why}; it holds journey's locks and run records: "
            "remove it and run again"
        )
        raise MachineError(cause, step="runtime")
    return folder


def crash_log(command: str, text: str) -> Path:
    """Write a traceback to a new ``journey-<command>-crash-*.log`` in the machine's temporary folder.

    Not in a run's scratch folder, which goes when the run ends: the message of exit 70 names this file.
    """
    handle, name = tempfile.mkstemp(prefix=f"journey-{command}-crash-", suffix=".log", dir=system_tmp())
    with os.fdopen(handle, "w", encoding="utf-8") as log:
        log.write(text)
    return Path(name)


def lock_path(name: str) -> Path:
    """Return ``<runtime folder>/<name>.lock``: a lock of this user's runs, never another user's."""
    return runtime_dir() / f"{name}.lock"
