"""What a run leaves behind if it is killed, and the sweep that removes it once the run's process is gone.

A run names its **owner** on everything it creates: the process that made it, as its pid and start time
(a pid the kernel gave to another process since has another start time), its user, and the host, boot
and pid namespace it ran in (:class:`Owner`). Containers and networks carry it as the label
``org.golangjourney.owner``; a verify run's temporary folders all sit in one scratch folder,
``<tmp>/journey-run-*``, whose marker file ``.journey-owner`` holds it (``scratch``; ``marked_tempdir``
marks a folder made outside one); and this user's runtime folder (``layout.runtime_dir``) holds a
**record** per run, ``runs/<run id>/``, naming its owner, the process groups it has running
(``children/<pid>-<start>``) and the buildx builders it added (``builders/<name>``). Temporary image tags
(``journey-run/<slug>:<run id>``) can carry no label (a label changes the image ID), so they are found
through the record's run id.

Nothing else can kill a run that was SIGKILLed or killed for memory, so nothing else can clean up after
it: its privileged farm and private engine keep running, its scratch folder (with a registry's key) stays.
:func:`sweep` removes what such runs left, at the start of every ``journey verify`` and on demand with
``journey clean``, and only that:

- only what carries an owner marker (label, marker file, record): nothing the tool did not make;
- only when that owner has **ended**: its process is gone, or its pid now names a process that started at
  another time, or the machine booted since. An owner on another host or in another pid namespace cannot
  be judged from here and is left alone, and so is anything of another user, even when the sweep runs as
  root: each user sweeps what their own runs left;
- a record's leftover child process group is killed only when its pid still names the process that was
  started (same start time), so a reused pid is never signalled.

The engine-free part (folders, lease folders, children) is cheap; the engine is asked only when a record
of an ended run is waiting for it, so a no-op ``journey verify`` still never connects.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import signal
import socket
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journey.core import layout, process
from journey.core.errors import EngineUnavailableError, MachineError
from journey.engine.images import OWNER_LABEL, RUN_LABEL, SNIPPET_LABEL, TEMP_REPO, TOOL_LABEL

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator


#: The marker file in a folder the tool made: its owner, one line.
MARKER = ".journey-owner"
#: The most a marker or a record's owner file holds; anything longer is not one of ours.
MARKER_MAX = 1024
#: Where run records are, in the runtime folder; and the parts of one.
RUNS = "runs"
OWNER_FILE = "owner"
CHILDREN = "children"
BUILDERS = "builders"
#: Present in a record once the run's own cleanup found nothing of it left in the engine.
CLEAN_FILE = "clean"
#: What an owner is, as the sweep sees it.
ALIVE, ENDED, UNKNOWN = "alive", "ended", "unknown"
#: Seconds a ``docker buildx rm`` of an ended run's builder may take.
CLI_TIMEOUT = 60
#: Names the sweep accepts from a record's folder listing (run ids, builder names, ``<pid>-<start>``).
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
# Fields of /proc/<pid>/stat after the ``(command)``, counted from 0: state, process group, start time.
_STATE, _PGRP, _START = 0, 2, 19


# --- owners ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Owner:
    """The process that made something: enough to tell later whether that very process still runs."""

    pid: int
    #: when the process started, in clock ticks after boot (``/proc/<pid>/stat``): a reused pid differs here
    start: int
    uid: int
    host: str
    #: ``/proc/sys/kernel/random/boot_id``: another boot of this host means the process has ended
    boot: str
    #: the pid namespace's inode: a pid means something only in its own namespace
    pidns: str

    def __str__(self) -> str:
        """Spell it for a label or a marker: ``pid=…,start=…,uid=…,host=…,boot=…,pidns=…`` (no spaces)."""
        fields = {
            "pid": self.pid,
            "start": self.start,
            "uid": self.uid,
            "host": self.host,
            "boot": self.boot,
            "pidns": self.pidns,
        }
        return ",".join(f"{key}={value}" for key, value in fields.items())

    @classmethod
    def parse(cls, text: str) -> Owner | None:
        """Read what ``str`` wrote; None for anything else (a marker that is not ours is not judged)."""
        fields = dict(item.partition("=")[::2] for item in text.strip().split(","))
        try:
            owner = cls(
                int(fields["pid"]),
                int(fields["start"]),
                int(fields["uid"]),
                fields["host"],
                fields["boot"],
                fields["pidns"],
            )
        except (KeyError, ValueError):
            return None
        return owner if owner.pid > 0 and owner.host else None

    def state(self) -> str:
        """Say whether the process is ``alive``, has ``ended``, or cannot be judged here (``unknown``)."""
        here = _machine()
        if here is None or self.host != here[0]:
            return UNKNOWN
        if self.boot != here[1]:
            return ENDED  # this host has booted since: every process of that boot is gone
        if self.pidns != here[2]:
            return UNKNOWN  # another container's processes: its pids are not ours to look up
        seen = process_start(self.pid)
        return ALIVE if seen == self.start else ENDED

    def mine(self) -> bool:
        """Whether it is this user's: a sweep removes only what this user's own runs left, even as root."""
        return os.geteuid() == self.uid

    def ended(self) -> bool:
        """Whether the sweep may remove what it made: this user's to judge, and its process is gone."""
        return self.mine() and self.state() == ENDED

    @property
    def who(self) -> str:
        """Name it in a message: ``pid 1234``."""
        return f"pid {self.pid}"


def process_start(pid: int) -> int | None:
    """Return when process ``pid`` started (clock ticks after boot), None when there is none (or a zombie).

    A zombie has ended: it only waits for its parent to read its exit code, and owns nothing.
    """
    fields = _stat(pid)
    if fields is None or fields[_STATE] in {"Z", "X", "x"}:
        return None
    return int(fields[_START])


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = text.rsplit(")", 1)[-1].split()
    return fields if len(fields) > _START else None


@functools.cache
def _machine() -> tuple[str, str, str] | None:
    """Return this process's host name, boot id and pid namespace; None where /proc cannot tell (no Linux)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        pidns = str(Path("/proc/self/ns/pid").readlink()).removeprefix("pid:[").removesuffix("]")
    except OSError:
        return None
    return socket.gethostname(), boot, pidns


def current() -> Owner:
    """Return this process as an owner."""
    return _owner_of(os.getpid())


@functools.cache
def _owner_of(pid: int) -> Owner:
    here = _machine() or ("", "", "")
    return Owner(pid, process_start(pid) or 0, os.geteuid(), *here)


# --- marked folders -------------------------------------------------------------------------------------


def mark(folder: Path) -> None:
    """Write the marker naming this process into ``folder`` (a folder this process just made)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(folder / MARKER, flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"{current()}\n")


def marked_tempdir(prefix: str) -> Path:
    """Make a temporary folder (``tempfile.mkdtemp``) with this process's marker in it."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    mark(folder)
    return folder


@contextlib.contextmanager
def marked_temporary_directory(prefix: str) -> Iterator[Path]:
    """Like ``tempfile.TemporaryDirectory``, marked: removed at the end, or by a sweep if the run dies."""
    folder = marked_tempdir(prefix)
    try:
        yield folder
    finally:
        _remove_folder(folder)


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """Give a run its scratch folder, ``<tmp>/journey-run-*``, marked, as Python's temporary folder.

    Every temporary folder of the run is made in it (``layout.temp_root``), so one marker names them all
    and one removal deletes them: at the end of the run, or in a later run's sweep if this one is killed.
    """
    folder = Path(tempfile.mkdtemp(prefix=layout.SCRATCH_PREFIX, dir=layout.system_tmp()))
    mark(folder)
    try:
        with layout.temp_root(folder):
            yield folder
    finally:
        _remove_folder(folder)


def folder_owner(folder: Path) -> Owner | None:
    """Return the owner a folder's marker names, if it is a real folder whose owner also owns the marker."""
    try:
        info = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode):
        return None
    owner = read_owner(folder / MARKER, info.st_uid)
    return owner if owner is not None and owner.uid == info.st_uid else None


def read_owner(path: Path, uid: int) -> Owner | None:
    """Read an owner from a regular file of ``uid`` (no link followed, no FIFO waited on); None otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != uid or info.st_size > MARKER_MAX:
            return None
        return Owner.parse(os.read(fd, MARKER_MAX).decode("utf-8", "replace"))
    finally:
        os.close(fd)


def _remove_folder(folder: Path) -> str | None:
    """Remove a marked folder, its marker last: what cannot be removed stays marked for a later sweep.

    Returns why it could not be removed completely (None once it is gone).
    """
    problems: list[str] = []
    try:
        entries = list(folder.iterdir())
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{folder}: {exc.strerror}"
    for entry in entries:
        if entry.name == MARKER:
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except OSError as exc:
            problems.append(f"{entry}: {exc.strerror}")
    if problems:
        more = f" and {len(problems) - 1} more" if problems[1:] else ""
        return f"{folder}: could not remove {problems[0]}{more}"
    (folder / MARKER).unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError as exc:
        return f"{folder}: {exc.strerror}"
    return None


# --- run records ----------------------------------------------------------------------------------------


def records_dir() -> Path:
    """Return where this user's run records are (``<runtime folder>/runs``), made when missing."""
    folder = layout.runtime_dir() / RUNS
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def open_record(run_id: str) -> Path:
    """Return the record of run ``run_id`` of this process, made (with its owner file) if it is new."""
    if not _NAME.fullmatch(run_id):
        raise ValueError(f"not a run id: {run_id!r}")
    record = records_dir() / run_id
    record.mkdir(mode=0o700, exist_ok=True)
    owner = record / OWNER_FILE
    if not owner.exists():
        owner.write_text(f"{current()}\n", encoding="utf-8")
    return record


def child_started(record: Path, pid: int) -> Path | None:
    """Note in ``record`` that process group ``pid`` runs for the run; return the note (None: not noted).

    If the run is killed, its children, each the leader of a process group of its own, outlive it (a
    build goes on to tag its image); the sweep kills a group it finds here whose leader is still that
    very process.
    """
    start = process_start(pid)
    if start is None:
        return None
    note = record / CHILDREN / f"{pid}-{start}"
    with contextlib.suppress(OSError):
        note.parent.mkdir(mode=0o700, exist_ok=True)
        note.touch()
        return note
    return None


def child_ended(note: Path | None) -> None:
    """Drop the note of a child that exited (or was killed)."""
    if note is not None:
        note.unlink(missing_ok=True)


def note_builder(run_id: str, name: str) -> None:
    """Note in the run's record that it added the buildx builder ``name`` (the farm's)."""
    folder = open_record(run_id) / BUILDERS
    folder.mkdir(mode=0o700, exist_ok=True)
    (folder / name).touch()


def forget_builder(run_id: str, name: str) -> None:
    """Drop the note of a builder the run removed itself."""
    with contextlib.suppress(OSError, MachineError):
        (records_dir() / run_id / BUILDERS / name).unlink(missing_ok=True)


def mark_clean(record: Path, clean: bool) -> None:
    """Say in the record whether the run's own cleanup left nothing of it in the engine."""
    flag = record / CLEAN_FILE
    with contextlib.suppress(OSError):
        flag.touch() if clean else flag.unlink(missing_ok=True)


def _finished(record: Path) -> bool:
    """Whether a record needs nothing more: the run cleaned up, and no child or builder is noted."""
    return (record / CLEAN_FILE).is_file() and not any(
        any((record / part).iterdir()) for part in (CHILDREN, BUILDERS) if (record / part).is_dir()
    )


def drop_if_finished(record: Path) -> bool:
    """Remove one record if its run is done and clean; tell whether it did."""
    if not _finished(record):
        return False
    shutil.rmtree(record, ignore_errors=True)
    return True


def drop_finished() -> list[str]:
    """Remove this process's records whose runs are done and clean (at the end of a verify run)."""
    me = current()
    try:
        records = sorted(records_dir().iterdir())
    except (OSError, MachineError):
        return []
    return [
        record.name
        for record in records
        if read_owner(record / OWNER_FILE, os.geteuid()) == me and drop_if_finished(record)
    ]


# --- the sweep ------------------------------------------------------------------------------------------


@dataclass
class Swept:
    """What a sweep removed (or, dry, would remove), what it could not, and what waits for the engine."""

    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: ended runs whose engine leftovers were not looked for (no engine asked): their records are kept
    waiting: list[str] = field(default_factory=list)


def sweep(client: Any = None, *, dry_run: bool = False) -> Swept:  # noqa: ANN401 - docker's client is untyped
    """Remove what runs whose process has ended left behind; with ``client`` None, only what needs no engine.

    Never a live run's (its owner's process still runs), never anything without an owner marker, never
    another user's (root's sweep included). ``dry_run`` removes and kills nothing and says what it would do.
    """
    swept = Swept()
    _sweep_folders(swept, dry_run=dry_run)
    _sweep_leases(swept, dry_run=dry_run)
    ended = _ended_records(swept, dry_run=dry_run)
    if client is None:
        for run_id, record in ended.items():
            if _finished(record):
                _drop(record, dry_run=dry_run)
            else:
                swept.waiting.append(run_id)
        return swept
    before = len(swept.problems)
    _sweep_engine(client, ended, swept, dry_run=dry_run)
    if len(swept.problems) == before:
        for record in ended.values():
            _drop(record, dry_run=dry_run)
    return swept


def _drop(record: Path, *, dry_run: bool) -> None:
    if not dry_run:
        shutil.rmtree(record, ignore_errors=True)


def _sweep_folders(swept: Swept, *, dry_run: bool) -> None:
    """Remove ``<tmp>/journey-*`` folders whose marker names an ended owner (scratch, farm, deploy)."""
    try:
        folders = sorted(layout.system_tmp().glob("journey-*"))
    except OSError as exc:
        swept.problems.append(f"cannot list {layout.system_tmp()}: {exc.strerror}")
        return
    for folder in folders:
        owner = folder_owner(folder)
        if owner is None or not owner.ended():
            continue
        what = f"folder {folder} (of {owner.who}, ended)"
        if dry_run or (problem := _remove_folder(folder)) is None:
            swept.removed.append(what)
        else:
            swept.problems.append(problem)


def _sweep_leases(swept: Swept, *, dry_run: bool) -> None:
    """Remove this user's module proxy lease folders that hold no live lease (``modproxy``)."""
    from journey.helpers import modproxy  # noqa: PLC0415 - the proxy's module is the verify path's; clean needs it only here

    for folder in modproxy.sweep_lease_folders(dry_run=dry_run):
        swept.removed.append(f"folder {folder} (module proxy leases, none live)")


def _ended_records(swept: Swept, *, dry_run: bool) -> dict[str, Path]:
    """Return this user's records of ended runs by run id, each one's leftover children killed."""
    try:
        records = sorted(records_dir().iterdir())
    except (OSError, MachineError) as exc:
        swept.problems.append(f"cannot read the run records: {exc}")
        return {}
    ended: dict[str, Path] = {}
    for record in records:
        owner = read_owner(record / OWNER_FILE, os.geteuid())
        if not _NAME.fullmatch(record.name) or record.is_symlink() or owner is None or not owner.ended():
            continue
        ended[record.name] = record
        _kill_children(record, owner, swept, dry_run=dry_run)
    return ended


def _kill_children(record: Path, owner: Owner, swept: Swept, *, dry_run: bool) -> None:
    """SIGKILL each process group an ended run left running, if its leader is still the process it started."""
    folder = record / CHILDREN
    for note in sorted(folder.iterdir()) if folder.is_dir() else ():
        pid_text, _, start_text = note.name.partition("-")
        if not (pid_text.isdigit() and start_text.isdigit()):
            continue
        pid, fields = int(pid_text), _stat(int(pid_text))
        if fields is not None and process_start(pid) == int(start_text) and int(fields[_PGRP]) == pid:
            what = f"process group {pid} ({_command(pid)}), left running by {owner.who}, ended"
            if dry_run:
                swept.removed.append(what)
                continue
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError as exc:
                swept.problems.append(f"cannot kill process group {pid}: {exc.strerror}")
                continue
            swept.removed.append(what)
        if not dry_run:
            note.unlink(missing_ok=True)


def _command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    return " ".join(part.decode(errors="replace") for part in raw.rstrip(b"\0").split(b"\0"))[:80]


def _sweep_engine(client: Any, ended: dict[str, Path], swept: Swept, *, dry_run: bool) -> None:  # noqa: ANN401
    """Remove the engine's containers, networks and images of ended owners, and ended runs' builders."""
    engine = _EngineSweep(client, ended, swept, dry_run=dry_run)
    engine.containers()
    engine.networks()
    engine.images()
    engine.builders()


class _EngineSweep:
    """One sweep of the engine: what it lists, how it judges a label set, how it removes (or, dry, says)."""

    def __init__(self, client: Any, ended: dict[str, Path], swept: Swept, *, dry_run: bool) -> None:  # noqa: ANN401
        import docker.errors  # noqa: PLC0415 - engine-free commands import this module without the SDK

        self.client, self.ended, self.swept, self.dry_run = client, ended, swept, dry_run
        self.errors = docker.errors
        #: label filters that find what an ended run made: any owner label, and each ended run's id
        self.selectors = [OWNER_LABEL, *(f"{RUN_LABEL}={run}" for run in ended)]

    def listed(self, fetch: Callable[..., Iterable[Any]], **filters: Any) -> list[Any]:  # noqa: ANN401
        """List engine objects; a failure is a problem of the sweep, not an error of the run."""
        try:
            return list(fetch(**filters))
        except (self.errors.DockerException, OSError) as exc:
            self.swept.problems.append(f"cannot list the engine's objects: {exc}")
            return []

    def remove(self, what: str, action: Callable[[], object]) -> None:
        """Remove one thing (gone already is fine), or only say it when dry."""
        if not self.dry_run:
            try:
                action()
            except self.errors.NotFound:
                pass
            except (self.errors.DockerException, OSError) as exc:
                self.swept.problems.append(f"{what}: {exc}")
                return
        self.swept.removed.append(what)

    def judged(self, labels: dict[str, str] | None) -> str | None:
        """Name the owner of something with these labels if it has ended (None: alive, unknown, not ours)."""
        labels = labels or {}
        owner = Owner.parse(labels.get(OWNER_LABEL, ""))
        if owner is not None:
            return f"of {owner.who}, ended" if owner.ended() else None
        run = labels.get(RUN_LABEL)
        return f"of run {run}, ended" if run in self.ended else None

    def containers(self) -> None:
        """Remove ended owners' containers, with their anonymous volumes (the farm's store is one)."""
        found: dict[str, Any] = {}
        for selector in self.selectors:
            for container in self.listed(self.client.containers.list, all=True, filters={"label": selector}):
                found[container.id] = container
        for container in found.values():
            labels = dict(container.labels or {})
            if (whose := self.judged(labels)) is not None:
                kind = labels.get(TOOL_LABEL) or labels.get(SNIPPET_LABEL) or "run"
                action = functools.partial(container.remove, force=True, v=True)
                self.remove(f"container {container.name} ({kind}, {whose})", action)

    def networks(self) -> None:
        """Remove ended owners' networks."""
        found: dict[str, Any] = {}
        for selector in self.selectors:
            for network in self.listed(self.client.networks.list, filters={"label": selector}):
                found[network.id] = network
        for network in found.values():
            if (whose := self.judged(network.attrs.get("Labels"))) is not None:
                self.remove(f"network {network.name} ({whose})", network.remove)

    def images(self) -> None:
        """Remove ended runs' temporary tags (``journey-run/*:<run id>``) and images with an ended owner."""
        seen: set[str] = set()
        for run_id in self.ended:
            for image in self.listed(
                self.client.images.list, filters={"reference": f"{TEMP_REPO}/*:{run_id}"}
            ):
                for tag in image.tags:
                    if tag.endswith(f":{run_id}") and tag not in seen:
                        seen.add(tag)
                        action = functools.partial(self.client.images.remove, tag, noprune=False)
                        self.remove(f"image tag {tag} (of run {run_id}, ended)", action)
        for image in self.listed(self.client.images.list, filters={"label": OWNER_LABEL}):
            if (whose := self.judged(dict(image.labels or {}))) is not None:
                name = image.tags[0] if image.tags else image.short_id
                action = functools.partial(self.client.images.remove, image.id, force=True)
                self.remove(f"image {name} ({whose})", action)

    def builders(self) -> None:
        """Remove the buildx builders ended runs added (the farm's ``journey-farm-<run id>``)."""
        for run_id, record in self.ended.items():
            folder = record / BUILDERS
            for note in sorted(folder.iterdir()) if folder.is_dir() else ():
                if _NAME.fullmatch(note.name):
                    what = f"buildx builder {note.name} (of run {run_id}, ended)"
                    self.remove(what, functools.partial(_rm_builder, note))


def _rm_builder(note: Path) -> None:
    """Remove one buildx builder; one that no longer exists is fine. The note goes once it is gone."""
    done = process.run(
        ["docker", "buildx", "rm", note.name],
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    if done.returncode != 0 and "no builder" not in done.stderr and "not found" not in done.stderr:
        raise OSError(done.stderr.strip() or f"docker buildx rm exited {done.returncode}")
    note.unlink(missing_ok=True)


# --- at the start of a run, and `journey clean` -------------------------------------------------------------


def at_start(say: Callable[[str], None]) -> Swept:
    """Sweep before a verify run creates anything: no engine unless an ended run's record waits for one.

    An engine that does not answer leaves those records for a later sweep: this run may need none.
    """
    swept = sweep(None)
    if swept.waiting:
        from journey.engine import daemon  # noqa: PLC0415 - only when an ended run left something there

        try:
            client = daemon.connect()
        except EngineUnavailableError:
            pass
        else:
            try:
                more = sweep(client)
            finally:
                client.close()
            swept.removed += more.removed
            swept.problems += more.problems
            swept.waiting = more.waiting
    for line in swept.removed:
        say(f"sweep: removed {line}")
    for line in swept.problems:
        say(f"sweep: could not remove {line}")
    return swept
