"""The helper images' build lock: this user's, bounded, and naming its holder when a wait gives up."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from journey.core.errors import ExitCode
from journey.engine import sweep
from journey.helpers import tool_image


def test_a_lock_held_too_long_is_the_machines_error_naming_the_holder_and_its_purpose(tmp_path):
    path = tmp_path / "farm-image.lock"
    with tool_image.build_lock(path, purpose="building the farm image journey-tools/farm:abc"):
        started = time.monotonic()
        with (
            pytest.raises(tool_image.LockHeldError) as caught,
            tool_image.build_lock(path, timeout=0.3, purpose="another build"),
        ):
            pass
        assert time.monotonic() - started < 3
    assert caught.value.exit_code == ExitCode.MACHINE
    message = caught.value.message
    assert f"{path} is held by pid {os.getpid()} (building the farm image journey-tools/farm:abc)" in message
    assert "0.3 s" in message
    with tool_image.build_lock(path, timeout=0.3):  # released: the next one gets it at once
        pass


def test_the_lock_file_is_private_and_says_who_holds_it(tmp_path):
    path = tmp_path / "x.lock"
    with tool_image.build_lock(path, purpose="building x"):
        text = path.read_text(encoding="utf-8")
        assert text.startswith(f"{sweep.current()} building x")
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_holder_in_another_process_is_named_and_its_death_frees_the_lock(tmp_path):
    path = tmp_path / "deploy-engine-image.lock"
    code = (
        "import sys, time; from pathlib import Path; from journey.helpers import tool_image\n"
        f"with tool_image.build_lock(Path({str(path)!r}), purpose='building the image'):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(tool_image.LockHeldError, match=rf"pid {holder.pid} \(building the image\)"):
            tool_image.build_lock(path, timeout=0.2).__enter__()
    finally:
        holder.kill()
        holder.wait()
    with tool_image.build_lock(path, timeout=5):
        pass


def test_a_lock_file_that_says_nothing_names_no_one():
    assert tool_image.holder(b"").startswith("a process that did not say")
    assert tool_image.holder(b"  \n").startswith("a process that did not say")
