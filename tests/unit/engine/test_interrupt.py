"""Unit tests of how an interrupted run stops: every wait of a worker ends soon after Ctrl-C or SIGTERM.

No engine: containers and the engine client are fakes. Each test interrupts from a timer thread, as the
main thread's signal handler does (``Session.cancel``), and asserts the wait ends within seconds, not
after its own budget (a service's ``run.timeout``, a compile, a lock holder).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import docker.errors
import pytest
from rich.console import Console

from journey.core.errors import VerificationError
from journey.core.progress import Reporter
from journey.engine import session as session_module
from journey.engine import sweep
from journey.engine.container import wait_ready
from journey.engine.images import OWNER_LABEL, RUN_LABEL
from journey.engine.session import CancelledError, Deadline, Session, group_members, kill_group
from journey.model.manifest import Ready, Run, Snippet
from journey.verify.live_health import _Watch
from journey.verify.runner import _stop, signals_interrupt

#: Longest any of these waits may take once interrupted (each polls at most every CANCEL_POLL seconds).
PROMPT = 3.0


@pytest.fixture(autouse=True)
def _short_slices(monkeypatch):
    monkeypatch.setattr(session_module, "CANCEL_POLL", 0.05)


def interrupt_soon(session: Session, after: float = 0.2) -> threading.Timer:
    timer = threading.Timer(after, session.cancel)
    timer.start()
    return timer


class _Running:
    """A container that runs until removed: ``wait`` times out like the engine's, the log never says ready."""

    def __init__(self, code: int | None = None, fails_at_once: bool = False) -> None:
        self.status, self.attrs, self.code, self.fails_at_once = "running", {}, code, fails_at_once
        self.removed = threading.Event()
        self.waits = 0

    def reload(self) -> None:
        if self.removed.is_set():
            raise docker.errors.NotFound("no such container")

    def logs(self, **_streams: bool) -> bytes:
        return b"starting...\n"

    def wait(self, timeout: float) -> dict[str, int]:
        self.waits += 1
        if self.removed.is_set():
            raise docker.errors.NotFound("no such container")
        if self.fails_at_once:
            raise ConnectionRefusedError("the engine does not answer")
        if self.code is not None and self.waits > 3:
            return {"StatusCode": self.code}
        time.sleep(timeout)
        raise ConnectionError("Read timed out.")  # what requests raises on a unix socket: an OSError

    def remove(self, **_how: bool) -> None:
        self.removed.set()


def test_pause_ends_at_once_on_an_interrupt():
    session = Session(client=None)
    interrupt_soon(session)
    started = time.monotonic()
    with pytest.raises(CancelledError) as caught:
        session.pause(120, "faults/hangs")
    assert time.monotonic() - started < PROMPT
    assert caught.value.snippet == "faults/hangs"


def test_wait_exit_waits_in_slices_until_the_container_exits():
    container = _Running(code=3)
    assert Session(client=None).wait_exit(container, snippet="vol1/x") == 3
    assert container.waits == 4


def test_wait_exit_without_a_limit_still_stops_on_an_interrupt():
    # measurements' timed compile: no time limit, and the engine's wait alone would block forever
    session = Session(client=None)
    interrupt_soon(session)
    started = time.monotonic()
    with pytest.raises(CancelledError):
        session.wait_exit(_Running(), snippet="vol1/x")
    assert time.monotonic() - started < PROMPT


def test_wait_exit_gives_up_after_its_timeout():
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        Session(client=None).wait_exit(_Running(), snippet="vol1/x", timeout=0.3)
    assert 0.3 <= time.monotonic() - started < PROMPT


def test_wait_exit_raises_an_engine_that_fails_at_once_instead_of_spinning():
    with pytest.raises(ConnectionRefusedError):
        Session(client=None).wait_exit(_Running(fails_at_once=True), snippet="vol1/x")


def test_a_container_removed_by_the_interrupts_cleanup_ends_the_wait_as_interrupted():
    session, container = Session(client=None), _Running()
    session.cancel()
    container.remove()
    with pytest.raises(CancelledError):
        session.wait_exit(container, snippet="vol1/x", timeout=60)


def test_a_worker_queued_for_the_compile_slot_stops_on_an_interrupt():
    session, slot = Session(client=None), threading.BoundedSemaphore(1)
    slot.acquire()  # another snippet's build holds it
    interrupt_soon(session)
    started = time.monotonic()
    with pytest.raises(CancelledError), session.hold(slot, "vol1/x"):
        pytest.fail("a queued worker started after the interrupt")
    assert time.monotonic() - started < PROMPT
    slot.release()
    with pytest.raises(CancelledError), session.hold(slot, "vol1/x"):  # free now, but the run is over
        pytest.fail("a worker took the slot after the interrupt")
    assert slot.acquire(blocking=False)  # and it was given back


def test_the_compile_slot_is_taken_and_given_back_each_time():
    session, slot = Session(client=None), threading.BoundedSemaphore(1)
    hold = session.hold(slot, "vol1/x")
    for _ in range(2):
        with hold:
            assert not slot.acquire(blocking=False)
    assert slot.acquire(blocking=False)


def _service(timeout: int) -> Snippet:
    run = Run(command=("sleep", "infinity"), ready=Ready(log="listening"), timeout=timeout)
    return Snippet(id="faults/hangs", dir=Path("/nowhere"), title="t", run=run)


def test_waiting_for_a_service_stops_on_an_interrupt_not_at_its_run_timeout():
    # The container made just after the interrupt's cleanup looked: nothing removes it, so only the
    # interrupt can end this wait before run.timeout (two minutes in the fault test).
    session, snippet = Session(client=None), _service(timeout=120)
    interrupt_soon(session)
    started = time.monotonic()
    with pytest.raises(CancelledError):
        wait_ready(session, _Running(), snippet, None, Deadline(120))
    assert time.monotonic() - started < PROMPT


def test_a_health_wait_stops_on_an_interrupt():
    session = Session(client=None)
    container = SimpleNamespace(status="running", attrs={}, reload=lambda: None)
    watch = _Watch(container, lambda seconds: session.pause(seconds, "vol1/x"))
    interrupt_soon(session)
    with pytest.raises(CancelledError):
        watch.until("healthy", 120)


class _Engine:
    """An engine client whose container list shows what workers have created so far."""

    def __init__(self) -> None:
        self.made: list[_Running] = []
        self.containers = SimpleNamespace(list=self._list)
        self.networks = SimpleNamespace(list=lambda **_filters: [])
        self.images = SimpleNamespace(list=lambda **_filters: [])

    def _list(self, **_filters: object) -> list[SimpleNamespace]:
        return [SimpleNamespace(name="c", remove=c.remove) for c in self.made if not c.removed.is_set()]


def test_an_interrupt_removes_a_container_made_after_its_first_cleanup():
    # The worker was inside `containers.create` when the signal came: its container appears only after
    # the first cleanup looked, and the worker then waits on it in a call no interrupt reaches (engine
    # calls do not poll). Only a later sweep of the run's containers ends that wait.
    engine = _Engine()
    session = Session(client=engine)
    ctx = SimpleNamespace(session=session, reporter=Reporter(Console(file=StringIO())))
    first_cleanup = threading.Event()
    cleanup = session.cleanup

    def cleanup_once_seen() -> list[str]:
        problems = cleanup()
        first_cleanup.set()
        return problems

    session.cleanup = cleanup_once_seen  # type: ignore[method-assign]

    def work() -> str:
        first_cleanup.wait(10)
        container = _Running()
        engine.made.append(container)
        container.removed.wait(30)  # an engine call on the container: only its removal ends it
        return "stopped"

    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(work)
    started = time.monotonic()
    with signals_interrupt():  # _stop ignores further signals; this puts the handlers back
        _stop(ctx, pool, {future: _service(120)})
    assert future.result(timeout=0) == "stopped"
    assert time.monotonic() - started < 10
    assert all(c.removed.is_set() for c in engine.made)


def test_stopping_a_group_waits_for_every_process_in_it_not_only_its_leader():
    # The leader exits at SIGTERM; the process it started ignores SIGTERM and would outlive it.
    script = 'trap "" TERM; sleep 60 & echo $!; exec sleep 60'
    proc = subprocess.Popen(["bash", "-c", script], stdout=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stdout is not None
    member = int(proc.stdout.readline())
    started = time.monotonic()
    kill_group(proc, grace=1)
    assert time.monotonic() - started < 5  # bounded: SIGTERM's grace, then SIGKILL's
    assert group_members(proc.pid) == []
    assert sweep.process_start(member) is None


def test_stopping_a_group_that_outlives_sigkill_gives_up_within_its_bound(monkeypatch):
    proc = subprocess.Popen(["sleep", "60"], start_new_session=True)
    monkeypatch.setattr(
        session_module, "group_members", lambda _pgid: [4242]
    )  # a process stuck in the kernel
    started = time.monotonic()
    kill_group(proc, grace=0.3)
    assert time.monotonic() - started < 3
    assert proc.wait(timeout=5) is not None


def test_a_sessions_containers_name_their_owner_and_its_record_its_children():
    session = Session(client=SimpleNamespace())
    labels = session.labels_for("vol1/x")
    assert labels[OWNER_LABEL] == str(sweep.current())
    assert labels[RUN_LABEL] == session.run_id
    record = session.record
    assert record is not None
    assert sweep.read_owner(record / sweep.OWNER_FILE, os.geteuid()) == sweep.current()
    children = record / sweep.CHILDREN
    # The child waits until its note is there and prints it: what a later sweep would read while it runs.
    script = 'until [ -n "$(ls "$1" 2>/dev/null)" ]; do sleep 0.05; done; ls "$1"'
    what = VerificationError("", snippet="vol1/x", step="check")
    done = session.run_process(["sh", "-c", script, "sh", str(children)], what=what, idle=30)
    assert done.returncode == 0
    pid, _, start = done.output.strip().partition("-")
    assert int(start) > 0
    assert int(pid) != os.getpid()  # the child's own group, noted by its leader's pid and start time
    assert list(children.iterdir()) == []  # and dropped once it exited


def test_a_session_without_an_engine_keeps_no_record():
    assert Session(client=None).record is None
