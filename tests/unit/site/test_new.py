"""`journey new`: what it creates, how it edits shared files, and what it refuses (in temp repo copies)."""

from __future__ import annotations

import difflib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from journey.core.errors import ExitCode, UsageError
from journey.model import manifest
from journey.site import check
from journey.site.new import append_to_block_list, new_snippet, new_volume, next_volume
from trees import REPO

VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def repo(empty_site: Path) -> Path:
    return empty_site


class AnyTag(yaml.SafeLoader):
    """Reads mkdocs.yml's tags (`!ENV [NAME, default]`) as plain values."""


def _untagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> object:
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)


AnyTag.add_multi_constructor("!", _untagged)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root with its bytes, to prove a refusal wrote nothing."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def added_lines(before: str, after: str) -> list[str]:
    """The lines an edit inserted; fails the test if it removed or changed any line."""
    diff = list(difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True)))
    assert not [line for line in diff if line.startswith("- ")], "".join(diff)
    return [line[2:] for line in diff if line.startswith("+ ")]


# --- new volume ---------------------------------------------------------------------------------------------


def test_new_volume_creates_manifest_page_and_one_nav_line(repo: Path) -> None:
    before = (repo / "mkdocs.yml").read_text(encoding="utf-8")
    done = new_volume(repo, "Tiny images: part two")
    after = (repo / "mkdocs.yml").read_text(encoding="utf-8")
    assert added_lines(before, after) == ['  - "Vol. 1: Tiny images: part two": vol1/index.md\n']
    assert 'site_url: !ENV [JOURNEY_SITE_URL, "' in after  # a tagged line, edited as text, stays as written
    fragments = {
        repo / "results/vol1" / name
        for name in ("headline.md", "provenance.md", "size-ladder.md", "size-ladder.svg")
    }
    assert set(done.created) == {repo / "snippets/vol1/volume.yml", repo / "docs/vol1/index.md", *fragments}
    assert done.edited == (repo / "mkdocs.yml",)
    volume = manifest.load_volume(repo / "snippets" / "vol1")  # validated against volume.schema.json
    assert (volume.title, volume.pages, volume.snippets) == (
        "Vol. 1: Tiny images: part two",
        ("vol1/index.md",),
        (),
    )
    assert (repo / "docs/vol1/index.md").read_text(encoding="utf-8").startswith("# Vol. 1: Tiny images")


def test_new_volume_edits_the_real_mkdocs_yml_by_one_line(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for name in ("mkdocs.yml", "docs", "snippets"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name)
        else:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    number = next_volume(root)
    before = (root / "mkdocs.yml").read_text(encoding="utf-8")
    new_volume(root, "Tiny images")
    after = (root / "mkdocs.yml").read_text(encoding="utf-8")
    assert added_lines(before, after) == [f'  - "Vol. {number}: Tiny images": vol{number}/index.md\n']


@pytest.mark.parametrize(
    "title", ['Say "hi"', "Colons: and # hashes", "Ünïcödé — dashes", "[brackets], {braces}"]
)
def test_new_volume_quotes_any_title_safely(repo: Path, title: str) -> None:
    new_volume(repo, title)
    assert manifest.load_volume(repo / "snippets" / "vol1").title == f"Vol. 1: {title}"
    assert (repo / "docs/vol1/index.md").read_text(encoding="utf-8").startswith(f"# Vol. 1: {title}\n")
    config = yaml.load((repo / "mkdocs.yml").read_text(encoding="utf-8"), Loader=AnyTag)  # noqa: S506
    assert config["nav"] == [{"Home": "index.md"}, {f"Vol. 1: {title}": "vol1/index.md"}]


def test_new_volume_takes_the_next_free_number(repo: Path) -> None:
    (repo / "snippets" / "vol1").mkdir()
    (repo / "docs" / "vol7").mkdir()
    assert next_volume(repo) == 8
    with (repo / "mkdocs.yml").open("a", encoding="utf-8") as config:
        config.write("# vol11/index.md, once in the nav, is taken too\n")
    assert next_volume(repo) == 12
    new_volume(repo, "Twelve")
    assert (repo / "snippets/vol12/volume.yml").is_file()
    new_volume(repo, "Thirteen")
    assert (repo / "docs/vol13/index.md").is_file()


def test_new_volume_appends_after_nested_nav_and_keeps_following_keys(repo: Path) -> None:
    text = (
        "site_name: x\nnav:\n- Home: index.md\n- Volume 1:\n  - vol1/index.md\n  - vol1/more.md\n"
        "\n# theme\ntheme: {}\n"
    )
    (repo / "mkdocs.yml").write_text(text, encoding="utf-8")
    new_volume(repo, "Next")
    after = (repo / "mkdocs.yml").read_text(encoding="utf-8")
    assert added_lines(text, after) == ['- "Vol. 2: Next": vol2/index.md\n']
    assert after.index("vol1/more.md") < after.index("Vol. 2: Next") < after.index("# theme")


def test_new_volume_goes_after_the_last_volume_not_after_the_guide(repo: Path) -> None:
    text = (
        "nav:\n  - Home: index.md\n  - Volume 1:\n      - vol1/index.md\n  - Contributing: contributing.md\n"
    )
    (repo / "mkdocs.yml").write_text(text, encoding="utf-8")
    (repo / "snippets" / "vol1").mkdir()
    new_volume(repo, "Two")
    after = (repo / "mkdocs.yml").read_text(encoding="utf-8")
    assert after.splitlines()[4:] == [
        '  - "Vol. 2: Two": vol2/index.md',
        "  - Contributing: contributing.md",
    ]


@pytest.mark.parametrize("title", ["", "   ", "two\nlines", "x" * 81, "tab\there"])
def test_new_volume_refuses_a_bad_title(repo: Path, title: str) -> None:
    before = tree(repo)
    with pytest.raises(UsageError, match="bad title") as caught:
        new_volume(repo, title)
    assert caught.value.exit_code == ExitCode.USAGE
    assert tree(repo) == before


def test_new_volume_refuses_a_config_without_nav(repo: Path) -> None:
    (repo / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    before = tree(repo)
    with pytest.raises(UsageError, match="no top-level `nav:` list"):
        new_volume(repo, "Anything")
    assert tree(repo) == before


# --- new snippet --------------------------------------------------------------------------------------------


def test_new_snippet_creates_a_valid_snippet_listed_and_shown(repo: Path) -> None:
    new_volume(repo, "Tiny images")
    config_before = (repo / "mkdocs.yml").read_bytes()
    page_before = (repo / "docs/vol1/index.md").read_text(encoding="utf-8")
    done = new_snippet(repo, "vol1/hello-world")
    folder = repo / "snippets/vol1/hello-world"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["snippet.yml", "Dockerfile", "main.go", "main_test.go", "go.mod"]
    )
    served = repo / "docs/downloads/vol1/hello-world"
    assert set(done.created) == {*folder.iterdir(), *served.iterdir(), served.with_suffix(".zip")}
    assert (repo / "mkdocs.yml").read_bytes() == config_before
    snippet = manifest.load_volume(repo / "snippets/vol1").snippets[0]  # schema-valid, and listed
    assert (snippet.id, snippet.title) == ("vol1/hello-world", "Hello world")
    assert snippet.build is not None
    assert snippet.build.dockerfile == "Dockerfile"
    page = (repo / "docs/vol1/index.md").read_text(encoding="utf-8")
    assert page.startswith(page_before.rstrip("\n"))
    for name in ("Dockerfile", "main.go", "main_test.go", "go.mod"):
        assert f'    --8<-- "snippets/vol1/hello-world/{name}"\n' in page
    for fragment in ("sizes.md", "provenance.md", "probe-hello.txt"):
        assert f'--8<-- "results/vol1/hello-world/{fragment}"\n' in page


def test_scaffold_leaves_only_the_results_for_verify_to_make(repo: Path) -> None:
    """`journey check` on the scaffold finds nothing but the results verify has not recorded yet."""
    new_volume(repo, "Tiny images")
    new_snippet(repo, "vol1/hello")
    problems = check.find_problems(repo)
    assert problems
    for problem in problems:
        assert "results/vol1/" in f"{problem.path} {problem.message} {problem.hint}", problem


def test_new_snippet_appends_in_reading_order_and_keeps_comments(repo: Path) -> None:
    new_volume(repo, "Tiny images")
    new_snippet(repo, "vol1/first", title="The first one")
    before = (repo / "snippets/vol1/volume.yml").read_text(encoding="utf-8")
    new_snippet(repo, "vol1/second")
    after = (repo / "snippets/vol1/volume.yml").read_text(encoding="utf-8")
    assert added_lines(before, after) == ["  - second\n"]
    assert [s.name for s in manifest.load_volume(repo / "snippets/vol1").snippets] == ["first", "second"]
    page = (repo / "docs/vol1/index.md").read_text(encoding="utf-8")
    assert page.index("## The first one") < page.index("## Second")


MEASURE = (
    "# How\n\n## On what\n\nText.\n\n## Every snippet\n\n"
    '### Vol. 1: First\n\n--8<-- "results/vol1/provenance.md"\n'
)


def test_new_volume_includes_its_provenance_table_on_the_measure_page(repo: Path) -> None:
    measure = repo / "docs" / "how-we-measure.md"
    measure.write_text(MEASURE, encoding="utf-8")
    (repo / "snippets" / "vol1").mkdir()  # the page already lists vol1: the new volume is vol2
    done = new_volume(repo, "Tiny images")
    assert measure in done.edited
    assert added_lines(MEASURE, measure.read_text(encoding="utf-8")) == [
        "\n",
        "### Vol. 2: Tiny images\n",
        "\n",
        '--8<-- "results/vol2/provenance.md"\n',
    ]
    table = (repo / "results" / "vol2" / "provenance.md").read_text(encoding="utf-8")
    assert table == "Vol. 2: Tiny images has no snippets yet.\n"  # the include resolves at once


def test_new_snippet_leaves_the_measure_page_to_its_volume_table(repo: Path) -> None:
    measure = repo / "docs" / "how-we-measure.md"
    measure.write_text(MEASURE, encoding="utf-8")
    new_volume(repo, "Tiny images")
    before = measure.read_text(encoding="utf-8")
    assert measure not in new_snippet(repo, "vol1/hello").edited
    assert measure.read_text(encoding="utf-8") == before


def test_new_volume_leaves_a_measure_page_of_another_layout_alone(repo: Path) -> None:
    measure = repo / "docs" / "how-we-measure.md"
    measure.write_text("# How\n\n## Every snippet\n\n## Afterword\n", encoding="utf-8")
    assert measure not in new_volume(repo, "Tiny images").edited
    assert measure.read_text(encoding="utf-8") == "# How\n\n## Every snippet\n\n## Afterword\n"


@pytest.mark.parametrize(
    ("snippet_id", "cause"),
    [
        ("hello", "bad snippet id"),
        ("vol1/", "bad snippet id"),
        ("vol1/a/b", "bad snippet id"),
        ("vol1/Hello", "bad snippet name"),
        ("vol1/1st", "bad snippet name"),
        ("vol1/under_score", "bad snippet name"),
        ("vol1/double--hyphen", "bad snippet name"),
        ("vol1/trailing-", "bad snippet name"),
        ("vol1/" + "x" * 41, "bad snippet name"),
        ("vol1/..", "bad snippet name"),
        ("vol1/../escape", "bad snippet id"),
        ("vol9/hello", "unknown volume 'vol9'"),
    ],
)
def test_new_snippet_refuses_bad_ids_and_unknown_volumes(repo: Path, snippet_id: str, cause: str) -> None:
    new_volume(repo, "Tiny images")
    before = tree(repo)
    with pytest.raises(UsageError, match=cause) as caught:
        new_snippet(repo, snippet_id)
    assert caught.value.exit_code == ExitCode.USAGE
    assert tree(repo) == before


def test_new_snippet_adds_to_a_one_line_snippets_list(repo: Path) -> None:
    new_volume(repo, "Tiny images")
    new_snippet(repo, "vol1/first")
    path = repo / "snippets/vol1/volume.yml"
    path.write_text('title: "Vol. 1: x"\npages: [vol1/index.md]\nsnippets: [first]\n', encoding="utf-8")
    new_snippet(repo, "vol1/second")
    assert path.read_text(encoding="utf-8").endswith("snippets: [first, second]\n")


def test_new_snippet_refuses_an_existing_folder(repo: Path) -> None:
    new_volume(repo, "Tiny images")
    new_snippet(repo, "vol1/hello")
    (repo / "snippets/vol1/other").mkdir()
    before = tree(repo)
    for snippet_id in ("vol1/hello", "vol1/other"):
        with pytest.raises(UsageError, match="already exists") as caught:
            new_snippet(repo, snippet_id)
        assert caught.value.snippet == snippet_id
        assert caught.value.step == "new snippet"
    assert tree(repo) == before


# --- the generated files pass the linters the manifest runs -------------------------------------------------


def test_generated_dockerfile_passes_hadolint_and_go_code_vets_and_tests(repo: Path) -> None:
    new_volume(repo, "Tiny images")
    new_snippet(repo, "vol1/hello")
    folder = repo / "snippets/vol1/hello"
    dockerfile = (folder / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM --platform=$BUILDPLATFORM golang:1.26-trixie AS builder" in dockerfile
    assert "GOOS=$TARGETOS GOARCH=$TARGETARCH" in dockerfile
    assert "FROM scratch" in dockerfile
    assert "USER 65534:65534" in dockerfile
    assert not (folder / "go.sum").exists()
    for command in (
        [str(VENV_BIN / "hadolint"), "Dockerfile"],
        ["gofmt", "-l", "."],
        ["go", "vet", "./..."],
        ["go", "test", "./..."],
    ):
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
        assert command[0] != "gofmt" or done.stdout == ""


# --- the text edit itself -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nav:\n  - a\n", "nav:\n  - a\n  - b\n"),
        ("nav:\n- a\nnext: 1\n", "nav:\n- a\n- b\nnext: 1\n"),
        (
            "nav:\n  - a\n  - c:\n      - d\n\n# c\nx: 1\n",
            "nav:\n  - a\n  - c:\n      - d\n  - b\n\n# c\nx: 1\n",
        ),
        ("nav:\n  - a", "nav:\n  - a\n  - b\n"),
        ("nav: []  # empty\nx: 1\n", "nav:  # empty\n  - b\nx: 1\n"),
        ("nav: [a, c]  # flow\nx: 1\n", "nav: [a, c, b]  # flow\nx: 1\n"),
        ("nav: [ a ]\n", "nav: [ a, b ]\n"),
        ("nav:\r\n  - a\r\n", "nav:\r\n  - a\r\n  - b\r\n"),
    ],
)
def test_append_to_block_list(text: str, expected: str) -> None:
    assert append_to_block_list(text, "nav", "b", Path("f.yml")) == expected


@pytest.mark.parametrize("text", ["site: 1\n", "nav: [a,\n  b]\n", "  nav:\n    - a\n"])
def test_append_to_block_list_refuses_what_it_cannot_edit_safely(text: str) -> None:
    with pytest.raises(UsageError, match=r"f\.yml: no top-level `nav:` list"):
        append_to_block_list(text, "nav", "b", Path("f.yml"))
