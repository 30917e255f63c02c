"""The health probe: walk a service's ``HEALTHCHECK`` through states and record its health log.

The engine runs the image's health check; this only watches ``State.Health`` in ``docker inspect``
(polled) and, between waits, sends the requests the manifest names (one that makes the service
sick, say). Recorded: every state seen, in order, and the last health check's exit code and output,
which is where the engine puts a check that could not even start (``/bin/sh`` missing in scratch).
The check's times are left out (they differ on every run); the states and the words do not.
"""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Any

from journey.core.errors import VerificationError
from journey.engine.container import remove, running_service, send
from journey.engine.session import Deadline, tail
from journey.model.answer import judge_answer
from journey.model.runspec import WaitStep

if TYPE_CHECKING:
    from collections.abc import Callable

    from journey.engine.session import Session
    from journey.model.manifest import Snippet
    from journey.model.runspec import HealthProbe, HealthStep

POLL = 0.2


def health_of(attrs: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]]]:
    """Return ``State.Health.Status`` and its log from ``docker inspect`` (``None``: no HEALTHCHECK)."""
    health = (attrs.get("State") or {}).get("Health")
    if not health:
        return None, []
    return str(health.get("Status")), list(health.get("Log") or [])


def last_check(log: list[dict[str, Any]]) -> str:
    """Return the last health check as a reader reads it: its exit code, then what it printed."""
    if not log:
        return "no health check has run yet"
    entry = log[-1]
    output = str(entry.get("Output") or "").rstrip()
    return f"exit code {entry.get('ExitCode')}" + (f"\n{output}" if output else "")


class _Watch:
    """The states one container's health went through, as seen by polling."""

    def __init__(self, container: Any, pause: Callable[[float], None] = time.sleep) -> None:  # noqa: ANN401 - docker's Container is untyped
        self.container = container
        #: sleeps between polls; the run's ``Session.pause``, so an interrupt ends a wait of minutes
        self.pause = pause
        self.seen: list[str] = []
        self.log: list[dict[str, Any]] = []

    def poll(self) -> str | None:
        """Read the health once; remember a state that differs from the last one seen."""
        self.container.reload()
        status, self.log = health_of(self.container.attrs)
        if status is not None and (not self.seen or self.seen[-1] != status):
            self.seen.append(status)
        return status

    def until(self, state: str, seconds: float) -> bool:
        """Poll until the health is ``state``; ``False`` after ``seconds`` or if the container stopped."""
        deadline = Deadline(seconds)
        while not deadline.expired():
            if self.poll() == state:
                return True
            if self.container.status in {"exited", "dead"}:
                return False
            self.pause(POLL)
        return False


def run(session: Session, snippet: Snippet, image_id: str, name: str, spec: HealthProbe) -> dict[str, Any]:
    """Walk the steps; raise naming the state waited for, the states seen and the last check."""
    step = f"probe {name}"
    budget = Deadline(float(snippet.run.timeout if snippet.run else 30))
    container, port = running_service(session, snippet, image_id, budget, spec.options, step=step)
    try:
        watch = _Watch(container, functools.partial(session.pause, snippet=snippet.id))
        if watch.poll() is None:
            raise VerificationError(
                "the image has no HEALTHCHECK (docker inspect shows no State.Health)",
                snippet=snippet.id,
                step=step,
            )
        lines: list[str] = []
        for item in spec.steps:
            _step(watch, item, (port, spec.timeout), lines, (snippet.id, step))
        lines += [f"states seen: {' -> '.join(watch.seen)}", "", "last health check:", last_check(watch.log)]
        return {"name": name, "ok": True, "output": "\n".join(lines)}
    finally:
        remove(container)


def _step(
    watch: _Watch, item: HealthStep, where: tuple[int | None, int], lines: list[str], names: tuple[str, str]
) -> None:
    """Do one step (wait for a state, or send a request) and add what happened to ``lines``."""
    (port, timeout), (snippet_id, step) = where, names
    if isinstance(item, WaitStep):
        if not watch.until(item.wait, timeout):
            seen = " -> ".join(watch.seen) or "none"
            cause = f"health: not {item.wait} after {timeout} s (states seen: {seen})"
            raise VerificationError(
                cause, snippet=snippet_id, step=step, log_tail=tail(last_check(watch.log))
            )
        lines.append(f"waited for {item.wait}: states so far {' -> '.join(watch.seen)}")
        return
    if port is None:  # the manifest refuses it (``manifest._live_needs_run``); a Snippet made in code may not
        raise VerificationError(
            "sends a request: the service needs a container port (run.port)", snippet=snippet_id, step=step
        )
    answer = send(port, item.request)
    why = judge_answer(item.request, answer)
    if why:
        raise VerificationError(why, snippet=snippet_id, step=step, log_tail=tail(answer.text))
    lines.append(f"{item.request.line}: {answer.text.splitlines()[0] if answer.text else ''}")
