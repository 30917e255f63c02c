"""Exit codes are written once (errors.MEANINGS): every --help prints them, ARCHITECTURE.md says the same."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from journey import cli
from journey.commands import verify
from journey.core import layout
from journey.core.errors import (
    MEANINGS,
    ExitCode,
    InternalError,
    MachineError,
    VerificationError,
    worst,
)
from journey.core.progress import Outcome
from journey.engine.session import Session
from journey.helpers import deploy_engine, farm, modproxy, tool_image
from journey.verify import pipeline
from trees import REPO


def _table(path: str, heading: str) -> list[str]:
    """Return the rows of the exit code table that follows ``heading`` (its first row after it)."""
    text = (REPO / path).read_text(encoding="utf-8").split(heading, 1)[1]
    rows = []
    for line in text.splitlines()[1:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows[1:]  # past the | --- | row


def test_every_exit_code_has_one_meaning():
    assert set(MEANINGS) == set(ExitCode)
    assert len({int(code) for code in ExitCode}) == len(ExitCode)


@pytest.mark.parametrize(
    ("path", "heading"),
    [("ARCHITECTURE.md", "| code | meaning |"), ("docs/contributing.md", "| exit code | meaning |")],
)
def test_the_written_tables_say_what_errors_says_word_for_word(path, heading):
    expected = [f"| {int(code)} | {MEANINGS[code]} |" for code in ExitCode]
    assert _table(path, heading) == expected


@pytest.mark.parametrize("command", [None, *cli.COMMANDS])
def test_every_help_lists_every_exit_code(command, capsys):
    argv = ["--help"] if command is None else [command, "--help"]
    with pytest.raises(SystemExit) as caught:
        cli.build_parser().parse_args(argv)
    assert caught.value.code == 0
    listed = capsys.readouterr().out.split("exit codes:", 1)[1]
    codes = [int(code) for code in re.findall(r"^  (\d+) ", listed, flags=re.MULTILINE)]
    assert codes == [int(code) for code in ExitCode]
    flat = " ".join(listed.split())
    for code in ExitCode:
        assert MEANINGS[code].replace("`", "") in flat


@pytest.mark.parametrize(
    "error",
    [
        farm.FarmError("the farm's container exited", step="farm"),
        modproxy.ModProxyError("port 12601 is held by pid 1", step="modproxy"),
        deploy_engine.DeployEngineError(
            "the private engine exited (1)", snippet="vol1/deploy", step="check push"
        ),
        tool_image.LockHeldError("farm-image.lock is held by pid 1", step="lock"),
    ],
    ids=["farm", "modproxy", "deploy-engine", "lock"],
)
def test_the_machines_failures_exit_8_not_the_snippets_1(error):
    assert isinstance(error, MachineError)
    assert error.exit_code == ExitCode.MACHINE == 8


def test_a_private_engine_failure_is_still_the_checks_verification_error_with_its_log():
    error = deploy_engine.DeployEngineError("exited", snippet="vol1/deploy", step="check push", log_tail="x")
    assert isinstance(error, VerificationError)
    assert error.log_tail == "x"
    assert error.message == "vol1/deploy: check push: exited"


def test_a_bug_met_in_a_worker_keeps_its_exception_and_exits_70():
    original = KeyError("boom")
    error = InternalError(original, snippet="vol1/x", step="measure")
    assert error.original is original
    assert error.exit_code == ExitCode.INTERNAL
    assert error.message == "vol1/x: measure: a bug in journey: KeyError: 'boom'"


@pytest.mark.parametrize(
    ("codes", "code"),
    [
        ([], 0),
        ([0, 0], 0),
        ([1, 1], 1),
        ([1, 8], 8),
        ([8, 1, 70], 70),
        ([1, 5], 5),
    ],
)
def test_a_bug_wins_then_the_machine_then_the_highest(codes, code):
    assert worst(codes) == code


def _broken_verify(exc: Exception):
    def _verify(_ctx: object, _item: object, _step: object) -> tuple[str, bool, str | None]:
        raise exc

    return _verify


def test_a_bug_in_a_worker_fails_its_snippet_with_a_crash_log_and_the_run_exits_70(monkeypatch, tmp_path):
    monkeypatch.setattr(pipeline, "_verify", _broken_verify(KeyError("boom")))
    monkeypatch.setattr(layout, "system_tmp", lambda: tmp_path)
    item = SimpleNamespace(snippet=SimpleNamespace(id="vol1/x"))
    outcome = pipeline.verify_snippet(SimpleNamespace(session=Session(client=None)), item)
    assert outcome.status == "failed"
    assert isinstance(outcome.error, InternalError)
    assert outcome.error.message.startswith("vol1/x: start: a bug in journey: KeyError: 'boom'")
    logs = list(tmp_path.glob("journey-verify-crash-*.log"))
    assert len(logs) == 1
    assert str(logs[0]) in outcome.error.message
    assert "KeyError: 'boom'" in logs[0].read_text(encoding="utf-8")
    failed = Outcome("vol1/y", "failed", error=VerificationError("no", snippet="vol1/y", step="build"))
    assert verify.exit_code([failed, outcome]) == ExitCode.INTERNAL


def test_the_machines_failure_in_a_worker_keeps_exit_8_and_gets_its_snippets_name(monkeypatch):
    monkeypatch.setattr(pipeline, "_verify", _broken_verify(modproxy.ModProxyError("port held")))
    item = SimpleNamespace(snippet=SimpleNamespace(id="vol1/x"))
    outcome = pipeline.verify_snippet(SimpleNamespace(session=Session(client=None)), item)
    assert isinstance(outcome.error, MachineError)
    assert outcome.error.message == "vol1/x: start: port held"
    failed = Outcome("vol1/y", "failed", error=VerificationError("no", snippet="vol1/y", step="build"))
    assert verify.exit_code([failed, outcome]) == ExitCode.MACHINE
