"""Run a snippet's image and ask it questions: HTTP probes, commands, expected failures, live probes.

HTTP probes ask the one service container; command probes each run a fresh container; live probes
(stop, health, inspect, companion: ``journey.verify.live``) each start a service container of their own,
because each changes it (stops it, makes it sick, kills it). Containers are made and removed by
``journey.engine.container``. Outputs are recorded as a reader would see them: the HTTP answer, the
command's output, or the engine's error for a container that cannot even start (``unable to find user``).
That error passes only an ``expect_failure`` probe whose ``output`` names it; anywhere else it fails the
probe, in the engine's words (``judge_command``).
"""

from __future__ import annotations

import http.client
import re
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import docker.errors

from journey.core.errors import VerificationError
from journey.engine.container import (
    AnswerTooLargeError,
    AttachedOutput,
    client_error,
    complete_output,
    create_kwargs,
    explain,
    log_tail,
    options_for,
    remove,
    request,
    running_service,
    settled_logs,
    too_much,
)
from journey.engine.session import Deadline, tail
from journey.model.manifest import FRESH_KINDS, ExecProbe, ExpectFailureProbe, HttpProbe
from journey.model.runspec import StopProbe
from journey.verify.live import run_live_probe

if TYPE_CHECKING:
    from journey.engine.session import Session
    from journey.model.manifest import Command, Probe, Snippet

__all__ = ["run_probes", "settled_logs"]

#: Containers a snippet's probes may run at once.
PARALLEL_PROBES = 4


def run_probes(
    session: Session, snippet: Snippet, image_id: str, deadline: Deadline
) -> tuple[list[dict[str, Any]], str]:
    """Return the ``probes`` of result.json and the service's log, raising at the first wrong answer.

    The service and each command probe run side by side (each in its own container): starting
    containers is most of a warm verify's time, and they do not depend on each other. Stop probes
    run after them, one at a time: they time ``docker stop``, and a busy machine would time itself.
    """
    budget = Deadline(min(float(snippet.run.timeout if snippet.run else 30), deadline.remaining()))
    fresh = [p for p in snippet.probes if p.kind in FRESH_KINDS]
    with ThreadPoolExecutor(max_workers=PARALLEL_PROBES, thread_name_prefix="probe") as pool:
        service = None
        if snippet.run is not None:
            http_probes = [(p.name, spec) for p in snippet.probes if (spec := p.of(HttpProbe)) is not None]
            service = pool.submit(_with_service, session, snippet, image_id, budget, http_probes)
        singles = [pool.submit(_single, session, snippet, image_id, p, budget) for p in fresh]
        results, service_log = service.result() if service is not None else ([], "")
        results += [future.result() for future in singles]
    results += [
        run_live_probe(session, snippet, image_id, p, Deadline(max(deadline.remaining(), 1)))
        for p in snippet.probes
        if p.kind == StopProbe.kind
    ]
    order = {p.name: i for i, p in enumerate(snippet.probes)}
    return sorted(results, key=lambda r: order.get(str(r["name"]), -1)), service_log


def _single(
    session: Session, snippet: Snippet, image_id: str, probe: Probe, budget: Deadline
) -> dict[str, Any]:
    """Run a probe that needs a container of its own: a command, or a live probe."""
    match probe.spec:
        case ExecProbe() | ExpectFailureProbe() as spec:
            return _fresh_container_probe(session, snippet, image_id, (probe.name, spec), budget)
        case _:
            return run_live_probe(session, snippet, image_id, probe, budget)


def _with_service(
    session: Session,
    snippet: Snippet,
    image_id: str,
    budget: Deadline,
    probes: list[tuple[str, HttpProbe]],
) -> tuple[list[dict[str, Any]], str]:
    """Start the service container, wait until ready, run the HTTP probes, always remove it."""
    container, port = running_service(session, snippet, image_id, budget)
    try:
        results = [_http_probe(container, snippet, probe, port) for probe in probes]
        return results, settled_logs(container, (snippet.id, "run"))
    finally:
        remove(container)


def _http_probe(
    container: Any,  # noqa: ANN401 - docker's Container is untyped
    snippet: Snippet,
    probe: tuple[str, HttpProbe],
    port: int | None,
) -> dict[str, Any]:
    """Send one request (``probe``: its name and spec) and compare status and body with the manifest."""
    name, spec = probe
    step = f"probe {name}"
    if port is None:
        raise VerificationError("http probe but no published port (run.port)", snippet=snippet.id, step=step)
    try:
        status, output = request(port, spec.method, spec.path)
    except AnswerTooLargeError as exc:
        raise VerificationError(f"{spec.method} {spec.path}: {exc}", snippet=snippet.id, step=step) from exc
    except (OSError, http.client.HTTPException) as exc:
        fate, words = client_error(exc)
        raise VerificationError(
            f"{spec.method} {spec.path} failed: {words}" + (f" ({exc})" if fate == "failed" else ""),
            snippet=snippet.id,
            step=step,
            log_tail=log_tail(container),
        ) from exc
    if status != spec.status:
        raise VerificationError(
            f"{spec.method} {spec.path} answered {status}, expected {spec.status}",
            snippet=snippet.id,
            step=step,
            log_tail=tail(output),
        )
    if spec.body and re.search(spec.body, output) is None:
        raise VerificationError(
            f"{spec.method} {spec.path}: body does not match /{spec.body}/",
            snippet=snippet.id,
            step=step,
            log_tail=tail(output),
        )
    return {"name": name, "ok": True, "output": output}


def _fresh_container_probe(
    session: Session,
    snippet: Snippet,
    image_id: str,
    probe: tuple[str, ExecProbe | ExpectFailureProbe],
    budget: Deadline,
) -> dict[str, Any]:
    """Run an exec or expect_failure probe (its name and spec) in a new container and judge its outcome."""
    name, spec = probe
    step = f"probe {name}"
    code, output = _run_once(session, snippet, image_id, spec, (budget, step))
    why = judge_command(spec, code, output)
    if why:
        raise VerificationError(why, snippet=snippet.id, step=step, log_tail=tail(output))
    return {"name": name, "ok": True, "output": output}


def judge_command(spec: ExecProbe | ExpectFailureProbe, code: int | None, output: str) -> str | None:
    """Return why a command's outcome fails its probe, in words (``None`` when it passes).

    ``code`` is ``None`` when the engine could not even start the container; ``output`` is then the
    engine's words. That fails an ``exec`` probe, and an ``expect_failure`` probe too unless the
    probe's ``output`` names exactly that refusal (``unable to find user``): a failure to start is
    never taken for the failure a probe expects on its own. An ``exit_code`` is never met by it.
    """
    failure = spec if isinstance(spec, ExpectFailureProbe) else None
    exit_code = failure.exit_code if failure else None
    if code is None:
        if failure and exit_code is None and _matches(spec.output, output):
            return None  # the refusal is the failure this probe expects, in the engine's words
        return f"the engine could not start the container: {output.strip()}{_expected(failure)}"
    why = None
    if not failure and code != 0:
        why = f"the command exited {code}"
    elif failure and code == 0:
        why = "expected a failure, but the command succeeded"
    elif exit_code is not None and code != exit_code:
        why = f"the command exited {code}, expected {exit_code}"
    elif spec.output and not _matches(spec.output, output):
        why = f"output does not match /{spec.output}/"
    return why


def _expected(failure: ExpectFailureProbe | None) -> str:
    """Say what an expect_failure probe waited for instead of the engine's refusal."""
    if failure is None:
        return ""
    if failure.exit_code is not None:
        return f" (expected the command to exit {failure.exit_code})"
    return f" (expected a failure whose output matches /{failure.output}/)"


def _matches(pattern: str | None, text: str) -> bool:
    return bool(pattern) and re.search(str(pattern), text) is not None


def _run_once(
    session: Session, snippet: Snippet, image_id: str, spec: Command, when: tuple[Deadline, str]
) -> tuple[int | None, str]:
    """Return the exit code and output of a command; ``None`` and the engine's words when it cannot start.

    The output is read as ``docker run`` reads it, attached before the start to the end of the
    stream, and from the log once ``wait`` returns: each of the two can lose output on a loaded
    engine (``container.complete_output`` keeps the fuller one). An engine that cannot create the
    container fails the probe at once: nothing ran.
    """
    budget, step = when
    session.raise_if_cancelled(snippet.id)
    try:
        container = session.client.containers.create(
            image_id,
            command=list(spec.command),
            labels=session.labels_for(snippet.id),
            detach=True,
            **create_kwargs(options_for(snippet, spec.options)),
        )
    except docker.errors.APIError as exc:
        cause = f"the engine could not create the container: {explain(exc)}"
        raise VerificationError(cause, snippet=snippet.id, step=step) from exc
    try:
        reader = AttachedOutput(container)
        try:
            container.start()
        except docker.errors.APIError as exc:
            reader.close()
            return None, explain(exc)
        code = _wait_exit(session, container, reader, (snippet.id, step), budget)
        return code, complete_output(container, reader, (snippet.id, step))
    finally:
        remove(container)


def _wait_exit(
    session: Session,
    container: Any,  # noqa: ANN401 - docker's Container is untyped
    reader: AttachedOutput,
    names: tuple[str, str],
    budget: Deadline,
) -> int:
    """Wait for the command to exit; fail at the budget, or as soon as its output went past the cap.

    A command that prints for ever (``yes``) is stopped by the cap, not by the budget: its output
    is not read further, and it is not waited for.
    """
    limit = Deadline(max(budget.remaining(), 1))  # a command started late still gets a second
    while True:
        try:
            return session.wait_exit(container, snippet=names[0], timeout=min(max(limit.remaining(), 0.1), 1))
        except TimeoutError as exc:
            if reader.over:
                raise too_much(names, "the command's output", "") from exc
            if limit.expired():
                reader.close()
                raise VerificationError(
                    f"the command did not exit within {budget.seconds:g} s",
                    snippet=names[0],
                    step=names[1],
                    log_tail=log_tail(container),
                ) from exc
