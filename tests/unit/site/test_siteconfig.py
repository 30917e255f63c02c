"""What the tool reads from ``mkdocs.yml``: tags left unbuilt, syntax errors by line, the source link."""

from __future__ import annotations

import re

import pytest

from journey.core.errors import ExitCode, ManifestError
from journey.site.siteconfig import load_mkdocs, source_tree_url


def test_tags_are_read_not_built_so_the_environment_changes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "mkdocs.yml"
    path.write_text(
        "site_url: !ENV [JOURNEY_SITE_URL, 'https://x.invalid/']\n"
        "hooks: [!relative hooks.py]\n"
        "emoji: !!python/name:material.extensions.emoji.twemoji\n"
        "nav: [{Home: index.md}]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("JOURNEY_SITE_URL", "https://elsewhere.invalid/")
    config = load_mkdocs(path)
    assert config == {"site_url": None, "hooks": [None], "emoji": None, "nav": [{"Home": "index.md"}]}


def test_the_same_text_is_parsed_once(tmp_path):
    path = tmp_path / "mkdocs.yml"
    path.write_text("nav: [a.md]\n", encoding="utf-8")
    assert load_mkdocs(path) is load_mkdocs(path)
    path.write_text("nav: [b.md]\n", encoding="utf-8")
    assert load_mkdocs(path) == {"nav": ["b.md"]}  # a changed file is read again, not served from the cache


def test_a_syntax_error_is_a_usage_error_naming_the_file_and_line(tmp_path):
    path = tmp_path / "mkdocs.yml"
    path.write_text("site_name: t\nnav:\n  - a.md\n  - [\n", encoding="utf-8")
    with pytest.raises(ManifestError) as caught:
        load_mkdocs(path)
    assert caught.value.key == "line 5"
    assert "not valid YAML" in caught.value.message
    assert caught.value.exit_code == ExitCode.USAGE
    assert "mkdocs.yml" in str(caught.value)


def test_a_site_without_mkdocs_yml_or_without_repo_url_has_no_source_link(tmp_path):
    assert source_tree_url(tmp_path) is None
    (tmp_path / "mkdocs.yml").write_text("- a list, not settings\n", encoding="utf-8")
    assert source_tree_url(tmp_path) is None
    (tmp_path / "mkdocs.yml").write_text(
        "repo_url: [not, text]\nedit_uri: edit/main/docs/\n", encoding="utf-8"
    )
    assert source_tree_url(tmp_path) is None


@pytest.mark.parametrize(
    ("settings", "tree"),
    [
        (
            "repo_url: https://github.com/o/r\nedit_uri: edit/main/docs/\n",
            "https://github.com/o/r/tree/main/",
        ),
        (
            "repo_url: https://github.com/o/r/\nedit_uri: blob/gh-pages-src/docs/\n",
            "https://github.com/o/r/tree/gh-pages-src/",
        ),
        ("site_name: no repository\n", None),
    ],
)
def test_source_tree_url_comes_from_repo_url_and_edit_uri(tmp_path, settings, tree):
    (tmp_path / "mkdocs.yml").write_text(
        f'site_url: !ENV [JOURNEY_SITE_URL, "https://x.invalid/"]\n{settings}', encoding="utf-8"
    )
    assert source_tree_url(tmp_path) == tree


def test_an_edit_uri_without_a_branch_is_a_usage_error(tmp_path):
    settings = "repo_url: https://github.com/o/r\nedit_uri: docs/\n"
    (tmp_path / "mkdocs.yml").write_text(settings, encoding="utf-8")
    with pytest.raises(
        ManifestError, match=r"edit_uri .docs/. names no branch: snippet source links need the form"
    ):
        source_tree_url(tmp_path)


def test_the_real_site_links_snippets_where_its_pages_link(repo_root):
    config = (repo_root / "mkdocs.yml").read_text(encoding="utf-8")
    repo_url = re.search(r"^repo_url: (\S+)$", config, re.MULTILINE)
    assert repo_url, "mkdocs.yml names no repo_url"
    assert source_tree_url(repo_root) == f"{repo_url[1]}/tree/main/"


def test_an_edit_uri_that_is_not_text_is_named_as_it_was_written(tmp_path):
    (tmp_path / "mkdocs.yml").write_text("repo_url: https://github.com/o/r\n", encoding="utf-8")
    with pytest.raises(ManifestError, match=r"edit_uri None names no branch") as caught:
        source_tree_url(tmp_path)
    assert caught.value.key == "edit_uri"
