"""``journey plan`` (commands.plan): each of its five views of the plan, on the small green repository.

What the plan decides (fresh, stale, missing; timings, the matrix's order) is verify/test_schedule.py's.
"""

from __future__ import annotations

import json

import pytest

from green import edit
from journey.cli import main
from journey.commands.plan import run_plan
from journey.core.errors import ExitCode, UsageError
from journey.core.options import PlanOptions


def _plan(capsys: pytest.CaptureFixture[str], options: PlanOptions) -> str:
    assert run_plan(options) == ExitCode.OK
    return capsys.readouterr().out


def test_the_table_has_a_row_per_snippet_and_the_count_to_verify(green_repo, capsys):
    lines = _plan(capsys, PlanOptions(green_repo)).splitlines()
    assert lines[0].split() == ["snippet", "state", "recorded", "engine", "last", "verify"]
    assert lines[1].split()[:4] == ["vol1/hello", "fresh", "2026-11-28", "26.1.5"]
    assert lines[-1].startswith("0 of 1 to verify here")


def test_stale_lists_nothing_until_a_file_changes_then_that_snippet(green_repo, capsys):
    assert _plan(capsys, PlanOptions(green_repo, stale=True)) == ""
    edit(green_repo / "snippets/vol1/hello/main.go", "hi", "ho")
    assert _plan(capsys, PlanOptions(green_repo, stale=True)) == "vol1/hello\n"
    assert "1 of 1 to verify here" in _plan(capsys, PlanOptions(green_repo))


def test_the_matrix_is_one_line_of_json_for_github_actions(green_repo, capsys):
    out = _plan(capsys, PlanOptions(green_repo, matrix=True))
    assert out.count("\n") == 1
    assert json.loads(out) == {"include": [{"snippet": "vol1/hello", "slug": "vol1-hello"}]}


def test_json_says_every_snippets_state_and_what_to_verify(green_repo, capsys):
    data = json.loads(_plan(capsys, PlanOptions(green_repo, json=True)))
    assert [(s["snippet"], s["state"]) for s in data["snippets"]] == [("vol1/hello", "fresh")]
    assert (data["to_verify"], data["untimed"]) == ([], 1)


def test_the_summary_counts_what_this_run_reverified_apart_from_what_it_reused(green_repo, capsys):
    reused = _plan(capsys, PlanOptions(green_repo, summary=True))
    assert reused.startswith("1 results reused as recorded (2026-11-28 .. 2026-11-28, Docker Engine 26.1.5)")
    assert "; 0 re-verified here." in reused
    again = _plan(capsys, PlanOptions(green_repo, summary=True, reverified=1))
    assert again.startswith("0 results reused as recorded")
    assert "; 1 re-verified here." in again


def test_an_unknown_snippet_is_a_usage_error(green_repo, capsys):
    with pytest.raises(UsageError, match="no such snippet or volume: vol1/nosuch"):
        run_plan(PlanOptions(green_repo, ("vol1/nosuch",)))
    assert main(["plan", "--root", str(green_repo), "vol1/nosuch"]) == ExitCode.USAGE
    assert capsys.readouterr().out == ""


def test_two_views_at_once_are_refused_by_the_command_line(green_repo, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["plan", "--root", str(green_repo), "--json", "--stale"])
    assert caught.value.code == ExitCode.USAGE
    assert "not allowed with argument" in capsys.readouterr().err
