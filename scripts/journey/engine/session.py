"""One ``journey verify`` run: its id, its deadlines, and everything it must clean up.

Every container and network the run creates carries the label ``org.golangjourney.run=<run id>``
and every temporary image tag carries the run id, so cleanup after success, failure, timeout,
Ctrl-C or SIGTERM can find them all, even ones created by a worker thread a moment before the
interrupt. Images get the id in their tag, not a label: a label would change the image ID on
every run, defeating the per-image measurement cache and churning recorded IDs.

A run killed with SIGKILL (or for memory) cleans up nothing, so the run also says who it is: its
containers carry ``org.golangjourney.owner`` (this process, ``sweep.Owner``), and its record in the
runtime folder (``sweep.open_record``) names the process and the child process groups it runs, so a
later run's sweep can remove what it left, and only once this process is gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import docker.errors

from journey.core import process
from journey.core.errors import InterruptedRunError, VerificationError
from journey.engine import images, sweep

if TYPE_CHECKING:
    from types import TracebackType

#: The labels and the temporary repository (named in ``images``, with every label of the project).
RUN_LABEL = images.RUN_LABEL
SNIPPET_LABEL = images.SNIPPET_LABEL
OWNER_LABEL = images.OWNER_LABEL
TEMP_REPO = images.TEMP_REPO

#: Seconds a killed process gets to exit before SIGKILL, and its group's other processes after it.
KILL_GRACE = 5
#: Longest a worker's wait goes without looking at the interrupt (a slice of a container wait, a lock).
CANCEL_POLL = 0.5


class CancelledError(InterruptedRunError):
    """Raised inside a worker when the run was interrupted, so it stops at its next step."""

    def __init__(self, snippet: str | None = None) -> None:
        super().__init__("interrupted", snippet=snippet, step="cancel")


@dataclass
class Deadline:
    """A per-snippet time budget shared by its build, run, probes and checks."""

    seconds: float
    start: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.seconds - (time.monotonic() - self.start))

    def expired(self) -> bool:
        """Tell whether the budget is spent."""
        return self.remaining() <= 0


@dataclass(frozen=True)
class ProcessResult:
    """What a finished (or killed) child process left: its code and merged output."""

    returncode: int
    output: str
    seconds: float


class Session:
    """State of one run that worker threads share: cancellation, children, temporary tags."""

    def __init__(self, client: Any) -> None:  # noqa: ANN401  (docker.DockerClient is untyped)
        self.client = client
        self.run_id = uuid.uuid4().hex[:12]
        self.labels = {RUN_LABEL: self.run_id, OWNER_LABEL: str(sweep.current())}
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._procs: set[process.Popen[str]] = set()
        self._record: Path | None = None
        self._recorded: list[str] = []
        self._waited: dict[str, float] = {}

    @property
    def record(self) -> Path | None:
        """The run's record in the runtime folder, made the first time the run may leave something behind.

        None for a session without an engine (the unit tests'): nothing of it can outlive it there.
        """
        if self.client is None:
            return None
        with self._lock:
            if self._record is None:
                self._record = sweep.open_record(self.run_id)
            return self._record

    def note_recorded(self, snippet: str) -> None:
        """Remember that a worker wrote ``snippet``'s result and fragments (called after writing)."""
        with self._lock:
            self._recorded.append(snippet)

    @property
    def recorded(self) -> list[str]:
        """The snippets whose results this run wrote, in the order they were written.

        An interrupt that lands while a worker writes cannot undo the write: the run's last message names
        these, rather than claim that nothing was written.
        """
        with self._lock:
            return list(self._recorded)

    def note_wait(self, snippet: str, seconds: float) -> None:
        """Add time ``snippet`` spent waiting for a shared slot or lock (``Held`` calls it)."""
        with self._lock:
            self._waited[snippet] = self._waited.get(snippet, 0.0) + seconds

    def waited(self, snippet: str) -> float:
        """Seconds ``snippet`` spent waiting for others: for a build slot, a compile slot, the build farm.

        Subtracted from its time, it gives what the snippet takes alone, as in a fan-out job of its own:
        a ship snippet that waited twenty minutes for another one's pushes did not take twenty minutes.
        """
        with self._lock:
            return self._waited.get(snippet, 0.0)

    @property
    def cancelled(self) -> bool:
        """True once an interrupt asked every worker to stop."""
        return self._cancel.is_set()

    def labels_for(self, snippet: str | None) -> dict[str, str]:
        """Return the labels of a container made for ``snippet``: the run id, its owner and the snippet id.

        Asked just before something is created with them, so the run's record exists by then.
        """
        _ = self.record
        return {**self.labels, SNIPPET_LABEL: snippet} if snippet else dict(self.labels)

    def raise_if_cancelled(self, snippet: str | None = None) -> None:
        """Stop a worker before it creates anything new after an interrupt."""
        if self._cancel.is_set():
            raise CancelledError(snippet)

    def pause(self, seconds: float, snippet: str | None = None) -> None:
        """Sleep ``seconds`` between two polls, but raise CancelledError as soon as the run is interrupted.

        A worker's poll loop sleeps through this, never ``time.sleep``: a loop that looks only at its own
        budget (a service's ``run.timeout``, two minutes in a test) keeps the interrupted run from exiting.
        """
        if self._cancel.wait(seconds):
            raise CancelledError(snippet)

    def hold(self, lock: Lockable, snippet: str | None = None) -> Held:
        """Return ``with``-able access to a shared lock or semaphore that stops waiting on an interrupt."""
        return Held(self, lock, snippet)

    def wait_exit(self, container: Any, *, snippet: str | None, timeout: float | None = None) -> int:  # noqa: ANN401 - docker's Container is untyped
        """Return a container's exit code once it stopped, waiting in slices of CANCEL_POLL seconds.

        The engine's ``wait`` blocks until the container stops, forever without a timeout: an interrupt
        must not wait for a compile or a hung command. Raises CancelledError on interrupt (also when
        the run's cleanup removed the container under the wait), TimeoutError after ``timeout`` seconds.
        """
        limit = None if timeout is None else time.monotonic() + timeout
        while True:
            self.raise_if_cancelled(snippet)
            left = CANCEL_POLL if limit is None else min(CANCEL_POLL, limit - time.monotonic())
            if left <= 0:
                raise TimeoutError(f"the container did not exit within {timeout:g} s")
            began = time.monotonic()
            try:
                return int(container.wait(timeout=left)["StatusCode"])
            except docker.errors.APIError:
                self.raise_if_cancelled(snippet)
                raise
            except OSError:  # the slice ran out: requests' read timeouts are OSErrors, of varying types
                if time.monotonic() - began < left / 2:
                    raise  # failed at once: not a slice that ran out, but an engine that does not answer

    def temp_tag(self, slug: str) -> str:
        """Name a tag unique to this run, so cleanup (or a later run's sweep, through the record) finds it."""
        _ = self.record
        return f"{TEMP_REPO}/{slug}:{self.run_id}"

    def run_process(
        self,
        argv: list[str],
        *,
        what: VerificationError,
        deadline: Deadline | None = None,
        idle: float | None = None,
        engine_cpu: bool = False,
        cpu_of: int | None = None,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
    ) -> ProcessResult:
        """Run a child in its own process group; stop it when it hangs, or on interrupt.

        Two limits, and a caller picks one. ``idle``: the child is hung when it printed nothing and
        used no CPU for that many seconds (its own process group's CPU, and with ``engine_cpu`` the
        engine's build containers' too: a ``docker buildx build`` client idles while BuildKit
        compiles; with ``cpu_of`` the process tree of that PID, such as the build farm's buildkitd,
        whose steps run under no cgroup of the engine's). A compiler that is still working is never
        stopped for wall time alone. ``deadline``: a wall-time budget, for waits that do no work of
        their own. ``what`` is the error to raise
        (with its snippet and step); the cause and the output so far are filled in here.
        """
        self.raise_if_cancelled(what.snippet)
        start = time.monotonic()
        proc = process.start_text(
            argv,
            cwd=cwd,
            env=env,
            stdout=process.PIPE,
            stderr=process.STDOUT,
            stdin=process.DEVNULL,
            errors="replace",
            start_new_session=True,
        )
        with self._lock:
            self._procs.add(proc)
        record = self.record
        noted = sweep.child_started(record, proc.pid) if record is not None else None
        watch = Activity(proc, engine_cpu=engine_cpu, cpu_of=cpu_of)
        try:
            stopped = watch.wait(idle=idle, deadline=deadline, cancelled=self._cancel)
        finally:
            with self._lock:
                self._procs.discard(proc)
            sweep.child_ended(noted)
        output = watch.output()
        self.raise_if_cancelled(what.snippet)
        if stopped is not None:
            raise VerificationError(stopped, snippet=what.snippet, step=what.step, log_tail=tail(output))
        return ProcessResult(proc.returncode, output, time.monotonic() - start)

    def cancel(self) -> None:
        """Ask every worker to stop and SIGTERM every child's process group now, without waiting.

        The worker watching each child (``Activity.wait``) sees the request within POLL_SECONDS and
        escalates to SIGKILL if the child lingers: children stop side by side, not one after the other.
        """
        self._cancel.set()
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGTERM)

    def cleanup(self) -> list[str]:
        """Remove every container (with its anonymous volumes), network and temporary image tag of this run.

        Anonymous volumes: the build farm's store is one.

        Returns what could not be removed (for a warning): cleanup must never raise, since it
        runs on the way out of an error or an interrupt.
        """
        problems: list[str] = []
        label = f"{RUN_LABEL}={self.run_id}"
        for container in _quiet(lambda: self.client.containers.list(all=True, filters={"label": label})):
            _remove(problems, f"container {container.name}", lambda c=container: c.remove(force=True, v=True))
        for network in _quiet(lambda: self.client.networks.list(filters={"label": label})):
            _remove(problems, f"network {network.name}", network.remove)
        for tag in self.temp_tags():
            _remove(problems, f"image {tag}", lambda t=tag: self.client.images.remove(t, noprune=False))
        if self._record is not None:
            sweep.mark_clean(self._record, not problems)
        return problems

    def temp_tags(self) -> list[str]:
        """Every image tag this run created and has not removed yet."""
        ref = f"{TEMP_REPO}/*:{self.run_id}"
        images = _quiet(lambda: self.client.images.list(filters={"reference": ref}))
        return sorted(t for image in images for t in image.tags if t.endswith(f":{self.run_id}"))


class Lockable(Protocol):
    """A ``threading.Lock`` or ``Semaphore``: what ``Session.hold`` takes in slices."""

    def acquire(self, blocking: bool = ..., timeout: float = ...) -> bool:
        """Take it, waiting at most ``timeout`` seconds; tell whether it was taken."""
        ...

    def release(self) -> None:
        """Give it back."""
        ...


class Held:
    """A shared lock or semaphore (the compile slot) taken in slices: a queued worker stops on an interrupt.

    A worker blocked in ``acquire()`` waits for the holder whatever happened, then starts its build or its
    compile after the run was interrupted. Reusable: each ``with`` takes it once.
    """

    def __init__(self, session: Session, lock: Lockable, snippet: str | None) -> None:
        self._session, self._lock, self._snippet = session, lock, snippet

    def __enter__(self) -> None:
        began = time.monotonic()
        while not self._lock.acquire(timeout=CANCEL_POLL):
            self._session.raise_if_cancelled(self._snippet)
        if self._snippet is not None:
            self._session.note_wait(self._snippet, time.monotonic() - began)
        if self._session.cancelled:
            self._lock.release()
            raise CancelledError(self._snippet)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._lock.release()


def tail(text: str, lines: int = 25) -> str:
    """Keep the last lines of a log: enough to see the cause, short enough for a terminal."""
    return "\n".join(text.rstrip().splitlines()[-lines:])


#: How often a running child is looked at (output, CPU, cancellation).
POLL_SECONDS = 0.5
#: CPU seconds that count as work done since the last look (below it, a process only ticks).
CPU_EPSILON = 0.05


class Activity:
    """A running child's output and CPU use, read while it runs, to tell a slow child from a hung one."""

    def __init__(
        self, proc: process.Popen[str], *, engine_cpu: bool = False, cpu_of: int | None = None
    ) -> None:
        if proc.stdout is None:  # run_process always pipes it: the output is how a child shows it lives
            raise ValueError("Activity reads the child's output: start it with stdout=PIPE")
        self.proc = proc
        self._stdout = proc.stdout
        self.engine_cpu = engine_cpu
        self.cpu_of = cpu_of
        self._chunks: list[str] = []
        self._last_output = time.monotonic()
        self._reader = threading.Thread(target=self._read, name="output", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        """Collect the child's merged output; each line counts as a sign of life."""
        for line in self._stdout:
            self._chunks.append(line)
            self._last_output = time.monotonic()

    def output(self) -> str:
        """Everything the child printed (complete once it has exited)."""
        self._reader.join(timeout=5)
        return "".join(self._chunks)

    def cpu_seconds(self) -> float:
        """CPU the work used so far: the child's process group, plus the engine's builds if asked."""
        total = group_cpu_seconds(self.proc.pid)
        if self.engine_cpu:
            total += engine_build_cpu_seconds() or 0.0
        if self.cpu_of is not None:
            total += tree_cpu_seconds(self.cpu_of)
        return total

    def wait(
        self, *, idle: float | None, deadline: Deadline | None, cancelled: threading.Event
    ) -> str | None:
        """Wait for the child to exit; return why it was stopped instead (None when it exited)."""
        # Progress is CPU at a working rate: at least CPU_EPSILON in one poll (10 % of a core). Summed
        # since the last progress instead, a client that only polls (docker buildx uses about 2 % of
        # a core while BuildKit sleeps) would count as working every few seconds and never be hung.
        last_cpu, last_work = self.cpu_seconds(), time.monotonic()
        while True:
            try:
                self.proc.wait(timeout=POLL_SECONDS)
            except process.TimeoutExpired:
                pass
            else:
                return None
            if cancelled.is_set():
                kill_group(self.proc)
                return "interrupted"
            now, cpu = time.monotonic(), self.cpu_seconds()
            if cpu - last_cpu >= CPU_EPSILON:
                last_work = now
            last_cpu = cpu
            quiet = now - max(last_work, self._last_output)
            if idle is not None and quiet >= idle:
                kill_group(self.proc)
                return f"hung: no output and no CPU progress for {idle:g} s (--idle-timeout); stopped"
            if deadline is not None and deadline.expired():
                kill_group(self.proc)
                return f"timed out after {deadline.seconds:g} s (per-snippet --timeout)"


def group_cpu_seconds(pgid: int) -> float:
    """CPU seconds of every live process in a process group, with the children each has reaped.

    A ``go build`` forks a compiler per package: their time shows in the parent's reaped-children
    counters once they exit, and in their own counters while they run.
    """
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()
        except OSError:
            continue
        if len(fields) > _CSTIME and int(fields[_PGRP]) == pgid:
            total += sum(int(x) for x in fields[_UTIME : _CSTIME + 1])
    return total / _CLOCK_TICKS


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds of a process and every live descendant (each with the children it has reaped).

    The build farm's buildkitd runs each step through runc as its own descendants (under QEMU the
    emulator is the step's process itself), so a step that prints nothing for minutes, such as an
    emulated ``go build``, still shows its work here.
    """
    parents: dict[int, int] = {}
    used: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()
        except OSError:
            continue
        if len(fields) > _CSTIME:
            pid = int(stat.parent.name)
            parents[pid] = int(fields[_PPID])
            used[pid] = sum(int(x) for x in fields[_UTIME : _CSTIME + 1])
    total = 0
    for pid, ticks in used.items():
        ancestor, hops = pid, 0
        while ancestor not in (root, 0, 1) and hops < _MAX_DEPTH:
            ancestor, hops = parents.get(ancestor, 0), hops + 1
        if ancestor == root:
            total += ticks
    return total / _CLOCK_TICKS


#: Where the engine's build containers are accounted (cgroup v1 cpuacct and v2), first found wins.
ENGINE_BUILD_CGROUPS = (
    "/sys/fs/cgroup/cpuacct/docker/buildkit/cpuacct.usage",
    "/sys/fs/cgroup/cpu,cpuacct/docker/buildkit/cpuacct.usage",
    "/sys/fs/cgroup/docker/buildkit/cpu.stat",
    "/sys/fs/cgroup/system.slice/docker.service/buildkit/cpu.stat",
)


def engine_build_cpu_seconds() -> float | None:
    """CPU seconds the engine's BuildKit containers used so far, or None where it cannot be seen.

    The daemon runs each RUN step in a cgroup under ``docker/buildkit``; the parent's counter grows with
    every step and keeps what finished steps used. Docker Desktop's engine runs in a VM: no such file,
    and then only output counts as progress.
    """
    for name in ENGINE_BUILD_CGROUPS:
        try:
            text = Path(name).read_text(encoding="ascii")
        except OSError:
            continue
        if name.endswith("cpuacct.usage"):
            return int(text.strip()) / 1e9
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "usage_usec":
                return int(value) / 1e6
    return None


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Fields of /proc/<pid>/stat after the ``(command)``, counted from 0 (proc(5) counts pid as 1):
# ppid, pgrp, then utime, stime, cutime and cstime in clock ticks.
_PPID, _PGRP, _UTIME, _CSTIME = 1, 2, 11, 14
#: A process tree deeper than this is taken for a loop in a changing /proc, not followed further.
_MAX_DEPTH = 64


def kill_group(proc: process.Popen[Any], grace: float = KILL_GRACE) -> None:
    """SIGTERM the child's whole group (buildx, go test's children, a server), then SIGKILL if it lingers.

    The group ends when every process in it has, not only its leader: a ``go test`` binary or a server
    the leader started may outlive it. Each signal gets ``grace`` seconds for the whole group; the wait is
    bounded even for a process that ignores SIGKILL (stuck in the kernel), which is left behind.
    """
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        limit = time.monotonic() + grace
        try:
            proc.wait(timeout=grace)
        except process.TimeoutExpired:
            continue
        while group_members(proc.pid) and time.monotonic() < limit:
            time.sleep(GROUP_POLL)
        if not group_members(proc.pid):
            return


#: How often ``kill_group`` looks whether a group's last processes have exited.
GROUP_POLL = 0.05


def group_members(pgid: int) -> list[int]:
    """Return the live processes of process group ``pgid`` (zombies have ended: they wait to be reaped)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return []
    except PermissionError:
        pass  # some member is another user's: look in /proc
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()
        except OSError:
            continue
        if len(fields) > _PGRP and int(fields[_PGRP]) == pgid and fields[0] not in {"Z", "X", "x"}:
            members.append(int(stat.parent.name))
    return members


def _quiet(fetch: Any) -> list[Any]:  # noqa: ANN401
    """List things, returning nothing instead of raising: cleanup is best effort by design."""
    try:
        return list(fetch())
    except (docker.errors.DockerException, OSError):
        return []


def _remove(problems: list[str], what: str, action: Any) -> None:  # noqa: ANN401
    """Run one removal; a thing already gone is fine, anything else is reported."""
    try:
        action()
    except docker.errors.NotFound:
        return
    except (docker.errors.DockerException, OSError) as exc:
        problems.append(f"{what}: {exc}")
