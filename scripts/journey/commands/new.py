"""``journey new volume|snippet``: scaffold a volume or a snippet, and say what to do next."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from journey.site.new import new_snippet, new_volume

if TYPE_CHECKING:
    from journey.core.options import NewOptions


def run_new(options: NewOptions) -> int:
    """``journey new volume|snippet``; print what was created and what to do next.

    Raises :class:`UsageError` (exit 2) on a bad name, an existing folder or an unknown volume, having
    written nothing.
    """
    root = options.root
    if options.kind == "volume":
        done = new_volume(root, options.target)
    else:
        done = new_snippet(root, options.target, options.title)
    lines = [f"created {path.relative_to(root)}" for path in done.created]
    lines += [f"edited  {path.relative_to(root)}" for path in done.edited]
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    sys.stderr.write(f"{done.next_steps}\n")
    return 0
