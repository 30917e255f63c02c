"""``journey plan``: which results are trusted as recorded, what to verify, the fan-out's matrix and cost."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from journey.core.errors import ExitCode
from journey.model.manifest import discover, select
from journey.verify.schedule import entries, matrix, plan_json, summary_line, table, to_verify

if TYPE_CHECKING:
    from journey.core.options import PlanOptions


def run_plan(options: PlanOptions) -> int:
    """Print the plan: a table, ``--json``, ``--matrix`` (CI), ``--stale`` ids, or ``--summary``."""
    planned = entries(options.root, select(discover(options.root), list(options.ids)))
    if options.stale:
        text = "".join(f"{snippet}\n" for snippet in to_verify(planned))
    elif options.summary:
        text = summary_line(planned, options.reverified) + "\n"
    elif options.json:
        text = plan_json(planned)
    elif options.matrix:
        text = json.dumps({"include": matrix(planned)}, separators=(",", ":")) + "\n"
    else:
        text = table(planned)
    sys.stdout.write(text)
    return int(ExitCode.OK)
