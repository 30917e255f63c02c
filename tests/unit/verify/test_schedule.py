"""What to verify: a result is a cache keyed by source digest (a trusting verify: test_verify_command.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from journey.model.manifest import all_snippets, discover
from journey.verify import schedule

if TYPE_CHECKING:
    from pathlib import Path

JOURNEY = [sys.executable, "-m", "journey"]
NO_DOCKER = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/journey-schedule.sock"}


@pytest.fixture
def repo(tmp_path: Path, repo_root: Path) -> Path:
    """A copy of the checkout's snippets and results (the site's files are not needed here)."""
    for name in ("snippets", "results"):
        shutil.copytree(repo_root / name, tmp_path / name, symlinks=True)
    return tmp_path


def _journey(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [*JOURNEY, args[0], "--root", str(root), *args[1:]]
    return subprocess.run(argv, env=NO_DOCKER, capture_output=True, text=True, timeout=120, check=False)


def _entry(snippet: str, state: str = "fresh", seconds: float | None = None) -> schedule.Entry:
    timed = "this machine" if seconds is not None else None
    return schedule.Entry(snippet, state, "2026-12-02T10:00:00Z", "26.1.5", seconds, timed)  # type: ignore[arg-type]


def test_a_clone_as_committed_has_nothing_to_verify(repo):
    planned = schedule.entries(repo, all_snippets(discover(repo)))
    assert planned
    assert schedule.to_verify(planned) == []


def test_an_edited_snippet_and_one_without_a_result_are_the_ones_to_verify(repo):
    (repo / "snippets/vol2/logs/snippet.yml").write_text(
        (repo / "snippets/vol2/logs/snippet.yml").read_text() + "\n# edited\n"
    )
    shutil.rmtree(repo / "results/vol1/naive")
    states = {e.snippet: e.state for e in schedule.entries(repo, all_snippets(discover(repo)))}
    assert states["vol2/logs"] == "stale"
    assert states["vol1/naive"] == "missing"
    assert _journey(repo, "plan", "--stale").stdout.split() == ["vol1/naive", "vol2/logs"]


def test_the_summary_line_says_what_was_trusted_from_when_and_what_the_full_proof_costs():
    planned = [_entry("vol1/a", seconds=600), _entry("vol1/b", seconds=300), _entry("vol1/c")]
    line = schedule.summary_line(planned, reverified=1)
    assert line.startswith("2 results reused as recorded (2026-12-02 .. 2026-12-02, Docker Engine 26.1.5); ")
    assert "1 re-verified here" in line
    assert (
        "make verify-all re-proves every snippet (about 15 min on this machine, plus 1 snippet never timed)"
        in line
    )


def test_the_matrix_starts_with_the_slowest_and_the_critical_path_is_it():
    planned = [_entry("vol1/a", seconds=60), _entry("vol3/slow", seconds=900), _entry("vol2/new")]
    assert [e["snippet"] for e in schedule.matrix(planned)] == ["vol2/new", "vol3/slow", "vol1/a"]
    slowest = schedule.critical_path(planned)
    assert slowest is not None
    assert slowest.snippet == "vol3/slow"
    assert "critical path of the fan-out (one job per snippet): vol3/slow, 900 s" in schedule.table(planned)


def test_this_machines_timings_win_over_the_fan_outs(repo):
    schedule.write_durations(repo / "results" / schedule.DURATIONS, {"vol1/naive": 100.0, "vol2/logs": 50.0})
    schedule.write_durations(schedule.durations_paths(repo)[0], {"vol1/naive": 7.04})
    by_id = {e.snippet: e for e in schedule.entries(repo, all_snippets(discover(repo)))}
    assert (by_id["vol1/naive"].seconds, by_id["vol1/naive"].timed) == (7.0, "this machine")
    assert (by_id["vol2/logs"].seconds, by_id["vol2/logs"].timed) == (50.0, "as recorded")
    data = json.loads(_journey(repo, "plan", "--json").stdout)
    assert data["to_verify"] == []
    assert data["untimed"] == sum(e.seconds is None for e in by_id.values())
    assert data["untimed"] < len(by_id) - 1
