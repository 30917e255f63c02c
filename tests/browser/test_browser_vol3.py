"""Volume 3 as a reader sees it: both charts inline with one bar per pushed image, recorded outputs shown.

(Every page's loading, loopback-only requests and copy buttons are covered for all volumes by
test_browser_pages.py and test_browser_vol1.py's copy test, which walk every page.)
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import pytest
from browser_page import open_page, reveal
from browser_site import page_file

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.browser
VOL3 = "vol3/"


@pytest.fixture(scope="module")
def vol3_url(built_site: Path, site_url: str) -> str:
    """The URL of Volume 3; fails (never skips) while it is not part of the site."""
    if not page_file(built_site, VOL3).is_file():
        pytest.fail("Volume 3 is not in the built site (no vol3/index.html)", pytrace=False)
    return site_url + VOL3


NAIVE = ["compression-naive-gzip", "compression-naive-zstd", "compression-naive-zstd-19"]
CHARTS = {  # a chart on the page → the snippets whose pushes it draws
    "cross/ship-sizes.svg": ["cross"],
    "compression/ship-sizes.svg": ["compression"],
    "ship-compression-naive-sizes.svg": NAIVE,  # volume.yml's ship group: one chart for three snippets
}


@pytest.mark.parametrize("chart_name", list(CHARTS))
def test_each_ship_chart_is_inline_with_a_bar_per_pushed_image(repo_root, vol3_url, context, chart_name):
    chart_file = repo_root / "results" / "vol3" / chart_name
    pushes = [
        push
        for snippet in CHARTS[chart_name]
        for push in json.loads(
            (repo_root / "results" / "vol3" / snippet / "result.json").read_text(encoding="utf-8")
        )["ship"]["pushes"]
    ]
    images = sum(len(push["manifests"]) for push in pushes)
    chart = ET.fromstring(chart_file.read_text(encoding="utf-8"))  # noqa: S314 - our own generated file
    label = chart.get("aria-label")
    assert label
    page, errors = open_page(context, vol3_url)
    svgs = page.locator("article svg[role='img']")
    # Two charts can share push names (both compression snippets): the chart's own label tells them apart.
    labels = [svgs.nth(i).get_attribute("aria-label") for i in range(svgs.count())]
    texts = [svgs.nth(i).text_content() or "" for i in range(svgs.count())]
    ours = [
        i for i, text in enumerate(texts) if labels[i] == label and all(p["name"] in text for p in pushes)
    ]
    assert ours, f"the {chart_name} chart is not inline on {vol3_url}"
    svg = svgs.nth(ours[0])
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    assert svg.is_visible()
    assert box is not None
    assert box["width"] > 200
    assert svg.locator("rect").count() == images
    assert errors.lines == []


def test_the_recorded_index_and_the_arm64_answer_are_shown(repo_root, vol3_url, context):
    inspect = (repo_root / "results/vol3/cross/ship-cross-inspect.txt").read_text(encoding="utf-8")
    arm = (repo_root / "results/vol3/cross/ship-cross-run-arm64-version.txt").read_text(encoding="utf-8")
    page, errors = open_page(context, vol3_url)
    block = page.locator("pre", has_text="Platform:    linux/arm64").first
    reveal(block)
    assert block.is_visible()
    assert "linux/riscv64" in block.inner_text()
    assert "linux/arm64" in inspect
    answer = page.locator("pre", has_text=arm.strip()).first
    assert answer.is_visible()
    assert errors.lines == []
