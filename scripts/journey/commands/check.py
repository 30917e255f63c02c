"""``journey check``, no engine: results fresh, fragments current, includes resolve, every file shown."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from journey.site.check import check, prose_figures

if TYPE_CHECKING:
    from journey.core.options import CheckOptions


def run_check(options: CheckOptions) -> int:
    """``journey check``: each gap goes to stdout as ``path:line: problem (hint: …)``, then exit 4.

    Every figure accepted in prose by a reviewed comment or as a quotation is listed on stderr first,
    pass or fail, so none of them hides.
    """
    prose = prose_figures(options.root)
    sys.stderr.write(prose.summary())
    check(options.root, prose)
    sys.stderr.write("journey check: ok\n")
    return 0
