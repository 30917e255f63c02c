"""Start, watch and remove the containers probes run: one place for how a container of a snippet is made.

Every container is labelled with the run id (``Session.labels_for``) and its creator removes it in a
``finally``; the main thread's cleanup removes by label whatever a worker could not (Ctrl-C, SIGTERM).
The run options of the manifest (``runspec.RunOptions``: limits, read-only root, tmpfs, user, env)
become the engine's create arguments here and nowhere else.

Nothing a container sends is read without a bound. An HTTP answer gets ``BODY_CAP`` bytes and its
deadline for the whole exchange (a server trickling an endless body is cut off at the deadline, not
read for ever); a log or a command's output gets ``LOG_CAP`` bytes, a log is followed as it grows
(each byte read once, not the whole log on every poll), and an error message reads only the log's
last lines. Past a cap the probe fails, naming the snippet, the step and the cap.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

import docker.errors

from journey.core.errors import VerificationError
from journey.engine.session import Deadline, tail
from journey.model.answer import Answer, Fate
from journey.model.runspec import RunOptions

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from journey.engine.session import Session
    from journey.model.manifest import Ready, Snippet
    from journey.model.runspec import Request

#: Seconds between readiness polls: short enough not to add to a fast service's start.
POLL = 0.1
#: Seconds an HTTP exchange may take in all: connect, headers and body.
HTTP_TIMEOUT = 10.0
#: Seconds a readiness request may take.
READY_TIMEOUT = 2.0
#: The most of an HTTP answer's body a probe reads: past it the probe fails, recording nothing.
BODY_CAP = 1 << 20
#: The most of a container's log (stdout and stderr together), or of a command's output, a probe reads.
LOG_CAP = 1 << 20
#: What an error message shows of a log: its last lines, never more than ``TAIL_CAP`` bytes of them.
TAIL_LINES = 25
TAIL_CAP = 64 << 10
#: Bytes asked of the socket at a time while an answer's body is read.
READ_CHUNK = 64 << 10


def size_words(size: int) -> str:
    """Say a cap in binary units, as it is set: ``1 MiB``, ``64 KiB``."""
    for unit, factor in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


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


def start_service(
    session: Session,
    snippet: Snippet,
    image_id: str,
    extra: RunOptions | None = None,
    step: str = "run",
) -> Any:  # noqa: ANN401 - docker's Container is untyped
    """Create and start the long-running container with the manifest's port, command and options.

    An engine that refuses to create or start it fails the step (``run``, or the live probe whose own
    service it is), in the engine's words: there is no service to probe.
    """
    run = snippet.run
    if run is None:  # callers start a service only for a snippet with run: (the manifest's rule for probes)
        raise VerificationError(
            "nothing to start: the snippet has no run: section", snippet=snippet.id, step=step
        )
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
            f"the engine could not create the container: {explain(exc)}", snippet=snippet.id, step=step
        ) from exc
    try:
        container.start()
    except docker.errors.APIError as exc:
        remove(container)
        raise VerificationError(
            f"the engine could not start the container: {explain(exc)}", snippet=snippet.id, step=step
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
    *,
    step: str = "run",
) -> None:
    """Poll until the service answers (or logs its ready line); fail fast if it exits, stop on an interrupt.

    The container may have been made just after the interrupt's cleanup looked (the worker was inside
    ``create``): the cleanup missed it, so this loop must not sit out the budget on it. A ready line
    is looked for in the log as it is followed (``LogFollower``), up to ``LOG_CAP`` bytes of it.
    """
    ready = snippet.run.ready if snippet.run else None
    follower = LogFollower(container) if ready is not None and ready.log else None
    try:
        while True:
            container.reload()
            if container.status in {"exited", "dead"}:
                code = container.attrs["State"]["ExitCode"]
                raise VerificationError(
                    f"the container exited (code {code}) before it was ready",
                    snippet=snippet.id,
                    step=step,
                    log_tail=log_tail(container),
                )
            if _is_ready(ready, port, follower, container):
                return
            if follower is not None and follower.over:
                cause = f"its log passed {size_words(LOG_CAP)} before the ready line /{_ready_log(ready)}/"
                raise VerificationError(cause, snippet=snippet.id, step=step, log_tail=log_tail(container))
            if budget.expired():
                cause = f"not ready ({_describe(ready)}) after {budget.seconds:g} s (run.timeout)"
                raise VerificationError(cause, snippet=snippet.id, step=step, log_tail=log_tail(container))
            session.pause(POLL, snippet.id)
    finally:
        if follower is not None:
            follower.close()


def _ready_log(ready: Ready | None) -> str:
    return str(ready.log) if ready is not None and ready.log else ""


def _describe(ready: Ready | None) -> str:
    """Say what readiness was waited for, for the timeout message."""
    if ready is not None and ready.http:
        return f"http {ready.http}"
    if ready is not None and ready.log:
        return f"log /{ready.log}/"
    return "its port"


def _is_ready(
    ready: Ready | None,
    port: int | None,
    follower: LogFollower | None,
    container: Any,  # noqa: ANN401
) -> bool:
    """Ask once whether the readiness condition of the manifest holds now."""
    if follower is not None:
        return re.search(_ready_log(ready), follower.text()) is not None
    if port is None:
        return bool(container.status == "running")
    path = ready.http if ready is not None and ready.http else None
    try:
        if path:
            request(port, "GET", path, READY_TIMEOUT)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=READY_TIMEOUT)
            conn.connect()
            conn.close()
    except (OSError, http.client.HTTPException, AnswerTooLargeError):
        return False
    return True


# --- HTTP: one exchange, capped in size and in time ------------------------------------------------


class AnswerTooLargeError(Exception):
    """An answer's body went past the cap: the probe read no more of it."""

    def __init__(self, cap: int) -> None:
        super().__init__(f"the answer is larger than {size_words(cap)} (the probe reads no more)")


class _Cutoff:
    """Shut a connection's socket down once its time is up, whatever it is waiting for.

    A per-read socket timeout never fires on a server that sends a byte every second; this ends the
    read (the kernel wakes a blocked ``recv`` with an end of file) at the exchange's deadline.
    """

    def __init__(self, conn: http.client.HTTPConnection, seconds: float) -> None:
        self._conn, self._lock = conn, threading.Lock()
        self.fired = self._done = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            sock = self._conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def finish(self) -> bool:
        """Stop the clock; tell whether it ran out first."""
        with self._lock:
            self._done = True
        self._timer.cancel()
        return self.fired


def request(
    port: int, method: str, path: str, timeout: float = HTTP_TIMEOUT, cap: int = BODY_CAP
) -> tuple[int, str]:
    """Return the status and the answer as text: status line, content type, body.

    ``timeout`` bounds the whole exchange, not each read; the body is read in pieces up to ``cap``
    bytes. Raises ``TimeoutError`` at the deadline and ``AnswerTooLargeError`` past the cap, besides
    what the connection itself raises (refused, reset, closed).
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    cutoff = _Cutoff(conn, timeout)
    try:
        conn.request(method, path)
        if cutoff.fired:  # it fired while the socket was being made, so it could not shut it down
            raise TimeoutError(_late(timeout))
        response = conn.getresponse()
        body = _read_body(response, cap, cutoff)
    except (OSError, http.client.HTTPException) as exc:
        if cutoff.finish() or isinstance(exc, TimeoutError):  # the deadline, or a read that outlived it
            raise TimeoutError(_late(timeout)) from exc
        raise
    finally:
        late = cutoff.finish()
        conn.close()
    if late:  # a body without a length ends when the connection does, and the cut-off looks like that
        raise TimeoutError(_late(timeout))
    head = f"HTTP/1.1 {response.status} {response.reason}"
    kind = response.getheader("Content-Type")
    text = "\n".join([head, *([f"Content-Type: {kind}"] if kind else []), "", body])
    return response.status, text


def _late(timeout: float) -> str:
    return f"no whole answer within {timeout:g} s"


def _read_body(response: http.client.HTTPResponse, cap: int, cutoff: _Cutoff) -> str:
    """Read the body piece by piece (each piece as soon as it arrives), never past ``cap`` bytes."""
    data = bytearray()
    while not cutoff.fired:
        piece = response.read1(READ_CHUNK)
        if not piece:
            break
        data += piece
        if len(data) > cap:
            raise AnswerTooLargeError(cap)
    if response.length and not cutoff.fired:  # ``read1`` ends quietly where the connection did
        raise http.client.IncompleteRead(bytes(data), response.length)
    return data.decode("utf-8", errors="replace")


def send(port: int, spec: Request, timeout: float = HTTP_TIMEOUT) -> Answer:
    """Send a live probe's request; a cut connection is an answer too (``fate`` says which it was).

    Never raises for what the service did: an answer past the cap, none by the deadline, a refused
    or broken connection each come back as an ``Answer`` whose fate fails the probe.
    """
    try:
        status, text = request(port, spec.method, spec.path, timeout)
    except AnswerTooLargeError as exc:
        return Answer(None, f"no answer: {exc}", "too large")
    except (OSError, http.client.HTTPException) as exc:
        fate, words = client_error(exc)
        return Answer(None, f"no answer: {words}", fate)
    return Answer(status, text)


#: Client-side failures in words without what differs per run (addresses, errno), first match wins.
_CLIENT_ERRORS: tuple[tuple[type[Exception], Fate, str], ...] = (
    (http.client.RemoteDisconnected, "cut", "the server closed the connection without answering"),
    (ConnectionResetError, "cut", "connection reset by the server"),
    (BrokenPipeError, "cut", "the server closed the connection while the request was sent"),
    (ConnectionAbortedError, "cut", "the server closed the connection while the request was sent"),
    (http.client.IncompleteRead, "cut", "the server closed the connection in the middle of its answer"),
    (ConnectionRefusedError, "refused", "connection refused"),
    (TimeoutError, "unanswered", "timed out"),
)


def client_error(exc: Exception) -> tuple[Fate, str]:
    """Name a client-side failure and its fate (``cut``, ``refused``, ``unanswered`` or ``failed``)."""
    for kind, fate, words in _CLIENT_ERRORS:
        if isinstance(exc, kind):
            late = kind is TimeoutError and str(exc).startswith("no whole answer")
            return fate, str(exc) if late else words
    return "failed", type(exc).__name__


# --- logs: capped, followed, and only their tail for error messages --------------------------------


def _log_stream(container: Any, *, stdout: bool, follow: bool, lines: int | None = None) -> Iterable[bytes]:  # noqa: ANN401
    """Open one of a container's two log streams; the engine sends it in pieces (each a message)."""
    kwargs: dict[str, Any] = {"stdout": stdout, "stderr": not stdout, "stream": True, "follow": follow}
    if lines is not None:
        kwargs["tail"] = lines
    stream = container.logs(**kwargs)
    return [stream] if isinstance(stream, bytes) else stream  # an engine that answered whole


def _close(stream: object) -> None:
    """Close a log or attach stream (``CancellableStream.close`` ends a read blocked on another thread)."""
    with contextlib.suppress(Exception):
        getattr(stream, "close", lambda: None)()


class _Capped:
    """What has been read of one stream so far, never more than ``cap`` bytes; ``over`` once it had more."""

    def __init__(self, cap: int) -> None:
        self.data, self.cap, self.over = bytearray(), cap, False

    def read(self, stream: Iterable[bytes]) -> None:
        """Read ``stream`` to its end or past the cap, keeping each piece as it comes; then close it."""
        try:
            for piece in stream:
                room = self.cap - len(self.data)
                self.data += piece[:room]
                if len(piece) > room:
                    self.over = True
                    return
        finally:
            _close(stream)


def _read_capped(stream: Iterable[bytes], cap: int) -> tuple[bytes, bool]:
    """Read a stream to its end or to ``cap`` bytes; return what was read and whether there was more."""
    capped = _Capped(cap)
    capped.read(stream)
    return bytes(capped.data), capped.over


def read_for(stream: Iterable[bytes], cap: int, seconds: float) -> tuple[bytes, bool, bool]:
    """Read a stream on a thread for at most ``seconds``: the bytes, past ``cap`` or not, ended or not.

    A stream still open at the deadline is closed, counts as not ended, and gives what it sent until
    then. A stream that broke (the engine went away) ends like one that ended.
    """
    capped = _Capped(cap)

    def read() -> None:
        with contextlib.suppress(Exception):  # a broken stream ends the output, as an ended one does
            capped.read(stream)

    reader = threading.Thread(target=read, daemon=True, name="exec-output")
    reader.start()
    reader.join(seconds)
    ended = not reader.is_alive()
    if not ended:
        _close(stream)
        reader.join(1)
    return bytes(capped.data), capped.over, ended


def read_log(container: Any, cap: int = LOG_CAP, lines: int | None = None) -> tuple[str, bool]:  # noqa: ANN401
    """Return a container's log, stdout then stderr, up to ``cap`` bytes in all, and whether it had more.

    Two streams merged by arrival time interleave differently from run to run; stdout first,
    then stderr, reads the same every time, so a recorded output changes only when it really did.
    A container already gone has an empty log.
    """
    out, err, over = b"", b"", False
    with contextlib.suppress(docker.errors.DockerException, OSError):
        out, over = _read_capped(_log_stream(container, stdout=True, follow=False, lines=lines), cap)
        if not over:
            stream = _log_stream(container, stdout=False, follow=False, lines=lines)
            err, over = _read_capped(stream, cap - len(out))
    return (out + err).decode("utf-8", errors="replace"), over


def logs(container: Any, names: tuple[str, str]) -> str:  # noqa: ANN401
    """Return a container's log to record; fail ``names`` (snippet, step) when it is past ``LOG_CAP``."""
    text, over = read_log(container)
    if over:
        raise too_much(names, "its log", text)
    return text


def log_tail(container: Any) -> str:  # noqa: ANN401
    """Return the last lines of a container's log for an error message; never raises, never reads it all."""
    text, _ = read_log(container, TAIL_CAP, TAIL_LINES)
    return tail(text)


def too_much(names: tuple[str, str], what: str, text: str) -> VerificationError:
    """Return the error of a probe that read ``LOG_CAP`` bytes of ``what`` and stopped there."""
    snippet, step = names
    cause = f"{what} is larger than {size_words(LOG_CAP)}: the probe read no more of it"
    return VerificationError(cause, snippet=snippet, step=step, log_tail=tail(text))


class LogFollower:
    """A running container's stdout and stderr, each followed on a thread as the engine sends it.

    Each byte is read once, as it is written, instead of the whole log on every poll; no more than
    ``cap`` bytes are kept, and ``over`` says the log went past them. ``text`` is stdout then stderr,
    as ``read_log`` gives them. ``close`` ends both streams (a container removed ends them too).
    """

    def __init__(self, container: Any, cap: int = LOG_CAP) -> None:  # noqa: ANN401 - docker's Container is untyped
        self._lock = threading.Lock()
        self._data = {True: bytearray(), False: bytearray()}
        self._left, self.over, self._closed, self._opens = cap, False, False, 0
        self._streams: list[Iterable[bytes]] = []
        #: ``time.monotonic()`` of the last piece read (or of the start)
        self.changed = time.monotonic()
        self._threads = [
            threading.Thread(target=self._follow, args=(container, stdout), daemon=True, name="log")
            for stdout in (True, False)
        ]
        for thread in self._threads:
            thread.start()

    def _follow(self, container: Any, stdout: bool) -> None:  # noqa: ANN401
        try:
            stream = _log_stream(container, stdout=stdout, follow=True)
        except (docker.errors.DockerException, OSError):
            with self._lock:
                self._opens += 1
            return
        with self._lock:
            self._streams.append(stream)
            self._opens += 1
            closed = self._closed
            self.changed = time.monotonic()
        if closed:
            _close(stream)
            return
        with contextlib.suppress(Exception):  # a closed or broken stream just ends the log
            for piece in stream:
                with self._lock:
                    keep = piece[: self._left]
                    self._data[stdout] += keep
                    self._left -= len(keep)
                    self.changed = time.monotonic()
                    if len(keep) < len(piece):
                        self.over = True
                if self.over:
                    break
        _close(stream)

    @property
    def opened(self) -> bool:
        """Both streams are open (or over): from now on, a quiet log is one the engine has nothing more of."""
        with self._lock:
            return self._opens == len(self._threads)

    @property
    def ended(self) -> bool:
        """Both streams are over: the container stopped (or is gone), or the cap was reached."""
        return not any(thread.is_alive() for thread in self._threads)

    def text(self) -> str:
        """Return the log so far: stdout, then stderr."""
        with self._lock:
            data = bytes(self._data[True]) + bytes(self._data[False])
        return data.decode("utf-8", errors="replace")

    def close(self) -> None:
        """End both streams and their threads."""
        with self._lock:
            self._closed = True
            streams = list(self._streams)
        for stream in streams:
            _close(stream)
        for thread in self._threads:
            thread.join(timeout=1)


#: A service's log counts as complete once it has not grown for this long after the last probe: a
#: server may answer a request before its access-log line is written (Gin logs after the handler).
LOG_QUIET = 0.5
LOG_WAIT = 5.0


def settled_logs(
    container: Any,  # noqa: ANN401
    names: tuple[str, str],
    quiet: float = LOG_QUIET,
    bound: float = LOG_WAIT,
) -> str:
    """Return the log once it stopped growing for ``quiet`` seconds (at most ``bound`` seconds).

    The log is followed, not re-read: a stopped container's ends at once, a running one's when it
    has been quiet. Past ``LOG_CAP`` bytes the step (``names``: snippet, step) fails.
    """
    follower = LogFollower(container)
    try:
        end = time.monotonic() + bound
        while time.monotonic() < end and not follower.ended:
            if follower.opened and time.monotonic() - follower.changed >= quiet:
                break
            time.sleep(min(0.05, quiet))
        if follower.over:
            raise too_much(names, "its log", follower.text())
        return follower.text()
    finally:
        follower.close()


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
    session: Session,
    snippet: Snippet,
    image_id: str,
    budget: Deadline,
    extra: RunOptions | None = None,
    *,
    step: str = "run",
) -> tuple[Any, int | None]:
    """Start the service and wait until it is ready; return it and its host port (caller removes it)."""
    container = start_service(session, snippet, image_id, extra, step)
    try:
        port = host_port(container, snippet)
        wait_ready(session, container, snippet, port, budget, step=step)
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
    the output in that window, which is why :func:`complete_output` also reads the log. At most
    ``cap`` bytes are kept: past them the stream is closed and ``over`` is set.
    """

    def __init__(self, container: Any, cap: int = LOG_CAP) -> None:  # noqa: ANN401 - docker's Container is untyped
        self._out: list[bytes] = []
        self._err: list[bytes] = []
        self._left, self.over = cap, False
        self._stream = container.attach(stdout=True, stderr=True, stream=True, demux=True, logs=False)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with contextlib.suppress(Exception):  # a closed or broken stream just ends the output
            for out, err in self._stream:
                for piece, kept in ((out, self._out), (err, self._err)):
                    if piece:
                        kept.append(piece[: self._left])
                        self._left -= len(kept[-1])
                        self.over = self.over or len(kept[-1]) < len(piece)
                if self.over:
                    break
        if self.over:
            self.close()

    def close(self) -> None:
        """Stop reading (the container did not run to its end)."""
        _close(self._stream)

    def text(self, fallback: Callable[[], str]) -> str:
        """Return the whole output once the stream ended, or the log if the stream carried nothing."""
        self._thread.join(timeout=ATTACH_DRAIN)
        self.close()
        data = b"".join(self._out) + b"".join(self._err)
        return data.decode("utf-8", errors="replace") if data else fallback()


def complete_output(container: Any, reader: AttachedOutput, names: tuple[str, str]) -> str:  # noqa: ANN401
    """Return the fuller of the attached stream and the log of an exited container.

    Each can only lose output, never add any: the stream its first lines (attached late), the log
    everything (read back empty once on a loaded containerd-store engine). Both hold stdout then
    stderr, so when neither lost anything they are the same text; the longer one is the whole output.
    Either one past ``LOG_CAP`` fails the step (``names``: snippet, step).
    """
    attached = reader.text(fallback=lambda: "")
    recorded, over = read_log(container)
    if over or reader.over:
        raise too_much(names, "the command's output", max(recorded, attached, key=len))
    return max(recorded, attached, key=len) or settled_logs(container, names)


#: Seconds the attached stream may take to end after the command exited.
ATTACH_DRAIN = 10.0
