"""Each checker fails when its fault is put in on purpose, in a temporary copy of the built site.

The checks above pass on a good site; these show they would not pass on a bad one: a copy button that yields
other bytes, a page that requests an outside address, a broken internal link and anchor.
"""

from __future__ import annotations

import re
import shutil
from typing import TYPE_CHECKING

import pytest
from browser_links import LinkChecker
from browser_page import NetworkGuard, open_page, visit_pages
from browser_site import VOL1, origin_of, page_file, serve
from browser_snippets import copy_differences

from sitebuild import site_url

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.browser

OUTSIDE_SCRIPT = "https://example.com/x.js"
_FIRST_SNIPPET_CODE = re.compile(
    r'<span class="filename">(?P<title>snippets/[^<]+)</span>.*?<code>', re.DOTALL
)


def _copy_site(built_site: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "site"
    shutil.copytree(built_site, copy)
    return copy


def _insert_after_head(page: Path, html: str) -> None:
    text = page.read_text(encoding="utf-8")
    assert "<head>" in text
    page.write_text(text.replace("<head>", "<head>" + html, 1), encoding="utf-8")


def test_altered_code_block_fails_the_copy_check(built_site, vol1_url, browser, repo_root, tmp_path):
    site = _copy_site(built_site, tmp_path)
    vol1 = page_file(site, VOL1)
    html = vol1.read_text(encoding="utf-8")
    match = _FIRST_SNIPPET_CODE.search(html)
    assert match, f"{vol1_url} has no titled snippet block to alter"
    vol1.write_text(html[: match.end()] + "ALTERED " + html[match.end() :], encoding="utf-8")
    with serve(site) as url:
        context = browser.new_context()
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin_of(url))
        NetworkGuard().attach(context)
        page, _ = open_page(context, url + VOL1)
        differences = copy_differences(page, repo_root)
        context.close()
    title = match.group("title")
    assert len(differences) == 1, differences
    assert differences[0].startswith(f"{title}: line 1 differs: copied b'ALTERED ")


def test_a_page_requesting_an_outside_address_is_caught_and_blocked(built_site, browser, tmp_path):
    site = _copy_site(built_site, tmp_path)
    _insert_after_head(page_file(site, ""), f'<script src="{OUTSIDE_SCRIPT}"></script>')
    guard = NetworkGuard()
    with serve(site) as url:
        context = browser.new_context()
        guard.attach(context)
        problems = visit_pages(context, url, [""])
        context.close()
    assert guard.outside() == [OUTSIDE_SCRIPT]
    assert guard.blocked == [OUTSIDE_SCRIPT], "the request was not aborted by the guard's route"
    # ERR_BLOCKED_BY_CLIENT(.Inspector) is the route's abort: the request never reached the network stack.
    failed = f"/: request failed: {OUTSIDE_SCRIPT}: net::ERR_BLOCKED_BY_CLIENT"
    assert any(line.startswith(failed) for line in problems), problems


def test_broken_internal_links_and_anchors_fail_the_link_check(built_site, tmp_path):
    site = _copy_site(built_site, tmp_path)
    assert LinkChecker(site, site_url()).problems() == []
    broken = '<a href="no-such-page/">x</a><a href="#no-such-anchor">y</a><img src="assets/no-such.png">'
    home = page_file(site, "")
    html = home.read_text(encoding="utf-8")
    home.write_text(html.replace("</article>", broken + "</article>", 1), encoding="utf-8")
    problems = LinkChecker(site, site_url()).problems()
    assert len(problems) == 3, problems
    assert "'no-such-page/': no file for /no-such-page/" in problems[0]
    assert "'#no-such-anchor': no id 'no-such-anchor' in index.html" in problems[1]
    assert "'assets/no-such.png': no file for /assets/no-such.png" in problems[2]
