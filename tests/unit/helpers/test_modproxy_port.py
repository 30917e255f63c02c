"""The one module-proxy port: who holds it is named, and another journey run is waited for."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from journey.helpers import modproxy

#: Listens on a free loopback port, prints it and holds it for the given seconds, answering every request
#: with a 404: a server of something else. (A holder that never answered would cost each look at it the
#: five seconds ``serves_same_directory`` waits for an answer, and say nothing more about the holder.)
HOLD = """
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(); s.settimeout(0.05)
print(s.getsockname()[1], flush=True)
end = time.monotonic() + float(sys.argv[1])
while time.monotonic() < end:
    try:
        c, _ = s.accept()
    except TimeoutError:
        continue
    c.sendall(b"HTTP/1.0 404 Not Found\\r\\nContent-Length: 0\\r\\n\\r\\n"); c.close()
"""


def _holder(seconds: float) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    port = int(proc.stdout.readline())
    return proc, port


def test_the_holder_of_a_port_is_named_by_pid_command_and_folder():
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        holder = modproxy.port_holder(squatter.getsockname()[1])
    assert holder.what.startswith(f"pid {os.getpid()} (")
    assert f"in {Path.cwd()})" in holder.what
    assert not holder.is_journey


def test_a_journey_command_line_counts_as_another_run():
    assert modproxy.Holder("x", ("/repo/.venv/bin/python", "/repo/.venv/bin/journey", "verify")).is_journey
    assert modproxy.Holder("x", ("python", "-m", "journey", "verify")).is_journey
    assert not modproxy.Holder("x", ("python", "-m", "http.server")).is_journey
    assert not modproxy.Holder("x", ("/work/golang-journey/.venv/bin/python", "-m", "pytest")).is_journey


def test_another_journey_run_on_the_port_is_waited_for_then_the_port_is_served(tmp_path, monkeypatch):
    proc, port = _holder(2.0)
    monkeypatch.setattr(modproxy.Holder, "is_journey", property(lambda self: str(proc.pid) in self.what))
    monkeypatch.setattr(modproxy, "REPORT_SECONDS", 0.5)
    started = time.monotonic()
    try:
        with modproxy.serve(tmp_path, port, wait=30) as proxy:
            assert not proxy.shared
            waited = time.monotonic() - started
    finally:
        proc.wait(timeout=10)
    assert waited > 1.0  # it waited for the holder to end, rather than fail at once


def test_a_run_that_waited_too_long_fails_naming_the_holder(tmp_path, monkeypatch):
    proc, port = _holder(30.0)
    monkeypatch.setattr(modproxy.Holder, "is_journey", property(lambda self: str(proc.pid) in self.what))
    try:
        with (
            pytest.raises(modproxy.ModProxyError, match=rf"held by pid {proc.pid} "),
            modproxy.serve(tmp_path, port, wait=1.5),
        ):
            pass
    finally:
        proc.kill()
        proc.wait(timeout=10)
