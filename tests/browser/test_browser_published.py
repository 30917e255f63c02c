"""The site as GitHub Pages publishes it: under its repository's sub-path, and nothing fetched elsewhere.

A project site lives at `https://<owner>.github.io/<repository>/`, so every URL the pages make must stay under
that prefix. The server here mounts the built site under site_url's path (`/golang-journey/`), answers 404 to
anything outside it and the site's own 404.html to a missing file, and records both. A reader's tour then
checks navigation (instant, without a page reload), search, a download, the 404 page and each page's
source links, for the site of each builder.
"""

from __future__ import annotations

import base64
import io
import re
import zipfile
from typing import TYPE_CHECKING

import pytest
from browser_page import PageErrors, open_page, reveal
from browser_site import SITE_PATH, VOL1, markdown_page_url, serve_at

from journey.site.check import nav_pages
from journey.site.siteconfig import load_mkdocs
from sitebuild import SiteBuildError, build, site_dir

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from browser_site import Served
    from playwright.sync_api import BrowserContext

pytestmark = pytest.mark.browser

#: Set on `window` before a click: still there afterwards means the page was swapped in, not reloaded.
_MARK = "window.__journeyTour = 'same document'"
_MARKED = "window.__journeyTour === 'same document'"


@pytest.fixture
def published(builder, tmp_path) -> Iterator[Served]:
    """The site `builder` makes for where it is served, under site_url's sub-path, as the workflow builds it.

    The server starts first, so the build can be told its address (JOURNEY_SITE_URL), as the workflow tells
    it the Pages address: Material's instant navigation matches links against sitemap.xml by host *and*
    port, so a site built for another address would reload on every click here, though not on Pages.
    """
    assert SITE_PATH != "/", "site_url puts the site at a host's root: there is no sub-path to test"
    with serve_at(site_dir(builder, tmp_path), SITE_PATH) as served:
        try:
            build(builder, tmp_path, published_at=served.url)
        except SiteBuildError as error:
            pytest.fail(str(error), pytrace=False)
        yield served
    assert served.outside_prefix == [], f"requests outside {SITE_PATH}: {served.outside_prefix}"


def _pages(repo_root) -> dict[str, str]:
    """Site-relative URL of every page of the nav → its Markdown file under docs/."""
    config = load_mkdocs(repo_root / "mkdocs.yml")
    assert isinstance(config, dict)
    docs = repo_root / "docs"
    return {markdown_page_url(docs / page, docs): page for page in nav_pages(config["nav"])}


def _source_links(repo_root, page: str) -> tuple[str, str]:
    """The edit and the view link a page must show: its own Markdown file in the repository."""
    config = load_mkdocs(repo_root / "mkdocs.yml")
    assert isinstance(config, dict)
    edit = f"{config['repo_url'].rstrip('/')}/{config['edit_uri']}{page}"
    return edit, edit.replace("/edit/", "/raw/")


def test_every_page_is_served_under_the_sub_path_with_its_source_links(published, context, repo_root):
    for url_path, page in _pages(repo_root).items():
        tab, errors = open_page(context, published.url + url_path)
        assert errors.lines == [], f"/{url_path}: {errors.lines}"
        canonical = tab.locator("link[rel='canonical']").get_attribute("href")
        assert canonical == published.url + url_path, "site_url did not follow JOURNEY_SITE_URL"
        edit, view = _source_links(repo_root, page)
        assert tab.locator("a.md-content__button[rel='edit']").get_attribute("href") == edit, url_path
        assert tab.locator(f"a.md-content__button[href='{view}']").is_visible(), f"{url_path}: no {view}"
        stylesheets = tab.evaluate("[...document.styleSheets].filter(s => s.href).map(s => s.href)")
        assert stylesheets, f"/{url_path}: no stylesheet loaded"
        assert all(href.startswith(published.url) for href in stylesheets), stylesheets
        tab.close()
    assert published.missing == []


def test_navigation_moves_between_pages_without_reloading_and_keeps_source_links_right(
    published, context, repo_root
):
    tab, errors = open_page(context, published.url)
    tab.evaluate(_MARK)
    links = tab.locator(".md-sidebar--primary a.md-nav__link[href]")
    for url_path, page in _pages(repo_root).items():
        hrefs = links.evaluate_all("links => links.map(a => a.href)")
        assert published.url + url_path in hrefs, f"the nav has no link to /{url_path}: {hrefs}"
        links.nth(hrefs.index(published.url + url_path)).click()
        tab.wait_for_url(published.url + url_path)
        assert tab.evaluate(_MARKED), f"/{url_path}: the browser reloaded: instant navigation did not work"
        edit, _ = _source_links(repo_root, page)
        tab.wait_for_function(f"document.querySelector('a.md-content__button[rel=edit]')?.href === {edit!r}")
    footer = tab.locator("a.md-footer__link--prev")
    assert footer.count() == 1, "navigation.footer shows no link to the previous page"
    previous = footer.evaluate("a => a.href")
    assert previous.startswith(published.url), previous
    footer.click()
    tab.wait_for_url(previous)
    assert tab.evaluate(_MARKED), "the footer's link reloaded the browser"
    assert errors.lines == []
    assert published.missing == []


#: How each builder's search is used: what opens it, where one types, what a result is. Zensical 0.0.73 has a
#: search of its own (a dialog in a shadow root, which Playwright's CSS locators enter), even in `classic`.
_SEARCH = {
    "mkdocs": ("input.md-search__input", "input.md-search__input", ".md-search-result__link"),
    "zensical": (".md-search__button", "dialog input[role='combobox']", "dialog a[role='option']"),
}


def test_search_finds_volume1_under_the_sub_path(published, builder, context):
    opener, field, result = _SEARCH[builder]
    tab, errors = open_page(context, published.url)
    tab.locator(opener).click()
    tab.locator(field).press_sequentially("scratc")  # the search runs on key events, not on a fill
    if builder == "mkdocs":  # search.suggest completes the word being typed
        tab.wait_for_function("document.querySelector('.md-search__suggest')?.innerText.endsWith('scratch')")
    results = tab.locator(result)
    results.first.wait_for(state="visible", timeout=10_000)
    hrefs = [results.nth(i).evaluate("a => a.href") for i in range(results.count())]
    assert all(href.startswith(published.url) for href in hrefs), hrefs
    on_vol1 = [i for i, href in enumerate(hrefs) if href.split("#")[0].split("?")[0] == published.url + VOL1]
    assert on_vol1, f"no result on Volume 1: {hrefs}"
    results.nth(on_vol1[0]).click()
    tab.wait_for_url(re.compile(re.escape(published.url + VOL1) + r"([?#].*)?$"))
    assert errors.lines == []
    assert published.missing == []


#: Every download link of a page, as the browser resolved it, with the name it saves under.
_DOWNLOAD_LINKS = "[...document.querySelectorAll('article a[download]')].map(a => [a.href, a.download])"
#: Fetch a URL in the page and hand its bytes back as base64 (what the browser itself received).
_FETCH_BYTES = """async url => {
  const response = await fetch(url);
  if (!response.ok) { return `HTTP ${response.status}`; }
  const bytes = new Uint8Array(await response.arrayBuffer());
  let text = "";
  for (const byte of bytes) { text += String.fromCharCode(byte); }
  return btoa(text);
}"""


def _repository_file(published_url: str, href: str, repo_root: Path) -> Path:
    """The repository file a download URL serves: downloads/<volume>/<path> is snippets/<volume>/<path>."""
    assert href.startswith(published_url + "downloads/"), f"{href} is not served from the site's downloads/"
    rel = href.removeprefix(published_url + "downloads/")
    path = repo_root / "snippets" / rel
    return path if path.is_file() else repo_root / "snippets" / rel.removesuffix(".txt")


def _snippet_folders(repo_root: Path, volume: str, archive: bytes) -> list[str]:
    """Unpack a snippet's zip in memory; check every entry is its repository file; return the folders.

    Names are relative to ``snippets/<volume>/``, or to ``snippets/`` for a snippet whose build context
    is in another volume (journey.site.downloads.archive_base): then a folder is ``<volume>/<name>``.
    """
    with zipfile.ZipFile(io.BytesIO(archive)) as unpacked:
        names = unpacked.namelist()
        base = repo_root / "snippets" / volume
        if not all((base / name).is_file() for name in names):
            base = repo_root / "snippets"
        for name in names:
            assert unpacked.read(name) == (base / name).read_bytes(), name
    depth = 1 if base.name == volume else 2
    folders = sorted({"/".join(name.split("/")[:depth]) for name in names})
    for folder in folders:  # every file of each folder is in it, none missing
        held = [name for name in names if name.startswith(folder + "/")]
        # `dockerfile:` naming another snippet's file (vol3/cross builds Vol. 1's) brings that file alone.
        if held == [f"{folder}/Dockerfile"]:
            continue
        expected = {p.relative_to(base).as_posix() for p in (base / folder).rglob("*") if p.is_file()}
        assert expected <= set(names), f"{folder}: the zip lacks {sorted(expected - set(names))}"
    return folders


def test_every_download_link_gives_the_repository_files_exact_bytes(published, context, repo_root):
    """Each `a[download]` of each page, fetched by the browser under the sub-path: the file's bytes, and
    each snippet's zip unpacks to its folder; together they offer every file under snippets/."""
    offered: set[Path] = set()
    archives = 0
    for url_path in _pages(repo_root):
        tab, errors = open_page(context, published.url + url_path)
        assert tab.locator("[href^='data:'], [src^='data:application']").count() == 0, url_path
        for href, name in tab.evaluate(_DOWNLOAD_LINKS):
            received = tab.evaluate(_FETCH_BYTES, href)
            assert not received.startswith("HTTP "), f"/{url_path}: {href}: {received}"
            data = base64.b64decode(received)
            if href.endswith(".zip"):
                volume = href.removeprefix(published.url + "downloads/").split("/", 1)[0]
                assert name == href.rsplit("/", 1)[1]
                stem = name.removesuffix(".zip")
                assert {stem, f"{volume}/{stem}"} & set(_snippet_folders(repo_root, volume, data))
                archives += 1
                continue
            path = _repository_file(published.url, href, repo_root)
            assert name == path.name, f"{href} saves as {name!r}, the file is {path.name!r}"
            assert data == path.read_bytes(), f"/{url_path}: {href} differs from {path}"
            offered.add(path)
        assert errors.lines == [], f"/{url_path}: {errors.lines}"
        tab.close()
    every = {p for p in (repo_root / "snippets").rglob("*") if p.is_file() and p.parent.name != "snippets"}
    every -= {p for p in every if p.name == "volume.yml"}
    assert every - offered == set(), f"files no page offers: {sorted(every - offered)}"
    assert archives > 0
    assert published.missing == []


def test_clicking_a_download_saves_the_file_under_its_own_name(published, context, repo_root):
    """The browser's own download flow, for a Dockerfile, a dotfile and a zip."""
    wanted = {VOL1: ["Dockerfile"], f"{VOL1}pipeline/": [".travis.yml", "github-actions.zip"]}
    for url_path, names in wanted.items():
        tab, errors = open_page(context, published.url + url_path)
        for name in names:
            link = tab.locator(f"article a[download='{name}']").first
            reveal(link)
            if not link.is_visible():
                link.locator("xpath=ancestor::details[1]/summary").click()
            href = link.evaluate("a => a.href")
            with tab.expect_download() as download:
                link.click()
            # Chromium never saves a hidden file: `.travis.yml` lands as `travis.yml` (the page says so)
            assert download.value.suggested_filename == name.lstrip(".")
            saved = download.value.path().read_bytes()
            if name.endswith(".zip"):
                assert _snippet_folders(repo_root, "vol1", saved) == ["github-actions"]
            else:
                assert saved == _repository_file(published.url, href, repo_root).read_bytes(), name
        assert errors.lines == [], errors.lines
        tab.close()


def test_a_missing_page_shows_the_sites_404_page_with_its_assets(published, context: BrowserContext):
    tab = context.new_page()
    errors = PageErrors()
    errors.attach(tab)
    response = tab.goto(published.url + "no/such/page/", wait_until="networkidle")
    assert response is not None
    assert response.status == 404
    assert tab.locator("article h1").inner_text().strip() == "404 - Not found"
    header = tab.evaluate("getComputedStyle(document.querySelector('.md-header')).position")
    assert header == "sticky", "the 404 page is unstyled: its stylesheet did not load from the sub-path"
    missing = f"{published.url}no/such/page/"
    assert errors.lines, "the 404 status went unnoticed"
    assert all(line.endswith((missing, f"{missing})")) for line in errors.lines), errors.lines
    assert published.missing == [f"{SITE_PATH}no/such/page/"]
