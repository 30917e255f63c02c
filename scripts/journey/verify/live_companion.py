"""The companion probe: look inside a service that has no shell, from a container joined to it.

``exec`` steps run in the service itself (``docker exec``): in ``scratch`` that fails, and the
engine's own error is what a reader gets, so it is recorded as it comes. ``run`` steps run in a
debugging container that shares the service's PID and network namespaces
(``--pid=container:<service> --network=container:<service>``): ``/proc/1`` is the service, its
sockets are the companion's. Everything is recorded as one transcript, command by command.

A step's non-zero exit code is recorded; it passes only a probe whose ``output`` judges the transcript
(the exec into ``scratch`` failing is the lesson). Without ``output`` every step must exit 0. The engine
refusing the companion container itself, or refusing an exec into the service outright (an API error:
the service is gone, say), is no outcome of the snippet: it fails the probe, in the engine's words.
"""

from __future__ import annotations

import re
import shlex
import time
from typing import TYPE_CHECKING, Any

import docker.errors

from journey.core.errors import VerificationError
from journey.engine.container import (
    LOG_CAP,
    explain,
    log_tail,
    logs,
    read_for,
    remove,
    running_service,
    too_much,
)
from journey.engine.session import Deadline, tail

if TYPE_CHECKING:
    from journey.engine.session import Session
    from journey.model.manifest import Snippet
    from journey.model.runspec import CompanionProbe, CompanionStep

#: How the transcript names the service container (its real name is a random one).
SERVICE = "service"


def command_line(spec: CompanionProbe, item: CompanionStep) -> str:
    """Return the ``docker`` command a reader would type for one step (arguments quoted as a shell needs)."""
    if item.exec is not None:
        return f"$ docker exec {SERVICE} {shlex.join(item.exec)}"
    user = f" --user={spec.user}" if spec.user else ""
    joined = f"--pid=container:{SERVICE} --network=container:{SERVICE}"
    return f"$ docker run --rm {joined}{user} {spec.image} {shlex.join(item.argv)}"


def _exec(
    container: Any,  # noqa: ANN401 - docker's Container is untyped
    argv: tuple[str, ...],
    names: tuple[str, str],
    budget: Deadline,
) -> tuple[int, str]:
    """``docker exec`` into the service; what the command does is an outcome, an engine refusal is not.

    A command the runtime cannot start (``sh`` in ``scratch``) comes back as exit code 126 and the
    runtime's words: that is the outcome a reader sees. An API error means the engine would not even
    run the exec (the service is gone): the probe fails. The output is read as it comes, up to
    ``LOG_CAP`` bytes and until the probe's budget runs out.
    """
    api, shown = container.client.api, f"docker exec {shlex.join(argv)}"
    try:
        exec_id = api.exec_create(container.id, list(argv))["Id"]
        stream = api.exec_start(exec_id, stream=True)
    except docker.errors.APIError as exc:
        cause = f"{shown}: the engine refused the exec: {explain(exc)}"
        raise VerificationError(cause, snippet=names[0], step=names[1]) from exc
    data, over, ended = read_for(stream, LOG_CAP, max(budget.remaining(), 1))
    text = data.decode("utf-8", errors="replace")
    if over:
        raise too_much(names, f"the output of {shown}", text)
    if not ended:
        cause = f"{shown}: did not exit within {budget.seconds:g} s"
        raise VerificationError(cause, snippet=names[0], step=names[1], log_tail=tail(text))
    return _exit_code(api, (exec_id, shown), names, budget), text


def _exit_code(api: Any, run: tuple[str, str], names: tuple[str, str], budget: Deadline) -> int:  # noqa: ANN401 - docker's APIClient is untyped
    """Return an exec's exit code once the engine has it (its output may end a moment before it exits).

    An exec whose output ended but which still runs at the budget has no exit code to record: it fails
    the probe rather than record a made-up one.
    """
    exec_id, shown = run
    while True:
        info = api.exec_inspect(exec_id)
        code = info.get("ExitCode")
        if not info.get("Running") and code is not None:
            return int(code)
        if budget.expired():
            cause = f"{shown}: no exit code from the engine within {budget.seconds:g} s"
            raise VerificationError(cause, snippet=names[0], step=names[1])
        time.sleep(0.05)


def _companion(
    session: Session,
    snippet: Snippet,
    joined_to: str,
    spec: CompanionProbe,
    work: tuple[tuple[str, ...], Deadline, str],
) -> tuple[int, str]:
    """Run one command in a fresh companion container joined to the service; always remove it."""
    argv, budget, step = work
    session.raise_if_cancelled(snippet.id)
    joined = f"container:{joined_to}"
    try:
        companion = session.client.containers.create(
            spec.image,
            command=list(argv),
            pid_mode=joined,
            network_mode=joined,
            user=spec.user or "",
            labels=session.labels_for(snippet.id),
            detach=True,
        )
    except docker.errors.APIError as exc:
        cause = f"{' '.join(argv)}: the engine could not create the companion container: {explain(exc)}"
        raise VerificationError(cause, snippet=snippet.id, step=step) from exc
    try:
        try:
            companion.start()
        except docker.errors.APIError as exc:
            cause = f"{' '.join(argv)}: the engine could not start the companion container: {explain(exc)}"
            raise VerificationError(cause, snippet=snippet.id, step=step) from exc
        try:
            code = session.wait_exit(companion, snippet=snippet.id, timeout=max(budget.remaining(), 1))
        except TimeoutError as exc:
            cause = f"{' '.join(argv)}: did not exit within {budget.seconds:g} s"
            raise VerificationError(
                cause, snippet=snippet.id, step=step, log_tail=log_tail(companion)
            ) from exc
        return code, logs(companion, (snippet.id, step))
    finally:
        remove(companion)


def run(
    session: Session, snippet: Snippet, image_id: str, named: tuple[str, CompanionProbe], budget: Deadline
) -> dict[str, Any]:
    """Run every step against one service; raise when the transcript does not match ``output``.

    Without ``output``, a step that exits non-zero fails the probe: nothing else would judge it.
    """
    name, spec = named
    step = f"probe {name}"
    service, _ = running_service(session, snippet, image_id, budget, spec.options, step=step)
    try:
        parts: list[str] = []
        failed: list[str] = []
        for item in spec.steps:
            if item.exec is not None:
                code, text = _exec(service, item.exec, (snippet.id, step), budget)
            else:
                code, text = _companion(session, snippet, service.id, spec, (item.argv, budget, step))
            parts += [command_line(spec, item), text.rstrip()] + ([f"(exit code {code})"] if code else [])
            failed += [f"{shlex.join(item.argv)} exited {code}"] if code else []
        transcript = "\n".join(p for p in parts if p)
        if spec.output and re.search(spec.output, transcript) is None:
            cause = f"transcript does not match /{spec.output}/"
            raise VerificationError(cause, snippet=snippet.id, step=step, log_tail=tail(transcript))
        if not spec.output and failed:
            cause = f"{failed[0]} (without `output`, every step must exit 0)"
            raise VerificationError(cause, snippet=snippet.id, step=step, log_tail=tail(transcript))
        return {"name": name, "ok": True, "output": transcript}
    finally:
        remove(service)
