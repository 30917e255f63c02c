"""``journey check`` (commands.check): ok on stderr, each gap on stdout and exit 4, a bad manifest exit 2.

What the check finds is tests/unit/site/test_check.py's; these hold the command's output and exit codes.
"""

from __future__ import annotations

import pytest

from green import edit
from journey.cli import main
from journey.commands.check import run_check
from journey.core.errors import ExitCode, StaleError
from journey.core.options import CheckOptions


def test_a_green_repository_says_ok_on_stderr_and_prints_nothing_on_stdout(green_repo, capsys):
    assert run_check(CheckOptions(green_repo)) == ExitCode.OK
    out, err = capsys.readouterr()
    assert out == ""
    assert err.endswith("journey check: ok\n")


def test_a_gap_raises_with_every_problem_and_never_says_ok(green_repo, capsys):
    edit(green_repo / "snippets/vol1/hello/main.go", "hi", "ho")
    with pytest.raises(StaleError) as caught:
        run_check(CheckOptions(green_repo))
    assert caught.value.exit_code == ExitCode.STALE
    assert any("vol1/hello: stale result" in problem for problem in caught.value.problems)
    assert "journey check: ok" not in capsys.readouterr().err


def test_cli_check_exit_codes_and_messages(green_repo, capsys):
    repo = green_repo
    assert main(["check", "--root", str(repo)]) == ExitCode.OK
    edit(repo / "snippets/vol1/hello/main.go", "hi", "ho")
    assert main(["check", "--root", str(repo)]) == ExitCode.STALE
    out, err = capsys.readouterr()
    assert "vol1/hello: stale result" in out
    assert "docs/downloads/vol1/hello/main.go:1: download differs" in out  # the file and its zip
    assert "journey: check: 3 gaps found" in err


def test_cli_manifest_error_is_exit_2(green_repo, capsys):
    repo = green_repo
    edit(repo / "snippets/vol1/hello/snippet.yml", "title: Hello", "titel: Hello")
    assert main(["check", "--root", str(repo)]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.startswith("journey: vol1/hello: manifest: ")
    assert "snippets/vol1/hello/snippet.yml: " in err
    assert "'title' is a required property" in err or "'titel' was unexpected" in err
