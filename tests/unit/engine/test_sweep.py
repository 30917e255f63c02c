"""The sweep without an engine: owners judged alive, ended or unknown; only ended owners' leftovers removed.

Processes are real (a child that ran and exited is an ended owner; this test process is a live one), and
so are the folders, markers, records and leases. The engine's part is driven through a stand-in client
that only lists and records removals: these tests judge the sweep's choices, not the engine.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from journey.core import layout
from journey.engine import daemon, sweep
from journey.engine.images import OWNER_LABEL, RUN_LABEL, SNIPPET_LABEL, TOOL_LABEL
from journey.engine.sweep import ALIVE, ENDED, MARKER, UNKNOWN, Owner
from journey.helpers import modproxy
from sweeping import Engine, Listed, container, ended_owner, marked

# --- owners ------------------------------------------------------------------------------------------------


def test_this_process_is_a_live_owner_and_reads_back_as_itself():
    me = sweep.current()
    assert me.pid == os.getpid()
    assert me.start == sweep.process_start(os.getpid())
    assert Owner.parse(str(me)) == me
    assert " " not in str(me)  # a label value, a marker line, one word of a Dockerfile LABEL
    assert me.state() == ALIVE
    assert not me.ended()


def test_a_process_that_exited_has_ended():
    assert ended_owner().state() == ENDED


def test_a_reused_pid_is_not_the_owner_it_names():
    me = sweep.current()
    assert dataclasses.replace(me, start=me.start + 1).state() == ENDED


def test_a_zombie_has_ended():
    child = subprocess.Popen(["true"])
    owner = dataclasses.replace(sweep.current(), pid=child.pid, start=sweep.process_start(child.pid) or 0)
    deadline = time.monotonic() + 10
    while sweep.process_start(child.pid) is not None and time.monotonic() < deadline:
        time.sleep(0.05)  # exited, not yet reaped: a zombie
    assert sweep.process_start(child.pid) is None
    assert owner.state() == ENDED
    child.wait()


def test_another_boot_has_ended_and_another_host_or_pid_namespace_cannot_be_judged():
    me = sweep.current()
    assert dataclasses.replace(me, boot="another-boot").state() == ENDED
    assert dataclasses.replace(me, pid=999_999_999, host="elsewhere").state() == UNKNOWN
    assert dataclasses.replace(me, pid=999_999_999, pidns="1").state() == UNKNOWN


def test_anything_but_an_owner_reads_as_none():
    fields = "start=1,uid=0,host=h,boot=b,pidns=n"
    for text in ("", "pid=1", f"pid=x,{fields}", "rm -rf /", f"pid=0,{fields}"):
        assert Owner.parse(text) is None


def test_another_users_ended_owner_is_not_ours_to_judge(monkeypatch):
    owner = ended_owner()
    monkeypatch.setattr(os, "geteuid", lambda: owner.uid + 4242)
    assert owner.state() == ENDED
    assert not owner.ended()


def test_another_users_ended_owner_is_not_roots_to_sweep_either(monkeypatch):
    owner = dataclasses.replace(ended_owner(), uid=4242)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert owner.state() == ENDED
    assert not owner.ended()


# --- folders ----------------------------------------------------------------------------------------------


def test_the_sweep_removes_only_folders_whose_marker_names_an_ended_owner(machine_tmp):
    dead = marked(machine_tmp / "journey-run-dead0000", ended_owner())
    live = marked(machine_tmp / "journey-run-live0000", sweep.current())
    elsewhere = dataclasses.replace(ended_owner(), host="elsewhere")
    foreign = marked(machine_tmp / "journey-farm-foreign", elsewhere)
    unmarked = machine_tmp / "journey-deploy-unmarked"
    unmarked.mkdir()
    other = marked(machine_tmp / "not-journey", ended_owner())
    link = machine_tmp / "journey-run-link0000"
    link.symlink_to(dead)
    swept = sweep.sweep(None)
    assert not dead.exists()
    for kept in (live, foreign, unmarked, other):
        assert kept.is_dir()
    assert len(swept.removed) == 1
    assert swept.removed[0].startswith(f"folder {dead} (of pid ")
    assert swept.removed[0].endswith(", ended)")
    assert swept.problems == []


def test_a_marker_that_is_a_link_or_another_users_file_is_no_marker(machine_tmp, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text(f"{ended_owner()}\n", encoding="utf-8")
    folder = machine_tmp / "journey-run-linked00"
    folder.mkdir()
    (folder / MARKER).symlink_to(elsewhere)
    assert sweep.folder_owner(folder) is None
    sweep.sweep(None)
    assert folder.is_dir()


def test_a_dry_sweep_says_what_it_would_remove_and_removes_nothing(machine_tmp):
    dead = marked(machine_tmp / "journey-run-dead0000", ended_owner())
    swept = sweep.sweep(None, dry_run=True)
    assert len(swept.removed) == 1
    assert dead.is_dir()


def test_the_scratch_folder_holds_every_temporary_folder_of_the_run_and_goes_with_it(machine_tmp):
    with sweep.scratch() as scratch:
        assert scratch.parent == machine_tmp
        assert scratch.name.startswith(layout.SCRATCH_PREFIX)
        assert sweep.folder_owner(scratch) == sweep.current()
        inner = Path(tempfile.mkdtemp(prefix="journey-deploy-"))
        assert inner.parent == scratch
        assert layout.system_tmp() == machine_tmp  # shared places stay where they were
        with tempfile.TemporaryDirectory(prefix="journey-ship-") as tmp:
            assert Path(tmp).parent == scratch
    assert not scratch.exists()
    assert tempfile.gettempdir() == str(machine_tmp)


def test_a_marked_temporary_folder_outside_a_run_is_removed_at_its_end(machine_tmp):
    with sweep.marked_temporary_directory("journey-build-") as folder:
        assert sweep.folder_owner(folder) == sweep.current()
        (folder / "metadata.json").write_text("{}", encoding="utf-8")
    assert not folder.exists()
    assert list(machine_tmp.iterdir()) == []


# --- records, children, leases ---------------------------------------------------------------------------


def ended_record(run_id: str) -> Path:
    """A run record as an ended run leaves it: its owner file names a process that is gone."""
    record = sweep.records_dir() / run_id
    record.mkdir()
    (record / sweep.OWNER_FILE).write_text(f"{ended_owner()}\n", encoding="utf-8")
    return record


@pytest.mark.usefixtures("machine_tmp")
def test_a_child_group_an_ended_run_left_running_is_killed_and_the_record_waits_for_the_engine():
    record = ended_record("0123456789ab")
    child = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        note = sweep.child_started(record, child.pid)
        assert note is not None
        swept = sweep.sweep(None)
        assert child.wait(timeout=10) == -signal.SIGKILL
        assert any(f"process group {child.pid}" in line for line in swept.removed)
        assert not note.exists()
        assert swept.waiting == ["0123456789ab"]  # its temporary tags are the engine's to look for
        assert record.is_dir()
    finally:
        child.kill()
        child.wait()


@pytest.mark.usefixtures("machine_tmp")
def test_a_noted_child_whose_pid_now_names_another_process_is_not_signalled():
    record = ended_record("0123456789ab")
    bystander = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        start = sweep.process_start(bystander.pid)
        (record / sweep.CHILDREN).mkdir()
        (record / sweep.CHILDREN / f"{bystander.pid}-{(start or 0) + 1}").touch()  # the pid, reused
        sweep.sweep(None)
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


@pytest.mark.usefixtures("machine_tmp")
def test_a_live_runs_record_and_children_are_left_alone():
    record = sweep.open_record("0123456789ab")
    child = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        sweep.child_started(record, child.pid)
        swept = sweep.sweep(None)
        assert child.poll() is None
        assert swept.removed == []
        assert swept.waiting == []
        assert record.is_dir()
    finally:
        child.kill()
        child.wait()


@pytest.mark.usefixtures("machine_tmp")
def test_an_ended_run_that_cleaned_up_needs_no_engine_and_its_record_goes():
    record = ended_record("0123456789ab")
    sweep.mark_clean(record, clean=True)
    swept = sweep.sweep(None)
    assert swept.waiting == []
    assert not record.exists()


@pytest.mark.usefixtures("machine_tmp")
def test_at_the_start_of_a_run_the_engine_is_asked_only_for_a_waiting_record(monkeypatch):
    asked: list[str] = []

    def connect():
        asked.append("connect")
        raise daemon.EngineUnavailableError("no engine here", step="engine")

    monkeypatch.setattr(daemon, "connect", connect)
    said: list[str] = []
    sweep.at_start(said.append)
    assert asked == []
    ended_record("0123456789ab")
    swept = sweep.at_start(said.append)
    assert asked == ["connect"]
    assert swept.waiting == ["0123456789ab"]  # kept for a sweep that has an engine
    assert (sweep.records_dir() / "0123456789ab").is_dir()


@pytest.mark.usefixtures("machine_tmp")
def test_this_processs_finished_records_are_dropped_and_unfinished_ones_kept():
    done, busy = sweep.open_record("00000000done"), sweep.open_record("00000000busy")
    sweep.mark_clean(done, clean=True)
    sweep.mark_clean(busy, clean=True)
    sweep.note_builder("00000000busy", "journey-farm-00000000busy")
    assert sweep.drop_finished() == ["00000000done"]
    assert busy.is_dir()
    sweep.forget_builder("00000000busy", "journey-farm-00000000busy")
    assert sweep.drop_finished() == ["00000000busy"]


def test_an_ended_runs_lease_folder_goes_and_a_live_ones_stays(machine_tmp, monkeypatch):
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(layout, "runtime_dir", lambda: machine_tmp / "runtime")
    (machine_tmp / "runtime").mkdir(mode=0o700)
    me = os.geteuid()
    dead = machine_tmp / f"journey-modproxy-{me}-40001"
    dead.mkdir(mode=0o700)
    (dead / "1234-abcd.lease").write_text("/nowhere/cache/download", encoding="utf-8")  # nobody holds it
    empty = machine_tmp / f"journey-modproxy-{me}-40002"
    empty.mkdir(mode=0o700)
    live = machine_tmp / f"journey-modproxy-{me}-40003"
    live.mkdir(mode=0o700)
    held = os.open(live / "5678-ef01.lease", os.O_WRONLY | os.O_CREAT, 0o600)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        swept = sweep.sweep(None)
        assert not dead.exists()
        assert not empty.exists()
        assert live.is_dir()
        assert sum("module proxy leases" in line for line in swept.removed) == 2
    finally:
        os.close(held)


def test_a_lease_being_staged_is_not_swept_but_one_staged_long_ago_is(machine_tmp, monkeypatch):
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    me = os.geteuid()
    fresh = machine_tmp / f"journey-modproxy-{me}-40004"
    fresh.mkdir(mode=0o700)
    (fresh / "1234-abcd.new").touch()  # made by take_lease, not locked yet
    old = machine_tmp / f"journey-modproxy-{me}-40005"
    old.mkdir(mode=0o700)
    (old / "1234-abcd.new").touch()
    long_ago = time.time() - modproxy.LEASE_STALE_SECONDS - 1
    os.utime(old / "1234-abcd.new", (long_ago, long_ago))
    assert modproxy.sweep_lease_folders() == [old]
    assert (fresh / "1234-abcd.new").is_file()
    assert not old.exists()


def test_a_lease_leaves_no_folder_behind_and_a_vanished_folder_is_made_again(machine_tmp, monkeypatch):
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    cache = machine_tmp / "gomod" / "cache" / "download"
    cache.mkdir(parents=True)
    folder = modproxy.lease_dir(40010)
    folder.rmdir()  # a sweep (or another run's release) removed it as empty meanwhile
    lease = modproxy.take_lease(40010, cache)
    assert lease.path.parent == folder
    lease.release()
    assert not folder.exists()


# --- the engine's part, through a stand-in client ----------------------------------------------------------


@pytest.mark.usefixtures("machine_tmp")
def test_the_engine_sweep_removes_what_ended_owners_made_and_nothing_else():
    ended, me = ended_owner(), sweep.current()
    ended_record("deadbeef0001")
    made = [
        container("farm", **{OWNER_LABEL: str(ended), RUN_LABEL: "deadbeef0001", TOOL_LABEL: "build-farm"}),
        container("probe", **{OWNER_LABEL: str(ended), RUN_LABEL: "deadbeef0002", SNIPPET_LABEL: "vol1/x"}),
        container("old", **{RUN_LABEL: "deadbeef0001"}),  # no owner label: its run's record names it
        container("live", **{OWNER_LABEL: str(me), RUN_LABEL: "live00000001"}),
        container("foreign", **{OWNER_LABEL: str(dataclasses.replace(ended, host="elsewhere"))}),
        container("unlabelled", **{RUN_LABEL: "cafe00000001"}),
        container("someone-elses", com_example="x"),
    ]
    images = [
        Listed(id="i1", tags=["journey-run/vol1-x:deadbeef0001"], labels={}, short_id="i1"),
        Listed(id="i2", tags=["journey-run/vol1-x:live00000001"], labels={}, short_id="i2"),
        Listed(id="i3", tags=["journey/vol1-x:verified"], labels={}, short_id="i3"),
    ]
    engine = Engine(made, images)
    swept = sweep.sweep(engine)
    removed = {c.name for c in made if c.removed}
    assert removed == {"farm", "probe", "old"}
    assert engine.untagged == ["journey-run/vol1-x:deadbeef0001"]
    assert swept.problems == []
    assert not (sweep.records_dir() / "deadbeef0001").exists()
    assert any("container farm (build-farm, of pid" in line for line in swept.removed)
