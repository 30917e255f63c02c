"""The inspect probe: start the service, do something to it, and read named fields of ``docker inspect``.

What a reader would check by hand after a crash (``State.OOMKilled``, ``State.ExitCode``) is read from
the engine's own record of the container, after an optional request (the load that kills it) and an
optional wait for the container to stop. Values are compared as JSON values (``true``, ``137``).
The request's answer may be whole or cut (the kill is often the point); no answer by the deadline, a
refused connection or an answer past the size cap fails the probe (``answer.judge_answer``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from journey.core.errors import VerificationError
from journey.engine.container import log_tail, remove, running_service, send
from journey.engine.session import Deadline, tail
from journey.model.answer import judge_answer, take_numbers

if TYPE_CHECKING:
    from journey.engine.session import Session
    from journey.model.manifest import Snippet
    from journey.model.runspec import InspectProbe

#: Stands for a path ``docker inspect`` does not have (told apart from a JSON ``null``).
MISSING = "(no such field)"


def field_value(attrs: dict[str, Any], dotted: str) -> object:
    """Return the value at ``State.OOMKilled`` in an inspect document, or ``MISSING``."""
    value: object = attrs
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


def _shown(value: object) -> str:
    """Spell a value as ``docker inspect --format '{{json …}}'`` prints it."""
    return MISSING if value is MISSING else json.dumps(value)


def run(
    session: Session, snippet: Snippet, image_id: str, named: tuple[str, InspectProbe], budget: Deadline
) -> dict[str, Any]:
    """Run the probe; raise naming the first field whose value is not the expected one."""
    name, spec = named
    step = f"probe {name}"
    container, port = running_service(session, snippet, image_id, budget, spec.options, step=step)
    try:
        lines: list[str] = []
        measured: dict[str, Any] = {}
        if spec.request is not None and port is not None:
            answer = send(port, spec.request, timeout=max(budget.remaining(), 1))
            why = judge_answer(spec.request, answer)
            if why:
                raise VerificationError(why, snippet=snippet.id, step=step, log_tail=log_tail(container))
            text, measured = take_numbers(spec.request, answer.text)
            lines += [f"{spec.request.line}:", text.rstrip(), ""]
        if spec.wait_exit:
            _wait_exit(session, container, budget, (snippet.id, step))
        container.reload()
        values = {key: field_value(container.attrs, key) for key in spec.fields}
        lines += [f"{key}: {_shown(value)}" for key, value in values.items()]
        output = "\n".join(lines)
        for key, want in spec.fields.items():
            if values[key] != want or type(values[key]) is not type(want):
                cause = f"docker inspect: {key} is {_shown(values[key])}, expected {json.dumps(want)}"
                raise VerificationError(cause, snippet=snippet.id, step=step, log_tail=tail(output))
        outcome: dict[str, Any] = {"name": name, "ok": True, "output": output}
        if measured:
            outcome["measured"] = measured
        return outcome
    finally:
        remove(container)


def _wait_exit(session: Session, container: Any, budget: Deadline, names: tuple[str, str]) -> None:  # noqa: ANN401
    """Wait for the container to stop by itself; raise when it is still running at the deadline."""
    try:
        session.wait_exit(container, snippet=names[0], timeout=max(budget.remaining(), 1))
    except TimeoutError as exc:
        cause = f"the container was still running after {budget.seconds:g} s (wait_exit)"
        raise VerificationError(cause, snippet=names[0], step=names[1], log_tail=log_tail(container)) from exc
