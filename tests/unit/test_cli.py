"""The command line's edge: every error becomes a message and a distinct exit code, a crash included."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from journey import cli
from journey.commands import verify


def _raising(exc: BaseException):
    def run(_command: str, _options: object) -> int:
        raise exc

    return run


def test_a_bug_exits_70_with_the_traceback_in_a_named_file(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(cli, "run", _raising(RuntimeError("boom")))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    assert cli.main(["list", "--root", str(tmp_path)]) == cli.ExitCode.INTERNAL == 70
    err = capsys.readouterr().err
    assert "journey: a bug in journey list: RuntimeError: boom" in err
    log = re.search(r"the traceback is in (\S+);", err)
    assert log, err
    text = Path(log.group(1)).read_text(encoding="utf-8")
    assert "Traceback" in text
    assert "RuntimeError: boom" in text


@pytest.mark.parametrize(
    ("exc", "code"),
    [(KeyboardInterrupt(), 130), (cli.UsageError("bad option"), 2)],
    ids=["interrupt", "usage"],
)
def test_the_tools_own_errors_keep_their_codes(monkeypatch, capsys, tmp_path, exc, code):
    monkeypatch.setattr(cli, "run", _raising(exc))
    assert cli.main(["list", "--root", str(tmp_path)]) == code
    assert "a bug in journey" not in capsys.readouterr().err


def test_sigterm_from_the_first_line_of_main_exits_130_not_minus_15(monkeypatch, capsys, tmp_path):
    build = cli.build_parser

    def terminated_while_parsing():
        os.kill(os.getpid(), signal.SIGTERM)  # before any command's own handler exists
        return build()

    monkeypatch.setattr(cli, "build_parser", terminated_while_parsing)
    before = signal.getsignal(signal.SIGTERM)
    assert cli.main(["list", "--root", str(tmp_path)]) == cli.ExitCode.INTERRUPTED
    assert "interrupted" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGTERM) is before  # put back on the way out


def test_a_journey_process_terminated_at_start_exits_130(tmp_path):
    code = (
        "import os, signal, sys\n"
        "from journey import cli\n"
        "build = cli.build_parser\n"
        "cli.build_parser = lambda: (os.kill(os.getpid(), signal.SIGTERM), build())[1]\n"
        f"raise SystemExit(cli.main(['list', '--root', {str(tmp_path)!r}]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 130, done.stderr


def test_journey_clean_takes_a_dry_run(tmp_path):
    args = cli.build_parser().parse_args(["clean", "--root", str(tmp_path), "--dry-run"])
    options = cli.options_for(args)
    assert options.dry_run is True
    assert cli.COMMANDS["clean"][:2] == ("journey.commands.clean", "run_clean")


def test_an_unexpected_exception_in_verify_exits_70_never_1(monkeypatch, capsys, tmp_path):
    def broken(_options: object) -> int:
        raise AttributeError("'NoneType' object has no attribute 'id'")

    monkeypatch.setattr(verify, "run_verify", broken)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    assert cli.main(["verify", "--root", str(tmp_path)]) == cli.ExitCode.INTERNAL
    assert "a bug in journey verify: AttributeError" in capsys.readouterr().err


def test_cli_missing_delegate_is_a_clear_usage_error(green_repo, capsys, monkeypatch):
    monkeypatch.setitem(cli.COMMANDS, "bases", ("journey.no_such_module", "run", "gone"))
    assert cli.main(["bases", "--root", str(green_repo)]) == cli.ExitCode.USAGE
    assert "`journey bases` is not available: cannot import journey.no_such_module" in capsys.readouterr().err
