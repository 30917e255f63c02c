"""The pure helpers of the browser tests: loopback URLs, snippet includes, clipboard rule, page URLs."""

from __future__ import annotations

import subprocess

import pytest
from browser_page import CHROMIUM, is_local_url
from browser_site import markdown_page_url
from browser_snippets import copy_difference, expected_clipboard, fenced_snippet_includes


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8000/vol1/", True),
        ("http://127.3.2.1/", True),
        ("http://localhost:8000/", True),
        ("http://[::1]:8000/", True),
        ("data:image/svg+xml;base64,AAAA", True),
        ("blob:http://127.0.0.1:8000/1234", True),
        ("https://example.com/x.js", False),
        ("https://fonts.googleapis.com/css?family=Roboto", False),
        ("http://127.0.0.1.nip.io/", False),
        ("http://10.0.0.1/", False),
        ("https://api.github.com/repos/x/y", False),
    ],
)
def test_is_local_url(url, local):
    assert is_local_url(url) is local


def test_fenced_snippet_includes_reads_titles_inside_tabs(tmp_path):
    doc = tmp_path / "page.md"
    doc.write_text(
        "# Page\n\n"
        '```dockerfile title="snippets/vol1/a/Dockerfile"\n--8<-- "snippets/vol1/a/Dockerfile"\n```\n\n'
        '=== "Go"\n\n    ```go\n    --8<-- "snippets/vol1/a/main.go"\n    ```\n\n'
        '```text title="GET /"\n--8<-- "results/vol1/a/probe-hello.txt"\n```\n\n'
        '````markdown\n```\n--8<-- "snippets/vol1/not/this"\n```\n````\n',
        encoding="utf-8",
    )
    found = [(inc.line, inc.target, inc.title) for inc in fenced_snippet_includes(doc)]
    assert found == [
        (3, "snippets/vol1/a/Dockerfile", "snippets/vol1/a/Dockerfile"),
        (9, "snippets/vol1/a/main.go", None),
    ]


def test_the_clipboard_rule_allows_only_the_final_newline_to_go():
    assert expected_clipboard(b"FROM scratch\n") == b"FROM scratch"
    assert expected_clipboard(b"FROM scratch") == b"FROM scratch"
    assert copy_difference("f", "a\n\tb", b"a\n\tb\n") is None
    assert (
        copy_difference("f", "a\n    b", b"a\n\tb\n")
        == "f: line 2 differs: copied b'    b', file has b'\\tb'"
    )
    assert (
        copy_difference("f", "a", b"a\n\n")
        == "f: copied 1 lines (1 bytes), the file has 2 lines (2 bytes without its final newline)"
    )


@pytest.mark.parametrize(
    ("doc", "url"),
    [
        ("index.md", ""),
        ("vol1/index.md", "vol1/"),
        ("vol1/pipeline.md", "vol1/pipeline/"),
        ("how-we-measure.md", "how-we-measure/"),
    ],
)
def test_markdown_page_url(tmp_path, doc, url):
    assert markdown_page_url(tmp_path / "docs" / doc, tmp_path / "docs") == url


@pytest.mark.browser
def test_the_browser_is_debians_chromium(browser):
    version = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, check=True).stdout
    assert browser.version in version, f"Playwright drives {browser.version}, {CHROMIUM} is {version}"
