"""Progress in plain output (CI logs): a step line, then a "still" line while a long step runs."""

from __future__ import annotations

import io
import time

from rich.console import Console

from journey.core.errors import VerificationError
from journey.core.progress import Outcome, Reporter, _clock, _done_line


def test_a_long_step_gets_still_lines_with_its_elapsed_time_until_it_ends():
    out = io.StringIO()
    with Reporter(Console(file=out, width=200), heartbeat=0.3) as reporter:
        reporter.step("vol1/naive", "build")
        time.sleep(1.0)
        reporter.done(Outcome("vol1/naive", "verified", seconds=5.6))
        lines_when_done = out.getvalue().count("still in")
        time.sleep(0.7)
    text = out.getvalue()
    assert text.startswith("vol1/naive: build\n")
    assert "vol1/naive: still in build, " in text
    assert " in this step, " in text
    assert text.count("still in") == lines_when_done  # nothing after the snippet finished


def test_clock_reads_like_a_log():
    assert _clock(5.4) == "5s"
    assert _clock(125) == "2m05s"


def test_done_lines_name_snippet_step_and_cause():
    error = VerificationError("docker buildx build exited 1: boom", snippet="vol1/x", step="build")
    assert (
        _done_line(Outcome("vol1/x", "failed", error=error))
        == "FAILED vol1/x: build: docker buildx build exited 1: boom"
    )
    assert _done_line(Outcome("vol1/y", "not-verified", reason="no base")) == "vol1/y: NOT VERIFIED: no base"
    assert (
        _done_line(Outcome("vol1/z", "verified", changed=True, seconds=2.0))
        == "vol1/z: verified (result rewritten, 2.0 s)"
    )
