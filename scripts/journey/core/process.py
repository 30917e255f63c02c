"""Every child process of the tool starts here: the one module that imports ``subprocess``.

Why one module: a child the tool starts must be bounded and stoppable, or a verify run hangs with no
word. Kept in one place, that is checked by reading one file: ``run`` takes ``timeout`` as a required
keyword, so every call states its bound (``None`` only where a call says why it has none), and
``start`` / ``start_text`` hand back the running child for callers that watch it themselves (the
session's hang watchdog, ``engine.session.Activity``, which starts every build and check through
``start_text``; servers and log streams, which their callers stop through ``engine.session.kill_group``).
``tests/unit/core/test_process.py`` fails when ``subprocess`` is imported anywhere else in the tool.

The runner adds nothing of its own: arguments, environment, working folder, timeouts, exit codes and
the exceptions are exactly ``subprocess``'s (its exception classes and stream constants are re-exported
here, so a caller names ``process.TimeoutExpired``, the same class). Imports nothing of the tool.
"""

from __future__ import annotations

import subprocess
from os import PathLike
from subprocess import (
    DEVNULL,
    PIPE,
    STDOUT,
    CalledProcessError,
    CompletedProcess,
    Popen,
    SubprocessError,
    TimeoutExpired,
)
from typing import IO, TYPE_CHECKING, Literal, overload

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "DEVNULL",
    "PIPE",
    "STDOUT",
    "CalledProcessError",
    "CompletedProcess",
    "Popen",
    "SubprocessError",
    "TimeoutExpired",
    "run",
    "start",
    "start_text",
]

#: What a child's stdin, stdout or stderr may be: a constant above, a file descriptor, an open file, or
#: None (inherit the tool's own).
Stream = int | IO[bytes] | IO[str] | None
#: A working folder.
Folder = str | PathLike[str] | None


@overload
def run(
    argv: Sequence[str],
    *,
    timeout: float | None,
    text: Literal[True],
    check: bool = ...,
    capture_output: bool = ...,
    input: str | None = ...,
    stdin: Stream = ...,
    stdout: Stream = ...,
    stderr: Stream = ...,
    env: Mapping[str, str] | None = ...,
    cwd: Folder = ...,
) -> CompletedProcess[str]: ...


@overload
def run(
    argv: Sequence[str],
    *,
    timeout: float | None,
    text: Literal[False] = ...,
    check: bool = ...,
    capture_output: bool = ...,
    input: bytes | None = ...,
    stdin: Stream = ...,
    stdout: Stream = ...,
    stderr: Stream = ...,
    env: Mapping[str, str] | None = ...,
    cwd: Folder = ...,
) -> CompletedProcess[bytes]: ...


def run(
    argv: Sequence[str],
    *,
    timeout: float | None,
    text: bool = False,
    check: bool = False,
    capture_output: bool = False,
    input: str | bytes | None = None,  # noqa: A002  (subprocess's own keyword)
    stdin: Stream = None,
    stdout: Stream = None,
    stderr: Stream = None,
    env: Mapping[str, str] | None = None,
    cwd: Folder = None,
) -> CompletedProcess[str] | CompletedProcess[bytes]:
    """Run a child to its end, as ``subprocess.run`` does, with its bound stated by the caller.

    ``timeout`` is required: seconds after which the child is killed and ``TimeoutExpired`` raised, or
    None for no bound. ``check`` raises ``CalledProcessError`` (the command in its message) on a non-zero
    exit; ``OSError`` when the program cannot be started. Text is decoded with the locale's encoding,
    as ``subprocess`` does, when ``text`` is true.
    """
    return subprocess.run(
        list(argv),
        timeout=timeout,
        text=text,
        check=check,
        capture_output=capture_output,
        input=input,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        env=env,
        cwd=cwd,
    )


def start(
    argv: Sequence[str],
    *,
    stdin: Stream = None,
    stdout: Stream = None,
    stderr: Stream = None,
    env: Mapping[str, str] | None = None,
    cwd: Folder = None,
    start_new_session: bool = False,
) -> Popen[bytes]:
    """Start a long-running child (a server, a stream) and hand it back; the caller waits for it and stops it.

    Nothing here bounds it: the caller's own wait does (with a timeout, or a watchdog), and it is stopped
    with ``engine.session.kill_group`` when it has its own session (``start_new_session``).
    """
    return subprocess.Popen(
        list(argv),
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        env=env,
        cwd=cwd,
        start_new_session=start_new_session,
    )


def start_text(
    argv: Sequence[str],
    *,
    stdin: Stream = None,
    stdout: Stream = None,
    stderr: Stream = None,
    env: Mapping[str, str] | None = None,
    cwd: Folder = None,
    errors: str | None = None,
    start_new_session: bool = False,
) -> Popen[str]:
    """Start a child whose pipes carry text (decoded with ``errors``), as ``start`` does otherwise.

    The session's runner (``engine.session.Session.run_process``) starts every build and check here and
    watches it with its hang watchdog.
    """
    return subprocess.Popen(
        list(argv),
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        env=env,
        cwd=cwd,
        text=True,
        errors=errors,
        start_new_session=start_new_session,
    )
