"""Every failure the tool can report, each mapped to the exit code ARCHITECTURE.md documents.

Modules raise these; only the CLI turns them into a message and an exit code, so a library
caller (a test, the benchmark) can catch them and look at the snippet, step and cause.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of ``journey`` (the table in ARCHITECTURE.md)."""

    OK = 0
    VERIFICATION_FAILED = 1
    USAGE = 2
    NO_ENGINE = 3
    STALE = 4
    BASE_UNAVAILABLE = 5
    DRIFT = 6
    INTERNAL = 70
    INTERRUPTED = 130


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
