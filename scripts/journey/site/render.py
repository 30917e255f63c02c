"""Page fragments rendered from recorded results: the only way a number reaches a page.

Fragments are pure functions of (snippet files, manifest, result.json, and the repository address in
``mkdocs.yml``), so ``journey check`` can re-render in memory and compare with what is committed. Sizes go
through ``format_size`` only, so a test can find a page's figure in the result it came from.
"""

from __future__ import annotations

import difflib
import html
import math
import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from journey.core.layout import results_dir, write_text_atomic
from journey.engine.images import STANDIN
from journey.model import reverified
from journey.model.check_spec import GovulncheckCheck
from journey.model.digest import source_roots
from journey.model.manifest import discover, select
from journey.model.record import RESULT_NAME, read_result, read_result_quietly, result_path
from journey.model.units import format_size
from journey.site.downloads import archive_base, archive_path, link_to, snippet_downloads, write_downloads
from journey.site.render_headline import HEADLINE_MD, render_headline, stop_headline, vuln_headline
from journey.site.render_measurements import render_compared, render_measurements
from journey.site.render_recipe import RECIPE_MD, RECIPES_VOLUME, recipes_fragments, render_recipe
from journey.site.ship_render import GROUP_PREFIX, comparable, reading, render_groups, render_ship
from journey.site.siteconfig import source_tree_url
from journey.site.snippet_syntax import SNIPPET_SECTION
from journey.site.stopchart import STOP_SVG, has_stop_probes, render_stop_svg, stop_rows

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence
    from pathlib import Path

    from journey.model.manifest import Reference, Snippet, Volume
    from journey.model.record import Base, Image, Outcome, Result
    from journey.site.downloads import Download

FRAGMENT_SUFFIXES = (".md", ".txt", ".svg")
LADDER_SVG = "size-ladder.svg"
LADDER_MD = "size-ladder.md"
VOLUME_PROVENANCE = "provenance.md"
_VOLUME_COLUMNS = ("snippet", "status", "verified on", "engine", "buildx", "platform", "Go (image)", "tools")
VOLUME_PROVENANCE_HEADER = "| " + " | ".join([*_VOLUME_COLUMNS, "bases (provenance)"]) + " |"


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
    labels = sorted(base["labels"].items())
    rows = [f"    | `{_cell(k)}` | {_label_cell(k, v)} |" for k, v in labels]
    title = f"Every label of the {base['ref']} stand-in".replace('"', "'")
    block = [f'??? note "{title}"', "", "    | label | value |", "    | --- | --- |", *rows, ""]
    listed = [v for k, v in labels if k.endswith(PACKAGE_LIST)]
    if listed:
        block += [f"    Every package: {' '.join(f'`{entry}`' for entry in listed[0].split())}", ""]
    return block


#: The label with every installed package of a stand-in: too long for a table cell, listed under it.
PACKAGE_LIST = ".package-list"


def _label_cell(key: str, value: str) -> str:
    """Return a label's value as recorded; the full package list only counted (it follows the table)."""
    if key.endswith(PACKAGE_LIST):
        return f"{len(value.split())} packages, every one listed below"
    return f"`{_cell(value)}`"


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


def reverified_text(result: Result, reverified: str | None) -> str:
    """Say when the full proof last found this record still true, or that it has not checked it yet."""
    recorded = result["verified_on"][:10]
    if reverified is None or reverified < recorded:
        return "not yet: no full proof has re-verified it since it was recorded"
    return f"{reverified}: every snippet re-verified, and no figure or output of this one moved"


def _environment_rows(result: Result, reverified: str | None = None) -> list[str]:
    """Say when and with what a snippet was verified: an engine only where one took part."""
    env = result["environment"]
    done = result.get("done") or "built-and-run"
    rows = [
        "| what | recorded |",
        "| --- | --- |",
        f"| verified on | {result['verified_on']} |",
        f"| last re-verified | {_cell(reverified_text(result, reverified))} |",
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


def page_of(snippet: Snippet) -> str:
    """Return the page a snippet's fragments are linked from (its volume's first): links are relative."""
    return snippet.pages[0] if snippet.pages else "index.md"


def download_link(snippet: Snippet, download: Download, label: str) -> str:
    """Return a Markdown link to a served file that saves it under its own name (``download=``)."""
    href = link_to(page_of(snippet), download.served)
    return f'[{_link_text(label)}]({href}){{download="{html.escape(download.name, quote=True)}"}}'


def archive_link(snippet: Snippet) -> str:
    """Return the link to the zip of the snippet's folders (and its build context)."""
    name = posixpath.basename(archive_path(snippet))
    href = link_to(page_of(snippet), archive_path(snippet))
    return f'[{_link_text(name)}]({href}){{download="{html.escape(name, quote=True)}"}}'


def _link_text(text: str) -> str:
    """Escape what Markdown would read as markup in a link text (``_``, ``*``, brackets)."""
    return re.sub(r"([\\`*_\[\]])", r"\\\1", text)


def render_downloads(root: Path, snippet: Snippet, downloads: list[Download] | None = None) -> str:
    """Render ``downloads.md``: one line of links, each file and the zip, to put under a shown file.

    ``downloads`` are the snippet's (``snippet_downloads``), when the caller has them already.
    """
    downloads = snippet_downloads(root, snippet) if downloads is None else downloads
    base = archive_base(root, snippet, downloads)
    links = [  # named as in the zip: two snippet.yml (a snippet's, its context's) stay apart
        download_link(snippet, d, d.target.relative_to(base).as_posix()) for d in downloads
    ]
    return f"Download: {' · '.join(links)}, or all of it as {archive_link(snippet)}.\n"


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


#: Browsers save no hidden file: a download named ``.travis.yml`` lands as ``travis.yml`` (Chromium).
DOTFILE_NOTE = (
    "A browser saves a file whose name starts with a dot without the dot (`.travis.yml` lands as"
    " `travis.yml`): rename it, or take the archive, which keeps every name."
)


def render_provenance(
    root: Path, snippet: Snippet, result: Result, downloads: list[Download] | None = None
) -> str:
    """Render ``provenance.md``: when and on what it was verified, bases, each file, and where it lives.

    ``downloads`` are the snippet's (``snippet_downloads``), when the caller has them already.
    """
    lines: list[str] = []
    if result["status"] != "verified":
        lines += [not_verified_note(result["reason"] or "no reason recorded").rstrip("\n"), ""]
        if result.get("done") == "checked" and tools_text(result):
            lines += [f"Its files were checked all the same, with {tools_text(result)}.", ""]
    else:
        lines += [*_environment_rows(result, reverified.read(root).get(snippet.id)), ""]
        lines += [line for base in result["environment"]["bases"] for line in _labels_block(base)]
    lines.append("Files of this snippet (each link downloads the file's exact bytes):")
    lines.append("")
    downloads = snippet_downloads(root, snippet) if downloads is None else downloads
    here = root.resolve()
    for download in downloads:
        rel = download.source.relative_to(here).as_posix()
        lines.append(f"- {download_link(snippet, download, rel)}")
    lines += ["", f"All of them in one archive: {archive_link(snippet)} (unpacks to the folders above)."]
    if any(d.name.startswith(".") for d in downloads):
        lines += ["", DOTFILE_NOTE]
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
    text = text if text.endswith("\n") else text + "\n"
    measured = outcome.get("measured")
    return text + "\n" + measured_text(measured) if measured else text


def measured_text(measured: dict[str, Any]) -> str:
    """Spell a live probe's measurements: a timing as its median and spread, a number as it is."""
    lines = ["measured:"]
    for key, value in sorted(measured.items()):
        if isinstance(value, dict) and "median" in value:
            unit = " s" if key.endswith("_seconds") else ""
            spread = f"{value['min']:g}{unit} to {value['max']:g}{unit}"
            lines.append(f"{key}: median {value['median']:g}{unit} of {len(value['runs'])} runs ({spread})")
        else:
            lines.append(f"{key}: {value}")
    return "\n".join(lines) + "\n"


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
    downloads = snippet_downloads(root, snippet)  # walked and resolved once for both fragments
    fragments = {
        "sizes.md": render_sizes(result),
        "provenance.md": render_provenance(root, snippet, result, downloads),
    }
    fragments["downloads.md"] = render_downloads(root, snippet, downloads)
    if snippet.variant_dockerfile is not None:
        fragments[VARIANT_MD] = render_variant(root, snippet)
    fragments.update(render_outcomes(snippet, result))
    fragments.update(render_outputs(result))
    fragments.update(render_measurements(result))
    if snippet.build is not None:  # the figures a recipe is picked by (the Recipes page)
        verified = result["status"] == "verified"
        reason = result["reason"] or "no reason recorded"
        fragments[RECIPE_MD] = render_recipe(result) if verified else not_verified_note(reason)
    if result.get("ship"):
        fragments.update(render_ship(result["ship"], format_size, snippet.title, snippet=snippet.id))
    return fragments


# --- variant.md: a variant's Dockerfile, its difference from the file it varies highlighted ------------

VARIANT_MD = "variant.md"
#: Lines of context around each change in the diff (the whole file is shown above it).
_DIFF_CONTEXT = 1


def shown_lines(path: Path) -> list[str]:
    """Return a file's lines as a page shows them: pymdownx.snippets drops section-marker lines.

    Line numbers for ``hl_lines`` count the lines the reader sees, so they are taken after the drop.
    """
    text = path.read_text(encoding="utf-8")
    # the section grammar is pymdownx.snippets' own (``snippet_syntax``): line numbers agree with the page
    return [line for line in text.splitlines() if not SNIPPET_SECTION.match(line)]


def changed_lines(base: list[str], variant: list[str]) -> list[int]:
    """Return the 1-based lines of ``variant`` that are new or changed against ``base``."""
    matcher = difflib.SequenceMatcher(a=base, b=variant, autojunk=False)
    return [
        number + 1
        for tag, _, _, start, end in matcher.get_opcodes()
        if tag in ("replace", "insert")
        for number in range(start, end)
    ]


def unified_diff(base: list[str], variant: list[str]) -> list[str]:
    """Return the hunks of a unified diff (``@@`` lines onward; the block's title names both files)."""
    lines = difflib.unified_diff(base, variant, lineterm="", n=_DIFF_CONTEXT)
    return [line for line in lines if not line.startswith(("--- ", "+++ "))]


def _spans(numbers: list[int]) -> str:
    """Write line numbers as ``hl_lines`` wants them, runs joined (``10 13-14``)."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return " ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def render_variant(root: Path, snippet: Snippet) -> str:
    """Render ``variant.md``: the real Dockerfile, included, its new lines marked; then the diff.

    Both come from the two files as they are, so a change to either re-renders them and ``journey
    check`` flags a stale copy. Lines the variant leaves out cannot be marked in it: the diff shows them.
    """
    files = snippet.variant_files
    if files is None:  # callers render a variant only for a snippet that has one
        raise ValueError(f"{snippet.id} varies no other snippet's Dockerfile")
    base_file, own_file = files
    base_rel = base_file.relative_to(root.resolve()).as_posix()
    rel = own_file.relative_to(root.resolve()).as_posix()
    base, variant = shown_lines(base_file), shown_lines(own_file)
    marked = changed_lines(base, variant)
    hl = f' hl_lines="{_spans(marked)}"' if marked else ""
    diff = unified_diff(base, variant)
    lines = [f'```dockerfile title="{rel}"{hl}', f'--8<-- "{rel}"', "```", ""]
    if not diff:
        return "\n".join([*lines, f"It is the same file as `{base_rel}`.", ""])
    return "\n".join([*lines, f'```diff title="what differs from {base_rel}"', *diff, "```", ""])


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
    notes = [
        f"The dashed line on the chart: {r.label}, {format_size(r.size)} ([source]({r.source})), "
        "quoted, not measured here."
        for r in volume.references
    ]
    return "\n".join(rows) + "\n" + "".join(f"\n{note}\n" for note in notes)


_BAR_X, _BAR_W, _ROW_H, _TOP, _WIDTH = 230, 400, 34, 48, 720
_SVG_STYLE = "font-family:sans-serif;font-size:12px"
_VALUE_GAP = 14
#: Bar and line colours with at least 3:1 contrast (WCAG's for graphics) on Material's white and slate
#: backgrounds both; text is ``currentColor``, the theme's own text colour (no single colour reaches
#: the 4.5:1 of text on both).
_COLOURS = {"size": "#4f7cac", "compressed_size": "#5b9a4a"}
_REFERENCE_COLOUR = "#e8590c"


@dataclass(frozen=True)
class LogScale:
    """Where a size falls on the chart: whole powers of ten from below the smallest to above the largest.

    A linear axis would make a 1.29 GB image a bar and every scratch image (7 to 25 MB) a dot; on a log
    axis each gridline is ten times the one before, so a 10 % difference is the same width anywhere.
    """

    low: int
    high: int

    @classmethod
    def spanning(cls, sizes: Sequence[int]) -> LogScale:
        """Return the scale from a power of ten up to the first 1-2-5 step above the largest size.

        It starts at the power of ten at or below the smallest size and ends one step above the largest
        (1.29 GB ends at 2 GB, not 10 GB): no empty decade.
        """
        positive = [size for size in sizes if size > 0] or [1]
        low = 10 ** math.floor(math.log10(min(positive)))
        decade = 10 ** math.floor(math.log10(max(positive)))
        high = next(decade * step for step in (1, 2, 5, 10) if decade * step > max(positive))
        return cls(low, max(high, low * 10))

    def x(self, size: int) -> float:
        """Return the x coordinate of a size (the axis starts at ``_BAR_X``)."""
        span = math.log10(self.high) - math.log10(self.low)
        return _BAR_X + _BAR_W * (math.log10(max(size, self.low)) - math.log10(self.low)) / span

    def ticks(self) -> list[tuple[int, bool]]:
        """Return every 1-2-5 step on the axis, each with whether it is a power of ten (a major gridline)."""
        ticks: list[tuple[int, bool]] = []
        decade = self.low
        while decade <= self.high:
            ticks += [(decade * step, step == 1) for step in (1, 2, 5) if decade * step <= self.high]
            decade *= 10
        return ticks


def _svg_row(index: int, title: str, image: Image | None, scale: LogScale) -> list[str]:
    """Return one snippet's two bars (uncompressed above compressed) with their labels."""
    y = _TOP + index * _ROW_H
    label = html.escape(title if len(title) <= 34 else title[:33] + "…")  # noqa: PLR2004 - fits 230 px
    parts = [f'<text x="0" y="{y + 15}" fill="currentColor">{label}</text>']
    if image is None:
        return [*parts, f'<text x="{_BAR_X}" y="{y + 15}" fill="currentColor">not verified</text>']
    for offset, key in ((0, "size"), (14, "compressed_size")):
        size = image[key]  # type: ignore[literal-required]
        width = max(1, round(scale.x(size) - _BAR_X))
        parts.append(
            f'<rect class="bar {key}" data-size="{size}" x="{_BAR_X}" y="{y + offset}" width="{width}" '
            f'height="12" fill="{_COLOURS[key]}">'
            f"<title>{html.escape(title)}: {format_size(size)}</title></rect>"
        )
        # Figures in a column of their own, right of the axis: no line or bar ever crosses one.
        text_x, text_y = _BAR_X + _BAR_W + _VALUE_GAP, y + offset + 10
        parts.append(f'<text x="{text_x}" y="{text_y}" fill="currentColor">{format_size(size)}</text>')
    return parts


def _svg_axis(scale: LogScale, bottom: int) -> list[str]:
    """Return the gridlines at each power of ten, their labels under the bars, and the axis caption."""
    parts: list[str] = []
    for tick, major in scale.ticks():
        x = round(scale.x(tick), 1)
        kind, opacity = ("major", "0.35") if major else ("minor", "0.15")
        parts.append(
            f'<line class="grid {kind}" data-size="{tick}" x1="{x}" y1="{_TOP - 6}" x2="{x}" y2="{bottom}" '
            f'stroke="currentColor" stroke-opacity="{opacity}"/>'
        )
        if major:  # a label at 2x and 5x too would run into its neighbours
            parts.append(
                f'<text class="tick" x="{x}" y="{bottom + 14}" text-anchor="middle" fill="currentColor">'
                f"{format_size(tick)}</text>"
            )
    caption = "log scale: each labelled line is ten times the one before; faint lines at 2x and 5x"
    parts.append(f'<text x="{_BAR_X}" y="{bottom + 30}" fill="currentColor" opacity="0.8">{caption}</text>')
    return parts


def _svg_reference(reference: Reference, scale: LogScale, bottom: int) -> list[str]:
    """Return a quoted size as a dashed line across every row, labelled with what it is."""
    x = round(scale.x(reference.size), 1)
    label = html.escape(f"{reference.label}: {format_size(reference.size)}")
    # Right of the line in the axis's left half, left of it in the right half: the label stays inside.
    text_x, anchor = (x + 4, "start") if x < _BAR_X + _BAR_W / 2 else (x - 4, "end")
    line = (
        f'<line class="reference" data-size="{reference.size}" x1="{x}" y1="{_TOP - 18}" x2="{x}" '
        f'y2="{bottom}" stroke="{_REFERENCE_COLOUR}" stroke-width="2" stroke-dasharray="6 3"/>'
    )
    text = (
        f'<text class="reference-label" x="{text_x}" y="{_TOP - 10}" text-anchor="{anchor}" '
        f'font-weight="bold" fill="currentColor">{label}</text>'
    )
    return [line, text]


def render_ladder_svg(volume: Volume, results: dict[str, Result | None]) -> str:
    """Render ``size-ladder.svg``: an inline-able bar chart on a log axis, no external fonts or links.

    Text is ``currentColor``, so inlined in a page it takes the theme's text colour, light or dark.
    """
    finals = [(s.title, _final(results.get(s.id))) for s in _imaged(volume)]
    sizes = [i[key] for _, i in finals if i is not None for key in ("size", "compressed_size")]
    scale = LogScale.spanning([*sizes, *(r.size for r in volume.references)])
    bottom = _TOP + len(finals) * _ROW_H
    height = bottom + 40
    title = html.escape(f"{volume.title}: final image sizes")
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" '
        f'height="{height}" role="img" aria-label="{title}" data-scale="log" style="{_SVG_STYLE}">'
    )
    legend = [
        f"<title>{title}</title>",
        f'<rect x="0" y="4" width="12" height="12" fill="{_COLOURS["size"]}"/>',
        '<text x="18" y="14" fill="currentColor">uncompressed (docker images)</text>',
        f'<rect x="230" y="4" width="12" height="12" fill="{_COLOURS["compressed_size"]}"/>',
        '<text x="248" y="14" fill="currentColor">compressed (gzip estimate of what a pull moves)</text>',
    ]
    rows = [part for index, (t, image) in enumerate(finals) for part in _svg_row(index, t, image, scale)]
    references = [part for r in volume.references for part in _svg_reference(r, scale, bottom)]
    axis = _svg_axis(scale, bottom)
    return "\n".join([head, *legend, *axis, *rows, *references, "</svg>"]) + "\n"


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


def _final_sizes(volume: Volume, results: dict[str, Result | None]) -> list[tuple[str, int]]:
    """Return ``(title, size)`` of each verified final image, in reading order: the ladder's figures."""
    finals = ((snippet.title, _final(results.get(snippet.id))) for snippet in _imaged(volume))
    return [(title, image["size"]) for title, image in finals if image is not None]


def _scans(volume: Volume, results: dict[str, Result | None]) -> list[tuple[str, str]]:
    """Return ``(check name, output)`` of every recorded govulncheck scan of the volume, in order."""
    scans = []
    for snippet in volume.snippets:
        result = results.get(snippet.id)
        outputs = {c["name"]: c["output"] for c in result["checks"]} if result else {}
        names = [c.name for c in snippet.checks if isinstance(c, GovulncheckCheck)]
        scans += [(name, outputs[name]) for name in names if name in outputs]
    return scans


def _headline(volume: Volume, results: dict[str, Result | None]) -> str:
    """Return the volume's ``headline.md`` by the first rule of ``render_headline`` that applies."""
    if volume.references:
        return render_headline(_final_sizes(volume, results))
    if has_stop_probes(volume):
        return stop_headline(stop_rows(volume, results))
    scans = _scans(volume, results)
    if scans:
        return vuln_headline(scans)
    for snippet in volume.snippets:
        result = results.get(snippet.id)
        pushes = result.get("ship", {}).get("pushes", []) if result and result["status"] == "verified" else []
        if comparable(pushes):
            return f"Measured here, the pushes of *{snippet.title}*. " + reading(pushes, format_size)
    return render_headline(_final_sizes(volume, results))


def render_volume(volume: Volume, results: dict[str, Result | None]) -> dict[str, str]:
    """Return the volume-wide fragments by file name (relative to ``results/<volume>``)."""
    fragments = {
        LADDER_SVG: render_ladder_svg(volume, results),
        LADDER_MD: render_ladder_md(volume, results),
        VOLUME_PROVENANCE: render_volume_provenance(volume, results),
        HEADLINE_MD: _headline(volume, results),
        **render_compared(volume, results),
        **render_groups(volume, results, format_size),
    }
    if has_stop_probes(volume):
        fragments[STOP_SVG] = render_stop_svg(volume, results)
    if volume.name == RECIPES_VOLUME:  # the decision table reads other volumes' results from the checkout
        fragments.update(recipes_fragments(volume.dir.parent.parent, results))
    return fragments


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
    if RESULT_NAME in fragments:  # a fragment must never overwrite the result it is rendered from
        raise ValueError(f"{snippet.id}: a fragment is named {RESULT_NAME}")
    return write_fragments(results_dir(root, snippet.id), fragments)


def rerender(root: Path, ids: Sequence[str]) -> None:
    """Write the fragments of these snippets again from their recorded results (a new re-verified date)."""
    if not ids:
        return
    for snippet in select(discover(root), list(ids)):
        result = read_result(result_path(root, snippet.id))
        if result is not None:
            write_snippet_fragments(root, snippet, result)


def rerender_volumes(
    root: Path, volumes: Sequence[Volume], touched: set[str], failed: Collection[str] = ()
) -> None:
    """Re-make the touched volumes' volume-wide fragments (size ladder) from their results, and downloads.

    A volume fragment reads several snippets' results, so whoever changed one (a verify, a merge of the
    fan-out's parts) re-makes it. Downloads follow the snippet files, not the results, and ``journey
    check`` wants each served copy to match them; a ``failed`` snippet's downloads stay as they were.
    """
    for volume in volumes:
        # The Recipes table shows results of every volume: re-made whenever any of them changed.
        if volume.name in touched or (touched and volume.name == RECIPES_VOLUME):
            results = {s.id: read_result_quietly(result_path(root, s.id)) for s in volume.snippets}
            write_volume_fragments(root, volume, results)
    write_downloads(root, list(volumes), keep=failed)


def write_volume_fragments(root: Path, volume: Volume, results: dict[str, Result | None]) -> list[Path]:
    """Render and write ``results/<volume>/size-ladder.*``, ``provenance.md``…; return changed paths.

    Other volume fragments stay when no longer made; a ship group's that no group makes now go.
    """
    folder = root / "results" / volume.name
    fragments = render_volume(volume, results)
    changed = write_fragments(folder, fragments, prune=False)
    for path in left_over_group_fragments(folder, fragments):
        path.unlink()
        changed.append(path)
    return changed


def left_over_group_fragments(folder: Path, fragments: Collection[str]) -> list[Path]:
    """Return the ship-group fragments in a volume's results folder that no group of it makes now."""
    if not folder.is_dir():
        return []
    return [
        path
        for path in sorted(folder.iterdir())
        if path.is_file()
        and path.name.startswith(GROUP_PREFIX)
        and path.suffix in FRAGMENT_SUFFIXES
        and path.name not in fragments
    ]


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
