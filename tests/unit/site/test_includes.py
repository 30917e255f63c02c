"""site.includes: the --8<-- includes a page makes, read as pymdownx.snippets reads them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from journey.site.includes import Include, find_includes, page_includes

if TYPE_CHECKING:
    from pathlib import Path


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_inline_and_block_includes_with_sections_and_line_ranges(tmp_path):
    page = write(
        tmp_path,
        "docs/page.md",
        '--8<-- "snippets/vol1/app/Dockerfile"\n'
        "\n"
        '--8<-- "snippets/vol1/app/main.go:handler"\n'
        "--8<--\n"
        "results/vol1/app/sizes.md\n"
        "snippets/vol1/app/go.mod:1:3\n"
        "--8<--\n",
    )
    assert find_includes(tmp_path, page) == [
        Include("docs/page.md", 1, "snippets/vol1/app/Dockerfile", None, None),
        Include("docs/page.md", 3, "snippets/vol1/app/main.go", "handler", None),
        Include("docs/page.md", 5, "results/vol1/app/sizes.md", None, None),
        Include("docs/page.md", 6, "snippets/vol1/app/go.mod", None, ":1:3"),
    ]


def test_escaped_commented_and_remote_includes_are_not_includes(tmp_path):
    page = write(
        tmp_path,
        "docs/page.md",
        ';--8<-- "snippets/shown/as/syntax"\n'
        "--8<--\n"
        ";snippets/commented/out\n"
        "https://example.org/remote.md\n"
        "--8<--\n",
    )
    assert find_includes(tmp_path, page) == []


def test_a_fragment_s_own_includes_count_as_made_from_the_page_s_line(tmp_path):
    fragment = '```dockerfile\n--8<-- "snippets/vol1/app/Dockerfile"\n```\n'
    write(tmp_path, "results/vol1/app/variant.md", fragment)
    page = write(tmp_path, "docs/page.md", 'Intro.\n\n--8<-- "results/vol1/app/variant.md"\n')
    assert page_includes(tmp_path, page) == [
        Include("docs/page.md", 3, "results/vol1/app/variant.md", None, None),
        Include("docs/page.md", 3, "snippets/vol1/app/Dockerfile", None, None, "results/vol1/app/variant.md"),
    ]
