"""Nothing a container sends is read without a bound: HTTP answers, logs and a command's output are capped.

Engine-free. The HTTP tests talk to small servers on this machine's loopback that misbehave on purpose
(an endless trickle, a body past the cap, headers that never end); the log and output tests use fakes of
the SDK's streams that never end.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from journey.core.errors import VerificationError
from journey.engine.container import (
    BODY_CAP,
    LOG_CAP,
    AnswerTooLargeError,
    AttachedOutput,
    LogFollower,
    complete_output,
    log_tail,
    logs,
    read_for,
    request,
    send,
    wait_ready,
)
from journey.engine.session import Deadline, Session
from journey.model.manifest import Ready, Run, Snippet, snippet_from_dict
from journey.model.runspec import Request
from journey.verify.probe import run_probes

NAMES = ("v/x", "probe p")


class _Server:
    """A loopback server whose every connection is handled by ``talk`` (given the socket), on a thread."""

    def __init__(self, talk: Any) -> None:
        self.talk, self.done = talk, threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        try:
            while True:
                conn, _ = self.sock.accept()
                threading.Thread(target=self._one, args=(conn,), daemon=True).start()
        except OSError:
            return

    def _one(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            self.talk(conn, self.done)
        except OSError:
            pass
        finally:
            conn.close()

    def __enter__(self) -> int:
        return self.port

    def __exit__(self, *_exc: object) -> None:
        self.done.set()
        self.sock.close()


def _trickle(conn: socket.socket, done: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")  # no length: the body ends at close
    while not done.wait(0.05):
        conn.sendall(b"x")


def _flood(conn: socket.socket, done: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    piece = b"y" * 65536
    while not done.is_set():
        conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))


def _slow_headers(conn: socket.socket, done: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    while not done.wait(0.05):
        conn.sendall(b"X-A: b\r\n"[:1])


def _hang_up(conn: socket.socket, _done: threading.Event) -> None:
    conn.shutdown(socket.SHUT_RDWR)


def _half_body(conn: socket.socket, _done: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part")


def _fine(conn: socket.socket, _done: threading.Event) -> None:
    body = b'{"ok":true}'
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
        % (len(body), body)
    )


def test_an_endless_trickle_is_cut_off_at_the_deadline_not_read_for_ever():
    with _Server(_trickle) as port:
        started = time.monotonic()
        with pytest.raises(TimeoutError, match=r"^no whole answer within 0\.5 s$"):
            request(port, "GET", "/", timeout=0.5)
        assert time.monotonic() - started < 2
        answer = send(port, Request("/"), timeout=0.5)
        assert (answer.status, answer.fate, answer.text) == (
            None,
            "unanswered",
            "no answer: no whole answer within 0.5 s",
        )


def test_headers_that_never_end_are_cut_off_at_the_deadline():
    with _Server(_slow_headers) as port:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            request(port, "GET", "/", timeout=0.5)
        assert time.monotonic() - started < 2


def test_an_answer_past_the_cap_is_not_read_further():
    with _Server(_flood) as port:
        with pytest.raises(AnswerTooLargeError, match=r"larger than 1 MiB"):
            request(port, "GET", "/", timeout=10)
        answer = send(port, Request("/"), timeout=10)
        assert answer.fate == "too large"
        assert len(answer.text) < 100  # the body is not kept


def test_a_cut_is_an_outcome_and_a_whole_answer_is_recorded_as_before():
    with _Server(_hang_up) as port:
        answer = send(port, Request("/"))
        assert (answer.fate, answer.text) == (
            "cut",
            "no answer: the server closed the connection without answering",
        )
    with _Server(_half_body) as port:
        answer = send(port, Request("/"))
        assert answer.fate == "cut"
        assert answer.text == "no answer: the server closed the connection in the middle of its answer"
    with _Server(_fine) as port:
        assert request(port, "GET", "/") == (
            200,
            'HTTP/1.1 200 OK\nContent-Type: application/json\n\n{"ok":true}',
        )


def test_a_refused_connection_is_not_a_cut():
    sock = socket.create_server(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    answer = send(port, Request("/"))
    assert (answer.fate, answer.text) == ("refused", "no answer: connection refused")


def test_the_http_cap_is_one_mebibyte():
    assert BODY_CAP == LOG_CAP == 1 << 20


# --- logs and a command's output ---


class _Endless:
    """A log stream that never ends (a service printing as fast as it can) until it is closed."""

    def __init__(self, piece: bytes = b"z" * 16384) -> None:
        self.piece, self.closed, self.read = piece, threading.Event(), 0

    def __iter__(self):
        while not self.closed.is_set():
            self.read += len(self.piece)
            yield self.piece

    def close(self) -> None:
        self.closed.set()


class _Chatty:
    """A container whose stdout never ends; it records what it was asked for."""

    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []
        self.streams: list[_Endless] = []
        self.status, self.attrs = "running", {"State": {"ExitCode": 0}}

    def logs(self, **how: Any) -> Any:
        self.asked.append(how)
        if how["stderr"]:
            return iter([b"an error\n"])
        self.streams.append(_Endless(b"line\n" * 3000 if how.get("tail") else b"z" * 16384))
        return self.streams[-1]

    def reload(self) -> None:
        pass

    def attach(self, **how: Any) -> _Demuxed:
        assert how["demux"]
        self.streams.append(_Endless())
        return _Demuxed(self.streams[-1])


class _Demuxed:
    """An attach stream as docker-py's ``demux=True`` gives it: (stdout, stderr) pieces."""

    def __init__(self, stream: _Endless) -> None:
        self.stream = stream

    def __iter__(self):
        return ((piece, None) for piece in self.stream)

    def close(self) -> None:
        self.stream.close()


def test_a_log_past_the_cap_fails_the_step_and_is_read_no_further():
    container = _Chatty()
    with pytest.raises(VerificationError) as caught:
        logs(container, NAMES)
    assert caught.value.message == "v/x: probe p: its log is larger than 1 MiB: the probe read no more of it"
    assert container.streams[0].closed.is_set()
    assert container.streams[0].read <= LOG_CAP + 16384


def test_an_error_message_reads_only_the_logs_tail():
    container = _Chatty()
    text = log_tail(container)
    assert all(how.get("tail") == 25 for how in container.asked)  # the engine sends only the last lines
    assert len(text.splitlines()) <= 25
    assert container.streams[0].closed.is_set()


def test_a_followed_log_keeps_at_most_the_cap():
    container = _Chatty()
    follower = LogFollower(container, cap=100_000)
    deadline = time.monotonic() + 5
    while not follower.over and time.monotonic() < deadline:
        time.sleep(0.01)
    follower.close()
    assert follower.over
    assert len(follower.text()) == 100_000
    assert all(how["follow"] for how in container.asked)


def test_a_service_that_floods_its_log_before_its_ready_line_fails_at_the_cap():
    run = Run(command=("server",), ready=Ready(log="listening"), timeout=60)
    snippet = Snippet(id="v/x", dir=Path("/nowhere"), title="t", run=run)
    started = time.monotonic()
    with pytest.raises(VerificationError) as caught:
        wait_ready(Session(client=None), _Chatty(), snippet, None, Deadline(60))
    assert caught.value.message == "v/x: run: its log passed 1 MiB before the ready line /listening/"
    assert time.monotonic() - started < 10


def test_a_command_that_prints_for_ever_is_capped_and_fails_its_probe():
    container = _Chatty()
    reader = AttachedOutput(container)
    deadline = time.monotonic() + 5
    while not reader.over and time.monotonic() < deadline:
        time.sleep(0.01)
    assert reader.over
    assert container.streams[0].closed.wait(5)
    with pytest.raises(VerificationError) as caught:
        complete_output(container, reader, NAMES)
    assert caught.value.message.startswith("v/x: probe p: the command's output is larger than 1 MiB")


class _Yes(_Chatty):
    """A command that prints for ever and never exits (``yes``): the engine's wait only times out."""

    def __init__(self) -> None:
        super().__init__()
        self.removed = False

    def start(self) -> None:
        pass

    def wait(self, timeout: float) -> dict[str, int]:
        time.sleep(timeout)
        raise ConnectionError("Read timed out.")  # what requests raises when a wait's slice runs out

    def remove(self, **_how: Any) -> None:
        self.removed = True


def test_a_command_that_prints_for_ever_is_stopped_by_the_cap_not_by_the_budget():
    made: list[_Yes] = []

    class Engine:
        containers = SimpleNamespace(create=lambda *_a, **_k: made.append(_Yes()) or made[-1])

    raw = {"title": "t", "build": {}, "probes": [{"name": "yes", "exec": {"command": ["yes"]}}]}
    snippet = snippet_from_dict(raw, Path("/nowhere/v/x"), "v/x")
    started = time.monotonic()
    with pytest.raises(VerificationError) as caught:
        run_probes(Session(client=Engine()), snippet, "sha256:image", Deadline(60))
    assert caught.value.message.startswith("v/x: probe yes: the command's output is larger than 1 MiB")
    assert time.monotonic() - started < 10
    assert made[0].removed


class _Stalled:
    """An exec's output that sends one line, then nothing, and stays open until it is closed."""

    def __init__(self) -> None:
        self.closed = threading.Event()

    def __iter__(self):
        yield b"started\n"
        self.closed.wait()

    def close(self) -> None:
        self.closed.set()


def test_a_stream_open_at_the_deadline_is_closed_and_gives_what_it_sent():
    stream = _Stalled()
    assert read_for(stream, LOG_CAP, 0.2) == (b"started\n", False, False)
    assert stream.closed.is_set()


def test_a_stream_past_the_cap_is_cut_and_read_no_further():
    stream = _Endless(b"z" * 1000)
    data, over, ended = read_for(stream, 2500, 5)
    assert (data, over, ended) == (b"z" * 2500, True, True)
    assert stream.read == 3000
    assert stream.closed.is_set()
