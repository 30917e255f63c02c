"""What each command was asked to do: one typed, frozen object per command, made by the CLI only.

Commands take one of these and never see argparse, so a test or another tool can call a command
with plain values, and every option is spelt, typed and defaulted in one place (cli.py declares the
flags, this module the values they become). Defaults here are the ones ``--help`` shows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path  # noqa: TC003 - dataclass field types are read at run time

#: Snippets verified at once (each one's build waits for a compile slot).
DEFAULT_JOBS = 2
#: Seconds per snippet for waits that do no work: containers getting ready, probes, loopback servers.
DEFAULT_TIMEOUT = 900
#: Seconds without output and without CPU progress after which a build or a check is hung.
DEFAULT_IDLE_TIMEOUT = 600
#: Builds (and Go checks) at once: a cold Go compile uses every core, so two at once on a small
#: machine only double the memory and the time of each. Snippets still measure and probe in parallel.
DEFAULT_BUILD_JOBS = max(1, (os.cpu_count() or 1) // 4)


@dataclass(frozen=True)
class VerifyOptions:
    """``journey verify``."""

    root: Path
    ids: tuple[str, ...] = ()
    force: bool = False
    jobs: int = DEFAULT_JOBS
    timeout: float = DEFAULT_TIMEOUT
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    build_jobs: int = DEFAULT_BUILD_JOBS
    json: bool = False
    no_cache: bool = False
    #: a buildx builder to build with instead of the engine's own (``None``: the engine's)
    builder: str | None = None
    #: a BuildKit cache every build imports and exports (``type=gha,scope=vol1-multistage``)
    cache: str | None = None
    #: re-prove every selected snippet (resumable: one this machine verified with the same inputs is
    #: skipped); without it a result whose source digest matches is trusted as recorded
    all: bool = False
    #: where ``--all`` writes its drift report (drift.md, drift.json, timings.json); ``None``: nowhere
    report: Path | None = None

    @property
    def trusting(self) -> bool:
        """Whether a result fresh by source digest is reused without an engine (the default)."""
        return not (self.all or self.force)


@dataclass(frozen=True)
class BasesOptions:
    """``journey bases``: ``record`` is off for a partial run (it would drop other bases from the page)."""

    root: Path
    ids: tuple[str, ...] = ()
    offline: bool = False
    rebuild: tuple[str, ...] = ()
    json: bool = False
    record: bool = True


@dataclass(frozen=True)
class PlanOptions:
    """``journey plan``: at most one of ``json``, ``stale``, ``summary``, ``matrix`` (the CLI checks)."""

    root: Path
    ids: tuple[str, ...] = ()
    json: bool = False
    stale: bool = False
    summary: bool = False
    matrix: bool = False
    #: for ``summary``: how many snippets this run re-verified (they are fresh by now)
    reverified: int = 0


@dataclass(frozen=True)
class MergeOptions:
    """``journey merge PART...``: the fan-out's per-snippet parts laid over this checkout."""

    root: Path
    parts: tuple[Path, ...]
    report: Path | None = None


@dataclass(frozen=True)
class CheckOptions:
    """``journey check``."""

    root: Path


@dataclass(frozen=True)
class ListOptions:
    """``journey list``."""

    root: Path
    json: bool = False


@dataclass(frozen=True)
class RenderOptions:
    """``journey render``."""

    root: Path
    ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewOptions:
    """``journey new volume TITLE`` or ``journey new snippet VOLUME/NAME [--title T]``."""

    root: Path
    kind: str
    target: str
    title: str | None = None


@dataclass(frozen=True)
class CleanOptions:
    """``journey clean``: remove what runs that were killed left behind (``dry_run``: only say it)."""

    root: Path
    dry_run: bool = False
