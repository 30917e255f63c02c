"""``journey list`` (commands.listing): one line per snippet, or everything recorded as JSON."""

from __future__ import annotations

import json

from green import edit
from journey.cli import main
from journey.commands.listing import run_list
from journey.core.errors import ExitCode
from journey.core.options import ListOptions


def test_cli_list_json_reports_the_recorded_result_and_its_freshness(green_repo, capsys):
    assert main(["list", "--json", "--root", str(green_repo)]) == ExitCode.OK
    (entry,) = json.loads(capsys.readouterr().out)
    assert (entry["snippet"], entry["status"], entry["fresh"]) == ("vol1/hello", "verified", True)
    assert (entry["title"], entry["dir"]) == ("Hello", "snippets/vol1/hello")
    assert entry["result"]["images"][0]["size"] == 7_120_000


def test_a_line_names_the_snippet_its_status_and_the_final_images_sizes(green_repo, capsys):
    assert run_list(ListOptions(green_repo)) == ExitCode.OK
    (line,) = capsys.readouterr().out.splitlines()
    assert line.split()[:2] == ["vol1/hello", "verified"]
    assert line.endswith("7.12 MB (3.01 MB compressed)")
    assert "STALE" not in line


def test_an_edited_snippet_is_listed_stale(green_repo, capsys):
    edit(green_repo / "snippets/vol1/hello/main.go", "hi", "ho")
    assert run_list(ListOptions(green_repo)) == ExitCode.OK
    assert "verified STALE" in capsys.readouterr().out
    assert run_list(ListOptions(green_repo, json=True)) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)[0]["fresh"] is False


def test_a_snippet_without_a_result_is_missing_and_not_called_stale(green_repo, capsys):
    (green_repo / "results/vol1/hello/result.json").unlink()
    assert run_list(ListOptions(green_repo)) == ExitCode.OK
    assert capsys.readouterr().out == "vol1/hello                       missing\n"
    assert run_list(ListOptions(green_repo, json=True)) == ExitCode.OK
    (entry,) = json.loads(capsys.readouterr().out)
    assert (entry["status"], entry["fresh"], entry["result"]) == ("missing", False, None)
