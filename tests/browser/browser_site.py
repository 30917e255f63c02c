"""Build the site with MkDocs and serve a built copy on loopback, as the browser tests need it.

The browser tests look at the site a reader gets, so they build it exactly as `make site` does
(`mkdocs build --strict` from the repository root) and serve the files over HTTP on 127.0.0.1:
pages opened from file:// would behave differently (no search worker, no clipboard permission).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO_ROOT = Path(__file__).resolve().parents[2]
MKDOCS = Path(sys.executable).with_name("mkdocs")
VOL1 = "vol1/"  # Volume 1's URL, relative to the site root (docs/vol1/index.md)
SCREENSHOTS = REPO_ROOT / "build" / "screenshots"  # build/ is gitignored


class SiteBuildError(RuntimeError):
    """`mkdocs build --strict` failed: the message carries its output, so the cause is in the test report."""


def build_site(dest: Path, repo: Path = REPO_ROOT) -> Path:
    """Build the site of `repo` into `dest` with --strict (warnings are errors, as in `make site`)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [str(MKDOCS), "build", "--strict", "--site-dir", str(dest)],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        output = proc.stderr + proc.stdout
        raise SiteBuildError(f"mkdocs build --strict failed (exit {proc.returncode}):\n{output}")
    return dest


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serve files without logging every request to stderr (pytest would show it as noise)."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (the stdlib's parameter name)
        """Drop the access log line."""


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` on an ephemeral port of 127.0.0.1 and yield its base URL (ends with '/')."""
    handler = partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=f"site-server {directory}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


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
