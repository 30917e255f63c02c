"""Volume 1 as a reader uses it: copy buttons, tabs, search, light/dark, the size chart, provenance."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import pytest
from browser_page import open_page, reveal
from browser_site import SCREENSHOTS, VOL1, markdown_page_url, page_file
from browser_snippets import copy_differences, fenced_snippet_includes

from journey.model.manifest import discover
from journey.site.render import changed_lines, format_size, shown_lines

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.browser

_DOWNLOAD_LABEL = re.compile(r"\[(?P<label>[^\]]+)\]\([^)]+\)\{download=")
_PROVENANCE_INCLUDE = re.compile(
    r"""^[ \t]*-{1,}8<-{1,}[ \t]+["'](?P<path>results/[^"']+/provenance\.md)["']""", re.MULTILINE
)


def _docs(repo_root: Path) -> list[Path]:
    return sorted((repo_root / "docs").rglob("*.md"))


def _vol1_docs(repo_root: Path) -> list[Path]:
    docs = sorted((repo_root / "docs" / "vol1").glob("*.md"))
    assert docs, "docs/vol1/ holds no page: Volume 1 is not written yet"
    return docs


# --- copy buttons ---------------------------------------------------------------------------------


def test_every_fenced_snippet_include_is_titled_with_its_repo_path(repo_root):
    untitled = [
        f"{inc.doc.relative_to(repo_root)}:{inc.line}: includes {inc.target!r} but its title is {inc.title!r}"
        for doc in _docs(repo_root)
        for inc in fenced_snippet_includes(doc, repo_root)
        if inc.title != inc.target
    ]
    assert untitled == [], "the copy test finds a block's file by its title, which must be the repo path"


def test_volume1_shows_snippet_files(repo_root):
    includes = [inc for doc in _vol1_docs(repo_root) for inc in fenced_snippet_includes(doc)]
    assert includes, "no page of docs/vol1/ shows a snippet file in a fenced block"


def _pages_showing_snippets(repo_root: Path) -> dict[str, list[str]]:
    """Site-relative page URL -> the snippet files its Markdown shows in fenced blocks (in page order)."""
    docs_dir = repo_root / "docs"
    pages: dict[str, list[str]] = {}
    for doc in _docs(repo_root):
        targets = [inc.target for inc in fenced_snippet_includes(doc, repo_root)]
        if targets:
            pages[markdown_page_url(doc, docs_dir)] = targets
    return pages


def test_every_copy_button_yields_exactly_the_file_it_shows(repo_root, vol1_url, site_url, context):
    pages = _pages_showing_snippets(repo_root)
    assert VOL1 in pages, f"Volume 1 ({vol1_url}) shows no snippet file"
    assert "vol2/" in pages, "Volume 2 shows no snippet file"
    differences = []
    for url_path, targets in pages.items():
        page, errors = open_page(context, site_url + url_path)
        differences += [f"/{url_path}: {line}" for line in copy_differences(page, repo_root, targets)]
        differences += [f"/{url_path}: {line}" for line in errors.lines]
        page.close()
    assert differences == []


# --- content tabs, search, palette -------------------------------------------------------------------


def test_content_tabs_switch(vol1_url, context):
    page, errors = open_page(context, vol1_url)
    sets = page.locator("article .tabbed-set")
    assert sets.count() > 0, "Volume 1 has no content tabs"
    for set_index in range(sets.count()):
        tab_set = sets.nth(set_index)
        labels = tab_set.locator(":scope > .tabbed-labels > label")
        blocks = tab_set.locator(":scope > .tabbed-content > .tabbed-block")
        assert labels.count() == blocks.count() > 1, f"tab set {set_index}: {labels.count()} labels"
        for chosen in [*range(1, labels.count()), 0]:
            labels.nth(chosen).click()
            visible = [blocks.nth(i).is_visible() for i in range(blocks.count())]
            expected = [i == chosen for i in range(blocks.count())]
            assert visible == expected, f"tab set {set_index}: after clicking tab {chosen}, visible {visible}"
    assert errors.lines == []


def test_search_finds_scratch_and_lands_on_volume1(site_url, vol1_url, context):
    page, errors = open_page(context, site_url)
    opener = page.locator("label.md-header__button[for='__search']")
    if opener.is_visible():  # narrow screens: the search field hides behind a button
        opener.click()
    field = page.locator("input.md-search__input")
    field.click()
    field.press_sequentially("scratch")  # Material searches on key events, not on a programmatic fill
    results = page.locator(".md-search-result__item a.md-search-result__link")
    results.first.wait_for(state="visible", timeout=10_000)
    hrefs = [results.nth(i).get_attribute("href") or "" for i in range(results.count())]
    on_vol1 = [i for i, href in enumerate(hrefs) if href.split("?")[0].split("#")[0] == vol1_url]
    assert on_vol1, f"search for 'scratch' found no result on Volume 1: {hrefs}"
    results.nth(on_vol1[0]).click()
    page.wait_for_url(re.compile(re.escape(vol1_url) + r"([?#].*)?$"))
    assert page.locator("article h1").first.is_visible()
    assert errors.lines == []


def _scheme(page) -> str:
    return page.get_attribute("body", "data-md-color-scheme") or ""


def test_light_dark_toggle_switches_the_scheme(vol1_url, context):
    page, errors = open_page(context, vol1_url)
    toggle = page.locator("form[data-md-component='palette'] label:visible")
    background = "getComputedStyle(document.body).backgroundColor"
    assert _scheme(page) == "default"
    light_background = page.evaluate(background)
    toggle.click()
    page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    assert page.evaluate(background) != light_background
    toggle.click()
    page.wait_for_function("document.body.dataset.mdColorScheme === 'default'")
    assert page.evaluate(background) == light_background
    assert errors.lines == []


# --- size chart and provenance -------------------------------------------------------------------------


def test_size_chart_is_inline_and_visible(repo_root, built_site, vol1_url, context):
    chart_file = repo_root / "results" / "vol1" / "size-ladder.svg"
    assert chart_file.is_file(), "results/vol1/size-ladder.svg is missing: `journey render` has not made it"
    chart = ET.fromstring(chart_file.read_text(encoding="utf-8"))  # noqa: S314  (our own generated file)
    view_box = chart.get("viewBox")
    assert view_box, "size-ladder.svg has no viewBox to recognise it by"
    assert f'viewBox="{view_box}"' in page_file(built_site, VOL1).read_text(encoding="utf-8"), "not inline"
    page, errors = open_page(context, vol1_url)
    svg = page.locator(f"article svg[viewBox='{view_box}']")
    assert svg.count() == 1, f"Volume 1 shows {svg.count()} copies of the size chart"
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    assert svg.is_visible()
    assert box is not None
    assert box["width"] > 200
    assert box["height"] > 50
    bars = svg.locator("rect")
    assert bars.count() > 0
    assert errors.lines == []


def _provenance_labels(repo_root: Path) -> dict[str, list[tuple[str, str]]]:
    """Page URL -> (fragment, first download label) of each provenance note the Volume 1 pages include."""
    found: dict[str, list[tuple[str, str]]] = {}
    for doc in _vol1_docs(repo_root):
        for match in _PROVENANCE_INCLUDE.finditer(doc.read_text(encoding="utf-8")):
            fragment = (repo_root / match.group("path")).read_text(encoding="utf-8")
            label = _DOWNLOAD_LABEL.search(fragment)
            assert label, f"{match.group('path')} has no download link"
            url_path = markdown_page_url(doc, repo_root / "docs")
            text = label.group("label").replace("\\", "")  # Markdown escapes (api\_test.go)
            found.setdefault(url_path, []).append((match.group("path"), text))
    return found


def _check_provenance_note(page, fragment: str, label: str) -> None:
    """The note holding `fragment` shows its title; opening it shows the fragment's first download link."""
    link = page.locator("article a[download]", has_text=label).first
    assert link.count() == 1, f"{fragment}: its download link {label!r} is not on {page.url}"
    note = link.locator("xpath=ancestor::*[self::details or contains(@class, 'admonition')][1]")
    summary = note.locator(":scope > summary, :scope > .admonition-title").first
    reveal(note if note.count() else link)  # a note may sit in a content tab that is not selected
    if note.count():
        assert summary.is_visible(), f"{fragment}: the note around it has no visible title"
        if not link.is_visible():
            summary.click()
    link.scroll_into_view_if_needed()
    assert link.is_visible(), f"{fragment}: {label!r} stays hidden after opening its note"


def test_provenance_notes_are_visible(repo_root, site_url, vol1_url, context):
    notes = _provenance_labels(repo_root)
    assert notes.get(VOL1), f"Volume 1 ({vol1_url}) includes no results/<snippet>/provenance.md note"
    for url_path, page_notes in notes.items():
        page, errors = open_page(context, site_url + url_path)
        for fragment, label in page_notes:
            _check_provenance_note(page, fragment, label)
        assert errors.lines == []
        page.close()


# --- screenshots ---------------------------------------------------------------------------------------

_VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
_SCHEMES = {"light": "default", "dark": "slate"}


def _luminance(css_colour: str) -> float:
    """Relative luminance (WCAG) of an 'rgb(r, g, b)' or 'rgba(...)' colour."""
    channels = [int(float(part)) / 255 for part in re.findall(r"[\d.]+", css_colour)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(page) -> float:
    """Contrast ratio of the article's text against the page background."""
    text = page.evaluate("getComputedStyle(document.querySelector('article')).color")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    lighter, darker = sorted([_luminance(text), _luminance(background)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("scheme", sorted(_SCHEMES))
@pytest.mark.parametrize("device", sorted(_VIEWPORTS))
def test_screenshot_of_volume1(browser, guard, vol1_url, device, scheme):
    context = browser.new_context(color_scheme=scheme, **_VIEWPORTS[device])
    guard.attach(context)
    page, errors = open_page(context, vol1_url)
    assert _scheme(page) == _SCHEMES[scheme]
    assert _contrast(page) >= 4.5, f"article text is hard to read in {scheme} ({_contrast(page):.1f}:1)"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"vol1-{device}-{scheme}.png"
    page.screenshot(path=str(target), full_page=True)
    context.close()
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert errors.lines == []
    assert guard.outside() == []


# --- the chart on its log axis, and the variants --------------------------------------------------------

#: Each kind of mark on the chart, with the contrast WCAG asks of it: 4.5:1 for text, 3:1 for graphics.
_CHART_MARKS = {"text": ("fill", 4.5), "rect.bar": ("fill", 3.0), "line.reference": ("stroke", 3.0)}


def _contrasts(page, selector: str, prop: str) -> list[float]:
    """Contrast of each mark's computed colour against the page background (the chart has none of its own)."""
    colours = page.eval_on_selector_all(
        f"article svg[data-scale='log'] {selector}", f"els => els.map(e => getComputedStyle(e).{prop})"
    )
    background = _luminance(page.evaluate("getComputedStyle(document.body).backgroundColor"))
    ratios = []
    for colour in colours:
        lighter, darker = sorted([_luminance(colour), background], reverse=True)
        ratios.append((lighter + 0.05) / (darker + 0.05))
    return ratios


@pytest.mark.parametrize("scheme", sorted(_SCHEMES))
def test_size_chart_has_a_log_axis_and_the_2019_line_readable_in_light_and_dark(
    browser, guard, vol1_url, repo_root, scheme
):
    (volume,) = [v for v in discover(repo_root) if v.name == "vol1"]
    (reference,) = volume.references
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    guard.attach(context)
    page, errors = open_page(context, vol1_url)
    chart = page.locator("article svg[data-scale='log']")
    assert chart.count() == 1, "Volume 1 shows no size chart on a log axis"
    second = page.locator("article h2").nth(1).element_handle()
    follows = chart.evaluate("(svg, h) => Boolean(svg.compareDocumentPosition(h) & 4)", second)
    assert follows, "the chart is not in the page's first section: the payoff comes first"
    ticks = chart.locator("line.grid.major")
    xs = [float(ticks.nth(i).get_attribute("x1") or 0) for i in range(ticks.count())]
    sizes = [int(ticks.nth(i).get_attribute("data-size") or 0) for i in range(ticks.count())]
    assert len(xs) >= 3, "fewer than three decades on the axis"
    assert all(b == a * 10 for a, b in itertools.pairwise(sizes)), sizes
    steps = [b - a for a, b in itertools.pairwise(xs)]
    assert max(steps) - min(steps) < 1, f"decades are not evenly spaced: {steps}"
    line = chart.locator("line.reference")
    assert line.count() == 1
    assert int(line.get_attribute("data-size") or 0) == reference.size
    label = chart.locator("text.reference-label").text_content()
    assert label == f"{reference.label}: {format_size(reference.size)}"
    box = line.bounding_box()  # a vertical line has no width, so Playwright never calls it visible
    assert box is not None
    assert box["height"] > 100, f"the reference line spans {box['height']} px"
    for selector, (prop, minimum) in _CHART_MARKS.items():
        ratios = _contrasts(page, selector, prop)
        assert ratios, f"no {selector} on the chart"
        assert min(ratios) >= minimum, f"{selector} in {scheme}: contrast {min(ratios):.2f}:1 < {minimum}:1"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chart.scroll_into_view_if_needed()
    chart.screenshot(path=str(SCREENSHOTS / f"vol1-chart-{scheme}.png"))
    context.close()
    assert errors.lines == []
    assert guard.outside() == []


def _block(page, title: str):
    """The code block whose title is `title`."""
    return page.locator(".highlight", has=page.locator(f"> .filename:text-is('{title}')"))


@pytest.mark.parametrize("scheme", sorted(_SCHEMES))
def test_each_variant_shows_its_changed_lines_marked_and_its_diff(
    browser, guard, site_url, repo_root, scheme
):
    (volume,) = [v for v in discover(repo_root) if v.name == "vol1"]
    variants = [s for s in volume.snippets if s.variant_dockerfile is not None]
    assert variants, "Volume 1 has no variant of the recommended file"
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    guard.attach(context)
    docs = repo_root / "docs"
    pages = [open_page(context, site_url + markdown_page_url(docs / name, docs)) for name in volume.pages]
    for snippet in variants:
        assert snippet.dockerfile_path is not None
        assert snippet.variant_dockerfile is not None
        title = snippet.dockerfile_path.relative_to(repo_root).as_posix()
        # A variant is shown on exactly one of the volume's pages (the story, or the measured choices).
        counts = [_block(page, title).count() for page, _ in pages]
        assert sum(counts) == 1, f"{title} is shown {counts} times on {volume.pages}"
        page = pages[counts.index(1)][0]
        block = _block(page, title)
        shown = shown_lines(snippet.dockerfile_path)
        changed = changed_lines(shown_lines(snippet.variant_dockerfile), shown)
        marked = [t.rstrip("\n") for t in block.locator(".hll").all_inner_texts()]
        assert marked == [shown[n - 1] for n in changed], f"{title}: marked {marked}"
        base = snippet.variant_dockerfile.relative_to(repo_root).as_posix()
        diff = block.locator("xpath=following-sibling::div[contains(@class, 'highlight')][1]")
        assert diff.locator(".filename").inner_text() == f"what differs from {base}"
        assert diff.locator(".gd, .gi").count() > 0, f"{title}: its diff colours no line"
        reveal(block)
        hll = block.locator(".hll").first
        plain = block.locator("code").first
        backgrounds = [e.evaluate("e => getComputedStyle(e).backgroundColor") for e in (hll, plain)]
        assert backgrounds[0] != backgrounds[1], f"{title}: a marked line looks like the others in {scheme}"
    context.close()
    assert [line for _, errors in pages for line in errors.lines] == []
    assert guard.outside() == []
