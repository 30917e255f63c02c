"""``journey render``: re-make the page fragments from the recorded results, no engine."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from journey.model.manifest import discover, select
from journey.model.record import read_result, result_path
from journey.site.downloads import write_downloads
from journey.site.render import write_snippet_fragments, write_volume_fragments
from journey.site.seed import render_seed_diffs

if TYPE_CHECKING:
    from pathlib import Path

    from journey.core.options import RenderOptions


def run_render(options: RenderOptions) -> int:
    """``journey render``: rewrite fragments from recorded results (changed files only), no engine."""
    volumes = discover(options.root)
    wanted = {s.id for s in select(volumes, list(options.ids))}
    changed: list[Path] = []
    for volume in volumes:
        results = {s.id: read_result(result_path(options.root, s.id)) for s in volume.snippets}
        for snippet in volume.snippets:
            result = results[snippet.id]
            if snippet.id in wanted and result is not None:
                changed += write_snippet_fragments(options.root, snippet, result)
            elif snippet.id in wanted:
                sys.stderr.write(f"{snippet.id}: no recorded result (run `journey verify {snippet.id}`)\n")
        changed += write_volume_fragments(options.root, volume, results)
        changed += render_seed_diffs(options.root, volume)
    changed += write_downloads(options.root, volumes)
    sys.stdout.write("".join(f"rendered {p.relative_to(options.root)}\n" for p in changed))
    return 0
