"""Fragments of a result's ``ship`` entry (Vol. 3): tables, recorded outputs and a bar chart.

``journey.site.render`` adds these to a snippet's fragments when its result has ``ship``, and to a
volume's the fragments of each ``ship_groups:`` entry of its ``volume.yml``: one table, one reading and one
chart over the pushes of several snippets, made by the same functions from the same rows (``Pushed``).
Sizes are the registry's (compressed, what a pull moves) and the layer tars' (uncompressed); times are
medians with their spread; every fragment says which builder made the figures.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from journey.model.manifest import ShipGroup, Volume
    from journey.model.record import Result


#: The sentence after the summary table, when the pushes compare like with like (``reading``).
READING = "ship-reading.md"
CHART = "ship-sizes.svg"


@dataclass(frozen=True)
class Pushed:
    """One push as a ship table, chart and reading show it, with the snippet that recorded it.

    ``push`` is the result's record of it, or ``None`` when its snippet has none to show yet: ``missing``
    then says why (its result's reason), and ``name`` is the push its manifest declares, so the row keeps
    its place in the table.
    """

    snippet: str
    name: str
    push: dict[str, Any] | None = None
    builder: Mapping[str, Any] = field(default_factory=dict)
    missing: str = ""


def pushed(snippet: str, ship: Mapping[str, Any]) -> list[Pushed]:
    """Return the rows of one snippet's recorded ``ship`` entry, in the order it pushed them."""
    builder = ship.get("builder", {})
    return [Pushed(snippet, push["name"], push, builder) for push in ship.get("pushes", [])]


def unverified(snippet: str, names: Sequence[str], reason: str) -> list[Pushed]:
    """Return a row for each push a snippet declares but has no verified record of, saying why."""
    return [Pushed(snippet, name, missing=reason) for name in names]


def render_ship(
    ship: dict[str, Any], format_size: Callable[[int], str], subject: str, *, snippet: str
) -> dict[str, str]:
    """Return the ship fragments by file name; sizes spelt by ``format_size`` (journey.site.render's).

    ``subject`` (the snippet's title) names the chart for screen readers: a page can hold two charts
    of the same pushes, one per image.
    """
    rows = pushed(snippet, ship)
    pushes: list[dict[str, Any]] = ship.get("pushes", [])
    fragments = {"ship.md": summary(rows, format_size), CHART: chart(rows, format_size, subject)}
    if comparable(pushes):
        fragments[READING] = reading(pushes, format_size)
    by_name = {push["name"]: push for push in pushes}
    for push in pushes:
        name = push["name"]
        fragments[f"ship-{name}.md"] = _platforms(push, format_size)
        if push.get("compare") in by_name:
            fragments[f"ship-{name}-vs-{push['compare']}.md"] = compare_builds(push, by_name[push["compare"]])
        if push.get("inspect"):
            fragments[f"ship-{name}-inspect.txt"] = push["inspect"]
        for run in push.get("runs", []):
            fragments[f"ship-{name}-run-{run['name']}.txt"] = run["output"] or "(no output)\n"
        if push.get("attestations"):
            fragments[f"ship-{name}-attestation.md"] = _json_block(push["attestations"])
        if push.get("loaded"):
            fragments[f"ship-{name}-loaded.md"] = _json_block(push["loaded"])
    return fragments


def comparable(pushes: list[dict[str, Any]]) -> bool:
    """Whether the pushes are one image exported several ways and pulled: two or more, same platforms.

    Only then does "smallest" or "fastest pull" compare like with like. Pushes that were never pulled
    (Vol. 3's reproducibility and emulation checks compare digests and build times instead) and pushes of
    different platforms get no reading.
    """
    platforms = {tuple(sorted(push["platforms"])) for push in pushes}
    return len(pushes) > 1 and len(platforms) == 1 and all(_pull(push) for push in pushes)


def _compressed(push: dict[str, Any]) -> int:
    return sum(m["compressed_size"] for m in push.get("manifests", []))


def _pull(push: dict[str, Any]) -> dict[str, float] | None:
    pull: dict[str, float] | None = push.get("volatile", {}).get("pull_seconds")
    return pull or None


def reading(pushes: list[dict[str, Any]], format_size: Callable[[int], str]) -> str:
    """Say what the summary table shows, in figures taken from it: the sentence a page puts after it.

    Computed, never typed, so a re-recorded result changes the reading with the table (issue 27: each
    table is followed by what it shows; a comparative comes from a fragment or goes). Measured against
    the first push, the manifest's baseline. A pull order whose ranges overlap is called uncertain.
    """
    first = pushes[0]
    base = _compressed(first)
    small = min(pushes, key=_compressed)
    large = max(pushes, key=_compressed)
    if small is first:
        sizes = f"the first, **{first['name']}**, is the smallest in the registry ({format_size(base)})"
    else:
        saved = 100 * (base - _compressed(small)) / base if base else 0.0
        sizes = (
            f"the smallest in the registry is **{small['name']}**, {format_size(_compressed(small))}: "
            f"{saved:.0f} % less than {first['name']}'s {format_size(base)}"
        )
    sizes += f"; the largest is **{large['name']}**, {format_size(_compressed(large))}"
    return f"Read against the first push: {sizes}. {_pull_sentence(pushes)}\n"


def _pull_sentence(pushes: list[dict[str, Any]]) -> str:
    """Name the fastest pull, its median against the first push's, and whether their ranges overlap."""
    timed = [(push, pull) for push in pushes if (pull := _pull(push)) is not None]
    fast, fast_pull = min(timed, key=lambda item: item[1]["median"])
    first, first_pull = timed[0]
    if fast is first:
        return f"The fastest pull is **{first['name']}**'s own ({first_pull['median']:.2f} s, median)."
    overlap = fast_pull["max"] >= first_pull["min"]
    caveat = "; their ranges overlap, so the order is not certain" if overlap else ""
    return (
        f"The fastest pull is **{fast['name']}**'s, {fast_pull['median']:.2f} s against {first['name']}'s "
        f"{first_pull['median']:.2f} s (medians{caveat})."
    )


def _json_block(value: object) -> str:
    """Fence a composed record (normalised, trimmed) as JSON: no command printed it, so no ``.txt``."""
    return "```json\n" + json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n```\n"


def timing(value: dict[str, Any] | None) -> str:
    """``1.23 s (1.10-1.40, 5 runs)``, or a dash."""
    if not value:
        return "-"
    return f"{value['median']:.2f} s ({value['min']:.2f}-{value['max']:.2f}, {value['runs']} runs)"


def _build_time(seconds: list[float]) -> str:
    if len(seconds) < 5:  # noqa: PLR2004 - a timing is a median of five or more, else only listed
        return ", ".join(f"{s:.1f} s" for s in seconds) + " (single builds, not a median)"
    ordered = sorted(seconds)
    return f"{ordered[len(ordered) // 2]:.1f} s ({ordered[0]:.1f}-{ordered[-1]:.1f}, {len(seconds)} runs)"


def compare_builds(push: dict[str, Any], other: dict[str, Any]) -> str:
    """Set two pushes' recorded build times side by side, and say how many times as long the first took.

    Both come from the same farm, each from an empty BuildKit cache (``ship.prune``). A single build
    is named as one, never as a median; with repeated builds the medians are compared.
    """
    rows = [
        "| Push | Dockerfile | Platforms | Build from an empty BuildKit cache |",
        "| --- | --- | --- | --- |",
    ]
    times = []
    for item in (push, other):
        seconds = item.get("volatile", {}).get("build_seconds", [])
        times.append(statistics.median(seconds) if seconds else None)
        dockerfile = f"`{item['dockerfile']}`" if item.get("dockerfile") else "the build's"
        cells = [
            item["name"],
            dockerfile,
            ", ".join(item["platforms"]),
            _build_time(seconds) if seconds else "-",
        ]
        rows.append("| " + " | ".join(cells) + " |")
    mine, theirs = times
    if mine is None or not theirs:
        verdict = "No ratio: a build time is missing from the record."
    else:
        single = all(len(i.get("volatile", {}).get("build_seconds", [])) == 1 for i in (push, other))
        which = "one build each, so a single measurement, not a median" if single else "medians of the builds"
        verdict = f"{push['name']} took **{mine / theirs:.1f} times** as long as {other['name']} ({which})."
    return "\n".join([*rows, "", verdict]) + "\n"


def _digest_cell(push: dict[str, Any]) -> str:
    repeat = push.get("repeat")
    if not repeat:
        return "-"
    if repeat["identical"]:
        return f"{repeat['times']} builds, identical: `{push['digest'][:19]}…`"
    digests = push.get("volatile", {}).get("digests", [])
    return f"{repeat['times']} builds, all different: " + ", ".join(f"`{d[:19]}…`" for d in digests)


def summary(rows: Sequence[Pushed], format_size: Callable[[int], str]) -> str:
    """Render the summary table: a row per push, in the order given, then which builder made the figures.

    A push without a record (``Pushed.missing``) keeps its row and says it is not verified. Pushes of
    several snippets (a ship group) built on different farms get a sentence per builder, naming its pushes.
    """
    lines = [
        (
            "| Push | Exporter options | Platforms | Compressed (registry) | Uncompressed "
            "| Pull into a clean engine | Build | Digests of repeated builds |"
        ),
        "| --- | --- | --- | ---: | ---: | --- | --- | --- |",
    ]
    for row in rows:
        push = row.push
        if push is None:
            note = f"`{row.snippet}` not verified in this build: {row.missing}"
            lines.append(f"| {row.name} | {_escape_cell(note)} | - | - | - | - | - | - |")
            continue
        manifests = push.get("manifests", [])
        compressed = sum(m["compressed_size"] for m in manifests)
        size = sum(m["size"] for m in manifests)
        volatile = push.get("volatile", {})
        lines.append(
            f"| {push['name']} | `{push['exporter']}` | {', '.join(push['platforms'])} | "
            f"{format_size(compressed)} | {format_size(size)} | {timing(volatile.get('pull_seconds'))} | "
            f"{_build_time(volatile.get('build_seconds', []))} | {_digest_cell(push)} |"
        )
    builders = _builders(rows)
    if len(builders) == 1:
        lines += ["", _built_by(builders[0][0]) + "."]
    elif builders:
        lines += ["", " ".join(f"{_built_by(b)} (pushes {', '.join(names)})." for b, names in builders)]
    return "\n".join(lines) + "\n"


def _escape_cell(text: str) -> str:
    """Keep a table cell one cell: a ``|`` in a recorded reason would split it."""
    return text.replace("|", "\\|").replace("\n", " ")


def _builders(rows: Sequence[Pushed]) -> list[tuple[Mapping[str, Any], list[str]]]:
    """Return each distinct builder of the recorded pushes, first seen first, with the pushes it made."""
    found: list[tuple[Mapping[str, Any], list[str]]] = []
    for row in rows:
        if row.push is None:
            continue
        same = next((names for builder, names in found if builder == row.builder), None)
        if same is None:
            found.append((row.builder, [row.name]))
        else:
            same.append(row.name)
    return found


def _built_by(builder: Mapping[str, Any]) -> str:
    return (
        f"Built by {builder.get('builder', '?')}; pushed to {builder.get('registry', '?')}; "
        f"pulled and run on {builder.get('engine', '?')}"
    )


def _platforms(push: dict[str, Any], format_size: Callable[[int], str]) -> str:
    files = sorted({f for m in push.get("manifests", []) for f in m.get("files", {})})
    head = "| Platform | Layers | Compressed (registry) | Uncompressed (layer tars) |"
    head += "".join(f" `{f}` |" for f in files)
    lines = [head, "| --- | ---: | ---: | ---: |" + " ---: |" * len(files)]
    for m in push.get("manifests", []):
        cells = [
            m["platform"],
            str(len(m["layers"])),
            format_size(m["compressed_size"]),
            format_size(m["size"]),
        ]
        cells += [format_size(m["files"][f]) if f in m.get("files", {}) else "-" for f in files]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def chart(pushed_rows: Sequence[Pushed], format_size: Callable[[int], str], subject: str) -> str:
    """Draw a horizontal bar per pushed platform image: compressed size as the registry stores it.

    A push without a record keeps its line, saying it is not verified, as the size ladder does.
    """
    rows: list[tuple[str, int | None]] = []
    for row in pushed_rows:
        if row.push is None:
            rows.append((row.name, None))
        else:
            rows += [
                (f"{row.name} {m['platform']}", m["compressed_size"]) for m in row.push.get("manifests", [])
            ]
    largest = max((size for _, size in rows if size is not None), default=1) or 1
    height = 30 + 26 * len(rows)
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 720 {height}" width="720" '
            f'height="{height}" role="img" '
            f'aria-label="{escape(subject)}: compressed size per pushed image, as the registry stores it" '
            'font-family="sans-serif" font-size="12">'
        ),
        '<text x="0" y="16">Compressed size in the registry (what a pull moves)</text>',
    ]
    for index, (label, size) in enumerate(rows):
        y = 28 + 26 * index
        if size is None:
            parts += [
                f'<text x="0" y="{y + 14}">{escape(label)}</text>',
                f'<text x="250" y="{y + 14}">not verified</text>',
            ]
            continue
        width = max(1, round(360 * size / largest))
        parts += [
            f'<text x="0" y="{y + 14}">{escape(label)}</text>',
            f'<rect x="250" y="{y}" width="{width}" height="18" fill="#3f6ec6"/>',
            f'<text x="{256 + width}" y="{y + 14}">{escape(format_size(size))}</text>',
        ]
    return "\n".join([*parts, "</svg>"]) + "\n"


# --- ship groups (volume.yml ``ship_groups:``): one table, reading and chart over several snippets -------


#: What every group fragment's name starts with: in ``results/<volume>/`` only groups' fragments do, so one
#: no group makes any longer (a group renamed or removed) is known for a left-over.
GROUP_PREFIX = "ship-"


def group_fragments(name: str) -> tuple[str, str, str]:
    """Return the file names of a group's table, reading and chart (relative to ``results/<volume>``)."""
    return f"{GROUP_PREFIX}{name}.md", f"{GROUP_PREFIX}{name}-reading.md", f"{GROUP_PREFIX}{name}-sizes.svg"


def group_rows(volume: Volume, group: ShipGroup, results: Mapping[str, Result | None]) -> list[Pushed]:
    """Return the rows of a group: each member in the order listed, its pushes in the order it pushed.

    A member without a verified result keeps a row per push its manifest declares, saying why.
    """
    by_id = {snippet.id: snippet for snippet in volume.snippets}
    rows: list[Pushed] = []
    for snippet_id in group.snippets:
        ship = by_id[snippet_id].ship
        names = [push.name for push in ship.pushes] if ship else []
        result = results.get(snippet_id)
        if result is None:
            rows += unverified(snippet_id, names, "no recorded result")
        elif result["status"] != "verified":
            rows += unverified(snippet_id, names, result["reason"] or "no reason recorded")
        elif not result.get("ship"):
            rows += unverified(snippet_id, names, "its result records no pushes")
        else:
            rows += pushed(snippet_id, result["ship"])
    return rows


def group_reading(rows: Sequence[Pushed], format_size: Callable[[int], str]) -> str:
    """Say what a group's table shows (``reading``), or why it says nothing yet: the page includes it anyway.

    Only when every member is verified and the pushes compare like with like (``comparable``) is one
    called smallest or fastest; a reading over the members that happen to be verified would change its
    baseline as the others arrive.
    """
    missing = list(dict.fromkeys(row.snippet for row in rows if row.push is None))
    if missing:
        listed = ", ".join(f"`{snippet}`" for snippet in missing)
        return f"No reading yet: {listed} not verified in this build, so the pushes are not compared.\n"
    pushes = [row.push for row in rows if row.push is not None]
    if comparable(pushes):
        return reading(pushes, format_size)
    return (
        "No reading: these pushes are not one image pulled several ways (their platforms differ, or some "
        "were not pulled), so none is called the smallest or the fastest.\n"
    )


def render_groups(
    volume: Volume, results: Mapping[str, Result | None], format_size: Callable[[int], str]
) -> dict[str, str]:
    """Return every ship group's table, reading and chart of a volume, by file name."""
    fragments: dict[str, str] = {}
    for group in volume.ship_groups:
        rows = group_rows(volume, group, results)
        table, sentence, svg = group_fragments(group.name)
        fragments[table] = summary(rows, format_size)
        fragments[sentence] = group_reading(rows, format_size)
        fragments[svg] = chart(rows, format_size, group.name)
        fragments.update(group_comparisons(volume, group, rows))
    return fragments


def group_comparisons(volume: Volume, group: ShipGroup, rows: Sequence[Pushed]) -> dict[str, str]:
    """Return ``ship-<group>-<push>-vs-<other>.md`` for each ``compare:`` that names another member's push.

    Made from the manifests' ``compare:`` keys, so the fragment a page includes exists before both
    members are verified; until then it says which is missing instead of a ratio.
    """
    by_id = {snippet.id: snippet for snippet in volume.snippets}
    recorded = {row.name: row for row in rows}
    fragments: dict[str, str] = {}
    for snippet_id in group.snippets:
        ship = by_id[snippet_id].ship
        own = {push.name for push in ship.pushes} if ship else set()
        for push in ship.pushes if ship else ():
            if push.compare is None or push.compare in own or push.compare not in recorded:
                continue
            name = f"{GROUP_PREFIX}{group.name}-{push.name}-vs-{push.compare}.md"
            mine, theirs = recorded[push.name], recorded[push.compare]
            if mine.push is None or theirs.push is None:
                waiting = ", ".join(f"`{r.snippet}`" for r in (mine, theirs) if r.push is None)
                fragments[name] = f"No ratio yet: {waiting} not verified in this build.\n"
            else:
                fragments[name] = compare_builds(mine.push, theirs.push)
    return fragments
