"""``journey check`` on small repositories built in temp folders: green, then one gap at a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from green import ENGINE_ENV, PAGE, edit, record
from journey.cli import main
from journey.core.errors import ExitCode, StaleError
from journey.model.manifest import discover
from journey.model.record import result_path
from journey.site.check import check, find_problems
from journey.site.render import render_bases, write_snippet_fragments, write_volume_fragments
from trees import REPO, write_tree

if TYPE_CHECKING:
    from pathlib import Path

#: The repository's real bases record, as `journey bases` wrote it.
REAL_BASES = REPO / "results/bases/bases.json"


@pytest.fixture
def repo(green_repo):
    return green_repo


def problems(root: Path) -> list[str]:
    return [str(p) for p in find_problems(root)]


def test_green_repository_has_no_gap(repo):
    assert problems(repo) == []
    check(repo)


def test_orphan_snippet_file(repo):
    (repo / "snippets/vol1/hello/notes.txt").write_text("notes\n")
    record(repo)
    assert problems(repo) == [
        (
            "snippets/vol1/hello/notes.txt:1: shown on no page and not marked supporting"
            ' (hint: include it on a page with a line `--8<-- "snippets/vol1/hello/notes.txt"`,'
            " or add it to `supporting:` in snippets/vol1/hello/snippet.yml)"
        )
    ]


def test_dockerfile_and_script_without_a_lint_check(repo):
    manifest = repo / "snippets/vol1/hello/snippet.yml"
    edit(manifest, "checks: [{tool: hadolint, files: [Dockerfile]}]\n", "")
    (repo / "snippets/vol1/hello/scripts").mkdir()
    (repo / "snippets/vol1/hello/scripts/deploy.sh").write_text("#!/bin/sh\necho hi\n")
    edit(manifest, "supporting: [go.mod]", "supporting: [go.mod, scripts/deploy.sh]")
    record(repo)
    hint = (
        "to `checks:` in snippets/vol1/hello/snippet.yml"
        " (with `expect: [codes]` if its findings are deliberate)"
    )
    assert problems(repo) == [
        (
            "snippets/vol1/hello/Dockerfile:1: no hadolint check lints it (hint: add "
            f"`- {{tool: hadolint, files: [Dockerfile]}}` {hint})"
        ),
        (
            "snippets/vol1/hello/scripts/deploy.sh:1: no shellcheck check lints it (hint: add "
            f"`- {{tool: shellcheck, files: [scripts/deploy.sh]}}` {hint})"
        ),
    ]


def test_a_lint_check_of_the_other_tool_or_with_expected_findings(repo):
    manifest = repo / "snippets/vol1/hello/snippet.yml"
    edit(manifest, "{tool: hadolint, files: [Dockerfile]}", "{tool: shellcheck, files: [Dockerfile]}")
    record(repo)
    assert [p.split(" (hint")[0] for p in problems(repo)] == [
        "snippets/vol1/hello/Dockerfile:1: no hadolint check lints it"
    ]
    expected = "{tool: hadolint, files: [Dockerfile], expect: [DL3006]}"
    edit(manifest, "{tool: shellcheck, files: [Dockerfile]}", expected)
    record(repo)
    assert problems(repo) == []


def test_include_of_a_missing_file(repo):
    edit(repo / "docs/vol1.md", "# Volume 1\n", '# Volume 1\n\n--8<-- "snippets/vol1/hello/nope.go"\n')
    assert problems(repo) == [
        (
            "docs/vol1.md:3: includes 'snippets/vol1/hello/nope.go', which does not exist"
            " (hint: fix the path (it is relative to the repository root))"
        )
    ]


def test_include_of_a_missing_section(repo):
    edit(repo / "docs/vol1.md", "main.go:handler", "main.go:server")
    (gap,) = problems(repo)
    assert gap.startswith(
        "docs/vol1.md:10: includes section 'server' of 'snippets/vol1/hello/main.go',"
        " which has no such section"
    )
    assert "`--8<-- [start:server]`" in gap


def test_include_of_a_missing_result_fragment_says_to_verify(repo):
    edit(repo / "docs/vol1.md", "results/vol1/hello/sizes.md", "results/vol1/other/sizes.md")
    (gap,) = problems(repo)
    assert gap.startswith("docs/vol1.md:14: includes 'results/vol1/other/sizes.md', which does not exist")
    assert "run `journey verify`" in gap


def test_unpaired_section_markers(repo):
    edit(repo / "snippets/vol1/hello/main.go", "// --8<-- [end:handler]\n", "")
    edit(repo / "snippets/vol1/hello/go.mod", "go 1.26\n", "go 1.26\n// --8<-- [end:orphan]\n")
    record(repo)
    gaps = problems(repo)
    unended = (
        "snippets/vol1/hello/main.go:5: `[start:handler]` is never ended (pymdownx would include the rest"
        " of the file) (hint: add `--8<-- [end:handler]` where the section stops)"
    )
    assert unended in gaps
    orphan = "snippets/vol1/hello/go.mod:4: `[end:orphan]` has no `[start:orphan]`"
    assert any(g.startswith(orphan) for g in gaps)
    assert any(g.startswith("docs/vol1.md:10: includes section 'handler'") for g in gaps)


def test_snippet_without_results(repo):
    result_path(repo, "vol1/hello").unlink()
    gaps = problems(repo)
    assert gaps[-1] == (
        "snippets/vol1/hello/snippet.yml:1: vol1/hello: no recorded result"
        " (hint: run `journey verify vol1/hello` and commit results/vol1/hello/)"
    )


def test_page_missing_from_nav_and_nav_entry_without_page(repo):
    (repo / "docs/extra.md").write_text("# Extra\n")
    edit(repo / "mkdocs.yml", "  - Volume 1: vol1.md\n", "  - Volume 1: vol1.md\n  - Gone: gone.md\n")
    assert problems(repo) == [
        (
            "docs/extra.md:1: page is not in the nav of mkdocs.yml"
            " (hint: add `- extra.md` under `nav:` in mkdocs.yml)"
        ),
        (
            "mkdocs.yml:6: nav lists 'gone.md', which does not exist"
            " (hint: create docs/gone.md or remove the entry)"
        ),
    ]


def test_one_changed_byte_makes_the_result_stale(repo):
    edit(repo / "snippets/vol1/hello/Dockerfile", "scratch", "scratcH")
    served = (
        "download differs from the repository's file (hint: run `journey render` and commit docs/downloads/)"
    )
    assert problems(repo) == [
        f"docs/downloads/vol1/hello.zip:1: {served}",
        f"docs/downloads/vol1/hello/Dockerfile:1: {served}",
        (
            "results/vol1/hello/result.json:25: vol1/hello: stale result: its files (or RESULTS_VERSION)"
            " changed since it was verified (hint: run `journey verify vol1/hello`)"
        ),
    ]
    with pytest.raises(StaleError) as caught:
        check(repo)
    assert caught.value.exit_code == ExitCode.STALE


def test_hand_edited_or_leftover_fragment(repo):
    edit(repo / "results/vol1/hello/sizes.md", "7.12 MB", "7.00 MB")
    (repo / "results/vol1/hello/probe-old.txt").write_text("x\n")
    assert problems(repo) == [
        (
            "results/vol1/hello/probe-old.txt:1: fragment no longer produced by any probe or check"
            " (hint: run `journey render` and commit the results/ changes)"
        ),
        (
            "results/vol1/hello/sizes.md:1: fragment differs from its result"
            " (hint: run `journey render` and commit the results/ changes)"
        ),
    ]


def test_result_of_a_removed_snippet(repo):
    ghost = result_path(repo, "vol1/ghost")
    ghost.parent.mkdir(parents=True)
    ghost.write_text("{}\n")
    assert problems(repo) == [
        (
            "results/vol1/ghost/result.json:1: result for unknown snippet vol1/ghost"
            " (hint: delete results/vol1/ghost/ (or restore snippets/vol1/ghost/))"
        )
    ]


def test_bases_table_must_say_what_bases_json_recorded(repo):
    # The real record's first row (the debian stand-in), as `journey bases` wrote it.
    real = REAL_BASES
    rows = json.loads(real.read_text())[:1]
    folder = repo / "results/bases"
    folder.mkdir(parents=True)
    (folder / "bases.json").write_text(json.dumps(rows) + "\n")
    (folder / "bases.md").write_text(render_bases(rows))
    assert problems(repo) == []
    edit(folder / "bases.md", "| stand-in |", "| real |")
    assert problems(repo) == [
        (
            "results/bases/bases.md:1: differs from bases.json (or is missing)"
            " (hint: bases.md is rendered from bases.json: run `journey bases` and commit both)"
        ),
    ]


def test_block_form_include_is_checked(repo):
    sizes = "results/vol1/hello/sizes.md\n"
    edit(repo / "docs/vol1.md", sizes, sizes + "snippets/vol1/x.go\n")
    (gap,) = problems(repo)
    assert gap.startswith("docs/vol1.md:15: includes 'snippets/vol1/x.go', which does not exist")


def test_shared_build_context_files_can_be_supporting(repo):
    service = repo / "snippets/vol1/service"
    service.mkdir()
    (service / "go.sum").write_text("example.org/x v1.0.0 h1:abc=\n")
    edit(
        repo / "snippets/vol1/hello/snippet.yml",
        "build: {stages: [builder]}",
        "build: {stages: [builder], context: ../service, dockerfile: Dockerfile}",
    )
    record(repo)
    assert problems(repo) == [
        (
            "snippets/vol1/service/go.sum:1: shown on no page and not marked supporting"
            ' (hint: include it on a page with a line `--8<-- "snippets/vol1/service/go.sum"`,'
            " or add it to `supporting:` in snippets/vol1/hello/snippet.yml (as ../service/go.sum))"
        )
    ]
    manifest = repo / "snippets/vol1/hello/snippet.yml"
    edit(manifest, "supporting: [go.mod]", "supporting: [go.mod, ../service/go.sum]")
    record(repo)
    assert problems(repo) == []


@pytest.mark.parametrize(
    ("include", "broken"),
    [
        ('--8<-- "snippets/vol1/hello/main.go"', False),
        ('--8<-- "snippets/vol1/hello/main.go:handler"', False),
        ('--8<-- "snippets/vol1/hello/main.go:1:3"', False),
        ('--8<-- "snippets/vol1/hello/main.go:server"', True),
        ('--8<-- "snippets/vol1/hello/nope.go"', True),
        ("--8<--\nsnippets/vol1/hello/go.mod\n--8<--", False),
        ("--8<--\nsnippets/vol1/hello/nope.mod\n--8<--", True),
        (';--8<-- "snippets/vol1/hello/nope.go"', False),
        ('Text with --8<-- "snippets/vol1/hello/nope.go" inside.', False),
    ],
)
def test_check_agrees_with_pymdownx_snippets(repo, include, broken):
    import markdown  # noqa: PLC0415
    from pymdownx.snippets import SnippetMissingError  # noqa: PLC0415

    page = repo / "docs/vol1.md"
    page.write_text(f"{PAGE}\n{include}\n")
    config = {"pymdownx.snippets": {"base_path": [str(repo)], "check_paths": True}}
    converter = markdown.Markdown(extensions=["pymdownx.snippets"], extension_configs=config)
    try:
        converter.convert(page.read_text())
        pymdownx_broken = False
    except SnippetMissingError:
        pymdownx_broken = True
    assert pymdownx_broken is broken
    assert bool(problems(repo)) is broken


def test_broken_mkdocs_yml_is_a_usage_error(repo, capsys):
    (repo / "mkdocs.yml").write_text("nav: [\n")
    assert main(["check", "--root", str(repo)]) == ExitCode.USAGE
    assert "mkdocs.yml: line 2: not valid YAML" in capsys.readouterr().err


# --- what Zensical does not validate, journey check does ---------------------------------------------------

#: mkdocs.yml's own `validation:` block, so the fixture's MkDocs build judges links as the site's does.
VALIDATION = (
    "validation:\n" + (REPO / "mkdocs.yml").read_text(encoding="utf-8").partition("\nvalidation:\n")[2]
)


def mkdocs_strict_fails(root: Path) -> bool:
    """Build the fixture site with `mkdocs build --strict` and the real site's validation settings.

    Never with `--quiet`: MkDocs 1.6 then drops warnings before its strict mode counts them.
    """
    config = root / "mkdocs.yml"
    if VALIDATION not in config.read_text():
        edit(config, "site_name: fixture\n", f"site_name: fixture\n{VALIDATION}")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(root / "site")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode != 0


@pytest.mark.parametrize(
    ("link", "gap"),
    [
        ("[home](index.md)", None),
        ("[home](index.md#home)", None),
        ("[out](https://go.dev/doc/)", None),
        ("[top](#volume-1)", None),
        ("`[in code](/nowhere/)`", None),
        ("```text\n[in a block](/nowhere/)\n```", None),
        ("[absolute](/vol1/)", "3: links to '/vol1/', an absolute path"),
        ("[a folder](./)", "3: links to './', which is no file of docs/"),
        ("[missing](gone.md)", "3: links to 'gone.md', which is no file of docs/"),
        ("[outside](../README.md)", "3: links to '../README.md', which is no file of docs/"),
        ("[out and back](../docs/index.md)", "3: links to '../docs/index.md', which is no file of docs/"),
        ("[ref]\n\n[ref]: elsewhere/", "5: links to 'elsewhere/', which is no file of docs/"),
    ],
)
def test_links_mkdocs_rejects_are_gaps_for_zensical_builds_too(repo, link, gap):
    """Zensical ignores `validation.absolute_links` and `unrecognized_links`: journey check must not."""
    edit(repo / "docs/vol1.md", "# Volume 1\n", f"# Volume 1\n\n{link}\n")
    found = problems(repo)
    if gap is None:
        assert found == []
    else:
        assert len(found) == 1
        assert found[0].startswith(f"docs/vol1.md:{gap}"), found
    assert mkdocs_strict_fails(repo) is (gap is not None), "journey check and MkDocs disagree"


def test_an_absolute_link_in_raw_html_is_a_gap_though_mkdocs_lets_it_pass(repo):
    """MkDocs validates Markdown links only; `<a href="/…">` breaks under a sub-path all the same."""
    edit(repo / "docs/vol1.md", "# Volume 1\n", '# Volume 1\n\n<a href="/index.html">home</a>\n')
    found = problems(repo)
    assert len(found) == 1
    assert found[0].startswith("docs/vol1.md:3: links to '/index.html', an absolute path"), found
    assert not mkdocs_strict_fails(repo)


def test_a_page_left_out_of_the_nav_is_a_gap_as_mkdocs_says(repo):
    """Zensical ignores `validation.omitted_files` too: a page outside the nav is a journey check gap."""
    assert not mkdocs_strict_fails(repo)
    (repo / "docs/orphan.md").write_text("# Orphan\n")
    assert problems(repo) == [
        (
            "docs/orphan.md:1: page is not in the nav of mkdocs.yml"
            " (hint: add `- orphan.md` under `nav:` in mkdocs.yml)"
        )
    ]
    assert mkdocs_strict_fails(repo)


def test_a_composed_fragment_shown_as_a_commands_output_is_a_gap(repo):
    """The planted mistake of issue 12: a table made from measurements, titled as `docker images` output."""
    planted = '```text title="docker images (recorded)"\n--8<-- "results/vol1/hello/sizes.md"\n```\n'
    (repo / "docs/vol1.md").write_text((repo / "docs/vol1.md").read_text() + "\n" + planted)
    (gap,) = problems(repo)
    assert gap.startswith(
        "docs/vol1.md:20: shows 'results/vol1/hello/sizes.md' in a code block titled "
        "'docker images (recorded)' as a command's output, but it is not a captured output"
    )


HADOLINT_OUT = "results/vol1/hello/check-hadolint-dockerfile.txt"


@pytest.mark.parametrize(
    ("block", "caught"),
    [
        (f'```text title="hadolint Dockerfile (recorded)"\n--8<-- "{HADOLINT_OUT}"\n```', False),
        (f'    ```text title="hadolint Dockerfile"\n    --8<-- "{HADOLINT_OUT}"\n    ```', False),
        (
            '```dockerfile title="Dockerfile"\n--8<-- "snippets/vol1/hello/Dockerfile"\n```',
            False,
        ),
        ('```text title="$ cat Dockerfile"\n--8<-- "snippets/vol1/hello/Dockerfile"\n```', True),
        ('```text title="go run . (recorded)"\n--8<-- "snippets/vol1/hello/main.go"\n```', True),
        ('    ```text\n    --8<-- "results/vol1/hello/provenance.md"\n    ```', True),
        ("~~~~text title='sizes (recorded)'\n--8<--\nresults/vol1/hello/sizes.md\n--8<--\n~~~~", True),
    ],
)
def test_only_captured_outputs_may_be_shown_as_output(repo, block, caught):
    (repo / "docs/vol1.md").write_text((repo / "docs/vol1.md").read_text() + "\n" + block + "\n")
    found = [p for p in problems(repo) if "as a command's output" in p]
    assert bool(found) is caught, found


PIPELINE_FILES = {
    "snippets/vol1/volume.yml": "title: Volume 1\npages: [vol1.md]\nsnippets: [hello, pipeline]\n",
    "snippets/vol1/pipeline/snippet.yml": "title: Pipeline\nchecks: [{tool: yamllint, files: [ci.yml]}]\n",
    "snippets/vol1/pipeline/ci.yml": "---\non: push\n",
}


@pytest.fixture
def checked_repo(repo):
    """The green repository plus a files-only snippet that only linters check."""
    write_tree(repo, PIPELINE_FILES)
    edit(
        repo / "docs/vol1.md",
        "# Volume 1\n",
        '# Volume 1\n\n```yaml\n--8<-- "snippets/vol1/pipeline/ci.yml"\n```\n',
    )
    record(repo)
    return repo


def plant(root: Path, snippet_id: str, **changes: object) -> None:
    """Rewrite a recorded result with some fields changed, and re-render, as a hand edit would."""
    path = result_path(root, snippet_id)
    result = json.loads(path.read_text())
    for key, value in changes.items():
        target = result["environment"] if key in ENGINE_ENV or key == "tools" else result
        target[key] = value
    path.write_text(json.dumps(result))
    for volume in discover(root):
        results = {s.id: json.loads(result_path(root, s.id).read_text()) for s in volume.snippets}
        for snippet in volume.snippets:
            if snippet.id == snippet_id:
                write_snippet_fragments(root, snippet, result)
        write_volume_fragments(root, volume, results)


def test_a_checked_only_snippet_is_recorded_and_shown_without_an_engine(checked_repo):
    assert problems(checked_repo) == []
    provenance = (checked_repo / "results/vol1/pipeline/provenance.md").read_text()
    assert "| what was done | checked: only the tools below ran, over its files" in provenance
    assert "| tools | yamllint 1.38.0 |" in provenance
    assert "Docker" not in provenance
    assert "engine" not in provenance


def test_a_checked_only_snippet_that_names_an_engine_is_a_gap(checked_repo):
    """The planted mistake of issue 12: a linted file shown as if a Docker engine had run it."""
    plant(checked_repo, "vol1/pipeline", engine="26.1.5", buildx="0.13.1")
    (gap,) = problems(checked_repo)
    assert "results/vol1/pipeline/result.json" in gap
    assert "vol1/pipeline: only checked, but its provenance names engine, buildx" in gap


def test_a_result_that_says_more_was_done_than_the_manifest_does_is_a_gap(checked_repo):
    plant(checked_repo, "vol1/pipeline", done="built-and-run")
    (gap,) = problems(checked_repo)
    assert "vol1/pipeline: result says it was built-and-run, its manifest says checked" in gap


# --- fragments that include files, downloads, data: URLs ---------------------------------------------


def add_variant(repo: Path) -> None:
    """Add `bare`, a variant of hello shown only through its rendered variant.md, and re-record."""
    (repo / "snippets/vol1/bare").mkdir()
    (repo / "snippets/vol1/bare/Dockerfile").write_text(
        "FROM golang:1.26-trixie AS builder\nFROM scratch\nUSER 1\n"
    )
    (repo / "snippets/vol1/bare/snippet.yml").write_text(
        "title: Bare\nvariant_of: hello\nbuild: {context: ../hello}\n"
        "checks: [{tool: hadolint, files: [Dockerfile]}]\n"
    )
    edit(repo / "snippets/vol1/volume.yml", "snippets: [hello]", "snippets: [hello, bare]")
    with (repo / "docs/vol1.md").open("a") as page:
        page.write('\n--8<-- "results/vol1/bare/variant.md"\n')
    record(repo)


def test_a_file_a_fragment_includes_counts_as_shown(repo):
    add_variant(repo)
    assert problems(repo) == []
    edit(repo / "docs/vol1.md", '--8<-- "results/vol1/bare/variant.md"', "")
    assert problems(repo) == [
        (
            "snippets/vol1/bare/Dockerfile:1: shown on no page and not marked supporting (hint: include it on"
            ' a page with a line `--8<-- "snippets/vol1/bare/Dockerfile"`, or add it to `supporting:` in'
            " snippets/vol1/bare/snippet.yml)"
        )
    ]


def test_a_fragments_missing_include_is_reported_at_the_pages_line(repo):
    add_variant(repo)
    page = (repo / "docs/vol1.md").read_text().splitlines()
    line = page.index('--8<-- "results/vol1/bare/variant.md"') + 1
    edit(
        repo / "results/vol1/bare/variant.md",
        '--8<-- "snippets/vol1/bare/Dockerfile"',
        '--8<-- "snippets/vol1/bare/Gone"',
    )
    found = problems(repo)
    assert (
        f"docs/vol1.md:{line}: results/vol1/bare/variant.md includes 'snippets/vol1/bare/Gone', which does"
        " not exist (hint: fix the path (it is relative to the repository root))"
    ) in found
    assert any("results/vol1/bare/variant.md:1: fragment differs" in p for p in found)


def test_a_fragments_links_are_checked_from_the_page_that_includes_it(repo):
    with (repo / "docs/vol1.md").open("a") as page:
        page.write('\n--8<-- "results/vol1/hello/provenance.md"\n')
    assert problems(repo) == []
    line = len((repo / "docs/vol1.md").read_text().splitlines())
    (repo / "docs/downloads/vol1/hello/Dockerfile").unlink()
    assert problems(repo) == [
        (
            "docs/downloads/vol1/hello/Dockerfile:1: download missing (hint: run `journey render` and commit"
            " docs/downloads/)"
        ),
        (
            f"docs/vol1.md:{line}: results/vol1/hello/provenance.md links to"
            " 'downloads/vol1/hello/Dockerfile', which is no file of docs/ (hint: link the Markdown file"
            " itself, relative to this page (`vol1/index.md`, not `vol1/`))"
        ),
    ]


def test_a_download_no_snippet_has_is_a_gap(repo):
    (repo / "docs/downloads/vol1/stray.txt").write_text("x\n")
    assert problems(repo) == [
        (
            "docs/downloads/vol1/stray.txt:1: download of no snippet file (hint: run `journey render` and"
            " commit docs/downloads/)"
        )
    ]


def test_a_file_carried_in_a_data_url_is_a_gap(repo):
    with (repo / "docs/vol1.md").open("a") as page:
        page.write('\n<a href="data:application/octet-stream;base64,aGkK" download="hi">hi</a>\n')
    (problem,) = problems(repo)
    assert "carries a file in a `data:` URL" in problem


def test_a_number_typed_into_prose_is_a_gap_until_a_fragment_or_a_review_accounts_for_it(repo, capsys):
    """The page's sizes.md accounts for 7.12 MB; a rounded 7 MB is a typed figure (site.prose_numbers)."""
    page = repo / "docs/vol1.md"
    edit(page, "stays literal text.\n", "stays literal text. The image weighs 7.12 MB, about 7 MB.\n")
    assert main(["check", "--root", str(repo)]) == ExitCode.STALE
    out, err = capsys.readouterr()
    assert out.startswith(
        "docs/vol1.md:3: states '7 MB', and no included fragment, quotation or cited source"
    )
    assert "add `<!-- number 7 MB: why -->` to this line" in out
    assert "journey: check: 1 gap found" in err
    edit(page, "about 7 MB.", "about 7 MB. <!-- number 7 MB: 7.12 MB rounded, sizes.md below -->")
    assert main(["check", "--root", str(repo)]) == ExitCode.OK
    out, err = capsys.readouterr()
    assert out == ""
    assert "1 figure in prose accepted by a reviewed" in err
    assert "docs/vol1.md:3: 7 MB (7.12 MB rounded, sizes.md below)" in err
