"""Drive Debian's Chromium with Playwright and watch what a page does: requests, console errors, copy buttons.

Browsers cannot be downloaded here, so Playwright runs the distribution's /usr/bin/chromium. Every request of
a context goes through `NetworkGuard`: loopback, data: and blob: URLs pass, anything else is recorded and
aborted before it is sent (and Chromium resolves no host names at all), so a test both notices a leak and
never lets one happen.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Error,
        Locator,
        Page,
        Playwright,
        Request,
        Response,
        Route,
    )

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in a container-like host; the sandbox needs user namespaces
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Belt and braces: no host name resolves, so even a request the route missed could not leave the machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
LOCAL_SCHEMES = {"data", "blob", "about"}
LOCAL_HOSTS = {"localhost"}
COPY_SELECTOR = ".md-code__button[data-md-type='copy']"


def launch(playwright: Playwright) -> Browser:
    """Start headless Chromium; Playwright gives every launch a fresh temporary user-data-dir."""
    if not CHROMIUM.exists():
        msg = f"{CHROMIUM} is missing: run `bash scripts/host-deps.sh test` (Debian package chromium)"
        raise FileNotFoundError(msg)
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def is_local_url(url: str) -> bool:
    """True for URLs that stay on this machine: 127.0.0.0/8, ::1, localhost, data:, blob:, about:."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    host = (parts.hostname or "").lower()
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class NetworkGuard:
    """Record every request of a browser context and abort the ones that would leave loopback."""

    requested: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        """Route every request of `context` through this guard and record what pages request."""
        context.route("**/*", self._route)
        context.on("request", self._record)

    def _route(self, route: Route) -> None:
        url = route.request.url
        if is_local_url(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def _record(self, request: Request) -> None:
        self.requested.append(request.url)

    def outside(self) -> list[str]:
        """Every URL that was requested or blocked and is not local (empty when nothing tried to leave)."""
        return sorted({url for url in [*self.requested, *self.blocked] if not is_local_url(url)})


@dataclass
class PageErrors:
    """Console errors, uncaught exceptions, failed requests and HTTP errors of one page, as readable lines."""

    lines: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        """Listen on `page` for everything a reader's console would show in red."""
        page.on("console", self._console)
        page.on("pageerror", self._exception)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.lines.append(f"console error: {message.text} ({message.location.get('url', '')})")

    def _exception(self, error: Error) -> None:
        self.lines.append(f"uncaught exception: {error.message}")

    def _failed(self, request: Request) -> None:
        self.lines.append(f"request failed: {request.url}: {request.failure}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.lines.append(f"HTTP {response.status}: {response.url}")


def open_page(context: BrowserContext, url: str) -> tuple[Page, PageErrors]:
    """Open `url` in a new tab, recording errors; wait until the network is idle (search index loaded)."""
    page = context.new_page()
    errors = PageErrors()
    errors.attach(page)
    page.goto(url, wait_until="networkidle")
    return page, errors


def visit_pages(context: BrowserContext, base_url: str, paths: list[str]) -> list[str]:
    """Open every page in turn; return what went wrong on each, as '/path: problem' lines."""
    problems = []
    for path in paths:
        page, errors = open_page(context, base_url + path)
        problems += [f"/{path}: {line}" for line in errors.lines]
        page.close()
    return problems


# Make a code block visible the way a reader would: open the <details> around it and click the label of the
# content tab that holds it. Returns how many things it had to open.
_REVEAL_JS = """
(el) => {
  let opened = 0;
  for (let node = el; node; node = node.parentElement) {
    if (node.tagName === "DETAILS" && !node.open) {
      node.querySelector(":scope > summary").click();
      opened++;
    }
    if (node.classList && node.classList.contains("tabbed-block")) {
      const set = node.closest(".tabbed-set");
      const blocks = Array.from(node.parentElement.children);
      const label = set.querySelector(":scope > .tabbed-labels").children[blocks.indexOf(node)];
      const input = document.getElementById(label.htmlFor);
      if (!input.checked) { label.click(); opened++; }
    }
  }
  return opened;
}
"""


def reveal(element: Locator) -> int:
    """Open the <details> and click the content tabs around `element`; return how many it had to open."""
    opened: int = element.evaluate(_REVEAL_JS)
    return opened


@dataclass(frozen=True)
class CopiedBlock:
    """What the copy button of one titled code block put on the clipboard."""

    title: str
    clipboard: str


def titled_code_blocks(page: Page) -> list[str]:
    """The titles (a fence's `title="…"`, shown as `.filename`) of the page's code blocks, in order."""
    titles: list[str] = page.eval_on_selector_all(
        ".highlight > .filename", "els => els.map(e => e.textContent.trim())"
    )
    return titles


def copy_block(page: Page, index: int) -> CopiedBlock:
    """Click the copy button of the `index`-th titled code block and return what reached the clipboard."""
    block = page.locator(".highlight:has(> .filename)").nth(index)
    reveal(block)
    button = block.locator(COPY_SELECTOR)
    if button.count() != 1:
        msg = f"code block {index} has {button.count()} copy buttons ({COPY_SELECTOR}), expected 1"
        raise AssertionError(msg)
    page.evaluate("navigator.clipboard.writeText('\\u2400 clipboard not written \\u2400')")
    button.click()
    title = block.locator(".filename").inner_text().strip()
    return CopiedBlock(title=title, clipboard=page.evaluate("navigator.clipboard.readText()"))


def copy_all_titled_blocks(page: Page) -> list[CopiedBlock]:
    """Copy every titled code block of the page through its copy button, as a reader would."""
    return [copy_block(page, index) for index in range(len(titled_code_blocks(page)))]
