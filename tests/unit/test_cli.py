"""The command line's edge: every error becomes a message and a distinct exit code, a crash included."""

from __future__ import annotations

import importlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from journey import cli
from journey.commands import verify
from journey.core import options as opts
from journey.core.errors import StaleError, VerificationError
from journey.core.options import VerifyOptions


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


# --- flags become options: every cross-check is in options_for ------------------------------------------


def _options(argv: list[str]) -> VerifyOptions:
    options = cli.options_for(cli.build_parser().parse_args(argv))
    assert isinstance(options, VerifyOptions)
    return options


def test_verify_no_cache_option_is_parsed(tmp_path: Path) -> None:
    options = _options(["verify", "--root", str(tmp_path), "--force", "--no-cache", "vol1/multistage"])
    assert options.no_cache
    assert options.force
    assert options.ids == ("vol1/multistage",)
    assert options.root == tmp_path.resolve()


def test_verify_without_no_cache_keeps_the_cache(tmp_path: Path) -> None:
    assert not _options(["verify", "--root", str(tmp_path)]).no_cache


def test_no_cache_without_force_is_refused_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(cli.UsageError, match="add --force"):
        _options(["verify", "--root", str(tmp_path), "--no-cache"])


def test_builder_flag_reaches_the_options(tmp_path: Path) -> None:
    assert _options(["verify", "--root", str(tmp_path), "--builder", "farm"]).builder == "farm"
    assert _options(["verify", "--root", str(tmp_path)]).builder is None


@pytest.mark.parametrize(
    "argv",
    [["verify", "--report", "x"], ["verify", "--all", "--cache", "type=gha"], ["plan", "--reverified", "3"]],
    ids=["report-without-all", "cache-without-builder", "reverified-without-summary"],
)
def test_report_cache_and_reverified_need_their_companions(argv, tmp_path, capsys):
    assert cli.main([*argv[:1], "--root", str(tmp_path), *argv[1:]]) == cli.ExitCode.USAGE
    assert capsys.readouterr().err.startswith("journey: --")


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_counts_and_seconds_must_be_whole_numbers_of_at_least_one(value, tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        cli.build_parser().parse_args(["verify", "--root", str(tmp_path), "--jobs", value])
    assert caught.value.code == cli.ExitCode.USAGE
    assert f"{value!r} is not a whole number of at least 1" in capsys.readouterr().err


def test_verify_options_carry_every_flag(tmp_path):
    argv = [
        "verify",
        "--root",
        str(tmp_path),
        "--all",
        "--report",
        "rep",
        "-j",
        "3",
        "--timeout",
        "7",
        "vol1",
    ]
    options = _options(argv)
    assert (options.all, options.jobs, options.timeout, options.ids) == (True, 3, 7, ("vol1",))
    assert options.report == Path("rep").resolve()
    assert not options.trusting


def test_bases_record_only_when_every_snippet_is_asked_for(tmp_path):
    def options(*argv: str) -> opts.BasesOptions:
        made = cli.options_for(cli.build_parser().parse_args(["bases", "--root", str(tmp_path), *argv]))
        assert isinstance(made, opts.BasesOptions)
        return made

    assert options().record
    assert not options("--no-record").record
    assert not options("vol1/multistage").record  # a partial run would drop other bases from the page
    assert options("--rebuild", "a:1", "--rebuild", "b:2").rebuild == ("a:1", "b:2")


def test_merge_parts_must_be_folders_and_are_resolved(tmp_path):
    (tmp_path / "part").mkdir()
    args = ["merge", "--root", str(tmp_path), str(tmp_path / "part"), "--report", str(tmp_path / "r")]
    options = cli.options_for(cli.build_parser().parse_args(args))
    assert options.parts == (tmp_path / "part",)
    assert options.report == tmp_path / "r"
    with pytest.raises(cli.UsageError, match=r"no such part folder: .*gone"):
        cli.options_for(
            cli.build_parser().parse_args(["merge", "--root", str(tmp_path), str(tmp_path / "gone")])
        )


def test_every_command_names_a_module_and_function_that_exist():
    for command, (module, function, text) in cli.COMMANDS.items():
        assert callable(getattr(importlib.import_module(module), function)), command
        assert text


# --- errors said the way a reader can act on them ----------------------------------------------------------


def test_a_stale_errors_problems_go_to_stdout_and_its_message_to_stderr(capsys):
    cli.report(StaleError("check: 2 gaps found", problems=("a.md:1: x", "b.md:2: y")))
    out, err = capsys.readouterr()
    assert out == "a.md:1: x\nb.md:2: y\n"
    assert err == "journey: check: check: 2 gaps found\n"


def test_a_failed_snippets_log_tail_is_indented_under_its_message(capsys):
    cli.report(VerificationError("exit 1", snippet="vol1/x", step="build", log_tail="line 1\nline 2"))
    assert capsys.readouterr().err == "journey: vol1/x: build: exit 1\n    line 1\n    line 2\n"
