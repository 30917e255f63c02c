"""Fixtures of the browser tests: the site built once per builder, served on loopback, and Chromium."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from browser_page import NetworkGuard, launch
from browser_site import REPO_ROOT, VOL1, origin_of, page_file, serve
from playwright.sync_api import sync_playwright

from sitebuild import BUILDERS, SiteBuildError, build

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from playwright.sync_api import Browser, BrowserContext


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


class Sites:
    """Each builder's site, built on first use and kept for the session (a build takes seconds)."""

    def __init__(self, workdir: pytest.TempPathFactory) -> None:
        self._workdir = workdir
        self._built: dict[str, Path] = {}

    def get(self, builder: str) -> Path:
        """The site `builder` made, strict, from the repository as it is; a failed build fails the test."""
        if builder not in self._built:
            try:
                self._built[builder] = build(builder, self._workdir.mktemp(builder))
            except SiteBuildError as error:
                pytest.fail(str(error), pytrace=False)
        return self._built[builder]


@pytest.fixture(scope="session")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Sites:
    return Sites(tmp_path_factory)


@pytest.fixture(scope="session")
def built_site(sites: Sites) -> Path:
    """The site as `make site` builds it (mkdocs build --strict), in a temporary directory."""
    return sites.get("mkdocs")


@pytest.fixture(params=BUILDERS)
def builder(request: pytest.FixtureRequest) -> str:
    """Each builder in turn, for the checks that must hold whichever one built the site."""
    return str(request.param)


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    with serve(built_site) as url:
        yield url


@pytest.fixture(scope="session")
def vol1_url(built_site: Path, site_url: str) -> str:
    """The URL of Volume 1; fails (never skips) while docs/vol1/index.md is not part of the site."""
    if not page_file(built_site, VOL1).is_file():
        pytest.fail(
            "Volume 1 is not in the built site (no vol1/index.html): docs/vol1/index.md is missing "
            "or not in mkdocs.yml's nav",
            pytrace=False,
        )
    return site_url + VOL1


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def guard() -> NetworkGuard:
    return NetworkGuard()


@pytest.fixture
def context(browser: Browser, guard: NetworkGuard, site_url: str) -> Iterator[BrowserContext]:
    """A fresh browser context (own storage) whose every request passes the loopback guard."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin_of(site_url))
    guard.attach(ctx)
    yield ctx
    ctx.close()
    assert guard.outside() == [], f"requests that would have left loopback (blocked): {guard.outside()}"
