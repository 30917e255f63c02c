"""The run's session without an engine: the one child-process runner, its deadline and hang watchdog, tails.

Cancelling a session's waits and its containers on an interrupt is tests/unit/engine/test_interrupt.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import docker.errors
import pytest

from journey.core.errors import ExitCode, JourneyError, VerificationError
from journey.engine import session as session_module
from journey.engine.session import Deadline, Session, _remove, group_cpu_seconds, tail


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


def test_a_short_log_is_kept_whole_and_trailing_blank_lines_do_not_count():
    assert tail("one\ntwo\n\n\n") == "one\ntwo"
    assert tail("") == ""
    assert tail("\n".join(str(i) for i in range(30))).splitlines()[0] == "5"  # 25 lines by default


@pytest.mark.parametrize(
    ("name", "text", "seconds"),
    [
        ("cpuacct.usage", "2500000000\n", 2.5),  # cgroup v1: nanoseconds
        ("cpu.stat", "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n", 1.5),  # v2: microseconds
        ("cpu.stat", "user_usec 1000000\n", None),  # no total: nothing to read
    ],
)
def test_the_engines_build_cpu_is_read_from_its_cgroup_v1_or_v2_counter(
    monkeypatch, tmp_path, name, text, seconds
):
    counter = tmp_path / "docker" / "buildkit" / name
    counter.parent.mkdir(parents=True)
    counter.write_text(text, encoding="ascii")
    monkeypatch.setattr(
        session_module, "ENGINE_BUILD_CGROUPS", (str(tmp_path / "absent" / name), str(counter))
    )
    assert session_module.engine_build_cpu_seconds() == seconds


def test_no_cgroup_to_read_means_unknown_not_zero(monkeypatch, tmp_path):
    monkeypatch.setattr(session_module, "ENGINE_BUILD_CGROUPS", (str(tmp_path / "cpu.stat"),))
    assert session_module.engine_build_cpu_seconds() is None


def test_a_removal_of_something_already_gone_is_fine_and_any_other_failure_is_reported():
    problems: list[str] = []

    def gone() -> None:
        raise docker.errors.NotFound("no such container")

    def refused() -> None:
        raise docker.errors.APIError("conflict: in use")

    _remove(problems, "container abc", gone)
    _remove(problems, "image def", refused)
    _remove(problems, "network ghi", lambda: None)
    assert problems == ["image def: conflict: in use"]


def test_time_waited_for_a_held_slot_is_counted_per_snippet():
    """A snippet's own time leaves out its waits for others (the farm, a slot): the holder's is theirs."""
    session, slot = Session(client=None), threading.Lock()
    slot.acquire()  # another snippet holds it for a while
    timer = threading.Timer(0.3, slot.release)
    timer.start()
    with session.hold(slot, "vol3/waits"):
        pass
    timer.join()
    with session.hold(slot, "vol3/free"):  # nobody holds it: no wait to speak of
        pass
    with session.hold(slot):  # a shared lock taken for no snippet counts for none
        pass
    assert session.waited("vol3/waits") >= 0.25
    assert session.waited("vol3/free") < 0.1
    assert session.waited("vol1/never") == 0.0
