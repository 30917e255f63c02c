"""``journey clean``: remove what killed runs left (containers, temp images, builders, /tmp folders)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from journey.core.errors import EngineUnavailableError, ExitCode
from journey.engine import daemon
from journey.engine.sweep import sweep

if TYPE_CHECKING:
    from journey.core.options import CleanOptions


def run_clean(options: CleanOptions) -> int:
    """``journey clean``: remove what killed runs left, say each thing, exit 8 if something stayed.

    Without an engine the folders are still swept, then it exits 3: the engine's part was not looked at.
    """
    try:
        client = daemon.connect()
        missing: EngineUnavailableError | None = None
    except EngineUnavailableError as exc:
        client, missing = None, exc
    try:
        swept = sweep(client, dry_run=options.dry_run)
    finally:
        if client is not None:
            client.close()
    verb = "would remove" if options.dry_run else "removed"
    for line in swept.removed:
        sys.stdout.write(f"{verb} {line}\n")
    if not swept.removed:
        sys.stdout.write("nothing to clean: no ended run left anything here\n")
    for line in swept.problems:
        sys.stderr.write(f"journey: clean: could not remove {line}\n")
    if missing is not None:
        cause = f"{missing.cause}; folders were swept, the engine's containers and images were not looked at"
        raise EngineUnavailableError(cause, step="clean")
    return int(ExitCode.MACHINE if swept.problems else ExitCode.OK)
