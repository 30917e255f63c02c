"""``journey clean`` (commands.clean): what it says it removed; exit 3 without an engine, 8 with leftovers.

Which leftovers a sweep removes is tests/unit/engine/test_sweep.py's; the engine here is tests/sweeping.py's
stand-in, or none (DOCKER_HOST pointing nowhere).
"""

from __future__ import annotations

import dataclasses

import pytest

from journey.commands import clean
from journey.core.errors import ExitCode
from journey.core.options import CleanOptions
from journey.engine import daemon, sweep
from journey.engine.images import OWNER_LABEL, TOOL_LABEL
from journey.engine.sweep import Swept
from sweeping import Engine, container, ended_owner, marked


def test_journey_clean_says_what_it_removed(machine_tmp, monkeypatch, capsys):
    farm = container("farm", **{OWNER_LABEL: str(ended_owner()), TOOL_LABEL: "build-farm"})
    shared = Engine([farm], [])
    monkeypatch.setattr(daemon, "connect", lambda: shared)
    marked(machine_tmp / "journey-run-dead0000", ended_owner())
    assert clean.run_clean(CleanOptions(machine_tmp, dry_run=True)) == 0
    out = capsys.readouterr().out
    assert "would remove folder" in out
    assert "would remove container farm (build-farm" in out
    assert (machine_tmp / "journey-run-dead0000").is_dir()
    assert clean.run_clean(CleanOptions(machine_tmp)) == 0
    assert "removed folder" in capsys.readouterr().out
    assert not (machine_tmp / "journey-run-dead0000").exists()
    assert clean.run_clean(CleanOptions(machine_tmp)) == 0
    assert "nothing to clean" in capsys.readouterr().out


def test_journey_clean_without_an_engine_sweeps_folders_then_exits_3(machine_tmp, monkeypatch):
    def connect():
        raise daemon.EngineUnavailableError("no Docker engine answers", step="engine")

    monkeypatch.setattr(daemon, "connect", connect)
    marked(machine_tmp / "journey-run-dead0000", ended_owner())
    with pytest.raises(daemon.EngineUnavailableError) as caught:
        clean.run_clean(CleanOptions(machine_tmp))
    assert caught.value.exit_code == 3
    assert "were not looked at" in caught.value.message
    assert not (machine_tmp / "journey-run-dead0000").exists()


def test_without_an_engine_reached_through_docker_host_the_folders_are_still_swept(
    machine_tmp, monkeypatch, capsys
):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/journey-clean-command.sock")
    me = sweep.current()
    marked(machine_tmp / "journey-run-dead0001", dataclasses.replace(me, start=me.start + 1))  # ended
    with pytest.raises(daemon.EngineUnavailableError) as caught:
        clean.run_clean(CleanOptions(machine_tmp, dry_run=True))
    assert caught.value.exit_code == ExitCode.NO_ENGINE
    assert caught.value.message.startswith("clean: no Docker engine answers")
    assert "would remove folder" in capsys.readouterr().out
    assert (machine_tmp / "journey-run-dead0001").is_dir()  # dry: said, not done


def test_what_could_not_be_removed_is_said_on_stderr_and_exits_8(monkeypatch, tmp_path, capsys):
    closed = []
    engine = Engine([], [])
    monkeypatch.setattr(engine, "close", lambda: closed.append(True))
    monkeypatch.setattr(daemon, "connect", lambda: engine)
    swept = Swept(["folder /tmp/a"], ["folder /tmp/b: busy"])
    monkeypatch.setattr(clean, "sweep", lambda _client, **_how: swept)
    assert clean.run_clean(CleanOptions(tmp_path)) == ExitCode.MACHINE
    out, err = capsys.readouterr()
    assert out == "removed folder /tmp/a\n"
    assert err == "journey: clean: could not remove folder /tmp/b: busy\n"
    assert closed == [True]  # the client is closed whatever the sweep found
