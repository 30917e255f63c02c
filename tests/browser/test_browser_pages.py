"""Every page of the built site loads in Chromium without a console error and without leaving loopback.

Both builders' sites: MkDocs's is the one published today, Zensical's must be just as self-contained.
"""

from __future__ import annotations

import pytest
from browser_page import visit_pages
from browser_site import html_pages, serve

pytestmark = pytest.mark.browser


def test_site_has_pages(sites, builder):
    pages = html_pages(sites.get(builder))
    assert "" in pages, f"no home page (index.html) in the site {builder} built: {pages}"


def test_every_page_loads_without_console_errors(sites, builder, context):
    site = sites.get(builder)
    with serve(site) as url:
        assert visit_pages(context, url, html_pages(site)) == []


def test_no_page_requests_anything_outside_loopback(sites, builder, context, guard):
    site = sites.get(builder)
    with serve(site) as url:
        visit_pages(context, url, html_pages(site))
    assert guard.requested, "the guard saw no request at all: it is not attached"
    assert all(url_.startswith((url, "data:", "blob:")) for url_ in guard.requested)
    assert guard.outside() == []
    assert guard.blocked == []
