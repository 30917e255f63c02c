"""Run a snippet's image and ask it questions: HTTP probes, commands, expected failures.

Every container is labelled with the run id and removed in a ``finally``, and the main thread's
cleanup removes by label whatever a worker could not (Ctrl-C, SIGTERM), so nothing is left running.
Outputs are recorded as a reader would see them: the HTTP answer, the command's output, or the
engine's error for a container that cannot even start (``unable to find user``).
"""

from __future__ import annotations

import contextlib
import http.client
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import docker.errors

from journey.errors import VerificationError
from journey.session import Deadline, tail

if TYPE_CHECKING:
    from collections.abc import Callable

    from journey.manifest import ExecProbe, HttpProbe, Probe, Snippet
    from journey.session import Session

#: Containers a snippet's probes may run at once.
PARALLEL_PROBES = 4
#: Seconds between readiness polls: short enough not to add to a fast service's start.
POLL = 0.1
HTTP_TIMEOUT = 10.0


def run_probes(
    session: Session, snippet: Snippet, image_id: str, deadline: Deadline
) -> tuple[list[dict[str, Any]], str]:
    """Return the ``probes`` of result.json and the service's log, raising at the first wrong answer.

    The service and each command probe run side by side (each in its own container): starting
    containers is most of a warm verify's time, and they do not depend on each other.
    """
    budget = Deadline(min(float(snippet.run.timeout if snippet.run else 30), deadline.remaining()))
    fresh = [p for p in snippet.probes if p.http is None]
    with ThreadPoolExecutor(max_workers=PARALLEL_PROBES, thread_name_prefix="probe") as pool:
        service = None
        if snippet.run is not None:
            http_probes = [p for p in snippet.probes if p.http is not None]
            service = pool.submit(_with_service, session, snippet, image_id, budget, http_probes)
        singles = [pool.submit(_fresh_container_probe, session, snippet, image_id, p, budget) for p in fresh]
        results, logs = service.result() if service is not None else ([], "")
        results += [future.result() for future in singles]
    order = {p.name: i for i, p in enumerate(snippet.probes)}
    return sorted(results, key=lambda r: order.get(str(r["name"]), -1)), logs


def _with_service(
    session: Session, snippet: Snippet, image_id: str, budget: Deadline, probes: list[Probe]
) -> tuple[list[dict[str, Any]], str]:
    """Start the service container, wait until ready, run the HTTP probes, always remove it."""
    container = _start_service(session, snippet, image_id)
    try:
        port = _host_port(container, snippet)
        _wait_ready(container, snippet, port, budget)
        results = [_http_probe(container, snippet, probe, port) for probe in probes]
        return results, settled_logs(container)
    finally:
        _remove(container)


def _start_service(session: Session, snippet: Snippet, image_id: str) -> Any:  # noqa: ANN401
    """Create and start the long-running container with the manifest's port, env and command."""
    run = snippet.run
    assert run is not None  # noqa: S101 - the caller checked
    session.raise_if_cancelled(snippet.id)
    # On the host network the service listens on the host itself: there is nothing to publish.
    ports = {f"{run.port}/tcp": ("127.0.0.1", None)} if run.port and run.network != "host" else {}
    try:
        container = session.client.containers.create(
            image_id,
            command=list(run.command) if run.command else None,
            environment=dict(run.env),
            ports=ports,
            labels=session.labels_for(snippet.id),
            network_mode=run.network or "bridge",
            detach=True,
        )
    except docker.errors.APIError as exc:
        raise VerificationError(
            f"cannot create the container: {_explain(exc)}", snippet=snippet.id, step="run"
        ) from exc
    try:
        container.start()
    except docker.errors.APIError as exc:
        _remove(container)
        raise VerificationError(
            f"the container does not start: {_explain(exc)}", snippet=snippet.id, step="run"
        ) from exc
    return container


def _host_port(container: Any, snippet: Snippet) -> int | None:  # noqa: ANN401
    """Return the ephemeral 127.0.0.1 port the engine published the container port on."""
    if snippet.run is None or not snippet.run.port:
        return None
    if snippet.run.network == "host":
        return snippet.run.port
    container.reload()
    bindings = (container.attrs["NetworkSettings"]["Ports"] or {}).get(f"{snippet.run.port}/tcp") or []
    return int(bindings[0]["HostPort"]) if bindings else None


def _wait_ready(container: Any, snippet: Snippet, port: int | None, budget: Deadline) -> None:  # noqa: ANN401
    """Poll until the service answers (or logs its ready line); fail fast if it exits."""
    ready = snippet.run.ready if snippet.run else None
    while True:
        container.reload()
        if container.status in {"exited", "dead"}:
            code = container.attrs["State"]["ExitCode"]
            raise VerificationError(
                f"the container exited (code {code}) before it was ready",
                snippet=snippet.id,
                step="run",
                log_tail=tail(_logs(container)),
            )
        if _is_ready(container, ready, port):
            return
        if budget.expired():
            cause = f"not ready ({_describe(ready)}) after {budget.seconds:g} s (run.timeout)"
            raise VerificationError(cause, snippet=snippet.id, step="run", log_tail=tail(_logs(container)))
        time.sleep(POLL)


def _describe(ready: Any) -> str:  # noqa: ANN401
    """Say what readiness was waited for, for the timeout message."""
    if ready is not None and ready.http:
        return f"http {ready.http}"
    if ready is not None and ready.log:
        return f"log /{ready.log}/"
    return "its port"


def _is_ready(container: Any, ready: Any, port: int | None) -> bool:  # noqa: ANN401
    """Ask once whether the readiness condition of the manifest holds now."""
    if ready is not None and ready.log:
        return re.search(str(ready.log), _logs(container)) is not None
    if port is None:
        return bool(container.status == "running")
    path = ready.http if ready is not None and ready.http else None
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        if path:
            conn.request("GET", path)
            conn.getresponse().read()
        else:
            conn.connect()
        conn.close()
    except (OSError, http.client.HTTPException):
        return False
    return True


def _http_probe(container: Any, snippet: Snippet, probe: Probe, port: int | None) -> dict[str, Any]:  # noqa: ANN401
    """Send one request and compare status and body with the manifest."""
    spec: HttpProbe | None = probe.http
    assert spec is not None  # noqa: S101 - only http probes come here
    step = f"probe {probe.name}"
    if port is None:
        raise VerificationError("http probe but no published port (run.port)", snippet=snippet.id, step=step)
    try:
        status, output = _request(port, spec)
    except (OSError, http.client.HTTPException) as exc:
        raise VerificationError(
            f"{spec.method} {spec.path} failed: {exc}",
            snippet=snippet.id,
            step=step,
            log_tail=tail(_logs(container)),
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
    return {"name": probe.name, "ok": True, "output": output}


def _request(port: int, spec: HttpProbe) -> tuple[int, str]:
    """Return the status and the answer as text: status line, content type, body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    try:
        conn.request(spec.method, spec.path)
        response = conn.getresponse()
        body = response.read().decode("utf-8", errors="replace")
    finally:
        conn.close()
    head = f"HTTP/1.1 {response.status} {response.reason}"
    kind = response.getheader("Content-Type")
    text = "\n".join([head, *([f"Content-Type: {kind}"] if kind else []), "", body])
    return response.status, text


def _fresh_container_probe(
    session: Session, snippet: Snippet, image_id: str, probe: Probe, budget: Deadline
) -> dict[str, Any]:
    """Run an exec or expect_failure probe in a new container and judge its outcome."""
    spec: ExecProbe | None = probe.exec or probe.expect_failure
    assert spec is not None  # noqa: S101 - the manifest guarantees one kind
    step = f"probe {probe.name}"
    code, output = _run_once(session, snippet, image_id, spec, (budget, step))
    expect_failure = probe.expect_failure is not None
    if expect_failure and code == 0:
        raise VerificationError(
            "expected a failure, but the command succeeded",
            snippet=snippet.id,
            step=step,
            log_tail=tail(output),
        )
    if not expect_failure and code != 0:
        raise VerificationError(
            f"the command exited {code}", snippet=snippet.id, step=step, log_tail=tail(output)
        )
    if spec.output and re.search(spec.output, output) is None:
        printed = "" if output.strip() else " (the command printed nothing)"
        raise VerificationError(
            f"output does not match /{spec.output}/{printed}",
            snippet=snippet.id,
            step=step,
            log_tail=tail(output),
        )
    return {"name": probe.name, "ok": True, "output": output}


def _run_once(
    session: Session, snippet: Snippet, image_id: str, spec: ExecProbe, when: tuple[Deadline, str]
) -> tuple[int, str]:
    """Return the exit code and output of a command; a start error counts as a failure (code -1).

    The output is read as ``docker run`` reads it: attached before the start, to the end of the
    stream. Asking for the log once ``wait`` returns can come back empty on a loaded engine
    (CI saw it once on the containerd store), so the log is only the fallback.
    """
    budget, step = when
    session.raise_if_cancelled(snippet.id)
    env = dict(snippet.run.env) if snippet.run else {}
    container = session.client.containers.create(
        image_id,
        command=list(spec.command),
        environment=env,
        labels=session.labels_for(snippet.id),
        detach=True,
    )
    try:
        reader = _AttachedOutput(container)
        try:
            container.start()
        except docker.errors.APIError as exc:
            reader.close()
            return -1, _explain(exc)
        try:
            code = int(container.wait(timeout=max(budget.remaining(), 1))["StatusCode"])
        except Exception as exc:  # requests' timeout types vary by version
            reader.close()
            raise VerificationError(
                f"the command did not exit within {budget.seconds:g} s",
                snippet=snippet.id,
                step=step,
                log_tail=tail(_logs(container)),
            ) from exc
        return code, reader.text(fallback=lambda: settled_logs(container))
    finally:
        _remove(container)


class _AttachedOutput:
    """A container's stdout and stderr, attached before it starts and read on a thread to the end.

    Reading on a thread keeps a chatty command from blocking on a full socket while ``wait`` runs.
    Stdout comes first, then stderr, as in ``_logs``: the recorded text does not depend on timing.
    """

    def __init__(self, container: Any) -> None:  # noqa: ANN401
        self._out: list[bytes] = []
        self._err: list[bytes] = []
        self._stream = container.attach(stdout=True, stderr=True, stream=True, demux=True, logs=True)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with contextlib.suppress(Exception):  # a closed or broken stream just ends the output
            for out, err in self._stream:
                if out:
                    self._out.append(out)
                if err:
                    self._err.append(err)

    def close(self) -> None:
        """Stop reading (the container did not run to its end)."""
        with contextlib.suppress(Exception):
            self._stream.close()

    def text(self, fallback: Callable[[], str]) -> str:
        """Return the whole output once the stream ended, or the log if the stream carried nothing."""
        self._thread.join(timeout=ATTACH_DRAIN)
        self.close()
        data = b"".join(self._out) + b"".join(self._err)
        return data.decode("utf-8", errors="replace") if data else fallback()


#: Seconds the attached stream may take to end after the command exited.
ATTACH_DRAIN = 10.0


#: A service's log counts as complete once it has not grown for this long after the last probe: a
#: server may answer a request before its access-log line is written (Gin logs after the handler).
LOG_QUIET = 0.5
LOG_WAIT = 5.0


def settled_logs(container: Any, quiet: float = LOG_QUIET, bound: float = LOG_WAIT) -> str:  # noqa: ANN401
    """Return the log once it stopped growing for ``quiet`` seconds (at most ``bound`` seconds)."""
    text, since, end = _logs(container), time.monotonic(), time.monotonic() + bound
    while time.monotonic() < end:
        time.sleep(0.1)
        again = _logs(container)
        if again != text:
            text, since = again, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return text


def _logs(container: Any) -> str:  # noqa: ANN401
    """Return a container's stdout, then its stderr, as text (empty if it is already gone).

    Two streams merged by arrival time interleave differently from run to run; stdout first,
    then stderr, reads the same every time, so a recorded output changes only when it really did.
    """
    try:
        out = bytes(container.logs(stdout=True, stderr=False))
        err = bytes(container.logs(stdout=False, stderr=True))
    except docker.errors.DockerException:
        return ""
    return (out + err).decode("utf-8", errors="replace")


def _explain(exc: docker.errors.APIError) -> str:
    """Return the engine's own words for an API error (what `docker run` would print)."""
    return str(getattr(exc, "explanation", None) or exc)


def _remove(container: Any) -> None:  # noqa: ANN401
    """Remove a container whatever its state; it may already be gone."""
    try:
        container.remove(force=True)
    except docker.errors.NotFound:
        return
    except docker.errors.APIError:
        return
