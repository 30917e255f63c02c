"""Serve a built site on loopback, at the root or under a sub-path, as the browser tests need it.

The browser tests look at the site a reader gets, built as `make site` builds it (`sitebuild.build`), and
served over HTTP on 127.0.0.1: pages opened from file:// would behave differently (no search worker, no
clipboard permission). GitHub Pages serves a project site under `/<repository>/`, so the server can mount
the site under such a prefix, answer 404 to anything outside it, and say what was asked for there.
"""

from __future__ import annotations

import io
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sitebuild import REPO_ROOT, site_url

if TYPE_CHECKING:
    from collections.abc import Iterator

VOL1 = "vol1/"  # Volume 1's URL, relative to the site root (docs/vol1/index.md)
#: Where site_url puts the site on its host ('/golang-journey/' for a GitHub Pages project site): the tests
#: serve it there too, since the 404 page links its assets from that path.
SITE_PATH = urlsplit(site_url()).path or "/"
SCREENSHOTS = REPO_ROOT / "build" / "screenshots"  # build/ is gitignored


@dataclass
class Served:
    """A running server: its base URL (ends with '/'), what was asked for outside it, and what missed."""

    url: str
    outside_prefix: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


class _SiteHandler(SimpleHTTPRequestHandler):
    """Serve the site's files under `prefix` only, and log no request (pytest would show them as noise)."""

    def __init__(self, *args: Any, prefix: str, served: Served, **kwargs: Any) -> None:
        self.prefix = prefix
        self.served = served
        super().__init__(*args, **kwargs)

    def send_head(self) -> Any:
        """Serve like GitHub Pages: 404 outside the prefix, the site's own 404.html for a missing file."""
        if not urlsplit(self.path).path.startswith(self.prefix):
            self.served.outside_prefix.append(self.path)
            self.send_error(404, "outside the site's prefix")
            return None
        target = Path(self.translate_path(self.path))
        if target.is_dir() or target.is_file():
            return super().send_head()
        self.served.missing.append(self.path)
        page = Path(str(self.directory)) / "404.html"
        if not page.is_file():
            return super().send_head()  # the stdlib's own 404
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def translate_path(self, path: str) -> str:
        """Map `<prefix>x` to the file `x` of the site."""
        return super().translate_path("/" + path[len(self.prefix) :])

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (the stdlib's parameter name)
        """Drop the access log line."""


@contextmanager
def serve_at(directory: Path, prefix: str) -> Iterator[Served]:
    """Serve `directory` under `prefix` on an ephemeral port of 127.0.0.1; yield where, and what missed it."""
    if not (prefix.startswith("/") and prefix.endswith("/")):
        msg = f"a prefix starts and ends with '/': {prefix!r}"
        raise ValueError(msg)
    host = "127.0.0.1"
    served = Served(url="")
    handler = partial(_SiteHandler, directory=str(directory), prefix=prefix, served=served)
    server = ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    served.url = f"http://{host}:{server.server_address[1]}{prefix}"
    thread = threading.Thread(target=server.serve_forever, name=f"site-server {directory}", daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` under `SITE_PATH` on an ephemeral port of 127.0.0.1; yield its URL (ends in '/')."""
    with serve_at(directory, SITE_PATH) as served:
        yield served.url


def origin_of(url: str) -> str:
    """The origin of a URL (`http://127.0.0.1:8000`), which permissions are granted to: no path."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def html_pages(site: Path) -> list[str]:
    """Every HTML file of the built site, as a URL path relative to the site root ('vol1/', '404.html')."""
    pages = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        pages.append(rel.removesuffix("index.html"))
    return pages


def page_file(site: Path, url_path: str) -> Path:
    """The HTML file a site-relative URL path ('vol1/', 'a/b.html', '') is served from."""
    target = site / url_path
    return target / "index.html" if url_path == "" or url_path.endswith("/") else target


def markdown_page_url(doc: Path, docs_dir: Path) -> str:
    """The site-relative URL of a Markdown page (directory URLs: docs/vol1/pipeline.md -> vol1/pipeline/)."""
    rel = doc.relative_to(docs_dir).with_suffix("")
    if rel.name in {"index", "README"}:
        parent = rel.parent.as_posix()
        return "" if parent == "." else f"{parent}/"
    return f"{rel.as_posix()}/"
