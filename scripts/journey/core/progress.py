"""Progress on stderr while snippets verify, and the summary at the end.

On a terminal the steps animate (Rich); in CI logs or a pipe each step is one plain line, so logs
stay readable and diffable, and a snippet whose step runs long gets a line every HEARTBEAT seconds
with the step and the time spent (a cold compile is silent for minutes: the log shows it is alive).
Errors always carry the snippet, the step, the cause and the log tail.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from types import TracebackType

    from journey.core.errors import JourneyError


@dataclass
class Outcome:
    """How one snippet's verification ended, for the summary and ``--json``."""

    snippet: str
    status: str  # verified, not-verified, unchanged, reused (trusted by source digest), failed, interrupted
    changed: bool = False
    seconds: float = 0.0
    reason: str | None = None
    error: JourneyError | None = None
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step, for --json only
    waited: float = 0.0  # of ``seconds``, those spent waiting for a slot or the farm (Session.waited)

    def as_json(self) -> dict[str, Any]:
        """Return the machine-readable form printed by ``--json``."""
        error = None
        if self.error is not None:
            error = {
                "step": self.error.step,
                "cause": self.error.cause,
                "message": self.error.message,
                "log_tail": getattr(self.error, "log_tail", ""),
            }
        return {
            "snippet": self.snippet,
            "status": self.status,
            "changed": self.changed,
            "seconds": round(self.seconds, 1),
            "reason": self.reason,
            "error": error,
            "steps": dict(self.steps),
            "waited": round(self.waited, 1),
        }


#: Seconds between "still working" lines for a snippet in plain (non-terminal) output.
HEARTBEAT = 30.0


@dataclass
class _Active:
    """A snippet in progress: its step, when the step and the snippet began, when it was last shown."""

    step: str
    step_started: float
    started: float
    shown: float


class Reporter:
    """Thread-safe progress lines or an animated view, both on stderr."""

    def __init__(self, console: Console | None = None, heartbeat: float = HEARTBEAT) -> None:
        self.console = console or Console(stderr=True, highlight=False, soft_wrap=True)
        self.animated = self.console.is_terminal
        self.heartbeat = heartbeat
        self._lock = threading.Lock()
        self._progress: Progress | None = None
        self._tasks: dict[str, Any] = {}
        self._active: dict[str, _Active] = {}
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def __enter__(self) -> Self:
        if self.animated:
            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._progress.start()
        else:
            self._beat = threading.Thread(target=self._beating, name="heartbeat", daemon=True)
            self._beat.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join(timeout=5)
        if self._progress is not None:
            self._progress.stop()

    def _beating(self) -> None:
        """Every few seconds, give each snippet not shown for HEARTBEAT seconds a "still" line."""
        while not self._stop.wait(min(5.0, self.heartbeat)):
            now = time.monotonic()
            with self._lock:
                for snippet, active in self._active.items():
                    if now - active.shown >= self.heartbeat:
                        active.shown = now
                        self.console.print(_still_line(snippet, active, now), markup=False)

    def step(self, snippet: str, text: str) -> None:
        """Say what a snippet is doing now (``build``, ``measure``, ``probe location``…)."""
        with self._lock:
            now = time.monotonic()
            started = self._active[snippet].started if snippet in self._active else now
            self._active[snippet] = _Active(text, now, started, now)
            if self._progress is None:
                self.console.print(f"{snippet}: {text}", markup=False)
                return
            task = self._tasks.get(snippet)
            if task is None:
                self._tasks[snippet] = self._progress.add_task(f"{snippet}: {text}")
            else:
                self._progress.update(task, description=f"{snippet}: {text}")

    def done(self, outcome: Outcome) -> None:
        """Report a finished snippet; a failure shows its message and the log tail."""
        with self._lock:
            self._active.pop(outcome.snippet, None)
            task = self._tasks.pop(outcome.snippet, None)
            if task is not None and self._progress is not None:
                self._progress.remove_task(task)
            self.console.print(_done_line(outcome), markup=False)
            if outcome.error is not None:
                log_tail = getattr(outcome.error, "log_tail", "")
                if log_tail:
                    self.console.print(_indent(log_tail), markup=False)

    def summary(self, outcomes: list[Outcome]) -> None:
        """Print the table of every snippet's outcome (nothing when no snippet needed the engine)."""
        if not outcomes:
            return
        table = Table(title="journey verify", title_justify="left")
        for column in ("snippet", "status", "result file", "seconds"):
            table.add_column(column)
        for outcome in outcomes:
            written = "rewritten" if outcome.changed else "unchanged"
            table.add_row(outcome.snippet, outcome.status, written, f"{outcome.seconds:.1f}")
        self.console.print(table)

    def note(self, text: str) -> None:
        """Print a line of progress that belongs to no snippet (the build farm starting, stopping)."""
        with self._lock:
            self.console.print(text, markup=False)

    def warn(self, text: str) -> None:
        """Print a warning line (cleanup problems, skipped work)."""
        with self._lock:
            self.console.print(f"warning: {text}", markup=False)


def _still_line(snippet: str, active: _Active, now: float) -> str:
    """``vol1/naive: still in build, 2m30s in this step, 3m05s in all``."""
    return (
        f"{snippet}: still in {active.step}, {_clock(now - active.step_started)} in this step, "
        f"{_clock(now - active.started)} in all"
    )


def _clock(seconds: float) -> str:
    """``45s``, ``2m05s``: minutes and seconds, the way a CI log is read."""
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{rest}s"


def _done_line(outcome: Outcome) -> str:
    """One line per finished snippet: the error message names snippet, step and cause."""
    if outcome.error is not None:
        return f"FAILED {outcome.error.message}"
    if outcome.status == "unchanged":
        return f"{outcome.snippet}: unchanged (input digest as recorded; skipped)"
    if outcome.status == "not-verified":
        return f"{outcome.snippet}: NOT VERIFIED: {outcome.reason}"
    suffix = "result rewritten" if outcome.changed else "result unchanged"
    return f"{outcome.snippet}: {outcome.status} ({suffix}, {outcome.seconds:.1f} s)"


def _indent(text: str) -> str:
    """Indent a log tail under its error line."""
    return "\n".join(f"    | {line}" for line in text.splitlines())
