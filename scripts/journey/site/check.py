"""``journey check``: everything a page shows is fresh, resolvable and accounted for, without an engine.

It reads files only (no Docker, no network), so it runs in CI on every push and in well under two
seconds. Each gap is reported as ``path:line: problem (hint: how to fix)`` so an editor can jump to
it and a contributor knows the next step.
"""

from __future__ import annotations

import fnmatch
import json
import os
import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from journey.core.errors import StaleError
from journey.core.layout import BASES_RESULTS, MKDOCS_YML, results_dir
from journey.model.digest import VCS_JUNK, source_digest, tree_files
from journey.model.manifest import MANIFEST_NAME, SNIPPETS_DIR, VOLUME_NAME, all_snippets, discover
from journey.model.record import RESULT_NAME, RESULTS_DIR, read_result, result_path
from journey.site.downloads import committed_downloads, expected_downloads
from journey.site.includes import page_includes
from journey.site.prose_numbers import Report, check_pages
from journey.site.render import (
    FRAGMENT_SUFFIXES,
    left_over_group_fragments,
    render_bases,
    render_snippet,
    render_volume,
)
from journey.site.seed import stale_diffs
from journey.site.siteconfig import load_mkdocs
from journey.site.snippet_syntax import SNIPPET_SECTION

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

    from journey.model.manifest import Snippet, Volume
    from journey.model.record import Result
    from journey.site.includes import Include

#: The section grammar is pymdownx.snippets' own (``snippet_syntax``), so check and site build agree.
_SECTION_RE: re.Pattern[str] = SNIPPET_SECTION
DOCS_DIR = "docs"


@dataclass(frozen=True, order=True)
class Problem:
    """One gap: where it is (repo-relative path, 1-based line), what is wrong, and how to fix it."""

    path: str
    line: int
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message} (hint: {self.hint})"


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _text(path: Path) -> str | None:
    """Return a file's text, or ``None`` for binary files (they hold no markers)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None


def section_markers(path: Path) -> tuple[dict[str, int], list[tuple[int, str, str]]]:
    """Return complete sections (name → start line) and every marker as (line, type, name)."""
    markers: list[tuple[int, str, str]] = []
    for number, line in enumerate((_text(path) or "").splitlines(), start=1):
        match = _SECTION_RE.match(line) if "8<-" in line else None
        if match and not match.group("escape"):
            markers.append((number, match.group("type").lower(), match.group("name")))
    starts = {name: n for n, kind, name in markers if kind == "start"}
    ends = {name for _, kind, name in markers if kind == "end"}
    return {name: n for name, n in starts.items() if name in ends}, markers


def check_markers(root: Path, path: Path) -> list[Problem]:
    """Every ``[start:x]`` has one ``[end:x]`` after it, and no section starts twice."""
    _, markers = section_markers(path)
    problems: list[Problem] = []
    open_at: dict[str, int] = {}
    rel = _rel(root, path)
    for number, kind, name in markers:
        if kind == "start" and name in open_at:
            problems.append(
                Problem(
                    rel,
                    number,
                    f"section {name!r} starts again before it ended",
                    f"close it with `--8<-- [end:{name}]` or rename one of them",
                )
            )
        elif kind == "start":
            open_at[name] = number
        elif name not in open_at:
            problems.append(
                Problem(
                    rel,
                    number,
                    f"`[end:{name}]` has no `[start:{name}]` before it",
                    f"add `--8<-- [start:{name}]` above it, or delete this marker",
                )
            )
        else:
            del open_at[name]
    problems += [
        Problem(
            rel,
            number,
            f"`[start:{name}]` is never ended (pymdownx would include the rest of the file)",
            f"add `--8<-- [end:{name}]` where the section stops",
        )
        for name, number in open_at.items()
    ]
    return problems


def check_include(root: Path, include: Include) -> list[Problem]:
    """Check that the included file exists (inside the repository) and has the named section."""
    target = (root / include.target).resolve()
    if not target.is_relative_to(root.resolve()) or not target.is_file():
        hint = "fix the path (it is relative to the repository root)"
        if include.target.startswith(f"{RESULTS_DIR}/"):
            hint = "run `journey verify` (or `journey render`) for that snippet, or fix the path"
        message = f"includes {include.target!r}, which does not exist"
        if include.via:
            message = f"{include.via} {message}"
        return [Problem(include.page, include.line, message, hint)]
    if include.section is None:
        return []
    sections, _ = section_markers(target)
    if include.section in sections:
        return []
    message = f"includes section {include.section!r} of {include.target!r}, which has no such section"
    hint = f"mark it in the file with `--8<-- [start:{include.section}]` … `--8<-- [end:{include.section}]`"
    return [Problem(include.page, include.line, message, hint)]


# --- what a page presents as a command's output ------------------------------------------------------

#: Fragments captured from what a command printed (normalised): a run's ``outputs``, a probe's answer, a
#: check's output, what ``diff -u`` printed for a reconstructed file against the seed (journey.site.seed);
#: Vol. 3's ``docker run`` on a pushed platform image and ``imagetools inspect`` (journey.verify.ship). Every
#: other fragment (``sizes.md``, ``provenance.md``, the ladder, a normalised attestation) is composed
#: from measurements and must never be shown as if a command had printed it.
CAPTURED_OUTPUTS = (
    "output-*.txt",
    "probe-*.txt",
    "check-*.txt",
    "diff-*.txt",
    "ship-*-run-*.txt",
    "ship-*-inspect.txt",
)
_TITLE_RE = re.compile(r"""\btitle=(?P<quote>["'])(?P<title>.*?)(?P=quote)""")


def is_captured_output(target: str) -> bool:
    """Tell whether an include names a captured output under ``results/`` (``probe-location.txt``)."""
    name = posixpath.basename(target)
    return target.startswith(f"{RESULTS_DIR}/") and any(
        fnmatch.fnmatchcase(name, g) for g in CAPTURED_OUTPUTS
    )


def presents_as_output(title: str) -> bool:
    """Tell whether a code block's title claims its text is what a command printed."""
    return "(recorded" in title.lower() or title.lstrip().startswith("$ ")


def code_blocks(text: str) -> list[tuple[int, int, str]]:
    """Return every fenced code block as (first line, last line, title); an unclosed one runs to the end."""
    blocks: list[tuple[int, int, str]] = []
    fence: str | None = None
    start, title = 0, ""
    number = 0
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FENCE_RE.match(line)
        if fence is None and match:
            fence, start = match["fence"], number
            found = _TITLE_RE.search(line[match.end() :])
            title = found["title"] if found else ""
        elif (
            fence is not None
            and match
            and match["fence"][0] == fence[0]
            and len(match["fence"]) >= len(fence)
        ):
            blocks.append((start, number, title))
            fence = None
    if fence is not None:
        blocks.append((start, number, title))
    return blocks


def check_presented_outputs(root: Path, page: Path, includes: list[Include]) -> list[Problem]:
    """Report a code block that shows a composed fragment, or a non-output under a recorded title.

    ``sizes.md`` in a block titled ``docker images (recorded)`` would put a table composed from
    measurements where a reader expects what ``docker images`` printed; only ``output-*``, ``probe-*``
    and ``check-*`` fragments hold what a command really printed.
    """
    rel = _rel(root, page)
    blocks = code_blocks(page.read_text(encoding="utf-8"))
    problems: list[Problem] = []
    for include in (i for i in includes if i.page == rel and i.via is None):
        block = next((b for b in blocks if b[0] < include.line < b[1]), None)
        if block is None or is_captured_output(include.target):
            continue
        title = block[2]
        if not (presents_as_output(title) or include.target.startswith(f"{RESULTS_DIR}/")):
            continue
        shown = f"a code block titled {title!r}" if title else "a code block"
        message = (
            f"shows {include.target!r} in {shown} as a command's output, but it is not a captured output"
        )
        hint = (
            "include the command's captured output (results/…/output-*.txt, probe-*.txt or check-*.txt), "
            "or show a composed fragment such as sizes.md outside a code block, titled as what it is"
        )
        problems.append(Problem(rel, include.line, message, hint))
    return problems


# --- coverage of snippet files ----------------------------------------------------------------------


def _supporting_patterns(snippet: Snippet) -> list[str]:
    """Supporting globs made absolute (they may reach into a shared build context: ``../service/go.sum``)."""
    return [os.path.normpath(snippet.dir / glob) for glob in snippet.supporting]


def _is_supporting(path: Path, patterns: Iterable[str]) -> bool:
    text = str(path.resolve())
    return any(fnmatch.fnmatchcase(text, pattern) for pattern in patterns)


def check_coverage(root: Path, volumes: list[Volume], includes: list[Include]) -> list[Problem]:
    """Every file under ``snippets/`` is shown on a page, declared supporting, or a manifest."""
    shown = {(root / i.target).resolve() for i in includes}
    snippets = all_snippets(volumes)
    patterns = [p for s in snippets for p in _supporting_patterns(s)]
    problems: list[Problem] = []
    for path in tree_files(root / SNIPPETS_DIR):
        if path.name in (MANIFEST_NAME, VOLUME_NAME) or path.resolve() in shown:
            continue
        if _is_supporting(path, patterns):
            continue
        rel = _rel(root, path)
        where = _supporting_hint(root, path, snippets)
        hint = f'include it on a page with a line `--8<-- "{rel}"`, or add it to {where}'
        problems.append(Problem(rel, 1, "shown on no page and not marked supporting", hint))
    return problems


def _supporting_hint(root: Path, path: Path, snippets: list[Snippet]) -> str:
    """Name the manifest whose ``supporting:`` should list the file: its folder's, or its context's user."""
    target = path.resolve()
    owner = next((s for s in snippets if target.is_relative_to(s.dir)), None)
    if owner is not None:
        return f"`supporting:` in {_rel(root, owner.manifest_path)}"
    user = next((s for s in snippets if s.context_dir and target.is_relative_to(s.context_dir)), None)
    if user is None:
        return "the `supporting:` of the snippet it belongs to"
    glob = os.path.relpath(target, user.dir).replace(os.sep, "/")
    return f"`supporting:` in {_rel(root, user.manifest_path)} (as {glob})"


# --- every Dockerfile and shell script is linted -----------------------------------------------------

#: The linter every file of a kind must have a check of (the standard: Dockerfiles pass hadolint,
#: scripts pass shellcheck; a file kept wrong on purpose lists its findings in ``expect:``).
LINTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("hadolint", ("Dockerfile", "*.Dockerfile", "Dockerfile.*")),
    ("shellcheck", ("*.sh",)),
)


def linter_for(name: str) -> str | None:
    """Return the linter a file with this name must pass (``hadolint`` for a Dockerfile), if any."""
    return next((tool for tool, globs in LINTERS if any(fnmatch.fnmatchcase(name, g) for g in globs)), None)


def check_lint_coverage(root: Path, volumes: list[Volume]) -> list[Problem]:
    """Every Dockerfile and ``*.sh`` under ``snippets/`` is in a hadolint or shellcheck check's ``files:``."""
    snippets = all_snippets(volumes)
    linted = {(c.tool, (s.dir / f).resolve()) for s in snippets for c in s.checks for f in c.named_files}
    problems: list[Problem] = []
    for path in tree_files(root / SNIPPETS_DIR):
        tool = linter_for(path.name)
        if tool is None or (tool, path.resolve()) in linted:
            continue
        owner = next((s for s in snippets if path.resolve().is_relative_to(s.dir)), None)
        manifest = _rel(root, owner.manifest_path) if owner else "the snippet.yml it belongs to"
        name = os.path.relpath(path.resolve(), owner.dir) if owner else path.name
        hint = (
            f"add `- {{tool: {tool}, files: [{name}]}}` to `checks:` in {manifest}"
            " (with `expect: [codes]` if its findings are deliberate)"
        )
        problems.append(Problem(_rel(root, path), 1, f"no {tool} check lints it", hint))
    return problems


# --- recorded results and fragments -----------------------------------------------------------------


def _line_of(path: Path, needle: str) -> int:
    """Return the 1-based line where ``needle`` first appears (1 if it does not)."""
    for number, line in enumerate((_text(path) or "").splitlines(), start=1):
        if needle in line:
            return number
    return 1


def check_result(root: Path, snippet: Snippet) -> tuple[Result | None, list[Problem]]:
    """Check the snippet has a result whose ``source_digest`` matches its files as they are now."""
    path = result_path(root, snippet.id)
    manifest = _rel(root, snippet.manifest_path)
    try:
        result = read_result(path)
    except StaleError as exc:
        return None, [Problem(_rel(root, path), 1, exc.cause, f"run `journey verify {snippet.id}`")]
    if result is None:
        hint = f"run `journey verify {snippet.id}` and commit results/{snippet.id}/"
        return None, [Problem(manifest, 1, f"{snippet.id}: no recorded result", hint)]
    if result["source_digest"] != source_digest(snippet):
        line = _line_of(path, '"source_digest"')
        message = f"{snippet.id}: stale result: its files (or RESULTS_VERSION) changed since it was verified"
        return result, [Problem(_rel(root, path), line, message, f"run `journey verify {snippet.id}`")]
    return result, []


def check_done(root: Path, snippet: Snippet, result: Result) -> list[Problem]:
    """Report a result that says more was done than its manifest does, or a checked one naming an engine.

    What a snippet's verification does follows from its manifest (``Snippet.done``): a ``build:`` is
    built and run, a check that drives the engine (deploy-e2e) is run, anything else is only checked.
    A checked-only result that records an engine, a platform, the Go of an image or a base would show a
    reader a Docker build that never happened.
    """
    path = result_path(root, snippet.id)
    rel, hint = _rel(root, path), f"run `journey verify --force {snippet.id}`"
    if result["status"] != "verified":
        return []
    done = result.get("done")
    if done != snippet.done:
        message = f"{snippet.id}: result says it was {done or 'nothing'!s}, its manifest says {snippet.done}"
        return [Problem(rel, _line_of(path, '"done"'), message, hint)]
    env = result["environment"]
    carried = [key for key in ("engine", "buildx", "platform", "go") if env.get(key) is not None]
    carried += ["bases"] if env.get("bases") else []
    if done == "checked" and carried:
        message = f"{snippet.id}: only checked, but its provenance names {', '.join(carried)}"
        return [Problem(rel, _line_of(path, f'"{carried[0]}"'), message, hint)]
    return []


def compare_fragments(
    root: Path, folder: Path, expected: dict[str, str], *, exclusive: bool
) -> list[Problem]:
    """Check committed fragments equal what ``render`` makes now; with ``exclusive``, none is left over."""
    problems: list[Problem] = []
    hint = "run `journey render` and commit the results/ changes"
    for name, text in sorted(expected.items()):
        path = folder / name
        if not path.is_file():
            problems.append(Problem(_rel(root, path), 1, "fragment missing", hint))
        elif path.read_text(encoding="utf-8") != text:
            problems.append(Problem(_rel(root, path), 1, "fragment differs from its result", hint))
    if exclusive and folder.is_dir():
        problems += [
            Problem(_rel(root, p), 1, "fragment no longer produced by any probe or check", hint)
            for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix in FRAGMENT_SUFFIXES and p.name not in expected
        ]
    return problems


def check_results(root: Path, volumes: list[Volume]) -> list[Problem]:
    """Every snippet's result is present and fresh, and every fragment matches it."""
    problems: list[Problem] = []
    for volume in volumes:
        results: dict[str, Result | None] = {}
        for snippet in volume.snippets:
            result, found = check_result(root, snippet)
            results[snippet.id] = result
            problems += found
            if result is not None and not found:
                problems += check_done(root, snippet, result)
                expected = render_snippet(root, snippet, result)
                problems += compare_fragments(root, results_dir(root, snippet.id), expected, exclusive=True)
        folder = root / RESULTS_DIR / volume.name
        expected = render_volume(volume, results)
        problems += compare_fragments(root, folder, expected, exclusive=False)
        hint = "run `journey render`, or add the group back to volume.yml `ship_groups:`"
        problems += [
            Problem(_rel(root, path), 1, "fragment of no ship group of volume.yml", hint)
            for path in left_over_group_fragments(folder, expected)
        ]
        hint = "run `journey render` with the seed in place (volume.yml `seed.text`) and commit the diff"
        problems += [Problem(_rel(root, path), 1, cause, hint) for path, cause in stale_diffs(root, volume)]
    return problems + _orphan_results(root, volumes)


def check_bases_record(root: Path) -> list[Problem]:
    """``results/bases/bases.md`` (shown on a page) says what ``bases.json`` recorded, nothing else."""
    folder = root / BASES_RESULTS
    record = folder / "bases.json"
    if not record.is_file():
        return []
    try:
        rows = json.loads(record.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return [Problem(_rel(root, record), exc.lineno, f"not valid JSON: {exc.msg}", "run `journey bases`")]
    try:
        expected = render_bases(rows)
    except (KeyError, TypeError) as exc:
        return [Problem(_rel(root, record), 1, f"not a bases record ({exc!r})", "run `journey bases`")]
    page = folder / "bases.md"
    if page.is_file() and page.read_text(encoding="utf-8") == expected:
        return []
    hint = "bases.md is rendered from bases.json: run `journey bases` and commit both"
    return [Problem(_rel(root, page), 1, "differs from bases.json (or is missing)", hint)]


def _orphan_results(root: Path, volumes: list[Volume]) -> list[Problem]:
    """Flag results whose snippet is gone: a page would keep showing facts about nothing."""
    known = {s.id for s in all_snippets(volumes)}
    problems: list[Problem] = []
    for path in sorted((root / RESULTS_DIR).glob(f"*/*/{RESULT_NAME}")):
        snippet_id = _rel(root / RESULTS_DIR, path.parent)
        if snippet_id not in known:
            hint = f"delete results/{snippet_id}/ (or restore snippets/{snippet_id}/)"
            problems.append(Problem(_rel(root, path), 1, f"result for unknown snippet {snippet_id}", hint))
    return problems


# --- pages and nav ----------------------------------------------------------------------------------


def nav_pages(nav: Any) -> list[str]:  # noqa: ANN401 - nav is free-form YAML
    """Every local page the nav names, in order (nested sections included, URLs left out)."""
    if isinstance(nav, str):
        return [] if "://" in nav or not nav.endswith(".md") else [nav]
    if isinstance(nav, list):
        return [page for item in nav for page in nav_pages(item)]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in nav_pages(value)]
    return []


def check_nav(root: Path, volumes: list[Volume]) -> list[Problem]:
    """Every page under ``docs/`` is in the nav, and every nav or volume page exists."""
    config_path = root / MKDOCS_YML
    if not config_path.is_file():
        return [Problem(MKDOCS_YML, 1, "missing", "the site needs mkdocs.yml at the repository root")]
    config = load_mkdocs(config_path)
    if not isinstance(config, dict) or "nav" not in config:
        return []  # no nav: mkdocs lists every page itself
    docs = root / (config.get("docs_dir") or DOCS_DIR)
    listed = nav_pages(config["nav"])
    problems = [
        Problem(
            MKDOCS_YML,
            _line_of(config_path, page),
            f"nav lists {page!r}, which does not exist",
            f"create {_rel(root, docs)}/{page} or remove the entry",
        )
        for page in listed
        if not (docs / page).is_file()
    ]
    problems += [
        Problem(
            _rel(root, page),
            1,
            "page is not in the nav of mkdocs.yml",
            f"add `- {_rel(docs, page)}` under `nav:` in mkdocs.yml",
        )
        for page in _pages(docs)
        if _rel(docs, page) not in listed
    ]
    for volume in volumes:
        path = volume.dir / VOLUME_NAME
        problems += [
            Problem(
                _rel(root, path),
                _line_of(path, page),
                f"volume page {page!r} does not exist",
                f"create {_rel(root, docs)}/{page} or fix `pages:`",
            )
            for page in volume.pages
            if not (docs / page).is_file()
        ]
    return problems


# --- links on pages (what MkDocs's `validation:` enforces and Zensical ignores) ----------------------

#: A fence opening or closing a code block: three or more backticks or tildes, indented or not.
_FENCE_RE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})")
_CODE_SPAN_RE = re.compile(r"(?P<ticks>`+).+?(?P=ticks)")
#: Inline links and images ``[text](target "title")``, reference definitions ``[id]: target``, raw HTML.
_LINK_RES = (
    re.compile(r"\]\(\s*<?(?P<target>[^)\s>]*)"),
    re.compile(r"^[ ]{0,3}\[[^\]]+\]:\s*<?(?P<target>[^\s>]+)"),
    re.compile(r"""\b(?:href|src)\s*=\s*["'](?P<target>[^"']*)["']"""),
)
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _prose_lines(text: str) -> Iterable[tuple[int, str]]:
    """Yield (line number, text) of every line outside fenced code, with inline code spans blanked."""
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FENCE_RE.match(line)
        if fence is None and match:
            fence = match["fence"]
        elif fence is None:
            yield number, _CODE_SPAN_RE.sub("", line)
        elif match and match["fence"][0] == fence[0] and len(match["fence"]) >= len(fence):
            fence = None


def page_links(text: str) -> list[tuple[int, str]]:
    """Every link target a Markdown page writes (outside code), with its line."""
    return [
        (number, match["target"])
        for number, line in _prose_lines(text)
        for pattern in _LINK_RES
        for match in pattern.finditer(line)
    ]


def check_link(root: Path, docs: Path, page: Path, line: int, target: str) -> list[Problem]:
    """Accept a link that leaves the site (a URL, ``#anchor``) or names a file of ``docs/`` from its page.

    A link starting with ``/`` works from the domain root only, so it breaks under a sub-path such as
    GitHub Pages' ``/golang-journey/``; a link to a folder (``vol1/``) or a missing file works in neither
    builder's output. MkDocs fails the strict build on both (``absolute_links``, ``unrecognized_links``),
    Zensical 0.0.73 does not look, so this check stands in for it.
    """
    where = _rel(root, page)
    if target.lower().startswith("data:"):
        message = "carries a file in a `data:` URL: every page that shows it grows by the file's bytes"
        hint = "link the copy the site serves under docs/downloads/ (render.download_link)"
        return [Problem(where, line, message, hint)]
    if not target or target.startswith(("#", "//")) or _SCHEME_RE.match(target):
        return []
    path = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if path.startswith("/"):
        message = f"links to {target!r}, an absolute path: it leaves the site served under a sub-path"
        hint = "write the link relative to this page, to the Markdown file (`../how-we-measure.md`)"
        return [Problem(where, line, message, hint)]
    # Resolved inside docs/ as the builders do: `../docs/x.md` climbs out of it and is no page of the site.
    inside = posixpath.normpath(posixpath.join(page.parent.relative_to(docs).as_posix(), path))
    if path and inside != ".." and not inside.startswith("../") and (docs / inside).is_file():
        return []
    message = f"links to {target!r}, which is no file of {_rel(root, docs)}/"
    hint = "link the Markdown file itself, relative to this page (`vol1/index.md`, not `vol1/`)"
    return [Problem(where, line, message, hint)]


def check_links(root: Path, docs: Path) -> list[Problem]:
    """Check every link of every page under ``docs/`` (see ``check_link``)."""
    return [
        problem
        for page in _pages(docs)
        for line, target in page_links(page.read_text(encoding="utf-8"))
        for problem in check_link(root, docs, page, line, target)
    ]


def check_fragment_links(root: Path, docs: Path, includes: list[Include]) -> list[Problem]:
    """Check the links an included Markdown fragment writes, from the page that includes it.

    A fragment's relative link (``../downloads/vol1/x/Dockerfile``) resolves against the including
    page, as the builders resolve it; the problem is reported at the include, naming the fragment.
    """
    problems: list[Problem] = []
    for include in includes:
        target = (root / include.target).resolve()
        if target.suffix != ".md" or not target.is_file() or include.section or include.lines:
            continue
        page = root / include.page
        for _, link in page_links(target.read_text(encoding="utf-8")):
            problems += [
                Problem(p.path, include.line, f"{include.target} {p.message}", p.hint)
                for p in check_link(root, docs, page, include.line, link)
            ]
    return problems


def check_downloads(root: Path, volumes: list[Volume]) -> list[Problem]:
    """``docs/downloads/`` holds exactly each snippet file's bytes and each snippet's zip, nothing else."""
    expected = expected_downloads(root, volumes)
    hint = "run `journey render` and commit docs/downloads/"
    problems: list[Problem] = []
    for served, (data, _) in sorted(expected.items()):
        path = root / DOCS_DIR / served
        if not path.is_file():
            problems.append(Problem(_rel(root, path), 1, "download missing", hint))
        elif path.read_bytes() != data:
            problems.append(Problem(_rel(root, path), 1, "download differs from the repository's file", hint))
    problems += [
        Problem(f"{DOCS_DIR}/{served}", 1, "download of no snippet file", hint)
        for served in committed_downloads(root)
        if served not in expected
    ]
    return problems


# --- the whole check --------------------------------------------------------------------------------


def _pages(docs: Path) -> list[Path]:
    if not docs.is_dir():
        return []
    return sorted(p for p in docs.rglob("*.md") if not VCS_JUNK.intersection(p.parts))


def find_problems(root: Path, prose: Report | None = None) -> list[Problem]:
    """Return every gap in the repository at ``root`` (manifest errors raise ``ManifestError``).

    ``prose`` is the prose check's report when the caller made it already (``prose_figures``).
    """
    root = root.resolve()
    volumes = discover(root)
    pages = _pages(root / DOCS_DIR)
    includes = [include for page in pages for include in page_includes(root, page)]
    problems = [problem for include in includes for problem in check_include(root, include)]
    problems += [p for page in pages for p in check_presented_outputs(root, page, includes)]
    snippet_files = tree_files(root / SNIPPETS_DIR) if (root / SNIPPETS_DIR).is_dir() else []
    problems += [problem for path in snippet_files for problem in check_markers(root, path)]
    problems += check_coverage(root, volumes, includes) if snippet_files else []
    problems += check_lint_coverage(root, volumes) if snippet_files else []
    problems += check_results(root, volumes)
    problems += check_bases_record(root)
    problems += check_nav(root, volumes)
    problems += check_links(root, root / DOCS_DIR)
    problems += check_fragment_links(root, root / DOCS_DIR, includes)
    problems += check_downloads(root, volumes)
    prose = check_pages(root, pages, includes) if prose is None else prose
    problems += [Problem(*gap) for gap in prose.gaps]
    return sorted(set(problems))


def prose_figures(root: Path) -> Report:
    """Return what ``journey check`` accepts in prose without a fragment: reviewed comments, quotations."""
    root = root.resolve()
    pages = _pages(root / DOCS_DIR)
    return check_pages(root, pages, [include for page in pages for include in page_includes(root, page)])


def check(root: Path, prose: Report | None = None) -> None:
    """Raise ``StaleError`` (exit 4) listing every gap; return quietly when there is none."""
    problems = find_problems(root, prose)
    if problems:
        noun = "gap" if len(problems) == 1 else "gaps"
        raise StaleError(f"{len(problems)} {noun} found", problems=tuple(str(p) for p in problems))
