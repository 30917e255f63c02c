"""The one file-lock helper: three ways to wait, the holder's words on a refusal, and the kernel's release."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from journey.core import locks

SCRIPTS = Path(__file__).resolve().parents[3] / "scripts"


def _holder(path: Path, stamp: str) -> subprocess.Popen[str]:
    """Start a process holding ``path``'s lock (with ``stamp`` in it) until killed; return once it holds."""
    code = (
        f"import sys, time; sys.path.insert(0, {str(SCRIPTS)!r}); from pathlib import Path\n"
        "from journey.core import locks\n"
        f"with locks.held(Path({str(path)!r}), locks.TRY_ONCE, stamp={stamp!r}):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    return proc


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.wait()


def test_a_lock_another_process_holds_is_refused_at_once_with_what_it_wrote(tmp_path):
    path = tmp_path / "x.lock"
    holder = _holder(path, f"{os.getpid()} holding x\n")
    try:
        started = time.monotonic()
        with pytest.raises(locks.LockTaken) as caught, locks.held(path, locks.TRY_ONCE, stamp="me\n"):
            pytest.fail("the lock was held by the other process")
        assert time.monotonic() - started < 5
        assert caught.value.written == f"{os.getpid()} holding x\n".encode()
        assert caught.value.path == path
        assert path.read_text(encoding="utf-8") == f"{os.getpid()} holding x\n"  # the loser wrote nothing
    finally:
        _stop(holder)


def test_the_kernel_frees_the_lock_of_a_killed_holder(tmp_path):
    path = tmp_path / "x.lock"
    _stop(_holder(path, "1 killed\n"))
    with locks.held(path, locks.TRY_ONCE, stamp="2 next\n"):
        assert path.read_text(encoding="utf-8") == "2 next\n"  # the stamp replaces what was there


def test_a_bounded_wait_pauses_between_tries_and_gives_up_at_its_bound(tmp_path):
    path = tmp_path / "x.lock"
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        time.sleep(seconds)

    with locks.held(path, locks.TRY_ONCE, stamp="first\n"):
        started = time.monotonic()
        with pytest.raises(locks.LockTaken) as caught:
            locks.held(path, locks.WaitAtMost(0.3, pause, poll=0.05)).__enter__()
        waited = time.monotonic() - started
    assert 0.3 <= waited < 5
    assert len(pauses) >= 3
    assert all(0 <= p <= 0.05 for p in pauses)
    assert caught.value.written == b"first\n"


def test_a_bounded_wait_of_zero_tries_once(tmp_path):
    path = tmp_path / "x.lock"
    with locks.held(path, locks.WAIT), pytest.raises(locks.LockTaken):
        locks.held(path, locks.WaitAtMost(0.0, lambda _: pytest.fail("paused")), stamp="x").__enter__()


def test_a_bounded_wait_gets_the_lock_once_its_holder_lets_go(tmp_path):
    path = tmp_path / "x.lock"
    holder = _holder(path, "1 briefly\n")
    timer = threading.Timer(0.3, _stop, [holder])
    started = time.monotonic()
    timer.start()
    try:
        with locks.held(path, locks.WaitAtMost(10.0, poll=0.05), stamp="2 after\n"):
            assert time.monotonic() - started >= 0.3  # got only once the holder was killed
            assert path.read_text(encoding="utf-8") == "2 after\n"
    finally:
        timer.cancel()
        timer.join()
        _stop(holder)


def test_a_pause_that_raises_cancels_the_wait(tmp_path):
    path = tmp_path / "x.lock"

    class CancelledError(Exception):
        pass

    def pause(_: float) -> None:
        raise CancelledError

    with locks.held(path, locks.WAIT), pytest.raises(CancelledError):
        locks.held(path, locks.WaitAtMost(10.0, pause)).__enter__()


def test_an_unbounded_wait_blocks_until_the_holder_lets_go(tmp_path):
    path = tmp_path / "x.lock"
    got = threading.Event()

    def waiter() -> None:
        with locks.held(path, locks.WAIT):
            got.set()

    with locks.held(path, locks.WAIT):
        thread = threading.Thread(target=waiter)
        thread.start()
        assert not got.wait(0.3)  # a second open of the file waits, even in this process
    assert got.wait(5)
    thread.join(5)


def test_acquire_on_a_callers_descriptor_answers_whether_it_is_held(tmp_path):
    path = tmp_path / "lease"
    path.write_text("x", encoding="utf-8")
    first = os.open(path, os.O_RDONLY)
    second = os.open(path, os.O_RDONLY)
    try:
        assert locks.acquire(first, locks.TRY_ONCE)
        assert not locks.acquire(second, locks.TRY_ONCE)
        assert not locks.acquire(second, locks.WaitAtMost(0.1, poll=0.02))
        os.close(first)  # closing the descriptor releases its lock
        first = -1
        assert locks.acquire(second, locks.TRY_ONCE)
    finally:
        for fd in (first, second):
            if fd >= 0:
                os.close(fd)


def test_a_new_lock_file_has_the_permissions_asked_and_a_link_is_refused_unless_followed(tmp_path):
    private = tmp_path / "private.lock"
    with locks.held(private, locks.TRY_ONCE):
        pass
    assert private.stat().st_mode & 0o777 == 0o600
    shared = tmp_path / "shared.lock"
    with locks.held(shared, locks.TRY_ONCE, permissions=0o644):
        pass
    assert shared.stat().st_mode & 0o777 == 0o644 & ~_umask()
    link = tmp_path / "link.lock"
    link.symlink_to(private)
    with pytest.raises(OSError, match="Too many levels of symbolic links"), locks.held(link, locks.TRY_ONCE):
        pass
    with locks.held(link, locks.TRY_ONCE, follow_symlinks=True, stamp="through the link\n"):
        pass
    assert private.read_text(encoding="utf-8") == "through the link\n"


def test_leaving_the_block_releases_the_lock_even_on_an_error(tmp_path):
    path = tmp_path / "x.lock"
    with pytest.raises(RuntimeError), locks.held(path, locks.TRY_ONCE):
        raise RuntimeError
    with locks.held(path, locks.TRY_ONCE):
        pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
