"""Every internal link and anchor of each builder's site resolves (offline, over the HTML files)."""

from __future__ import annotations

from browser_links import LinkChecker

from sitebuild import site_url


def test_every_internal_link_and_anchor_resolves(sites, builder):
    checker = LinkChecker(sites.get(builder), site_url())
    assert checker.problems() == []


def test_the_checker_sees_the_links_it_checks(built_site):
    checker = LinkChecker(built_site, site_url())
    home = checker._parsed(built_site / "index.html")  # noqa: SLF001  (the checker's own parse, inspected)
    assert any(link.tag == "link" and "stylesheets" in link.url for link in home.links)
    assert any(link.tag == "link" and link.url == site_url() for link in home.links), "no canonical link"
    assert "__drawer" in home.ids
