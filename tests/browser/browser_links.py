"""An offline link checker over a built site: internal hrefs/srcs resolve to files, #anchors to ids.

MkDocs' `validation:` checks the links written in Markdown; this checks what the reader's browser gets,
including links from the theme, raw HTML, included fragments and the canonical URLs (site_url). No network:
links to other hosts are not followed (the browser tests make sure the pages never *request* them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

# (tag, attribute) pairs whose value is a URL the reader follows or the browser fetches.
_URL_ATTRS = {
    ("a", "href"),
    ("link", "href"),
    ("area", "href"),
    ("script", "src"),
    ("img", "src"),
    ("iframe", "src"),
    ("source", "src"),
    ("video", "src"),
    ("audio", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("form", "action"),
    ("use", "href"),
    ("use", "xlink:href"),
    ("image", "href"),
}
_SKIPPED_SCHEMES = {"mailto", "tel", "javascript", "data", "blob"}
_SITE_BASE = "http://site.invalid/"


@dataclass(frozen=True)
class Link:
    """One URL found in one page: `page` is the HTML file's site-relative path, `line` its source line."""

    page: str
    line: int
    tag: str
    url: str


@dataclass
class _ParsedPage:
    ids: set[str] = field(default_factory=set)
    links: list[Link] = field(default_factory=list)


class _PageParser(HTMLParser):
    """Collect the ids (and <a name>) a page defines and the URLs it links to."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.result = _ParsedPage()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record ids and URL attributes of every start tag."""
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.result.ids.add(value)
            if (tag, name) in _URL_ATTRS:
                self.result.links.append(Link(self.page, self.getpos()[0], tag, value))
            if name == "srcset":
                for candidate in value.split(","):
                    if candidate.strip():
                        url = candidate.split()[0]
                        self.result.links.append(Link(self.page, self.getpos()[0], tag, url))

    handle_startendtag = handle_starttag


def _parse(path: Path, page: str) -> _ParsedPage:
    parser = _PageParser(page)
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.result


class LinkChecker:
    """Check every internal link and anchor of one built site directory."""

    def __init__(self, site: Path, site_url: str | None = None) -> None:
        self.site = site
        self.site_url = site_url.rstrip("/") + "/" if site_url else None
        # The site's path on its host ('/golang-journey/' on GitHub Pages): the 404 page links its assets
        # from there, because the server shows it for any URL of the site.
        self.site_path = urlsplit(self.site_url).path if self.site_url else "/"
        self._parsed = cache(self._parse_file)

    def _parse_file(self, path: Path) -> _ParsedPage:
        return _parse(path, path.relative_to(self.site).as_posix())

    def problems(self) -> list[str]:
        """Every broken internal link, as 'page:line: <tag> url: why' lines (empty when all resolve)."""
        found = []
        for path in sorted(self.site.rglob("*.html")):
            for link in self._parsed(path).links:
                why = self._why_broken(link)
                if why:
                    found.append(f"{link.page}:{link.line}: <{link.tag}> {link.url!r}: {why}")
        return found

    def _internal_target(self, link: Link) -> str | None:
        """The URL `link` points to inside the site, or None when it leaves it (another host, mailto:)."""
        url = link.url.strip()
        if self.site_url and url.startswith(self.site_url):
            url = "/" + url[len(self.site_url) :]
        elif url.startswith(self.site_path) and self.site_path != "/":
            url = "/" + url[len(self.site_path) :]
        parts = urlsplit(url)
        if parts.scheme in _SKIPPED_SCHEMES or (parts.scheme and parts.scheme not in {"http", "https"}):
            return None
        if parts.scheme or parts.netloc:
            return None
        page_url = _SITE_BASE + PurePosixPath(link.page).as_posix()
        return urljoin(page_url, url)

    def _why_broken(self, link: Link) -> str | None:
        absolute = self._internal_target(link)
        if absolute is None:
            return None
        parts = urlsplit(absolute)
        if not parts.path.startswith("/"):
            return "not a path"
        target = self._resolve(unquote(parts.path))
        if target is None:
            return f"no file for {parts.path}"
        fragment = unquote(parts.fragment)
        if fragment and target.suffix == ".html" and fragment not in self._parsed(target).ids:
            return f"no id {fragment!r} in {target.relative_to(self.site).as_posix()}"
        return None

    def _resolve(self, path: str) -> Path | None:
        """The file a URL path is served from, like a static server: directories serve their index.html."""
        candidate = (self.site / path.lstrip("/")).resolve()
        if not candidate.is_relative_to(self.site.resolve()):
            return None
        if candidate.is_dir():
            candidate /= "index.html"
        return candidate if candidate.is_file() else None
