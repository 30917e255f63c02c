"""Every page of the built site loads in Chromium without a console error and without leaving loopback."""

from __future__ import annotations

import pytest
from browser_page import visit_pages
from browser_site import html_pages

pytestmark = pytest.mark.browser


def test_site_has_pages(built_site):
    pages = html_pages(built_site)
    assert "" in pages, f"no home page (index.html) in the built site: {pages}"


def test_every_page_loads_without_console_errors(built_site, site_url, context):
    assert visit_pages(context, site_url, html_pages(built_site)) == []


def test_no_page_requests_anything_outside_loopback(built_site, site_url, context, guard):
    visit_pages(context, site_url, html_pages(built_site))
    assert guard.requested, "the guard saw no request at all: it is not attached"
    assert all(url.startswith((site_url, "data:", "blob:")) for url in guard.requested)
    assert guard.outside() == []
    assert guard.blocked == []
