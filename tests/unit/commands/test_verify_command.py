"""``journey verify`` (commands.verify) up to the engine: trusting fresh results, refusals, codes, timings.

Everything after ``daemon.connect`` needs the engine (tests/integration/); here DOCKER_HOST points nowhere, so
a run that would reach the engine exits 3, and one that trusts every result needs none at all.
"""

from __future__ import annotations

import json
import tempfile

import pytest

from green import edit
from journey.cli import main
from journey.commands.verify import exit_code, own_seconds
from journey.core import locks
from journey.core.errors import ExitCode, UsageError
from journey.core.layout import cache_dir
from journey.core.progress import Outcome


@pytest.fixture
def no_engine(monkeypatch, tmp_path):
    """DOCKER_HOST names a socket nobody listens on; the sweep at a run's start looks in the test's folder."""
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/journey-verify-command.sock")
    machine_tmp = tmp_path / "machine-tmp"
    machine_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(machine_tmp))


def _results(root):
    return {p: p.read_bytes() for p in sorted((root / "results").rglob("*")) if p.is_file()}


def test_own_time_leaves_out_every_wait_for_others():
    """A ship snippet that waited for the farm took its pushes' time, not the wait (issue 23's 10 minutes)."""
    outcome = Outcome("vol3/provenance", "verified", seconds=1275.0, steps={"ship": 1260.0}, waited=1100.0)
    assert own_seconds(outcome) == 175.0


def test_own_time_is_never_negative():
    assert own_seconds(Outcome("vol1/x", "verified", seconds=1.0, waited=1.5)) == 0.0


def test_a_snippets_own_failure_exits_1_and_nothing_failed_exits_0():
    usage = Outcome("vol1/x", "failed", error=UsageError("bad", snippet="vol1/x", step="manifest"))
    assert exit_code([usage, Outcome("vol1/y", "verified")]) == ExitCode.VERIFICATION_FAILED
    assert exit_code([Outcome("vol1/y", "verified"), Outcome("vol1/z", "unchanged")]) == 0


@pytest.mark.usefixtures("no_engine")
def test_a_trusting_verify_with_nothing_stale_needs_no_engine_and_writes_nothing(green_repo, capsys):
    before = _results(green_repo)
    assert main(["verify", "--root", str(green_repo)]) == ExitCode.OK
    assert "1 results reused as recorded" in capsys.readouterr().err
    assert _results(green_repo) == before


@pytest.mark.usefixtures("no_engine")
def test_json_lists_a_reused_result_as_reused(green_repo, capsys):
    assert main(["verify", "--root", str(green_repo), "--json"]) == ExitCode.OK
    outcomes = json.loads(capsys.readouterr().out)["outcomes"]
    assert [(o["snippet"], o["status"]) for o in outcomes] == [("vol1/hello", "reused")]


@pytest.mark.usefixtures("no_engine")
def test_a_stale_snippet_and_all_ask_for_the_engine_and_say_there_is_none(green_repo, capsys):
    assert main(["verify", "--root", str(green_repo), "--all"]) == ExitCode.NO_ENGINE
    assert "journey: engine: no Docker engine answers" in capsys.readouterr().err
    edit(green_repo / "snippets/vol1/hello/main.go", "hi", "ho")
    before = _results(green_repo)
    assert main(["verify", "--root", str(green_repo)]) == ExitCode.NO_ENGINE
    assert _results(green_repo) == before


@pytest.mark.usefixtures("no_engine")
def test_an_unknown_snippet_is_refused_before_the_engine_is_asked(green_repo, capsys):
    assert main(["verify", "--root", str(green_repo), "--all", "vol1/hello", "no/such"]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "no such snippet or volume: no/such" in err
    assert "engine" not in err


@pytest.mark.usefixtures("no_engine")
def test_a_second_verify_in_the_same_checkout_is_refused_naming_the_first(green_repo, capsys):
    lock = cache_dir(green_repo, "verify.lock")
    lock.parent.mkdir(parents=True)
    with locks.held(lock, locks.TRY_ONCE, stamp="4242\n", permissions=0o644):
        assert main(["verify", "--root", str(green_repo)]) == ExitCode.USAGE
    assert "another `journey verify` (pid 4242) is running in" in capsys.readouterr().err
