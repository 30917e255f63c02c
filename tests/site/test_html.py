"""The built site tells the truth: every snippet file it shows is that file, every size is a recorded one.

The site is built for real, strict, by MkDocs (as `make site` does) and by Zensical (Material's successor,
from the same mkdocs.yml), each into a temporary folder, and every check below reads the HTML of both. The
project's promises are checked on what a reader gets, not on the Markdown:

- a code block titled with a `snippets/…` path holds exactly that file's text;
- every size on any page comes from a recorded result: the sizes tables equal what `journey.site.render` makes
  from `result.json`, every `docker images` block is the listing `docker images` printed (captured as
  `outputs.docker_images`), and any other size token on a page appears in a fragment
  generated from the results (the 2019 figures, quoted as history, are the only exception);
- every include was resolved, every page of the nav was built, and each page links to its own source.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from journey.model.units import format_size
from journey.site.check import nav_pages
from journey.site.render import output_fragment, render_outputs, role_label
from journey.site.render_recipe import BASE_ROWS, CASES, render_bases_table
from journey.site.siteconfig import load_mkdocs, source_tree_url
from shown import shown_text
from sitebuild import BUILDERS, SiteBuildError, build

ROOT = Path(__file__).resolve().parents[2]
#: The figures of the 2019 article's `docker images` table, quoted as history on Volume 1.
HISTORY_2019 = frozenset({"21.2MB", "567MB", "350MB"})
#: Sizes of bases this site cannot build, quoted with their source in the Recipes page's separate table.
PUBLISHED_BASES = frozenset({"8.42MB"})
SIZE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s?(?:B|kB|MB|GB|TB)(?![\w])")
FINAL_TAG = re.compile(r"journey/(?P<volume>[a-z0-9]+)-(?P<name>[a-z0-9][a-z0-9._-]*):verified")
#: The final image's row of a `docker images` table: repository and tag are separate columns there.
FINAL_ROW = re.compile(
    r"^journey/(?P<volume>[a-z0-9]+)-(?P<name>[a-z0-9][a-z0-9._-]*)\s+verified\s", re.MULTILINE
)
SIZES_HEADER = ["image", "uncompressed", "compressed", "layers"]
LADDER_HEADER = ["snippet", "uncompressed", "compressed"]


@dataclass
class CodeBlock:
    """A highlighted code block: its title (Material's filename bar) and its text."""

    title: str | None
    text: str = ""


class Page(HTMLParser):
    """What a built page shows: code blocks, table rows, and prose text outside snippet files."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[CodeBlock] = []
        self.tables: list[list[list[str]]] = []
        self.prose: list[str] = []
        self.text: list[str] = []  # every piece of text a reader can see, code included
        self.links: list[dict[str, str | None]] = []  # the attributes of every <a>
        self._title: str | None = None
        self._in_title = False
        self._code: CodeBlock | None = None
        self._cell: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "a":
            self.links.append(dict(attrs))
        if tag in {"script", "style"}:
            self._skip += 1
        elif tag == "span" and "filename" in classes:
            self._in_title, self._title = True, ""
        elif tag == "code" and self._title is not None:
            self._code = CodeBlock(self._title)
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in {"td", "th"}:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip -= 1
        elif tag == "span" and self._in_title:
            self._in_title = False
        elif tag == "code" and self._code is not None:
            self.blocks.append(self._code)
            self._code, self._title = None, None
        elif tag in {"td", "th"} and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._in_title:
            self._title = (self._title or "") + data
            return
        if self._cell is not None:
            self._cell.append(data)
        if self._code is not None:
            self._code.text += data
            if (self._code.title or "").startswith("snippets/"):
                return  # a snippet file's own text is checked against the file, not for sizes
        self.prose.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture(scope="module", params=BUILDERS)
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built for real, strict, by each builder in turn (MkDocs as `make site` does, and Zensical)."""
    try:
        return build(request.param, tmp_path_factory.mktemp(request.param))
    except SiteBuildError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="module")
def site(built: Path) -> dict[str, Page]:
    """Every page of the built site, parsed."""
    return {p.relative_to(built).as_posix(): parse(p) for p in sorted(built.rglob("*.html"))}


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    """Every recorded result, by snippet id (`vol1/multistage`)."""
    found = {}
    for path in sorted((ROOT / "results").glob("*/*/result.json")):
        found[f"{path.parent.parent.name}/{path.parent.name}"] = json.loads(path.read_text(encoding="utf-8"))
    return found


def snippet_blocks(site: dict[str, Page]) -> list[tuple[str, CodeBlock]]:
    return [
        (name, block)
        for name, page in site.items()
        for block in page.blocks
        if (block.title or "").startswith("snippets/")
    ]


def test_every_snippet_code_block_equals_its_file(site):
    """A block titled with a snippet path shows that file, or the section or lines the title names."""
    shown = snippet_blocks(site)
    assert shown, "no code block titled with a snippets/ path in the whole site"
    assert any(":" in str(b.title) for _, b in shown), "no block shows a section of a file"
    for page, block in shown:
        path = ROOT / str(block.title).partition(":")[0]
        assert path.is_file(), f"{page}: a block is titled {block.title}, which is not a file"
        expected = shown_text(ROOT, str(block.title))
        assert block.text.rstrip("\n") == expected.rstrip("\n"), (
            f"{page}: the block titled {block.title} differs"
        )


def test_volume_pages_show_every_dockerfile_they_build(site):
    shown = {str(b.title) for _, b in snippet_blocks(site)}
    dockerfiles = {p.relative_to(ROOT).as_posix() for p in (ROOT / "snippets").glob("*/*/Dockerfile")}
    assert dockerfiles, "no Dockerfile under snippets/"
    assert dockerfiles <= shown, f"Dockerfiles never shown on a page: {sorted(dockerfiles - shown)}"


def expected_sizes_rows(result: dict) -> list[list[str]]:
    """The rows sizes.md renders for a result, as a reader sees the cells (Markdown code marks gone)."""
    return [
        [
            role_label(i).replace("`", ""),
            format_size(i["size"]),
            format_size(i["compressed_size"]),
            str(len(i["layers"])),
        ]
        for i in result["images"]
    ]


def sizes_tables(site: dict[str, Page]) -> list[tuple[str, list[list[str]]]]:
    """Sizes tables with at least one image row (a files-only snippet renders just the header)."""
    return [
        (name, t) for name, page in site.items() for t in page.tables if len(t) > 1 and t[0] == SIZES_HEADER
    ]


def snippet_of(table: list[list[str]], page: str) -> str:
    for row in table:
        match = FINAL_TAG.search(" ".join(row))
        if match:
            return f"{match['volume']}/{match['name']}"
    pytest.fail(f"{page}: a sizes table names no final image `journey/<volume>-<snippet>:verified`")
    return ""  # unreachable: pytest.fail raises


def test_every_sizes_table_equals_its_recorded_result(site, results):
    tables = sizes_tables(site)
    assert tables, "no sizes table (image | uncompressed | compressed | layers) on any page"
    for page, table in tables:
        snippet = snippet_of(table, page)
        assert snippet in results, f"{page}: a sizes table for {snippet}, which has no recorded result"
        assert table[1:] == expected_sizes_rows(results[snippet]), f"{page}: sizes of {snippet} differ"


def test_every_docker_images_block_is_what_docker_images_printed(site, results):
    """A `docker images` listing on a page is the captured one, never a table composed from sizes."""
    blocks = [
        (n, b)
        for n, page in site.items()
        for b in page.blocks
        if b.text.startswith("REPOSITORY") and b.text.count("\n") > 1
    ]
    assert blocks, "no `docker images` block on any page"
    captured = output_fragment("docker_images")
    for page, block in blocks:
        match = FINAL_ROW.search(block.text)
        assert match, f"{page}: a docker images block names no final image"
        snippet = f"{match['volume']}/{match['name']}"
        outputs = render_outputs(results[snippet])
        assert captured in outputs, f"{page}: {snippet} recorded no `docker images` output"
        assert block.text == outputs[captured], f"{page}: docker images of {snippet} is not what it printed"


def volume_titles() -> dict[str, str]:
    """Snippet titles (what the size ladder shows) to snippet ids."""
    titles = {}
    for manifest in (ROOT / "snippets").glob("*/*/snippet.yml"):
        title = yaml.safe_load(manifest.read_text(encoding="utf-8"))["title"]
        titles[title] = f"{manifest.parent.parent.name}/{manifest.parent.name}"
    return titles


def final_sizes(result: dict) -> list[str]:
    final = next((i for i in result["images"] if i["role"] == "final"), None)
    if result["status"] != "verified" or final is None:
        return ["not verified", "not verified"]
    return [format_size(final["size"]), format_size(final["compressed_size"])]


def test_every_size_ladder_row_equals_its_recorded_result(site, results):
    ladders = [(n, t) for n, page in site.items() for t in page.tables if t and t[0] == LADDER_HEADER]
    assert ladders, "no size ladder table on any page"
    titles = volume_titles()
    for page, table in ladders:
        for title, *sizes in table[1:]:
            snippet = titles.get(title)
            assert snippet in results, f"{page}: the ladder row {title!r} names no recorded snippet"
            assert sizes == final_sizes(results[snippet]), f"{page}: ladder sizes of {snippet} differ"


def generated_size_tokens() -> set[str]:
    """Every size token that appears in a fragment generated from the recorded results."""
    tokens: set[str] = set()
    for fragment in (ROOT / "results").rglob("*"):
        if fragment.suffix in {".md", ".txt", ".svg"}:
            tokens |= {t.replace(" ", "") for t in SIZE.findall(fragment.read_text(encoding="utf-8"))}
    return tokens


def test_no_page_shows_a_size_that_was_not_recorded(site):
    allowed = generated_size_tokens() | HISTORY_2019 | PUBLISHED_BASES
    assert len(allowed) > len(HISTORY_2019 | PUBLISHED_BASES), (
        "no size in any generated fragment: nothing recorded?"
    )
    for page_name, page in site.items():
        typed = {t for t in SIZE.findall(" ".join(page.prose)) if t.replace(" ", "") not in allowed}
        assert not typed, f"{page_name}: sizes not from any recorded result: {sorted(typed)}"


def test_the_size_pattern_finds_what_docker_and_render_print():
    assert SIZE.findall("16.3MB and 5.93 MB, 624 kB; 39B") == ["16.3MB", "5.93 MB", "624 kB", "39B"]
    assert SIZE.findall("Go 1.26, port 5000, sha256:abc12MB3") == []


# --- includes, pages, source links -----------------------------------------------------------------------

#: A line pymdownx.snippets would have replaced: `--8<-- "path"`, or a bare `--8<--` opening a block.
INCLUDE_LINE = re.compile(r"""^\s*-+8<-+\s*(?:["'].*)?$""")


def shown_on_purpose() -> set[str]:
    """Include lines the docs escape (`;--8<-- "…"`) to show the syntax; the site shows them minus the `;`."""
    return {
        line.strip()[1:]
        for doc in (ROOT / "docs").rglob("*.md")
        for line in doc.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith(";-") and INCLUDE_LINE.match(line.strip()[1:])
    }


def test_every_include_was_resolved(site):
    allowed = shown_on_purpose()
    for name, page in site.items():
        left = [line for line in "".join(page.text).splitlines() if INCLUDE_LINE.match(line)]
        assert [line for line in left if line.strip() not in allowed] == [], f"{name}: includes left as text"


def test_the_include_check_sees_a_left_include():
    page = Page()
    page.feed('<p>Intro</p>\n<p>--8<-- "results/vol1/x/sizes.md"</p>\n<pre><code>--8<--\n</code></pre>')
    assert [line for line in "".join(page.text).splitlines() if INCLUDE_LINE.match(line)] == [
        '--8<-- "results/vol1/x/sizes.md"',
        "--8<--",
    ]


def site_config() -> dict:
    config = load_mkdocs(ROOT / "mkdocs.yml")
    assert isinstance(config, dict)
    return config


def html_of(page: str) -> str:
    """The built file of a Markdown page (directory URLs: `vol1/pipeline.md` → `vol1/pipeline/index.html`)."""
    stem = page.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return f"{stem}.html"
    return f"{stem}/index.html"


def test_every_page_of_the_nav_is_built_and_nothing_else(site):
    expected = {html_of(page) for page in nav_pages(site_config()["nav"])} | {"404.html"}
    assert set(site) == expected


def test_every_page_links_to_its_own_source(site):
    config = site_config()
    base = f"{config['repo_url'].rstrip('/')}/{config['edit_uri']}"
    for page in nav_pages(config["nav"]):
        links = site[html_of(page)].links
        edits = {link.get("href") for link in links if link.get("rel") == "edit"}
        assert edits == {base + page}, f"{page}: edit links {edits}"
        views = {link.get("href") for link in links if (link.get("title") or "").startswith("View source")}
        assert views == {(base + page).replace("/edit/", "/raw/")}, f"{page}: view links {views}"


def test_every_snippet_links_to_its_folder_in_the_repository(site):
    tree = source_tree_url(ROOT)
    assert tree is not None, "mkdocs.yml names no repository"
    hrefs = {str(link.get("href")) for page in site.values() for link in page.links}
    shown = {h for h in hrefs if h.startswith(tree)}
    for result in sorted((ROOT / "results").glob("*/*/result.json")):
        folder = f"snippets/{result.parent.parent.name}/{result.parent.name}"
        assert tree + folder in shown, f"no page links {folder} in the repository"
    for href in shown:
        assert (ROOT / href.removeprefix(tree)).exists(), f"a source link names no repository path: {href}"


def test_the_repository_link_does_not_ask_githubs_api_for_stars(site):
    """The theme's script fetches api.github.com for any `data-md-component="source"`: none may be left."""
    for name, page in site.items():
        repo_links = [link for link in page.links if "md-source" in (link.get("class") or "").split()]
        assert repo_links, f"{name}: no link to the repository in the header"
        assert all("data-md-component" not in link for link in repo_links), f"{name}: {repo_links}"


#: What a page may weigh (issue 13): Vol. 1 once was 616 KB, 88 files carried in base64 data: URLs.
#: Every page is held to it, so a new volume that grows past it splits, as Vol. 1 did (choices.md).
PAGE_HTML_LIMIT = 200_000


def test_every_page_is_light_and_carries_no_file_in_a_data_url(built):
    pages = sorted(built.rglob("*.html"))
    assert (built / "vol1" / "index.html") in pages
    for page in pages:
        size = page.stat().st_size
        assert size <= PAGE_HTML_LIMIT, f"{page.relative_to(built)} weighs {size} bytes"
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"""(?:href|src)=["']data:""", text), (
            f"{page.relative_to(built)} carries a data: URL"
        )


def test_every_download_the_pages_link_is_in_the_site_with_the_files_bytes(built):
    """Offline, over the HTML: each `a[download]` names a file of the built site equal to its source."""
    linked = 0
    for page in sorted(built.rglob("*.html")):
        for href in re.findall(r"""<a download="[^"]*" href="([^"]+)\"""", page.read_text(encoding="utf-8")):
            target = (page.parent / href).resolve()
            assert target.is_relative_to((built / "downloads").resolve()), href
            rel = target.relative_to((built / "downloads").resolve()).as_posix()
            if rel.endswith(".zip"):
                assert target.read_bytes() == (ROOT / "docs" / "downloads" / rel).read_bytes()
            else:
                source = ROOT / "snippets" / rel
                source = source if source.is_file() else ROOT / "snippets" / rel.removesuffix(".txt")
                assert target.read_bytes() == source.read_bytes(), href
            linked += 1
    assert linked > 0


# --- the Recipes page -------------------------------------------------------------------------------


def test_the_recipes_decision_table_gives_each_case_its_recorded_sizes(site, results):
    """The first table of the Recipes page: a row per case, its recipe, and the final image's sizes."""
    page = site[html_of("recipes/index.md")]
    table = page.tables[0]
    assert table[0][0] == "your service"
    expected = [[c.case, f"{c.title} ({c.snippet})", *final_sizes(results[c.snippet])] for c in CASES]
    assert table[1:] == expected


def test_every_link_of_the_recipes_page_to_a_section_finds_it(built):
    text = (built / html_of("recipes/index.md")).read_text(encoding="utf-8")
    anchors = set(re.findall(r'href="#([^"]+)"', text))
    assert {c.anchor for c in CASES} <= anchors
    missing = sorted(a for a in anchors if f'id="{a}"' not in text)
    assert missing == [], f"the Recipes page links to sections it does not have: {missing}"


#: The first header cells of the Recipes page's two base-image tables: measured here, and published.
RECORDED_BASES = "base (the final stage's FROM)"
PUBLISHED_HEADER = ["base", "size (as published)"]


def markdown_cells(line: str) -> list[str]:
    """A rendered Markdown table row's cells as the HTML shows them (no backticks, no escapes)."""
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [c.strip().replace("`", "").replace("\\|", "|") for c in cells]


def test_the_recipes_base_table_is_the_one_rendered_from_the_recorded_results(site, results):
    page = site[html_of("recipes/index.md")]
    recorded = [t for t in page.tables if t and t[0][0] == RECORDED_BASES]
    assert len(recorded) == 1, "the Recipes page needs exactly one recorded base-image table"
    rows = render_bases_table({r.snippet: results.get(r.snippet) for r in BASE_ROWS})
    assert recorded[0][1:] == [markdown_cells(line) for line in rows.splitlines()[2:]]


def test_published_base_figures_stay_in_their_own_table_apart_from_the_recorded_one(site):
    page = site[html_of("recipes/index.md")]
    recorded = next(t for t in page.tables if t and t[0][0] == RECORDED_BASES)
    published = [t for t in page.tables if t and t[0][:2] == PUBLISHED_HEADER]
    assert len(published) == 1, "the published figures need a table of their own"
    assert {r[0] for r in published[0][1:]}.isdisjoint(r[0] for r in recorded[1:])
    cells = " ".join(c for r in published[0][1:] for c in r)
    assert {t.replace(" ", "") for t in SIZE.findall(cells)} == PUBLISHED_BASES
    for name, other in site.items():
        shown = [t for t in other.tables if t is not published[0]]
        tokens = {t.replace(" ", "") for table in shown for row in table for t in SIZE.findall(" ".join(row))}
        assert tokens.isdisjoint(PUBLISHED_BASES), f"{name}: a published base figure outside its table"
