"""The one file-lock helper: an exclusive ``flock`` on a file, taken in one of three ways.

Every lock of the tool between processes is a whole-file ``flock(LOCK_EX)`` on an open file: the kernel
drops it when the last descriptor of that open goes, however its process ends, so a dead holder never
keeps a lock. Two opens of one file conflict even in one process (the lock belongs to the open file
description), which is what lets a test hold a lock and wait for it in the same process. How a lock is
waited for is the caller's choice, one :data:`Mode`:

- :data:`WAIT` blocks in ``flock`` until the lock is free: only for a lock held for moments (a lease
  being staged), since a thread blocked there sees no interrupt;
- :class:`WaitAtMost` tries without blocking, calling its ``pause`` between tries, until ``seconds`` have
  passed: ``pause`` is where a cancel is checked (a worker passes ``Session.pause``, which raises as
  soon as the run is interrupted);
- :data:`TRY_ONCE` tries once and answers at once.

:func:`acquire` takes a lock on a descriptor the caller opened (and checked: a lease file is opened
without following a link or blocking on a FIFO, and checked with ``fstat`` first). :func:`held` opens a
path, takes its lock, writes who holds it into the file (``stamp``) and releases it on leaving; when the
lock stays taken it raises :class:`LockTaken` with what the holder wrote there, for the caller's message.

Why not ``filelock`` (PyPI, 4.2.11): its semantics differ where these locks depend on them. Its
``FileLock`` sleeps between tries itself and asks a ``cancel_check`` that, when it answers True, ends the
wait with the same ``Timeout`` as a lock held too long, where a worker's wait must end at once in the
run's own ``CancelledError`` (``Session.pause``) and a lock held too long must name its holder; on
``Timeout`` it hands back no descriptor to read the holder's words from, so a waiter would open the file
again to read them; it opens the file with flags of its own (the verify lock is a 0644 file reached
through links, as it always was); and by default, where ``flock`` is missing, it falls back to a lock
file's mere existence, which an older journey holding ``flock`` would not see. Its ``lock_descriptor``
would cover only the leases' block-or-try-once. Some twenty modules of dependency for that weigh more
than these lines.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, TypeAlias

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

#: Seconds between two tries of a :class:`WaitAtMost` wait, unless it says otherwise.
POLL_SECONDS: Final = 0.5
#: The most of a lock file :class:`LockTaken` carries: what a holder writes is one short line.
WRITTEN_MAX_BYTES: Final = 4096


@dataclass(frozen=True)
class Wait:
    """Block in ``flock`` until the lock is free, without bound (use :data:`WAIT`)."""


@dataclass(frozen=True)
class TryOnce:
    """Try once, without blocking (use :data:`TRY_ONCE`)."""


@dataclass(frozen=True)
class WaitAtMost:
    """Try without blocking, ``pause(seconds)`` between tries, for at most ``seconds`` in all.

    ``pause`` is the wait's cancel check: it may raise (``Session.pause`` raises ``CancelledError`` on an
    interrupt), and that ends the wait. ``seconds`` of 0 tries once.
    """

    seconds: float
    pause: Callable[[float], None] = time.sleep
    poll: float = POLL_SECONDS


#: How a lock is waited for.
Mode: TypeAlias = Wait | TryOnce | WaitAtMost

WAIT: Final = Wait()
TRY_ONCE: Final = TryOnce()


class LockTaken(Exception):  # noqa: N818 - it is a state, not a malfunction: callers turn it into their error
    """Another open of the file held the lock for as long as the mode waited.

    ``written`` is what the holder wrote into the file (its first :data:`WRITTEN_MAX_BYTES` bytes), read
    when the wait gave up; each caller names the holder from it in its own words.
    """

    def __init__(self, path: Path, written: bytes) -> None:
        super().__init__(f"{path} is locked by another process")
        self.path = path
        self.written = written


def _try(fd: int) -> bool:
    """Take the lock on ``fd`` if it is free; False if another open of the file holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def acquire(fd: int, mode: Mode) -> bool:
    """Take the exclusive lock on ``fd`` as ``mode`` says; False if it is still taken when the mode gives up.

    The lock lasts until the descriptor is closed (with every duplicate of it). :data:`WAIT` always
    returns True; any error other than "taken" (a file system without ``flock``) is raised.
    """
    match mode:
        case Wait():
            fcntl.flock(fd, fcntl.LOCK_EX)
            return True
        case TryOnce():
            return _try(fd)
        case WaitAtMost(seconds=seconds, pause=pause, poll=poll):
            limit = time.monotonic() + seconds
            while True:
                if _try(fd):
                    return True
                if time.monotonic() >= limit:
                    return False
                pause(min(poll, max(0.0, limit - time.monotonic())))


@contextlib.contextmanager
def held(
    path: Path,
    mode: Mode,
    *,
    stamp: str | None = None,
    permissions: int = 0o600,
    follow_symlinks: bool = False,
) -> Iterator[int]:
    """Hold the lock of ``path`` (made with ``permissions`` if missing) while the ``with`` block runs.

    Raises :class:`LockTaken` with what the holder wrote when ``mode`` gives up. Once held, ``stamp``
    (if given) replaces what the file said, so that the next waiter can name this holder. A link at
    ``path`` is refused (``ELOOP``) unless ``follow_symlinks``. Yields the open descriptor; leaving the
    block closes it, which releases the lock.
    """
    flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | (0 if follow_symlinks else os.O_NOFOLLOW)
    fd = os.open(path, flags, permissions)
    try:
        if not acquire(fd, mode):
            raise LockTaken(path, os.pread(fd, WRITTEN_MAX_BYTES, 0))
        if stamp is not None:
            os.ftruncate(fd, 0)
            os.pwrite(fd, stamp.encode(), 0)
        yield fd
    finally:
        os.close(fd)
