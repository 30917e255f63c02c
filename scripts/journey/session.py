"""One ``journey verify`` run: its id, its deadlines, and everything it must clean up.

Every container and network the run creates carries the label ``org.golangjourney.run=<run id>``
and every temporary image tag carries the run id, so cleanup after success, failure, timeout,
Ctrl-C or SIGTERM can find them all, even ones created by a worker thread a moment before the
interrupt. Images get the id in their tag, not a label: a label would change the image ID on
every run, defeating the per-image measurement cache and churning recorded IDs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import docker.errors

from journey.errors import InterruptedRunError, VerificationError

RUN_LABEL = "org.golangjourney.run"
#: Which snippet a container belongs to, so a test (or a person) can find exactly its leftovers.
SNIPPET_LABEL = "org.golangjourney.snippet"
#: Repository prefix of every image tag a run creates and removes again.
TEMP_REPO = "journey-run"
#: Seconds a killed process gets to exit before SIGKILL.
KILL_GRACE = 5


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
        self.labels = {RUN_LABEL: self.run_id}
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen[str]] = set()

    @property
    def cancelled(self) -> bool:
        """True once an interrupt asked every worker to stop."""
        return self._cancel.is_set()

    def labels_for(self, snippet: str | None) -> dict[str, str]:
        """Return the labels of a container made for ``snippet``: the run id and the snippet id."""
        return {**self.labels, SNIPPET_LABEL: snippet} if snippet else dict(self.labels)

    def raise_if_cancelled(self, snippet: str | None = None) -> None:
        """Stop a worker before it creates anything new after an interrupt."""
        if self._cancel.is_set():
            raise CancelledError(snippet)

    def temp_tag(self, slug: str) -> str:
        """Name a tag unique to this run, so cleanup finds it whatever happens."""
        return f"{TEMP_REPO}/{slug}:{self.run_id}"

    def run_process(
        self,
        argv: list[str],
        *,
        deadline: Deadline,
        what: VerificationError,
        cwd: str | None = None,
        env: dict[str, str] | None = None,
    ) -> ProcessResult:
        """Run a child in its own process group, killed on timeout or interrupt.

        ``what`` is the error to raise (with its snippet and step) when the deadline passes;
        the timeout message and the output so far are filled in here.
        """
        self.raise_if_cancelled(what.snippet)
        start = time.monotonic()
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        with self._lock:
            self._procs.add(proc)
        try:
            output, timed_out = _communicate(proc, deadline.remaining())
        finally:
            with self._lock:
                self._procs.discard(proc)
        self.raise_if_cancelled(what.snippet)
        if timed_out:
            raise VerificationError(
                f"timed out after {deadline.seconds:g} s (per-snippet --timeout)",
                snippet=what.snippet,
                step=what.step,
                log_tail=tail(output),
            )
        return ProcessResult(proc.returncode, output, time.monotonic() - start)

    def cancel(self) -> None:
        """Ask every worker to stop and kill every child process now."""
        self._cancel.set()
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            kill_group(proc)

    def cleanup(self) -> list[str]:
        """Remove every container, network and temporary image tag of this run.

        Returns what could not be removed (for a warning): cleanup must never raise, since it
        runs on the way out of an error or an interrupt.
        """
        problems: list[str] = []
        label = f"{RUN_LABEL}={self.run_id}"
        for container in _quiet(lambda: self.client.containers.list(all=True, filters={"label": label})):
            _remove(problems, f"container {container.name}", lambda c=container: c.remove(force=True))
        for network in _quiet(lambda: self.client.networks.list(filters={"label": label})):
            _remove(problems, f"network {network.name}", network.remove)
        for tag in self.temp_tags():
            _remove(problems, f"image {tag}", lambda t=tag: self.client.images.remove(t, noprune=False))
        return problems

    def temp_tags(self) -> list[str]:
        """Every image tag this run created and has not removed yet."""
        ref = f"{TEMP_REPO}/*:{self.run_id}"
        images = _quiet(lambda: self.client.images.list(filters={"reference": ref}))
        return sorted(t for image in images for t in image.tags if t.endswith(f":{self.run_id}"))


def tail(text: str, lines: int = 25) -> str:
    """Keep the last lines of a log: enough to see the cause, short enough for a terminal."""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _communicate(proc: subprocess.Popen[str], timeout: float) -> tuple[str, bool]:
    """Wait for a child within ``timeout``; on expiry kill its group and keep its output."""
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        out, _ = proc.communicate()
        return out or "", True
    return out or "", False


def kill_group(proc: subprocess.Popen[Any], grace: float = KILL_GRACE) -> None:
    """SIGTERM the child's whole group (buildx, go test's children, a server), then SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        return


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
