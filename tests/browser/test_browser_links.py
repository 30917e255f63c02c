"""Every internal link and anchor of the whole built site resolves (offline, over the HTML files)."""

from __future__ import annotations

from browser_links import LinkChecker, site_url_of


def test_every_internal_link_and_anchor_resolves(built_site, repo_root):
    checker = LinkChecker(built_site, site_url_of(repo_root / "mkdocs.yml"))
    assert checker.problems() == []


def test_the_checker_sees_the_links_it_checks(built_site, repo_root):
    checker = LinkChecker(built_site, site_url_of(repo_root / "mkdocs.yml"))
    home = checker._parsed(built_site / "index.html")  # noqa: SLF001  (the checker's own parse, inspected)
    assert any(link.tag == "link" and "stylesheets" in link.url for link in home.links)
    assert "__drawer" in home.ids
