"""The stop probe: how long ``docker stop`` takes, the exit code, and what happens to a request in flight.

Each run starts a fresh service, sends the slow request (if any) from a thread, waits ``delay``
seconds so the request is surely being answered, then stops the container with the engine's
``stop`` (SIGTERM, SIGKILL after ``grace`` seconds: what ``docker stop`` does) and times it.
Repeated ``runs`` times (at least five), recorded as a median with its spread: one stop is an anecdote.

The request in flight ends ``completed`` (answered as ``request`` expects) or ``cut`` (the server
closed or reset the connection before a whole answer). Any other end is its own outcome and fails
the probe whatever ``expect`` says: ``unanswered`` (no answer, and no cut, by the client's deadline),
``refused`` (the request never reached the service), ``answered wrongly`` (an answer ``request`` does
not accept), ``too large`` (an answer past the size cap), ``failed`` (a broken exchange).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from journey.core.errors import VerificationError
from journey.engine.container import logs, remove, running_service, send
from journey.engine.session import Deadline, tail
from journey.model.answer import Answer, judge, take_numbers
from journey.model.stats import spread

if TYPE_CHECKING:
    from journey.engine.session import Session
    from journey.model.manifest import Snippet
    from journey.model.record import Spread
    from journey.model.runspec import Request, StopProbe

#: Seconds a client waits for the slow answer beyond the stop's own grace.
CLIENT_SLACK = 10.0
#: The ends of a request in flight that are outcomes; ``expect.in_flight`` picks one of them.
OUTCOMES = ("completed", "cut")


class _InFlight:
    """A request sent from a thread; ``answer`` is what it got, ``None`` while it is still waiting."""

    def __init__(self, port: int, spec: Request, wait: float) -> None:
        self.spec, self.wait = spec, wait
        self.answer: Answer | None = None
        self._thread = threading.Thread(target=self._send, args=(port, wait), daemon=True)
        self._thread.start()

    def _send(self, port: int, wait: float) -> None:
        self.answer = send(port, self.spec, timeout=wait)

    def result(self, wait: float) -> tuple[str, str]:
        """Wait for the answer (or the cut); return its outcome (see the module) and its text."""
        self._thread.join(wait)
        answer = self.answer
        if answer is None:
            return "unanswered", f"no answer: still waiting {wait:g} s after the stop"
        return outcome(self.spec, answer), answer.text


def outcome(spec: Request, answer: Answer) -> str:
    """Name how a request in flight ended: ``completed``, ``cut`` or one of the failing ends."""
    if answer.fate == "answered":
        return "completed" if judge(spec, answer.status, answer.text) is None else "answered wrongly"
    return answer.fate


def _one_stop(
    session: Session, snippet: Snippet, image_id: str, spec: StopProbe, step: str
) -> tuple[float, int, tuple[str, str] | None, str]:
    """Start, hold a request, stop; return seconds, exit code, the request's outcome and the log."""
    budget = Deadline(float(snippet.run.timeout if snippet.run else 30))
    container, port = running_service(session, snippet, image_id, budget, spec.options, step=step)
    try:
        flight = None
        if spec.request is not None and port is not None:
            flight = _InFlight(port, spec.request, spec.grace + CLIENT_SLACK)
            session.pause(spec.delay, snippet.id)
        started = time.monotonic()
        container.stop(timeout=spec.grace)
        seconds = time.monotonic() - started
        container.reload()
        code = int(container.attrs["State"]["ExitCode"])
        answer = flight.result(CLIENT_SLACK) if flight is not None else None
        return seconds, code, answer, logs(container, (snippet.id, step))
    finally:
        remove(container)


def _counted(values: list[Any]) -> str:
    """Say ``0 in 5 of 5 runs`` (or each value with its count, most frequent first)."""
    total = len(values)
    return "; ".join(f"{value} in {n} of {total} runs" for value, n in Counter(values).most_common())


def run(session: Session, snippet: Snippet, image_id: str, name: str, spec: StopProbe) -> dict[str, Any]:
    """Run the stop probe ``spec.runs`` times and judge the codes, the request and the median time."""
    step = f"probe {name}"
    stops = []
    for _ in range(spec.runs):
        session.raise_if_cancelled(snippet.id)
        stops.append(_one_stop(session, snippet, image_id, spec, step))
    seconds, codes = [s[0] for s in stops], [s[1] for s in stops]
    timing = spread(seconds)
    lines = [f"docker stop --time {spec.grace}, {spec.runs} runs", f"exit code: {_counted(codes)}"]
    measured: dict[str, Any] = {"stop_seconds": timing}
    answers = [s[2] for s in stops if s[2] is not None]
    if spec.request is not None:
        lines.insert(1, f"in flight: {spec.request.line}, sent {spec.delay:g} s before the stop")
        lines.append(f"request in flight: {_counted([a[0] for a in answers])}")
        text, numbers = take_numbers(spec.request, answers[-1][1] if answers else "")
        lines += ["", "its answer (last run):", text.rstrip()]
        measured.update(numbers)
    log = stops[-1][3].rstrip()
    lines += ["", "the service's log (last run):", log or "(nothing)"]
    output = "\n".join(lines)
    why = _wrong(spec, codes, answers, timing)
    if why:
        raise VerificationError(why, snippet=snippet.id, step=step, log_tail=tail(output))
    return {"name": name, "ok": True, "output": output, "measured": measured}


def _wrong(spec: StopProbe, codes: list[int], answers: list[tuple[str, str]], timing: Spread) -> str | None:
    """Return the first way the runs differ from ``expect``, in words, or ``None``.

    A request in flight that ended neither ``completed`` nor ``cut`` fails first, whatever ``expect``
    says: it is no outcome of the stop, and counting it as one would let a failure pass.
    """
    seen = [a[0] for a in answers]
    strays = [(end, text) for end, text in answers if end not in OUTCOMES]
    if strays:
        return (
            f"request in flight: {_counted(seen)}: {strays[0][0]} is no outcome of the stop "
            f"(only {' or '.join(OUTCOMES)} are): {strays[0][1]}"
        )
    if spec.exit_code is not None and any(code != spec.exit_code for code in codes):
        return f"docker stop: exit code {_counted(codes)}, expected {spec.exit_code}"
    if spec.in_flight is not None and (len(seen) != len(codes) or any(s != spec.in_flight for s in seen)):
        return f"request in flight: {_counted(seen) or 'never sent'}, expected {spec.in_flight}"
    median = float(timing["median"])
    if spec.max_seconds is not None and median >= spec.max_seconds:
        return (
            f"docker stop took {median:g} s (median of {len(codes)}), expected under {spec.max_seconds:g} s"
        )
    if spec.min_seconds is not None and median < spec.min_seconds:
        return (
            f"docker stop took {median:g} s (median of {len(codes)}), "
            f"expected at least {spec.min_seconds:g} s"
        )
    return None
