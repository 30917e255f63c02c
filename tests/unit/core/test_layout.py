"""This user's runtime folder and the machine's temporary folder, as layout names them."""

from __future__ import annotations

import os
import tempfile

import pytest

from journey.core import layout
from journey.core.errors import ExitCode, MachineError


def test_the_runtime_folder_is_under_a_private_xdg_runtime_dir(tmp_path, monkeypatch):
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    folder = layout.runtime_dir()
    assert folder == runtime / "journey"
    assert layout.private_folder_problem(folder) is None
    assert layout.lock_path("farm-image") == folder / "farm-image.lock"


def test_without_a_private_runtime_dir_it_is_the_users_own_in_the_temporary_folder(tmp_path, monkeypatch):
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o755)  # open to others: not a runtime folder to trust
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = layout.runtime_dir()
    assert folder == tmp_path / f"journey-{os.geteuid()}"
    assert folder.stat().st_mode & 0o777 == 0o700
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert layout.runtime_dir() == folder


def test_a_runtime_folder_others_may_write_in_is_refused_naming_it(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = tmp_path / f"journey-{os.geteuid()}"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    with pytest.raises(MachineError) as caught:
        layout.runtime_dir()
    assert caught.value.exit_code == ExitCode.MACHINE
    assert str(folder) in caught.value.message
    assert "0777" in caught.value.message


def test_a_runtime_folder_that_is_a_link_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    (tmp_path / f"journey-{os.geteuid()}").symlink_to(target)
    with pytest.raises(MachineError, match="not a folder"):
        layout.runtime_dir()


def test_the_machines_temporary_folder_stays_named_while_a_runs_scratch_stands_in(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    scratch = tmp_path / "journey-run-abcdefgh"
    scratch.mkdir()
    with layout.temp_root(scratch):
        assert tempfile.gettempdir() == str(scratch)
        assert layout.system_tmp() == tmp_path
        inner = tmp_path / "inner"
        inner.mkdir()
        with layout.temp_root(inner):
            assert layout.system_tmp() == tmp_path
        assert tempfile.gettempdir() == str(scratch)
    assert tempfile.gettempdir() == str(tmp_path)
    assert layout.system_tmp() == tmp_path


def test_a_crash_log_outlives_the_runs_scratch_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    scratch = tmp_path / "journey-run-abcdefgh"
    scratch.mkdir()
    with layout.temp_root(scratch):
        log = layout.crash_log("verify", "Traceback: boom\n")
    assert log.parent == tmp_path  # not in the scratch folder, which the run removes at its end
    assert log.name.startswith("journey-verify-crash-")
    assert log.read_text(encoding="utf-8") == "Traceback: boom\n"
