"""Unit tests of the verifier's engine-side pieces that need no engine: argv, causes, time, locks."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from journey.core.errors import ExitCode, JourneyError, VerificationError
from journey.core.progress import Outcome, _done_line
from journey.engine.build import BuildRequest, _cause, buildx_argv
from journey.engine.measure import _history_from_sizes, gzip_size
from journey.engine.session import Deadline, Session, group_cpu_seconds, tail
from journey.verify.checks import tool_env
from journey.verify.runner import BusyError, verify_lock
from journey.verify.tools import TOOLS


def test_buildx_argv_loads_names_a_temp_tag_and_uses_the_host_network():
    request = BuildRequest(
        "vol1/x", Path("/ctx"), Path("/ctx/Dockerfile"), "vol1-x", "builder", {"B": "2", "A": "1"}
    )
    argv = buildx_argv(request, "journey-run/vol1-x:abc", Path("/tmp/m.json"))
    assert argv[:3] == ["docker", "buildx", "build"]
    assert {"--load", "--network=host"} <= set(argv)
    assert argv[argv.index("--tag") + 1] == "journey-run/vol1-x:abc"
    assert argv[argv.index("--target") + 1] == "builder"
    assert argv[argv.index("--metadata-file") + 1] == "/tmp/m.json"
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "--build-arg"] == ["A=1", "B=2"]
    assert argv[-1] == "/ctx"
    assert request.step == "build --target builder"


def test_build_cause_is_buildkits_error_line():
    log = "#5 [2/2] RUN false\n#5 ERROR: process did not complete\n------\n"
    log += "ERROR: failed to solve: exit code: 1\n"
    assert _cause(log) == "failed to solve: exit code: 1"
    assert _cause("just one line\n") == "just one line"
    assert _cause("") == "no output"


def test_tail_keeps_the_last_lines():
    assert tail("\n".join(str(i) for i in range(100)), 3) == "97\n98\n99"


def test_deadline_counts_down_and_never_goes_negative():
    deadline = Deadline(0.05)
    assert 0 < deadline.remaining() <= 0.05
    assert not deadline.expired()
    deadline.start -= 1
    assert deadline.remaining() == 0
    assert deadline.expired()


def test_run_process_kills_a_child_that_outlives_its_deadline():
    session = Session(client=None)
    what = VerificationError("", snippet="vol1/x", step="check go-test")
    with pytest.raises(VerificationError) as caught:
        session.run_process(
            [sys.executable, "-c", "print('started', flush=True); import time; time.sleep(60)"],
            deadline=Deadline(1),
            what=what,
        )
    assert caught.value.message == "vol1/x: check go-test: timed out after 1 s (per-snippet --timeout)"
    assert "started" in caught.value.log_tail


def test_run_process_returns_code_and_merged_output():
    session = Session(client=None)
    what = VerificationError("", snippet="vol1/x", step="check")
    result = session.run_process(
        [sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"],
        deadline=Deadline(30),
        what=what,
    )
    assert result.returncode == 3
    assert "out" in result.output
    assert "err" in result.output


def test_cancelled_session_refuses_new_children():
    session = Session(client=None)
    session.cancel()
    with pytest.raises(JourneyError) as caught:
        session.run_process(["true"], deadline=Deadline(5), what=VerificationError("", snippet="vol1/x"))
    assert caught.value.exit_code == ExitCode.INTERRUPTED


def test_gzip_size_is_the_length_of_a_real_gzip_stream():
    data = b"golang journey " * 100_000 + os.urandom(50_000)
    expected = len(gzip.compress(data, compresslevel=6, mtime=0))
    assert abs(gzip_size(io.BytesIO(data)) - expected) <= 16  # header fields only
    assert gzip_size(io.BytesIO(data)) < len(data)


def test_history_from_sizes_refuses_to_guess_when_a_layer_is_empty():
    api = [{"Size": 100, "CreatedBy": "a"}, {"Size": 0, "CreatedBy": "ENV x"}, {"Size": 5, "CreatedBy": "b"}]
    assert _history_from_sizes(api, 2) == [api[0], api[2]]
    assert _history_from_sizes(api, 3) is None


def test_second_lock_holder_is_refused_with_the_first_ones_pid(tmp_path):
    with verify_lock(tmp_path), pytest.raises(BusyError) as caught, verify_lock(tmp_path):
        pass
    assert f"(pid {os.getpid()})" in caught.value.message
    assert caught.value.exit_code == ExitCode.USAGE
    with verify_lock(tmp_path):  # released: a later run gets it
        pass


def test_lock_is_refused_across_processes(tmp_path):
    code = (
        "import sys, time; sys.path.insert(0, 'scripts'); from journey.verify.runner import verify_lock\n"
        "from pathlib import Path\n"
        f"with verify_lock(Path({str(tmp_path)!r})):\n    print('held', flush=True); time.sleep(30)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(BusyError):
            verify_lock(tmp_path).__enter__()
    finally:
        holder.kill()
        holder.wait()


def test_check_table_holds_every_tool_including_other_modules():
    linters = {"hadolint", "shellcheck", "yamllint", "jsonschema", "actionlint"}
    assert set(TOOLS) == {*linters, "go-vet", "go-test", "deploy-e2e", "govulncheck"}


def test_go_tools_use_the_checkouts_module_cache_and_the_local_toolchain(tmp_path):
    env = tool_env(tmp_path)
    assert env["GOMODCACHE"] == str(tmp_path / ".cache" / "gomod")
    assert env["GOTOOLCHAIN"] == "local"
    assert "-modcacherw" in env["GOFLAGS"]
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)


def test_done_lines_name_snippet_step_and_cause():
    error = VerificationError("docker buildx build exited 1: boom", snippet="vol1/x", step="build")
    assert (
        _done_line(Outcome("vol1/x", "failed", error=error))
        == "FAILED vol1/x: build: docker buildx build exited 1: boom"
    )
    assert _done_line(Outcome("vol1/y", "not-verified", reason="no base")) == "vol1/y: NOT VERIFIED: no base"
    assert (
        _done_line(Outcome("vol1/z", "verified", changed=True, seconds=2.0))
        == "vol1/z: verified (result rewritten, 2.0 s)"
    )


def test_run_process_stops_a_silent_idle_child_as_hung():
    session = Session(client=None)
    what = VerificationError("", snippet="vol1/x", step="build")
    with pytest.raises(VerificationError) as caught:
        session.run_process(
            [sys.executable, "-c", "print('started', flush=True); import time; time.sleep(60)"],
            idle=1,
            what=what,
        )
    assert caught.value.message == (
        "vol1/x: build: hung: no output and no CPU progress for 1 s (--idle-timeout); stopped"
    )
    assert "started" in caught.value.log_tail


def test_run_process_lets_a_silent_child_that_computes_outlive_the_idle_limit():
    # A compiler prints nothing for minutes but burns CPU: slow, not hung.
    session = Session(client=None)
    busy = "import time\nend = time.monotonic() + 3\nwhile time.monotonic() < end: pass\nprint('done')"
    result = session.run_process(
        [sys.executable, "-c", busy], idle=1, what=VerificationError("", snippet="x")
    )
    assert result.returncode == 0
    assert result.output == "done\n"
    assert result.seconds >= 3


def test_run_process_lets_a_child_that_keeps_printing_outlive_the_idle_limit():
    session = Session(client=None)
    chatty = "import time\nfor i in range(6):\n    print(i, flush=True); time.sleep(0.5)"
    result = session.run_process(
        [sys.executable, "-c", chatty], idle=1, what=VerificationError("", snippet="x")
    )
    assert result.output.split() == ["0", "1", "2", "3", "4", "5"]


def test_group_cpu_seconds_counts_the_children_of_a_process_group():
    proc = subprocess.Popen(
        [sys.executable, "-c", "import time\nend = time.monotonic() + 1\nwhile time.monotonic() < end: pass"],
        start_new_session=True,
    )
    proc.wait()
    assert group_cpu_seconds(os.getpgid(0)) > 0.5  # ours, with the reaped child's second of CPU
