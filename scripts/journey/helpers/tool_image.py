"""Images of the tool's own helpers (the deploy checks' engine, the build farm): named by their recipe.

Each helper image is built on this machine from a small recipe folder (a Dockerfile and its files) on
the debian base, once: its tag carries the digest of the recipe, so an edited recipe is a new image and
an unchanged one is never rebuilt. Two checkouts may want the same image at once; a lock file in this
user's runtime folder (``layout.lock_path``) lets one build it while the other waits, for a bounded
time, after which the error names the holder.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from pathlib import Path
from typing import TYPE_CHECKING

from journey.core import locks
from journey.core.errors import MachineError
from journey.engine import sweep

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

#: Where the recipes are: ``scripts/<name>/``, each a Dockerfile and its entrypoint.
RECIPES = Path(__file__).resolve().parents[2]
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
#: Longest wait for a build lock: a helper image builds in minutes (its build's own limit is 30), so a
#: holder past this is stuck, and the error says which process it is.
LOCK_TIMEOUT = 2400.0


class LockHeldError(MachineError):
    """A lock of this machine stayed held past its bound (exit 8); the message names the holder."""


@contextlib.contextmanager
def build_lock(
    path: Path,
    pause: Callable[[float], None] = time.sleep,
    *,
    timeout: float = LOCK_TIMEOUT,
    purpose: str = "building a helper image",
) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (a file of this user's runtime folder: ``layout.lock_path``).

    Tried without blocking, with ``pause`` between tries (``locks.WaitAtMost``): a worker thread blocked
    in ``flock`` would not see an interrupt (signals reach the main thread only), so a worker passes
    ``Session.pause``. The holder writes who it is and why into the file; after ``timeout`` seconds the
    wait ends with :class:`LockHeldError` saying so. The kernel drops the lock of a process that dies,
    however it dies.
    """
    stamp = f"{sweep.current()} {purpose}\n"
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(locks.held(path, locks.WaitAtMost(timeout, pause, LOCK_POLL), stamp=stamp))
        except locks.LockTaken as taken:
            who = holder(taken.written)
            cause = f"{path} is held by {who} for more than {timeout:g} s; if it is stuck, stop it"
            raise LockHeldError(cause, step="lock") from None
        yield


def holder(written: bytes) -> str:
    """Name the process holding a lock file, from what it wrote there: ``pid 1234 (building …)``."""
    text = written.decode("utf-8", "replace").strip()
    spelt, _, purpose = text.partition(" ")
    owner = sweep.Owner.parse(spelt)
    if owner is None:
        return "a process that did not say who it is (an older journey?)"
    return f"{owner.who} ({purpose})" if purpose else owner.who
