"""Scaffold a new volume or snippet, so a contributor starts from something that already verifies.

``journey new volume "<title>"`` creates ``snippets/volN/volume.yml``, the page ``docs/volN/index.md``, its
nav entry and its (still empty) volume-wide fragments under ``results/volN/``, and includes the volume's
generated provenance table on ``docs/how-we-measure.md`` when the site has that list; ``journey new snippet
<volume>/<name>`` creates the snippet folder (manifest, Dockerfile, Go program), lists it in ``volume.yml``
and appends a section to the volume's page that includes its files and its result fragments (the
volume's provenance table gains its row when the snippet is rendered).
Shared files (``mkdocs.yml``, ``volume.yml``, the page) are edited as text, one inserted
line or block, never re-dumped: comments, ordering and tags such as ``!relative $config_dir`` stay byte for
byte. Every edit is re-parsed and compared with what was meant before anything is written.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from journey.core.errors import UsageError
from journey.core.layout import write_text_atomic
from journey.model.manifest import discover, load_volume
from journey.site.downloads import write_downloads
from journey.site.render import write_volume_fragments

SNIPPET_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
VOLUME_SLUG = re.compile(r"^vol([1-9][0-9]*)$")
MAX_NAME = 40
MAX_TITLE = 80
VOLUME_NAV = re.compile(r"(?:^|[\s:\[\"'])vol[1-9][0-9]*/")  # a nav item pointing into a volume's pages
MEASURE_PAGE = Path("docs/how-we-measure.md")  # includes every volume's provenance table
MEASURE_SECTION = "## Every snippet"
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")

# Template name -> file name in the new snippet folder (the files a reader copies, plus the manifest).
SNIPPET_FILES = {
    "snippet.yml.tmpl": "snippet.yml",
    "Dockerfile.tmpl": "Dockerfile",
    "main.go.tmpl": "main.go",
    "main_test.go.tmpl": "main_test.go",
    "go.mod.tmpl": "go.mod",
}


@dataclass(frozen=True)
class Scaffold:
    """What a ``journey new`` command did: the files it created and the files it edited."""

    created: tuple[Path, ...]
    edited: tuple[Path, ...]
    next_steps: str


class _AnyTagLoader(yaml.SafeLoader):
    """A safe loader that reads unknown tags (``!relative``) as their plain value, to compare edits."""


def _plain(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:  # noqa: ANN401 (YAML values)
    """Construct a tagged node as if it had no tag."""
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_AnyTagLoader.add_multi_constructor("!", _plain)


def _load_yaml(text: str, path: Path) -> Any:  # noqa: ANN401 (YAML values)
    """Parse YAML text, naming the file when it is not valid."""
    try:
        return yaml.load(text, Loader=_AnyTagLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as error:
        raise UsageError(f"{path}: not valid YAML: {error}", step="new") from error


def _render(template: str, values: dict[str, str]) -> str:
    """Fill ``{{name}}`` placeholders of a packaged template; an unknown name is a bug, so it raises."""
    text = resources.files("journey").joinpath("templates", template).read_text(encoding="utf-8")

    def fill(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return PLACEHOLDER.sub(fill, text)


def _yaml_string(value: str) -> str:
    """Quote a string for YAML: a JSON string is a valid YAML double-quoted scalar."""
    return json.dumps(value, ensure_ascii=False)


# --- text edits that keep every other byte -------------------------------------------------------------


def _block_end(lines: list[str], key_index: int) -> int:
    """Index after the last item line of the top-level block that starts at ``key_index``.

    The block is every following line that is indented or starts with ``-``; trailing blank and comment lines
    are left where they are (they usually introduce the next key).
    """
    last = key_index
    for index in range(key_index + 1, len(lines)):
        line = lines[index]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0] in " \t-":
            last = index
            continue
        break
    return last + 1


def append_to_block_list(
    text: str, key: str, item: str, path: Path, after: re.Pattern[str] | None = None
) -> str:
    """Return ``text`` with ``- item`` added to the top-level block list ``key``, other bytes unchanged.

    The item goes after the last item with a line matching ``after`` (the last volume in the nav, so that
    pages such as the contributor's guide stay last), or at the end. Handles the empty flow list ``key: []``
    (what ``journey new volume`` writes) by turning it into a block list. Raises when ``key`` is missing or
    is neither form, rather than guessing.
    """
    lines = text.splitlines(keepends=True)
    head = re.compile(
        rf"^{re.escape(key)}:(?P<value>[ \t]*(?:\[(?P<inner>[^\]#]*)\])?)[ \t]*(?P<comment>#.*)?$"
    )
    for index, line in enumerate(lines):
        match = head.match(line.rstrip("\r\n"))
        if not match:
            continue
        newline = "\r\n" if line.endswith("\r\n") else "\n"
        if (match.group("inner") or "").strip():  # `key: [a, b]`: add to the flow list, in place
            at = match.start("inner") + len(match.group("inner").rstrip())
            flow_item = f"{{{item}}}" if ": " in item else item
            lines[index] = f"{line[:at]}, {flow_item}{line[at:]}"
            return "".join(lines)
        if "[" in match.group("value"):
            comment = f"  {match.group('comment')}" if match.group("comment") else ""
            lines[index] = f"{key}:{comment}{newline}"
            lines.insert(index + 1, f"  - {item}{newline}")
            return "".join(lines)
        end = _block_end(lines, index)
        indent = _item_indent(lines[index + 1 : end])
        at = _after_last_match(lines, index + 1, end, indent, after) if after else end
        if not lines[at - 1].endswith("\n"):
            lines[at - 1] += newline
        lines.insert(at, f"{indent}- {item}{newline}")
        return "".join(lines)
    raise UsageError(f"{path}: no top-level `{key}:` list to add to (write `{key}:` first)", step="new")


def _after_last_match(lines: list[str], start: int, end: int, indent: str, after: re.Pattern[str]) -> int:
    """Return the index after the last item in ``lines[start:end]`` with a line matching ``after``, or end."""
    starts = [i for i in range(start, end) if lines[i].startswith(f"{indent}- ")]
    spans = zip(starts, [*starts[1:], end], strict=True)
    matching = [(first, stop) for first, stop in spans if any(after.search(x) for x in lines[first:stop])]
    if not matching:
        return end
    first, stop = matching[-1]
    content = [i for i in range(first, stop) if lines[i].strip() and not lines[i].lstrip().startswith("#")]
    return content[-1] + 1


def _item_indent(block: list[str]) -> str:
    """Return the indentation of the block list's items, ``"  "`` when the list is still empty."""
    for line in block:
        match = re.match(r"^([ \t]*)- ", line)
        if match:
            return match.group(1)
    return "  "


def _checked_edit(
    path: Path,
    key: str,
    item: str,
    expected: Any,  # noqa: ANN401 (YAML values)
    after: re.Pattern[str] | None = None,
) -> str:
    """Add ``item`` to list ``key`` of a YAML file; prove the only change is ``expected`` in that list."""
    before = path.read_text(encoding="utf-8")
    edited = append_to_block_list(before, key, item, path, after)
    old, new = _load_yaml(before, path), _load_yaml(edited, path)
    listed = new.get(key) if isinstance(new, dict) else None
    if isinstance(old, dict) and isinstance(listed, list) and expected in listed:
        listed.remove(expected)
        old[key] = old.get(key) or []
        if old == new:
            return edited
    raise UsageError(
        f"{path}: could not add {item!r} to `{key}:` safely (its layout is unusual); add it by hand",
        step="new",
    )


# --- writing ------------------------------------------------------------------------------------------------


def _write_folder(folder: Path, files: dict[str, str]) -> tuple[Path, ...]:
    """Create ``folder`` with ``files`` in one rename: it either appears complete or not at all."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8", newline="")
        staging.chmod(0o755)
        staging.rename(folder)
    except BaseException:
        for leftover in staging.glob("*"):
            leftover.unlink()
        staging.rmdir()
        raise
    return tuple(folder / name for name in files)


# --- the "how we measure" page -----------------------------------------------------------------------------


def _appended(text: str, block: str) -> str:
    """Return ``text`` with ``block`` (which starts with a blank line) after its last line."""
    return text.rstrip("\n") + "\n" + block


def _measure_page_edit(root: Path, values: dict[str, str]) -> dict[Path, str]:
    """Include the volume's provenance table on the "how we measure" page, when that list ends the page.

    The page shows every snippet's provenance, one generated table per volume; leaving a new volume out would
    make it silently incomplete. A repository without the page (or with a different layout) gets nothing.
    """
    path = root / MEASURE_PAGE
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    headings = re.findall(r"(?m)^## .*$", text)
    if not headings or headings[-1].strip() != MEASURE_SECTION:
        return {}
    return {path: _appended(text, _render("measure-volume.md.tmpl", values))}


# --- journey new volume -------------------------------------------------------------------------------------


def _check_title(title: str) -> str:
    """Accept a title of one printable line, short enough for the nav."""
    title = title.strip()
    if not title or len(title) > MAX_TITLE or any(not char.isprintable() for char in title):
        raise UsageError(
            f"bad title {title!r}: give one line of 1 to {MAX_TITLE} printable characters", step="new volume"
        )
    return title


def next_volume(root: Path) -> int:
    """Return the next free volume number: the highest ``volN`` in snippets/, docs/ or the nav, plus one."""
    numbers = [0]
    for parent in (root / "snippets", root / "docs"):
        if parent.is_dir():
            numbers += [int(m.group(1)) for p in parent.iterdir() if (m := VOLUME_SLUG.match(p.name))]
    config = root / "mkdocs.yml"
    if config.is_file():
        numbers += [int(n) for n in re.findall(r"\bvol([1-9][0-9]*)/", config.read_text(encoding="utf-8"))]
    return max(numbers) + 1


def new_volume(root: Path, title: str) -> Scaffold:
    """Create volume ``volN``: ``volume.yml``, its page, nav entry, empty fragments and measure-page table."""
    title = _check_title(title)
    number = next_volume(root)
    volume = f"vol{number}"
    page = root / "docs" / volume / "index.md"
    manifest = root / "snippets" / volume / "volume.yml"
    mkdocs = root / "mkdocs.yml"
    label = f"Vol. {number}: {title}"
    entry = f"{_yaml_string(label)}: {volume}/index.md"
    new_mkdocs = _checked_edit(mkdocs, "nav", entry, {label: f"{volume}/index.md"}, after=VOLUME_NAV)
    values = {"number": str(number), "volume": volume, "title": label, "title_yaml": _yaml_string(label)}
    edits = {mkdocs: new_mkdocs, **_measure_page_edit(root, values)}
    created = (
        *_write_folder(manifest.parent, {"volume.yml": _render("volume.yml.tmpl", values)}),
        *_write_folder(page.parent, {"index.md": _render("volume-page.md.tmpl", values)}),
        *write_volume_fragments(root, load_volume(manifest.parent), {}),
    )
    for path, text in edits.items():
        write_text_atomic(path, text)
    steps = f"next: write the page's introduction, then `journey new snippet {volume}/<name>`"
    return Scaffold(created=created, edited=tuple(edits), next_steps=steps)


# --- journey new snippet ------------------------------------------------------------------------------------


def _parse_snippet_id(snippet_id: str) -> tuple[str, str]:
    """Split ``<volume>/<name>`` and check the name can be a folder, an image tag and a nav anchor."""
    volume, slash, name = snippet_id.strip().strip("/").partition("/")
    if not slash or not volume or "/" in name:
        raise UsageError(
            f"bad snippet id {snippet_id!r}: write <volume>/<name> (vol2/hello)", step="new snippet"
        )
    if not SNIPPET_NAME.match(name) or len(name) > MAX_NAME:
        raise UsageError(
            f"bad snippet name {name!r}: use lowercase letters, digits and single hyphens, starting with"
            f" a letter, at most {MAX_NAME} characters (e.g. scratch-tls)",
            snippet=snippet_id,
            step="new snippet",
        )
    return volume, name


def _volume_manifest(root: Path, volume: str, snippet_id: str) -> tuple[Path, dict[str, Any]]:
    """Read the volume's ``volume.yml``; an unknown volume is refused with the list of known ones."""
    path = root / "snippets" / volume / "volume.yml"
    if not path.is_file():
        known = sorted(p.parent.name for p in (root / "snippets").glob("*/volume.yml"))
        raise UsageError(
            f"unknown volume {volume!r} (known: {', '.join(known) or 'none'});"
            ' create it with `journey new volume "<title>"`',
            snippet=snippet_id,
            step="new snippet",
        )
    data = _load_yaml(path.read_text(encoding="utf-8"), path)
    if not isinstance(data, dict) or not data.get("pages"):
        raise UsageError(f"{path}: no `pages:` to add a section to", snippet=snippet_id, step="new snippet")
    return path, data


def _default_title(name: str) -> str:
    """``scratch-tls`` -> ``Scratch tls``: a placeholder the contributor is expected to improve."""
    return name.replace("-", " ").capitalize()


def _refuse_existing(
    root: Path, folder: Path, manifest_path: Path, listed: list[str], snippet_id: str
) -> None:
    """Refuse a name whose folder exists or that ``volume.yml`` already lists."""
    if folder.exists() or folder.name in listed:
        raise UsageError(
            f"{folder.relative_to(root)} already exists (or is listed in {manifest_path.relative_to(root)});"
            " pick another name",
            snippet=snippet_id,
            step="new snippet",
        )


def new_snippet(root: Path, snippet_id: str, title: str | None = None) -> Scaffold:
    """Create snippet ``<volume>/<name>``, list it in ``volume.yml`` and add its page section."""
    volume, name = _parse_snippet_id(snippet_id)
    snippet_id = f"{volume}/{name}"
    manifest_path, manifest = _volume_manifest(root, volume, snippet_id)
    folder = root / "snippets" / volume / name
    _refuse_existing(root, folder, manifest_path, manifest.get("snippets") or [], snippet_id)
    title = _check_title(title or _default_title(name))
    values = {"snippet_id": snippet_id, "title": title, "title_yaml": _yaml_string(title)}
    page = root / "docs" / manifest["pages"][0]
    if not page.is_file():
        cause = f"{page.relative_to(root)} (the volume's first page) does not exist"
        raise UsageError(cause, snippet=snippet_id, step="new snippet")
    edits = {
        manifest_path: _checked_edit(manifest_path, "snippets", name, name),
        page: _appended(page.read_text(encoding="utf-8"), _render("snippet-section.md.tmpl", values)),
    }
    created = _write_folder(folder, {out: _render(tmpl, values) for tmpl, out in SNIPPET_FILES.items()})
    for path, text in edits.items():
        write_text_atomic(path, text)
    # The site serves the new files as downloads from the start (verify re-writes them after edits).
    created += tuple(write_downloads(root, discover(root)))
    steps = f"next: edit the files, then `make verify SNIPPETS={snippet_id}` and `make site`"
    return Scaffold(created=created, edited=tuple(edits), next_steps=steps)


# --- command line -------------------------------------------------------------------------------------------
