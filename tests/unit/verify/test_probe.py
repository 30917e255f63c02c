"""A command's output is read whole: attached before the start, or from a log once it settled.

The service log is read once it is complete: a line written just after the last answer is kept.
"""

from __future__ import annotations

import threading
import time

from journey.engine.container import AttachedOutput, complete_output
from journey.verify.probe import settled_logs


class _Stream:
    """A followed log stream: its pieces, each after its delay, then open (as a running container's is)
    until closed, or at its end (as a stopped container's is) with ``ends``."""

    def __init__(self, pieces: list[tuple[float, bytes]], ends: bool = False) -> None:
        self.pieces, self.ends, self.closed = pieces, ends, threading.Event()

    def __iter__(self):
        for delay, piece in self.pieces:
            if self.closed.wait(delay):
                return
            yield piece
        if not self.ends:
            self.closed.wait()

    def close(self) -> None:
        self.closed.set()


class _LateLine:
    """A container whose access-log line for the last request lands 0.3 s after the answer."""

    def logs(self, *, stdout: bool, stderr: bool, stream: bool, follow: bool) -> _Stream:  # noqa: ARG002 - the SDK signature
        if stderr:
            return _Stream([])
        return _Stream([(0, b'[GIN] 200 GET "/v1/location"\n'), (0.3, b'[GIN] 200 GET "/v1/projects/1"\n')])


def test_a_line_written_after_the_answer_is_waited_for():
    assert settled_logs(_LateLine(), ("v/x", "run"), quiet=0.5, bound=5).count("[GIN]") == 2


def test_a_log_that_never_settles_is_returned_at_the_bound():
    class Chatty:
        def logs(self, *, stdout: bool, stderr: bool, stream: bool, follow: bool) -> _Stream:  # noqa: ARG002 - the SDK signature
            return _Stream([] if stderr else [(0.05, b"more\n")] * 1000)

    started = time.monotonic()
    settled_logs(Chatty(), ("v/x", "run"), quiet=0.5, bound=1)
    assert time.monotonic() - started < 2


def test_a_stopped_containers_log_is_read_to_its_end_without_waiting_for_quiet():
    class Stopped:
        def logs(self, *, stdout: bool, stderr: bool, stream: bool, follow: bool) -> _Stream:  # noqa: ARG002 - the SDK signature
            return _Stream([(0, b"err\n" if stderr else b"out\n")], ends=True)

    started = time.monotonic()
    assert settled_logs(Stopped(), ("v/x", "run"), quiet=3, bound=5) == "out\nerr\n"
    assert time.monotonic() - started < 2


class _Attached:
    """A container whose attach stream yields these (stdout, stderr) frames, as docker-py's demux does."""

    def __init__(self, frames: list[tuple[bytes | None, bytes | None]]) -> None:
        self.frames = frames
        self.closed = False

    def attach(self, **kwargs: object) -> _Attached:
        # no log replay: it can overlap the live stream and record a line twice
        assert (kwargs["stream"], kwargs["demux"], kwargs["logs"]) == (True, True, False)
        return self

    def __iter__(self):
        return iter(self.frames)

    def close(self) -> None:
        self.closed = True


def test_attached_output_puts_stdout_first_whatever_the_arrival_order():
    container = _Attached([(None, b"warn\n"), (b"one ", None), (b"two\n", b"err\n")])
    text = AttachedOutput(container).text(fallback=lambda: "the log")
    assert text == "one two\nwarn\nerr\n"
    assert container.closed


def test_an_empty_stream_falls_back_to_the_log():
    assert AttachedOutput(_Attached([])).text(fallback=lambda: "from the log\n") == "from the log\n"


NAMES = ("v/x", "probe p")


class _Exited(_Attached):
    """An exited container: its attach stream and its log, each possibly missing part of the output."""

    def __init__(self, frames: list[tuple[bytes | None, bytes | None]], out: bytes, err: bytes) -> None:
        super().__init__(frames)
        self.out, self.err = out, err

    def logs(self, *, stdout: bool, stderr: bool, stream: bool, follow: bool) -> _Stream:  # noqa: ARG002 - the SDK signature
        return _Stream([(0, self.out if stdout else self.err)], ends=True)


def test_the_log_fills_in_what_a_late_attach_missed():
    container = _Exited([(None, b"line 2\n")], b"", b"line 1\nline 2\n")
    assert complete_output(container, AttachedOutput(container), NAMES) == "line 1\nline 2\n"


def test_an_empty_log_leaves_the_attached_output_and_a_line_is_never_doubled():
    container = _Exited([(None, b"cat: /srv/nope: No such file or directory\n")], b"", b"")
    assert (
        complete_output(container, AttachedOutput(container), NAMES)
        == "cat: /srv/nope: No such file or directory\n"
    )
    both = _Exited([(None, b"once\n")], b"", b"once\n")
    assert complete_output(both, AttachedOutput(both), NAMES) == "once\n"
