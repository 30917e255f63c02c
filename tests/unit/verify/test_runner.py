"""The verify lock: one verify per checkout at a time, a second one refused naming the first.

Running snippets in parallel and stopping them on an interrupt is tests/unit/engine/test_interrupt.py.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from journey.core.errors import ExitCode
from journey.verify.runner import BusyError, verify_lock


def test_second_lock_holder_is_refused_with_the_first_ones_pid(tmp_path):
    with verify_lock(tmp_path), pytest.raises(BusyError) as caught, verify_lock(tmp_path):
        pass
    assert f"(pid {os.getpid()})" in caught.value.message
    assert caught.value.exit_code == ExitCode.USAGE
    with verify_lock(tmp_path):  # released: a later run gets it
        pass


def test_lock_is_refused_across_processes(tmp_path):
    code = (
        "import sys, time; sys.path.insert(0, 'scripts'); from journey.verify.runner import verify_lock\n"
        "from pathlib import Path\n"
        f"with verify_lock(Path({str(tmp_path)!r})):\n    print('held', flush=True); time.sleep(30)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(BusyError):
            verify_lock(tmp_path).__enter__()
    finally:
        holder.kill()
        holder.wait()


def test_a_lock_file_a_killed_run_left_does_not_block_and_names_the_new_holder(tmp_path):
    lock = tmp_path / ".cache" / "verify.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text("4194304\nleft over by a run that was killed\n", encoding="ascii")
    with verify_lock(tmp_path):
        assert lock.read_text(encoding="ascii") == f"{os.getpid()}\n"
