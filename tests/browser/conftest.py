"""Fixtures of the browser tests: the site built once per session, served on loopback, and Chromium."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from browser_page import NetworkGuard, launch
from browser_site import REPO_ROOT, VOL1, SiteBuildError, build_site, page_file, serve
from playwright.sync_api import sync_playwright

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from playwright.sync_api import Browser, BrowserContext


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site as `make site` builds it (mkdocs build --strict), in a temporary directory."""
    try:
        return build_site(tmp_path_factory.mktemp("site") / "site")
    except SiteBuildError as error:
        pytest.fail(str(error), pytrace=False)


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
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/"))
    guard.attach(ctx)
    yield ctx
    ctx.close()
    assert guard.outside() == [], f"requests that would have left loopback (blocked): {guard.outside()}"
