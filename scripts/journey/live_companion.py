"""The companion probe: look inside a service that has no shell, from a container joined to it.

``exec`` steps run in the service itself (``docker exec``): in ``scratch`` that fails, and the
engine's own error is what a reader gets, so it is recorded as it comes. ``run`` steps run in a
debugging container that shares the service's PID and network namespaces
(``--pid=container:<service> --network=container:<service>``): ``/proc/1`` is the service, its
sockets are the companion's. Everything is recorded as one transcript, command by command.
"""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING, Any

import docker.errors

from journey.container import explain, logs, remove, running_service
from journey.errors import VerificationError
from journey.session import Deadline, tail

if TYPE_CHECKING:
    from journey.manifest import Snippet
    from journey.runspec import CompanionProbe, CompanionStep
    from journey.session import Session

#: How the transcript names the service container (its real name is a random one).
SERVICE = "service"


def command_line(spec: CompanionProbe, item: CompanionStep) -> str:
    """Return the ``docker`` command a reader would type for one step (arguments quoted as a shell needs)."""
    if item.exec is not None:
        return f"$ docker exec {SERVICE} {shlex.join(item.exec)}"
    user = f" --user={spec.user}" if spec.user else ""
    joined = f"--pid=container:{SERVICE} --network=container:{SERVICE}"
    return f"$ docker run --rm {joined}{user} {spec.image} {shlex.join(item.argv)}"


def _exec(container: Any, argv: tuple[str, ...]) -> tuple[int, str]:  # noqa: ANN401
    """``docker exec`` into the service; an exec the engine refuses is an outcome, not an error."""
    try:
        code, output = container.exec_run(list(argv))
    except docker.errors.APIError as exc:
        return -1, explain(exc)
    return int(code if code is not None else -1), bytes(output).decode("utf-8", errors="replace")


def _companion(
    session: Session,
    snippet: Snippet,
    joined_to: str,
    spec: CompanionProbe,
    work: tuple[tuple[str, ...], Deadline],
) -> tuple[int, str]:
    """Run one command in a fresh companion container joined to the service; always remove it."""
    argv, budget = work
    session.raise_if_cancelled(snippet.id)
    joined = f"container:{joined_to}"
    companion = session.client.containers.create(
        spec.image,
        command=list(argv),
        pid_mode=joined,
        network_mode=joined,
        user=spec.user or "",
        labels=session.labels_for(snippet.id),
        detach=True,
    )
    try:
        try:
            companion.start()
        except docker.errors.APIError as exc:
            return -1, explain(exc)
        try:
            code = session.wait_exit(companion, snippet=snippet.id, timeout=max(budget.remaining(), 1))
        except TimeoutError as exc:
            cause = f"{' '.join(argv)}: did not exit within {budget.seconds:g} s"
            raise VerificationError(
                cause, snippet=snippet.id, step="companion", log_tail=tail(logs(companion))
            ) from exc
        return code, logs(companion)
    finally:
        remove(companion)


def run(
    session: Session, snippet: Snippet, image_id: str, named: tuple[str, CompanionProbe], budget: Deadline
) -> dict[str, Any]:
    """Run every step against one service; raise when the transcript does not match ``output``."""
    name, spec = named
    step = f"probe {name}"
    service, _ = running_service(session, snippet, image_id, budget, spec.options)
    try:
        parts: list[str] = []
        for item in spec.steps:
            if item.exec is not None:
                code, text = _exec(service, item.exec)
            else:
                code, text = _companion(session, snippet, service.id, spec, (item.argv, budget))
            parts += [command_line(spec, item), text.rstrip()] + ([f"(exit code {code})"] if code else [])
        transcript = "\n".join(p for p in parts if p)
        if spec.output and re.search(spec.output, transcript) is None:
            cause = f"transcript does not match /{spec.output}/"
            raise VerificationError(cause, snippet=snippet.id, step=step, log_tail=tail(transcript))
        return {"name": name, "ok": True, "output": transcript}
    finally:
        remove(service)
