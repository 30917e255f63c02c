"""Page fragments rendered from recorded results: the only way a number reaches a page.

Fragments are pure functions of (snippet files, manifest, result.json, and the repository address in
``mkdocs.yml``), so ``journey check`` can re-render in memory and compare with what is committed. Sizes go
through ``format_size`` only, so a test can find a page's figure in the result it came from.
"""

from __future__ import annotations

import base64
import html
import re
import sys
from typing import TYPE_CHECKING, Any

from journey.digest import source_roots, tree_files
from journey.images import STANDIN
from journey.layout import results_dir, write_text_atomic
from journey.manifest import discover, select
from journey.record import RESULT_NAME, read_result, result_path
from journey.ship_render import render_ship
from journey.siteconfig import source_tree_url

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from journey.manifest import Snippet, Volume
    from journey.options import RenderOptions
    from journey.record import Base, Image, Outcome, Result

_UNITS = ("B", "kB", "MB", "GB", "TB")
FRAGMENT_SUFFIXES = (".md", ".txt", ".svg")
LADDER_SVG = "size-ladder.svg"
LADDER_MD = "size-ladder.md"
VOLUME_PROVENANCE = "provenance.md"
_VOLUME_COLUMNS = ("snippet", "status", "verified on", "engine", "buildx", "platform", "Go (image)", "tools")
VOLUME_PROVENANCE_HEADER = "| " + " | ".join([*_VOLUME_COLUMNS, "bases (provenance)"]) + " |"


def format_size(size: int, *, compact: bool = False) -> str:
    """Format bytes like ``docker images``: decimal units, 3 significant digits (``7.12 MB``).

    ``compact`` drops the space (``7.12MB``), exactly as ``docker images`` prints it.
    """
    value = float(size)
    unit = 0
    while value >= 999.5 and unit < len(_UNITS) - 1:  # noqa: PLR2004 - rounds to 1000 at 3 digits
        value /= 1000
        unit += 1
    return f"{value:.3g}{'' if compact else ' '}{_UNITS[unit]}"


def format_signed_size(size: int) -> str:
    """Format a difference of sizes with its sign (``+112 kB``, ``-6.38 MB``, ``0 B``)."""
    if size == 0:
        return "0 B"
    return ("+" if size > 0 else "-") + format_size(abs(size))


def slug(name: str) -> str:
    """Return a file-name-safe form of a name (``hadolint Dockerfile`` → ``hadolint-dockerfile``)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unnamed"


def probe_fragment(name: str) -> str:
    """Return the file name of a probe's output fragment."""
    return f"probe-{slug(name)}.txt"


def check_fragment(name: str) -> str:
    """Return the file name of a check's output fragment."""
    return f"check-{slug(name)}.txt"


def not_verified_note(reason: str) -> str:
    """Return the Markdown admonition every fragment of a not-verified snippet shows."""
    return f'!!! warning "Not verified in this build"\n\n    not verified in this build: {reason}\n'


def _cell(text: str) -> str:
    """Escape a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


# --- sizes.md ------------------------------------------------------------------------------------


def role_label(image: Image) -> str:
    """Say what an image is in words a reader knows from the page."""
    role = image["role"]
    if role == "final":
        return f"final image `{image['tag']}`" if image.get("tag") else "final image"
    if role.startswith("stage:"):
        return f"stage `{role.removeprefix('stage:')}` (`--target`)"
    if role.startswith("base:"):
        return f"base `{role.removeprefix('base:')}`"
    return f"`{role}`"


def _payload_line(image: Image) -> str:
    """Return how much of the final image is payload (binary, CA bundle, zoneinfo…), if measured."""
    payload = image.get("payload_size")
    if payload is None or image["size"] == 0:
        return ""
    share = 100 * payload / image["size"]
    return (
        f"\nPayload (the files the service needs): {format_size(payload)} of "
        f"{format_size(image['size'])} uncompressed ({share:.1f} %).\n"
    )


def render_sizes(result: Result) -> str:
    """Render ``sizes.md``: one row per image, uncompressed and compressed, and the payload share."""
    if result["status"] != "verified":
        return not_verified_note(result["reason"] or "no reason recorded")
    rows = ["| image | uncompressed | compressed | layers |", "| --- | ---: | ---: | ---: |"]
    rows += [
        f"| {_cell(role_label(i))} | {format_size(i['size'])} | {format_size(i['compressed_size'])} "
        f"| {len(i['layers'])} |"
        for i in result["images"]
    ]
    finals = [i for i in result["images"] if i["role"] == "final"]
    return "\n".join(rows) + "\n" + (_payload_line(finals[0]) if finals else "")


# --- image references --------------------------------------------------------------------------------
#
# There is no composed ``docker images`` table: a table made from measurements is ``sizes.md``, under the
# tool's own column names, and the only ``docker images`` text a page shows is the captured one
# (``output-docker-images.txt``, what the command printed). ``journey check`` keeps pages to that.


def split_ref(ref: str) -> tuple[str, str]:
    """Split ``repo:tag`` the way ``docker images`` shows it (a registry port is not a tag)."""
    name = ref.split("@", 1)[0]
    repo, colon, tag = name.rpartition(":")
    if not colon or "/" in tag:
        return name, "<none>" if "@" in ref else "latest"
    return repo, tag


# --- provenance.md ---------------------------------------------------------------------------------


def short_ref(ref: str) -> str:
    """Drop Docker Hub's implicit prefix (``docker.io/library/golang:1.26`` → ``golang:1.26``)."""
    for prefix in ("docker.io/library/", "docker.io/"):
        if ref.startswith(prefix):
            return ref.removeprefix(prefix)
    return ref


def base_provenance(base: Base) -> str:
    """Return ``real``, ``stand-in``, ``local`` or ``unavailable`` (a base the engine did not have)."""
    return base["provenance"]


def _standin_labels(base: Base) -> dict[str, str]:
    """Return a stand-in's own labels without their common prefix (``for``, ``recipe``, ``packages``…)."""
    labels = base["labels"].items()
    return {k.removeprefix(STANDIN): v for k, v in labels if k.startswith(STANDIN)}


def _named_packages(packages: str, ref: str) -> list[str]:
    """Return the first package named after the image (``golang-1.26-go 1.26.11-1`` for ``golang:…``).

    That one package says which toolchain a reader really got; the full list stays in the labels.
    """
    repo = split_ref(ref)[0].rsplit("/", 1)[-1]
    for entry in packages.split():
        name, _, version = entry.partition("=")
        if name == repo or name.startswith(f"{repo}-"):
            return [f"{name} {version}".strip()]
    return []


def standin_summary(base: Base) -> str:
    """Say in one line what a stand-in is: what for, from what (the labels hold the rest)."""
    labels = _standin_labels(base)
    target = short_ref(labels.get("for") or base["ref"])
    text = f"offline stand-in for `{target}`"
    if labels.get("recipe"):
        text += f" by `{labels['recipe']}`"
    text += " from Debian packages"
    named = _named_packages(labels.get("packages", ""), target)
    return text + (f" ({', '.join(named)})" if named else "")


def _base_line(base: Base) -> str:
    """Describe where a base image came from: a registry, the local store, or an offline stand-in."""
    provenance = base_provenance(base)
    if provenance == "stand-in":
        detail = standin_summary(base)
    elif base.get("digest"):
        detail = f"{provenance}, digest `{base['digest']}`"
    else:
        detail = provenance
    if base.get("replaces"):
        detail += f"; used in place of `{base['replaces']}`, which the Dockerfile names"
    return f"| base `{_cell(base['ref'])}` | {_cell(detail)} |"


def _labels_block(base: Base) -> list[str]:
    """Return a collapsed note with every label of a stand-in, exactly as recorded."""
    if base_provenance(base) != "stand-in" or not base["labels"]:
        return []
    rows = [f"    | `{_cell(k)}` | `{_cell(v)}` |" for k, v in sorted(base["labels"].items())]
    title = f"Every label of the {base['ref']} stand-in".replace('"', "'")
    return [f'??? note "{title}"', "", "    | label | value |", "    | --- | --- |", *rows, ""]


#: What verifying did, in the words pages use (``done`` of a result; ``Snippet.done``).
DONE_WORDS = {
    "built-and-run": "built and run: the image built and measured, its probes run in containers of it",
    "run": "run: its scripts run against a Docker engine (no image of its own built)",
    "checked": "checked: only the tools below ran, over its files (no image built, no container run)",
}
DONE_SHORT = {"built-and-run": "built and run", "run": "run", "checked": "checked"}


def tools_text(result: Result) -> str:
    """Name every program a check ran with its version (``hadolint 2.15.1, yamllint 1.38.0``)."""
    tools = result["environment"].get("tools") or {}
    return ", ".join(
        version if version.startswith(name) else f"{name} {version}"
        for name, version in sorted(tools.items())
    )


def _environment_rows(result: Result) -> list[str]:
    """Say when and with what a snippet was verified: an engine only where one took part."""
    env = result["environment"]
    done = result.get("done") or "built-and-run"
    rows = [
        "| what | recorded |",
        "| --- | --- |",
        f"| verified on | {result['verified_on']} |",
        f"| what was done | {_cell(DONE_WORDS.get(done, done))} |",
    ]
    if env["engine"] is not None:
        rows.append(f"| engine | Docker {_cell(env['engine'])}, buildx {_cell(env['buildx'] or 'none')} |")
    if env["platform"] is not None:
        rows.append(f"| platform | {_cell(env['platform'])} |")
    if env["go"] is not None:
        rows.append(f"| Go that built the image | {_cell(env['go'])} |")
    rows += [_base_line(base) for base in env["bases"]]
    if tools_text(result):
        rows.append(f"| tools | {_cell(tools_text(result))} |")
    return rows


def snippet_files(snippet: Snippet) -> list[Path]:
    """Return every file a reader needs: the snippet folder's and a build context's elsewhere."""
    roots = [root for _, root in source_roots(snippet)]
    return [path for root in roots for path in ([root] if root.is_file() else tree_files(root))]


def download_link(path: Path, label: str) -> str:
    """Return an ``<a download>`` whose ``data:`` URI holds the file's exact bytes (no server needed)."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    name = html.escape(path.name, quote=True)
    return f'<a href="data:application/octet-stream;base64,{data}" download="{name}">{html.escape(label)}</a>'


def source_links(root: Path, snippet: Snippet, tree_url: str) -> str:
    """Link each folder of the snippet (its own, a build context elsewhere) to the repository's copy.

    The page's own source button names only the Markdown page; these say where the snippet's files live,
    with their history, for a reader who wants more than the download links.
    """
    links = []
    for _, source in source_roots(snippet):
        rel = source.relative_to(root.resolve()).as_posix()
        text = rel if source.is_file() else f"{rel}/"
        links.append(f"[{text}]({tree_url}{rel})")
    return f"Source in the repository: {', '.join(links)}."


def render_provenance(root: Path, snippet: Snippet, result: Result) -> str:
    """Render ``provenance.md``: when and on what it was verified, bases, each file, and where it lives."""
    lines: list[str] = []
    if result["status"] != "verified":
        lines += [not_verified_note(result["reason"] or "no reason recorded").rstrip("\n"), ""]
        if result.get("done") == "checked" and tools_text(result):
            lines += [f"Its files were checked all the same, with {tools_text(result)}.", ""]
    else:
        lines += [*_environment_rows(result), ""]
        lines += [line for base in result["environment"]["bases"] for line in _labels_block(base)]
    lines.append("Files of this snippet (each link downloads the file's exact bytes):")
    lines.append("")
    for path in snippet_files(snippet):
        rel = path.relative_to(root.resolve()).as_posix()
        lines.append(f"- {download_link(path, rel)}")
    tree_url = source_tree_url(root)
    if tree_url is not None:
        lines += ["", source_links(root, snippet, tree_url)]
    return "\n".join(lines) + "\n"


# --- probe and check outputs -----------------------------------------------------------------------


def _outcome_text(outcome: Outcome | None, reason: str | None) -> str:
    """Return a probe's or check's recorded output, or why there is none."""
    if outcome is None:
        return f"not verified in this build: {reason or 'no output recorded'}\n"
    text = outcome["output"]
    if not text.strip():
        return f"(no output; {'passed' if outcome['ok'] else 'failed'})\n"
    return text if text.endswith("\n") else text + "\n"


def render_outcomes(snippet: Snippet, result: Result) -> dict[str, str]:
    """Render ``probe-<name>.txt`` and ``check-<name>.txt`` for every probe and check the manifest names."""
    probes = {o["name"]: o for o in result["probes"]}
    checks = {o["name"]: o for o in result["checks"]}
    reason = result["reason"]
    out = {probe_fragment(p.name): _outcome_text(probes.get(p.name), reason) for p in snippet.probes}
    for check in snippet.checks:
        out[check_fragment(check.name)] = _outcome_text(checks.get(check.name), reason)
    return out


def output_fragment(key: str) -> str:
    """Return the file name of a captured output (``outputs.<key>`` in the result)."""
    return f"output-{slug(key)}.txt"


def render_outputs(result: Result) -> dict[str, str]:
    """Render ``output-<key>.txt`` for every non-empty captured output (logs, real ``docker images``…)."""
    return {
        output_fragment(key): text if text.endswith("\n") else text + "\n"
        for key, text in sorted(result.get("outputs", {}).items())
        if text.strip()
    }


def render_snippet(root: Path, snippet: Snippet, result: Result) -> dict[str, str]:
    """Return every fragment of one snippet, by file name (relative to its results folder)."""
    fragments = {
        "sizes.md": render_sizes(result),
        "provenance.md": render_provenance(root, snippet, result),
    }
    fragments.update(render_outcomes(snippet, result))
    fragments.update(render_outputs(result))
    if result.get("ship"):
        fragments.update(render_ship(result["ship"], format_size))
    return fragments


# --- volume-wide size ladder ------------------------------------------------------------------------


def _final(result: Result | None) -> Image | None:
    if result is None or result["status"] != "verified":
        return None
    return next((i for i in result["images"] if i["role"] == "final"), None)


def _imaged(volume: Volume) -> list[Snippet]:
    """Return the snippets that build an image: a files-only one (pipeline YAML, script) has no size."""
    return [s for s in volume.snippets if s.build is not None]


def render_ladder_md(volume: Volume, results: dict[str, Result | None]) -> str:
    """Render ``size-ladder.md``: final image sizes of the volume's snippets, in reading order."""
    rows = ["| snippet | uncompressed | compressed |", "| --- | ---: | ---: |"]
    for snippet in _imaged(volume):
        image = _final(results.get(snippet.id))
        if image is None:
            rows.append(f"| {_cell(snippet.title)} | not verified | not verified |")
        else:
            sizes = f"{format_size(image['size'])} | {format_size(image['compressed_size'])}"
            rows.append(f"| {_cell(snippet.title)} | {sizes} |")
    return "\n".join(rows) + "\n"


_BAR_X, _BAR_W, _ROW_H, _TOP = 230, 360, 34, 30
_SVG_STYLE = "font-family:sans-serif;font-size:12px"


def _svg_row(index: int, title: str, image: Image | None, largest: int) -> list[str]:
    """Return one snippet's two bars (uncompressed above compressed) with their labels."""
    y = _TOP + index * _ROW_H
    label = html.escape(title if len(title) <= 34 else title[:33] + "…")  # noqa: PLR2004 - fits 230 px
    parts = [f'<text x="0" y="{y + 15}" fill="currentColor">{label}</text>']
    if image is None:
        return [*parts, f'<text x="{_BAR_X}" y="{y + 15}" fill="currentColor">not verified</text>']
    for offset, size, colour in ((0, image["size"], "#4f7cac"), (14, image["compressed_size"], "#9fc490")):
        width = max(1, round(_BAR_W * size / largest)) if largest else 1
        parts.append(f'<rect x="{_BAR_X}" y="{y + offset}" width="{width}" height="12" fill="{colour}"/>')
        text_x, text_y = _BAR_X + width + 6, y + offset + 10
        parts.append(f'<text x="{text_x}" y="{text_y}" fill="currentColor">{format_size(size)}</text>')
    return parts


def render_ladder_svg(volume: Volume, results: dict[str, Result | None]) -> str:
    """Render ``size-ladder.svg``: an inline-able bar chart, no external fonts or links."""
    finals = [(s.title, _final(results.get(s.id))) for s in _imaged(volume)]
    largest = max((i["size"] for _, i in finals if i is not None), default=0)
    height = _TOP + len(finals) * _ROW_H + 10
    title = html.escape(f"{volume.title}: final image sizes")
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 720 {height}" width="720" height="{height}" '
        f'role="img" aria-label="{title}" style="{_SVG_STYLE}">'
    )
    legend = [
        f"<title>{title}</title>",
        '<rect x="0" y="4" width="12" height="12" fill="#4f7cac"/>',
        '<text x="18" y="14" fill="currentColor">uncompressed (docker images)</text>',
        '<rect x="230" y="4" width="12" height="12" fill="#9fc490"/>',
        '<text x="248" y="14" fill="currentColor">compressed (what a pull moves)</text>',
    ]
    rows = [part for index, (t, image) in enumerate(finals) for part in _svg_row(index, t, image, largest)]
    return "\n".join([head, *legend, *rows, "</svg>"]) + "\n"


# --- volume-wide provenance ----------------------------------------------------------------------------


def _status_cell(result: Result | None) -> str:
    """Say what verifying did (built and run, run, checked), or that it was not verified, and why."""
    if result is None:
        return "not verified in this build: no recorded result"
    if result["status"] == "verified":
        done = result.get("done") or "built-and-run"
        return DONE_SHORT.get(done, done)
    return f"not verified in this build: {result['reason'] or 'no reason recorded'}"


def _bases_cell(result: Result) -> str:
    """List a snippet's bases with where each came from (``golang:1.26-trixie`` (stand-in))."""
    bases = result["environment"]["bases"]
    return (
        ", ".join(
            f"`{base['ref']}` ({base_provenance(base)})"
            + (f" for `{base['replaces']}`" if base.get("replaces") else "")
            for base in bases
        )
        or "none"
    )


def _provenance_row(snippet: Snippet, result: Result | None) -> str:
    """Return one snippet's row: what was done, and what it was (or was last tried) on and with."""
    name = f"{snippet.title}<br>`{snippet.id}`"
    if result is None:
        cells = [name, _status_cell(None), *["-"] * 7]
    else:
        env = result["environment"]
        when = result["verified_on"] if result["status"] == "verified" else f"tried {result['verified_on']}"
        cells = [
            name,
            _status_cell(result),
            when,
            f"Docker {env['engine']}" if env["engine"] else "-",
            env["buildx"] or "-",
            env["platform"] or "-",
            env["go"] or "-",
            tools_text(result) or "-",
            _bases_cell(result),
        ]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def render_volume_provenance(volume: Volume, results: dict[str, Result | None]) -> str:
    """Render ``results/<volume>/provenance.md``: every snippet's status and environment, in volume order."""
    rows = [
        VOLUME_PROVENANCE_HEADER,
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *(_provenance_row(s, results.get(s.id)) for s in volume.snippets),
    ]
    if not volume.snippets:
        return f"{volume.title} has no snippets yet.\n"
    return "\n".join(rows) + "\n"


def render_volume(volume: Volume, results: dict[str, Result | None]) -> dict[str, str]:
    """Return the volume-wide fragments by file name (relative to ``results/<volume>``)."""
    return {
        LADDER_SVG: render_ladder_svg(volume, results),
        LADDER_MD: render_ladder_md(volume, results),
        VOLUME_PROVENANCE: render_volume_provenance(volume, results),
    }


# --- writing -----------------------------------------------------------------------------------------


def write_fragments(folder: Path, fragments: dict[str, str], *, prune: bool = True) -> list[Path]:
    """Write fragments whose text changed; with ``prune``, remove fragment files no longer produced."""
    changed: list[Path] = []
    for name, text in sorted(fragments.items()):
        path = folder / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            write_text_atomic(path, text)
            changed.append(path)
    if prune and folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix in FRAGMENT_SUFFIXES and path.name not in fragments:
                path.unlink()
                changed.append(path)
    return changed


def write_snippet_fragments(root: Path, snippet: Snippet, result: Result) -> list[Path]:
    """Render and write one snippet's fragments next to its ``result.json``; return changed paths."""
    fragments = render_snippet(root, snippet, result)
    assert RESULT_NAME not in fragments  # noqa: S101 - a fragment must never overwrite the result
    return write_fragments(results_dir(root, snippet.id), fragments)


def write_volume_fragments(root: Path, volume: Volume, results: dict[str, Result | None]) -> list[Path]:
    """Render and write ``results/<volume>/size-ladder.*`` and ``provenance.md``; return changed paths."""
    return write_fragments(root / "results" / volume.name, render_volume(volume, results), prune=False)


# --- results/bases/bases.md ------------------------------------------------------------------------------


def _size_cell(size: int | None) -> str:
    return "-" if size is None else format_size(size)


def render_bases(rows: Sequence[Mapping[str, Any]]) -> str:
    """Render ``bases.md`` from the rows of ``bases.json``: the table readers see, sizes uncompressed."""
    lines = [
        "| base | provenance | size (uncompressed) | official image (published) | difference |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for row in rows:
        difference = "-" if row["difference"] is None else format_signed_size(int(row["difference"]))
        lines.append(
            f"| `{row['ref']}` | {row['provenance']} | {_size_cell(row['size'])} "
            f"| {_size_cell(row['official_size'])} | {difference} |"
        )
    notes = [
        f"- `{row['ref']}`: cannot be had here (no registry, no stand-in recipe), so "
        f"{', '.join(f'`{s}`' for s in row['snippets'])} is not verified in this build."
        for row in rows
        if row["provenance"] == "unavailable"
    ]
    notes += [
        f"- `{row['ref']}`: built by `{row['recipe']}` from Debian packages ({row['packages']})"
        + (f"; modules through `GOPROXY={row['goproxy']}`" if row["goproxy"] else "")
        for row in rows
        if row["provenance"] == "stand-in"
    ]
    sources = sorted({str(row["official_source"]) for row in rows if row["official_source"]})
    source = f"Official sizes: {'; '.join(sources) or 'none known'}. Decimal units: 1 MB = 1,000,000 bytes."
    return "\n".join([*lines, "", *notes, *([""] if notes else []), source, ""])


# --- the command -------------------------------------------------------------------------------------


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
    sys.stdout.write("".join(f"rendered {p.relative_to(options.root)}\n" for p in changed))
    return 0
