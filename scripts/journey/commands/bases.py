"""``journey bases``: every base image the snippets name, present, pulled or built; their sizes recorded."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from journey.core.errors import UsageError
from journey.model.manifest import discover, select
from journey.model.units import format_size
from journey.verify.bases import RECIPES, needed_bases, provide, say, write_record

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from journey.core.options import BasesOptions
    from journey.verify.bases import Provision


def run_bases(options: BasesOptions) -> int:
    """``journey bases``: provide every base, report each, record sizes; exit 5 if one is missing."""
    snippets = select(discover(options.root), list(options.ids))
    needs = needed_bases(snippets)
    unknown = [ref for ref in options.rebuild if ref not in RECIPES]
    if unknown:
        raise UsageError(f"no stand-in recipe for {', '.join(unknown)}; recipes: {', '.join(RECIPES)}")
    for ref in options.rebuild:
        needs.setdefault(ref, ())
    provision = provide(needs, offline=options.offline, rebuild=options.rebuild)
    _print_report(provision, needs, as_json=options.json)
    if options.record:
        every = {**provision.available, **provision.supporting}
        for path in write_record(options.root, every, provision.unavailable):
            say(f"recorded {path.relative_to(options.root)}")
    error = provision.error()
    if error is not None:
        raise error
    return 0


def _print_report(provision: Provision, needs: Mapping[str, Sequence[str]], as_json: bool) -> None:
    if as_json:
        entries = [
            {
                **base.as_result(),
                "id": base.id,
                "size": base.size,
                "action": base.action,
                "snippets": list(needs[ref]),
            }
            for ref, base in provision.available.items()
        ]
        entries += [
            {"ref": ref, "provenance": "unavailable", "reason": why, "snippets": list(snippets)}
            for ref, (snippets, why) in provision.unavailable.items()
        ]
        sys.stdout.write(json.dumps(entries, indent=2, sort_keys=True) + "\n")
        return
    for ref, base in provision.available.items():
        short = base.key.removeprefix("sha256:")[:12]
        sys.stdout.write(f"{ref}\t{base.provenance}\t{short}\t{format_size(base.size)}\t{base.action}\n")
    for ref, (snippets, _why) in provision.unavailable.items():
        sys.stdout.write(f"{ref}\tunavailable\t-\t-\tneeded by {', '.join(snippets)}\n")
