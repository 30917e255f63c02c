"""Start, watch and remove the containers probes run: one place for how a container of a snippet is made.

Every container is labelled with the run id (``Session.labels_for``) and its creator removes it in a
``finally``; the main thread's cleanup removes by label whatever a worker could not (Ctrl-C, SIGTERM).
The run options of the manifest (``runspec.RunOptions``: limits, read-only root, tmpfs, user, env)
become the engine's create arguments here and nowhere else.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import threading
import time
from typing import TYPE_CHECKING, Any

import docker.errors

from journey.errors import VerificationError
from journey.runspec import RunOptions
from journey.session import Deadline, tail

if TYPE_CHECKING:
    from collections.abc import Callable

    from journey.manifest import Ready, Snippet
    from journey.runspec import Request
    from journey.session import Session

#: Seconds between readiness polls: short enough not to add to a fast service's start.
POLL = 0.1
HTTP_TIMEOUT = 10.0


def options_for(snippet: Snippet, extra: RunOptions | None = None) -> RunOptions:
    """Return the options a container gets: ``run.env`` and ``run.options``, then the probe's own."""
    run = snippet.run
    base = RunOptions(env=dict(run.env)) if run else RunOptions()
    if run is not None:
        base = run.options.over(base)
    return extra.over(base) if extra is not None else base


def create_kwargs(options: RunOptions) -> dict[str, Any]:
    """Turn run options into Docker SDK ``containers.create`` arguments.

    ``--memory`` comes with the same ``--memory-swap``: with swap the limit would only slow the
    service down instead of showing what the kernel does at the limit (the host here has none anyway).
    """
    kwargs: dict[str, Any] = {"environment": dict(options.env)}
    if options.cpus is not None:
        kwargs["nano_cpus"] = round(options.cpus * 1e9)
    if options.cpuset:
        kwargs["cpuset_cpus"] = options.cpuset
    if options.memory:
        kwargs["mem_limit"] = options.memory
        kwargs["memswap_limit"] = options.memory
    if options.read_only:
        kwargs["read_only"] = True
    if options.tmpfs:
        kwargs["tmpfs"] = dict(_tmpfs(item) for item in options.tmpfs)
    if options.user:
        kwargs["user"] = options.user
    return kwargs


def _tmpfs(item: str) -> tuple[str, str]:
    """Split ``/tmp:size=16m,uid=65534`` into the path and its mount options."""
    path, _, opts = item.partition(":")
    return path, opts


def start_service(session: Session, snippet: Snippet, image_id: str, extra: RunOptions | None = None) -> Any:  # noqa: ANN401 - docker's Container is untyped
    """Create and start the long-running container with the manifest's port, command and options."""
    run = snippet.run
    assert run is not None  # noqa: S101 - the caller checked
    session.raise_if_cancelled(snippet.id)
    # On the host network the service listens on the host itself: there is nothing to publish.
    ports = {f"{run.port}/tcp": ("127.0.0.1", None)} if run.port and run.network != "host" else {}
    try:
        container = session.client.containers.create(
            image_id,
            command=list(run.command) if run.command else None,
            ports=ports,
            labels=session.labels_for(snippet.id),
            network_mode=run.network or "bridge",
            detach=True,
            **create_kwargs(options_for(snippet, extra)),
        )
    except docker.errors.APIError as exc:
        raise VerificationError(
            f"cannot create the container: {explain(exc)}", snippet=snippet.id, step="run"
        ) from exc
    try:
        container.start()
    except docker.errors.APIError as exc:
        remove(container)
        raise VerificationError(
            f"the container does not start: {explain(exc)}", snippet=snippet.id, step="run"
        ) from exc
    return container


def host_port(container: Any, snippet: Snippet) -> int | None:  # noqa: ANN401
    """Return the ephemeral 127.0.0.1 port the engine published the container port on."""
    if snippet.run is None or not snippet.run.port:
        return None
    if snippet.run.network == "host":
        return snippet.run.port
    container.reload()
    bindings = (container.attrs["NetworkSettings"]["Ports"] or {}).get(f"{snippet.run.port}/tcp") or []
    return int(bindings[0]["HostPort"]) if bindings else None


def wait_ready(
    session: Session,
    container: Any,  # noqa: ANN401 - docker's Container is untyped
    snippet: Snippet,
    port: int | None,
    budget: Deadline,
) -> None:
    """Poll until the service answers (or logs its ready line); fail fast if it exits, stop on an interrupt.

    The container may have been made just after the interrupt's cleanup looked (the worker was inside
    ``create``): the cleanup missed it, so this loop must not sit out the budget on it.
    """
    ready = snippet.run.ready if snippet.run else None
    while True:
        container.reload()
        if container.status in {"exited", "dead"}:
            code = container.attrs["State"]["ExitCode"]
            raise VerificationError(
                f"the container exited (code {code}) before it was ready",
                snippet=snippet.id,
                step="run",
                log_tail=tail(logs(container)),
            )
        if _is_ready(container, ready, port):
            return
        if budget.expired():
            cause = f"not ready ({_describe(ready)}) after {budget.seconds:g} s (run.timeout)"
            raise VerificationError(cause, snippet=snippet.id, step="run", log_tail=tail(logs(container)))
        session.pause(POLL, snippet.id)


def _describe(ready: Ready | None) -> str:
    """Say what readiness was waited for, for the timeout message."""
    if ready is not None and ready.http:
        return f"http {ready.http}"
    if ready is not None and ready.log:
        return f"log /{ready.log}/"
    return "its port"


def _is_ready(container: Any, ready: Ready | None, port: int | None) -> bool:  # noqa: ANN401
    """Ask once whether the readiness condition of the manifest holds now."""
    if ready is not None and ready.log:
        return re.search(str(ready.log), logs(container)) is not None
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


def request(port: int, method: str, path: str, timeout: float = HTTP_TIMEOUT) -> tuple[int, str]:
    """Return the status and the answer as text: status line, content type, body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        body = response.read().decode("utf-8", errors="replace")
    finally:
        conn.close()
    head = f"HTTP/1.1 {response.status} {response.reason}"
    kind = response.getheader("Content-Type")
    text = "\n".join([head, *([f"Content-Type: {kind}"] if kind else []), "", body])
    return response.status, text


def send(port: int, spec: Request, timeout: float = HTTP_TIMEOUT) -> tuple[int | None, str]:
    """Send a live probe's request; a cut connection is an answer too: ``(None, what the client saw)``."""
    try:
        return request(port, spec.method, spec.path, timeout)
    except (OSError, http.client.HTTPException) as exc:
        return None, f"no answer: {_client_error(exc)}"


def _client_error(exc: Exception) -> str:
    """Name a client-side failure without the parts that differ per run (addresses, errno numbers)."""
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(exc, ConnectionResetError):
        return "connection reset by the server"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return type(exc).__name__


#: A service's log counts as complete once it has not grown for this long after the last probe: a
#: server may answer a request before its access-log line is written (Gin logs after the handler).
LOG_QUIET = 0.5
LOG_WAIT = 5.0


def settled_logs(container: Any, quiet: float = LOG_QUIET, bound: float = LOG_WAIT) -> str:  # noqa: ANN401
    """Return the log once it stopped growing for ``quiet`` seconds (at most ``bound`` seconds)."""
    text, since, end = logs(container), time.monotonic(), time.monotonic() + bound
    while time.monotonic() < end:
        time.sleep(0.1)
        again = logs(container)
        if again != text:
            text, since = again, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return text


def logs(container: Any) -> str:  # noqa: ANN401
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


def explain(exc: docker.errors.APIError) -> str:
    """Return the engine's own words for an API error (what `docker run` would print)."""
    return str(getattr(exc, "explanation", None) or exc)


def remove(container: Any) -> None:  # noqa: ANN401
    """Remove a container whatever its state; it may already be gone."""
    try:
        container.remove(force=True)
    except docker.errors.NotFound:
        return
    except docker.errors.APIError:
        return


def running_service(
    session: Session, snippet: Snippet, image_id: str, budget: Deadline, extra: RunOptions | None = None
) -> tuple[Any, int | None]:
    """Start the service and wait until it is ready; return it and its host port (caller removes it)."""
    container = start_service(session, snippet, image_id, extra)
    try:
        port = host_port(container, snippet)
        wait_ready(session, container, snippet, port, budget)
    except BaseException:
        remove(container)
        raise
    return container, port


class AttachedOutput:
    """A container's stdout and stderr, attached before it starts and read on a thread to the end.

    Reading on a thread keeps a chatty command from blocking on a full socket while ``wait`` runs.
    Stdout comes first, then stderr, as in ``logs``: the recorded text does not depend on timing.
    No log replay (``logs=False``): the engine answers the attach before it joins the streams, so a
    replay can overlap the live stream and record a line twice (seen: an ``expect_failure`` probe's
    one line of stderr recorded twice, on a loaded engine). The stream may instead miss the start of
    the output in that window, which is why :func:`complete_output` also reads the log.
    """

    def __init__(self, container: Any) -> None:  # noqa: ANN401 - docker's Container is untyped
        self._out: list[bytes] = []
        self._err: list[bytes] = []
        self._stream = container.attach(stdout=True, stderr=True, stream=True, demux=True, logs=False)
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


def complete_output(container: Any, reader: AttachedOutput) -> str:  # noqa: ANN401
    """Return the fuller of the attached stream and the log of an exited container.

    Each can only lose output, never add any: the stream its first lines (attached late), the log
    everything (read back empty once on a loaded containerd-store engine). Both hold stdout then
    stderr, so when neither lost anything they are the same text; the longer one is the whole output.
    """
    attached = reader.text(fallback=lambda: "")
    recorded = logs(container)
    return max(recorded, attached, key=len) or settled_logs(container)


#: Seconds the attached stream may take to end after the command exited.
ATTACH_DRAIN = 10.0
