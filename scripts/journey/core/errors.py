"""Every failure the tool can report, each mapped to the exit code ARCHITECTURE.md documents.

Modules raise these; only the CLI turns them into a message and an exit code, so a library
caller (a test, the benchmark) can catch them and look at the snippet, step and cause.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable


class ExitCode(IntEnum):
    """Exit codes of ``journey``; what each means is :data:`MEANINGS`, which ``--help`` prints."""

    OK = 0
    VERIFICATION_FAILED = 1
    USAGE = 2
    NO_ENGINE = 3
    STALE = 4
    BASE_UNAVAILABLE = 5
    DRIFT = 6
    MACHINE = 8
    INTERNAL = 70
    INTERRUPTED = 130


#: The one statement of what each exit code means. ``journey --help`` and every command's ``--help`` print
#: it (``cli.exit_codes_help``), and the tables of ARCHITECTURE.md and docs/contributing.md must say the
#: same, word for word (a unit test compares them), so scripts and CI can branch on a code whose meaning
#: is written once.
MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "ok",
    ExitCode.VERIFICATION_FAILED: "a snippet failed verification",
    ExitCode.USAGE: "usage or manifest error (also a refused `journey new`, and a second `journey verify` "
    "while one holds `.cache/verify.lock`)",
    ExitCode.NO_ENGINE: "no engine (also `scripts/engine.sh`'s code when it cannot provide one)",
    ExitCode.STALE: "stale or missing results, or a coverage gap (`journey check`)",
    ExitCode.BASE_UNAVAILABLE: "a base image cannot be had (not pulled, no stand-in recipe)",
    ExitCode.DRIFT: "drift: a full proof (`verify --all --report`, `merge`) found a recorded figure "
    "or output that moved",
    ExitCode.MACHINE: "this machine failed, not the snippet: the build farm, the module proxy or a private "
    "engine did not start or answer, or a lock was held too long (the message names the holder)",
    ExitCode.INTERNAL: "a bug in journey: any exception that is not the tool's own; the traceback goes to a "
    "`journey-<command>-crash-*.log` in the temp folder, which the message names",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C or SIGTERM); results untouched, containers and temp images "
    "removed",
}


def worst(codes: Iterable[int]) -> int:
    """Return the exit code a run with these failures ends with: the one a reader must act on first.

    A bug of the tool (70) before this machine's failure (8) before anything else (a snippet that failed: 1):
    a crash or a broken farm must never pass for a snippet that failed. Nothing failed: 0.
    """
    found = {int(code) for code in codes if code}
    for first in (ExitCode.INTERNAL, ExitCode.MACHINE):
        if first in found:
            return int(first)
    return max(found, default=int(ExitCode.OK))


class JourneyError(Exception):
    """Base of all tool errors: names the snippet, the step and the cause.

    ``snippet`` is a snippet id (``vol1/multistage``) or ``None`` when the error is not about one;
    ``step`` says what the tool was doing (``manifest``, ``build``, ``probe location``, ``check``…).
    """

    exit_code: ExitCode = ExitCode.VERIFICATION_FAILED

    def __init__(self, cause: str, *, snippet: str | None = None, step: str | None = None) -> None:
        self.cause = cause
        self.snippet = snippet
        self.step = step
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """One line a reader can act on: ``vol1/x: build: <cause>``."""
        parts = [part for part in (self.snippet, self.step) if part]
        return ": ".join([*parts, self.cause])


class VerificationError(JourneyError):
    """A snippet failed to build, run, answer a probe or pass a check (exit 1).

    ``log_tail`` holds the last lines of the build or run log, shown under the message.
    """

    exit_code = ExitCode.VERIFICATION_FAILED

    def __init__(
        self,
        cause: str,
        *,
        snippet: str | None = None,
        step: str | None = None,
        log_tail: str = "",
    ) -> None:
        self.log_tail = log_tail
        super().__init__(cause, snippet=snippet, step=step)


class UsageError(JourneyError):
    """The command line asked for something that cannot be done (exit 2)."""

    exit_code = ExitCode.USAGE


class ManifestError(UsageError):
    """A ``snippet.yml`` or ``volume.yml`` is missing, unreadable or invalid (exit 2).

    ``path`` is the file, ``key`` the key path inside it (``probes[1].http.status``) or ``""``.
    """

    def __init__(self, path: str, key: str, cause: str, *, snippet: str | None = None) -> None:
        self.path = path
        self.key = key
        where = f"{path}: {key}" if key else path
        super().__init__(f"{where}: {cause}", snippet=snippet, step="manifest")


class EngineUnavailableError(JourneyError):
    """No Docker engine with BuildKit answers (exit 3)."""

    exit_code = ExitCode.NO_ENGINE


class StaleError(JourneyError):
    """Recorded results are missing or stale, or a coverage gap was found (exit 4).

    ``problems`` lists every gap as ``path:line: problem (hint: …)``.
    """

    exit_code = ExitCode.STALE

    def __init__(self, cause: str, *, problems: tuple[str, ...] = (), snippet: str | None = None) -> None:
        self.problems = problems
        super().__init__(cause, snippet=snippet, step="check")


class BaseUnavailableError(JourneyError):
    """A base image is not local, cannot be pulled and has no stand-in recipe (exit 5)."""

    exit_code = ExitCode.BASE_UNAVAILABLE


class InterruptedRunError(JourneyError):
    """The run was interrupted (Ctrl-C); results untouched, resources removed (exit 130)."""

    exit_code = ExitCode.INTERRUPTED


class MachineError(JourneyError):
    """The machine failed, not the snippet (exit 8): the farm, the module proxy or a private engine.

    Raised when one of the tool's own helpers does not start or answer, or a machine-wide lock stays held
    past its bound. A snippet that fails because of it is not a failed snippet: a re-run on a healthy
    machine may well pass, so CI and scripts must be able to tell the two apart.
    """

    exit_code = ExitCode.MACHINE


class InternalError(JourneyError):
    """A bug in journey met inside a worker (exit 70): ``original`` is the exception, ``log`` its traceback.

    The command line turns any unexpected exception of the main thread into exit 70 itself; a worker
    catches it to keep the other snippets going, and carries it in this, so the run still ends with 70.
    """

    exit_code = ExitCode.INTERNAL

    def __init__(
        self,
        original: BaseException,
        *,
        snippet: str | None = None,
        step: str | None = None,
        log: str | None = None,
    ) -> None:
        self.original = original
        self.log = log
        said = f"a bug in journey: {type(original).__name__}: {original}"
        if log is not None:
            said += f" (the traceback is in {log}; please report it with that file)"
        super().__init__(said, snippet=snippet, step=step)
