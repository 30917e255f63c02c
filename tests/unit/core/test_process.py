"""The one runner of child processes: subprocess's behaviour, a stated bound, and the rule: the only one."""

from __future__ import annotations

import os
import sys
import time

import pytest

from journey.core import process
from journey.core.errors import VerificationError
from journey.engine.session import Session, kill_group

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
