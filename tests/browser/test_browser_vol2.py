"""Volume 2 as a reader uses it: its seven sections, the stop chart, copy buttons, recorded outputs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import pytest
from browser_page import open_page
from browser_site import markdown_page_url, page_file
from browser_snippets import copy_differences, fenced_snippet_includes

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.browser

VOL2 = "vol2/"
#: The sections issue 16 asks for, as the page's second-level headings begin.
SECTIONS = ("Stopping", "CPU", "Memory", "Health checks", "A read-only root", "Getting inside", "Logs")


@pytest.fixture(scope="session")
def vol2_url(built_site: Path, site_url: str) -> str:
    """The URL of Volume 2; fails (never skips) while docs/vol2/index.md is not part of the site."""
    if not page_file(built_site, VOL2).is_file():
        pytest.fail("Volume 2 is not in the built site (no vol2/index.html)", pytrace=False)
    return site_url + VOL2


def test_volume2_has_its_seven_sections_and_is_in_the_nav(vol2_url, site_url, context):
    page, errors = open_page(context, vol2_url)
    headings = page.locator("article h2").all_inner_texts()
    missing = [name for name in SECTIONS if not any(h.startswith(name) for h in headings)]
    assert missing == [], f"sections missing from {vol2_url}: {missing} (headings: {headings})"
    home, _ = open_page(context, site_url)
    assert home.locator(f"nav a[href$='{VOL2}']").count() >= 1, "Volume 2 is not in the navigation"
    assert errors.lines == []


def test_stop_chart_is_inline_and_visible(repo_root, built_site, vol2_url, context):
    chart_file = repo_root / "results" / "vol2" / "stop-times.svg"
    assert chart_file.is_file(), "results/vol2/stop-times.svg is missing: `journey render` has not made it"
    view_box = ET.fromstring(chart_file.read_text(encoding="utf-8")).get("viewBox")  # noqa: S314 - our own file
    assert f'viewBox="{view_box}"' in page_file(built_site, VOL2).read_text(encoding="utf-8"), "not inline"
    page, errors = open_page(context, vol2_url)
    svg = page.locator(f"article svg[viewBox='{view_box}']")
    assert svg.count() == 1
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    assert svg.is_visible()
    assert box is not None
    assert box["width"] > 300
    assert svg.locator("rect").count() >= 3, "one bar per stop probe: no handler, graceful, shell form"
    assert errors.lines == []


def test_every_copy_button_on_volume2_yields_its_file(repo_root, vol2_url, context):
    targets = [inc.target for inc in fenced_snippet_includes(repo_root / "docs" / "vol2" / "index.md")]
    assert len(targets) >= 8, f"Volume 2 shows only {targets}"
    assert markdown_page_url(repo_root / "docs" / "vol2" / "index.md", repo_root / "docs") == VOL2
    page, errors = open_page(context, vol2_url)
    assert copy_differences(page, repo_root, targets) == []
    assert errors.lines == []


def test_each_recorded_output_is_shown_as_recorded(repo_root, vol2_url, context):
    page, errors = open_page(context, vol2_url)
    shown = [text.strip() for text in page.locator("article pre code").all_text_contents()]
    for name in (
        "stop-graceful/probe-stop.txt",
        "memory/probe-oom-killed.txt",
        "getting-inside/probe-inside.txt",
    ):
        fragment = (repo_root / "results" / "vol2" / name).read_text(encoding="utf-8").strip()
        assert fragment in shown, f"{name} is not shown as recorded on {vol2_url}"
    assert errors.lines == []
