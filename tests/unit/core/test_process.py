"""The one runner of child processes: subprocess's behaviour, a stated bound, and the rule: the only one."""

from __future__ import annotations

import ast
import os
import re
import sys
import time
from pathlib import Path

import pytest

from journey.core import process
from journey.core.errors import VerificationError
from journey.engine.session import Session, kill_group

TOOL = Path(__file__).resolve().parents[3] / "scripts" / "journey"
RUNNER = TOOL / "core" / "process.py"
PY = sys.executable


def test_run_captures_stdout_and_stderr_as_text_or_bytes():
    code = "import sys; print('out'); print('err', file=sys.stderr)"
    text = process.run([PY, "-c", code], timeout=30, capture_output=True, text=True)
    assert (text.returncode, text.stdout, text.stderr) == (0, "out\n", "err\n")
    raw = process.run([PY, "-c", code], timeout=30, capture_output=True)
    assert (raw.stdout, raw.stderr) == (b"out\n", b"err\n")


def test_run_passes_input_env_and_cwd_on(tmp_path):
    code = "import os, sys; print(sys.stdin.read(), os.environ['JOURNEY_T'], os.getcwd())"
    env = {**os.environ, "JOURNEY_T": "seen"}
    done = process.run(
        [PY, "-c", code], timeout=30, input="fed", env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.stdout.split() == ["fed", "seen", str(tmp_path)]


def test_a_failing_command_with_check_raises_the_typed_error_naming_the_command():
    argv = [PY, "-c", "import sys; sys.stderr.write('broken'); sys.exit(3)"]
    with pytest.raises(process.CalledProcessError) as caught:
        process.run(argv, timeout=30, check=True, capture_output=True, text=True)
    assert caught.value.returncode == 3
    assert caught.value.stderr == "broken"
    assert "sys.exit(3)" in str(caught.value)
    assert "returned non-zero exit status 3" in str(caught.value)


def test_without_check_a_failure_is_only_its_exit_code():
    assert process.run([PY, "-c", "raise SystemExit(4)"], timeout=30).returncode == 4


def test_a_program_that_does_not_exist_is_an_oserror():
    with pytest.raises(FileNotFoundError):
        process.run(["journey-no-such-program"], timeout=30)


def test_a_child_that_hangs_past_its_timeout_is_killed_and_timeoutexpired_raised():
    began = time.monotonic()
    with pytest.raises(process.TimeoutExpired) as caught:
        process.run([PY, "-c", "import time; time.sleep(60)"], timeout=0.5, capture_output=True)
    assert time.monotonic() - began < 10
    assert caught.value.timeout == 0.5
    assert issubclass(process.TimeoutExpired, process.SubprocessError)


def test_no_timeout_is_stated_and_lets_the_child_finish():
    done = process.run([PY, "-c", "import time; time.sleep(0.3)"], timeout=None)
    assert done.returncode == 0


def test_start_hands_back_a_running_child_with_bytes_pipes():
    child = process.start([PY, "-c", "print(input())"], stdin=process.PIPE, stdout=process.PIPE)
    out, _ = child.communicate(b"ping", timeout=30)
    assert (child.returncode, out) == (0, b"ping\n")


def test_start_text_decodes_with_the_errors_asked_for():
    code = "import sys; sys.stdout.buffer.write(b'ok \\xff')"
    child = process.start_text([PY, "-c", code], stdout=process.PIPE, errors="replace")
    out, _ = child.communicate(timeout=30)
    assert out == "ok \ufffd"


def test_a_server_started_in_its_own_session_is_stopped_by_its_group():
    child = process.start([PY, "-c", "import time; time.sleep(60)"], start_new_session=True)
    assert os.getpgid(child.pid) == child.pid
    kill_group(child, grace=2)
    assert child.returncode is not None


def test_the_sessions_watchdog_starts_its_child_through_the_runner_and_stops_it_when_hung(monkeypatch):
    started: list[list[str]] = []
    real = process.start_text

    def recording(argv, **kwargs):
        started.append(list(argv))
        return real(argv, **kwargs)

    monkeypatch.setattr(process, "start_text", recording)
    argv = [PY, "-c", "import time; time.sleep(60)"]
    with pytest.raises(VerificationError, match="hung: no output and no CPU progress for 1 s"):
        Session(None).run_process(argv, what=VerificationError("", snippet="vol1/x", step="build"), idle=1)
    assert started == [argv]


# --- the rule: the runner is the only module of the tool that touches subprocess -------------------------


def _imports_subprocess(source: str) -> list[int]:
    """Lines of ``source`` that import ``subprocess`` (or a name from it), however the import is spelt."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            named = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            named = [node.module or ""]
        elif isinstance(node, ast.Constant):  # importlib.import_module("subprocess"), __import__(...)
            named = [node.value] if isinstance(node.value, str) else []
        else:
            continue
        if any(name.split(".")[0] == "subprocess" for name in named):
            lines.append(node.lineno)
    return lines


def test_no_module_of_the_tool_but_the_runner_imports_or_names_subprocess():
    # The rule, checked: `grep -rn "subprocess\." scripts/journey` finds only the runner.
    sources = sorted(TOOL.rglob("*.py"))
    assert RUNNER in sources
    bad = [
        f"{path.relative_to(TOOL)}:{line}"
        for path in sources
        if path != RUNNER
        for line in _imports_subprocess(path.read_text(encoding="utf-8"))
    ]
    bad += [
        f"{path.relative_to(TOOL)}:{number}: {text.strip()}"
        for path in sources
        if path != RUNNER
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"subprocess\.", text)
    ]
    assert not bad, "only journey.core.process runs child processes; use it instead:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("import subprocess", True),
        ("import subprocess as sp", True),
        ("from subprocess import run", True),
        ("import importlib\nimportlib.import_module('subprocess')", True),
        ("from journey.core import process", False),
        ("x = 'a subprocess of its own'", False),
    ],
)
def test_the_rule_sees_every_spelling_of_the_import(source, found):
    assert bool(_imports_subprocess(source)) is found
