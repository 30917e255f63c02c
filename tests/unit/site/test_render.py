"""Fragments rendered from a recorded result, compared with reviewed golden files.

Regenerate the golden files after an intended change with JOURNEY_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import copy
import json
import os
import posixpath
import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import pytest

from journey.core.errors import ManifestError
from journey.model import reverified
from journey.model.manifest import load_volume
from journey.model.units import format_size
from journey.site.downloads import expected_downloads
from journey.site.render import (
    DONE_WORDS,
    VARIANT_MD,
    LogScale,
    changed_lines,
    check_fragment,
    measured_text,
    probe_fragment,
    render_snippet,
    render_variant,
    render_volume,
    reverified_text,
    shown_lines,
    slug,
    split_ref,
    standin_summary,
    unified_diff,
    write_fragments,
)
from trees import FIXTURES, REPO

if TYPE_CHECKING:
    from pathlib import Path

GOLDEN = REPO / "tests" / "golden" / "render"
UPDATE = os.environ.get("JOURNEY_UPDATE_GOLDEN") == "1"


@pytest.fixture
def volume():
    return load_volume(FIXTURES / "snippets" / "golden")


@pytest.fixture
def result():
    return json.loads((GOLDEN / "result.json").read_text(encoding="utf-8"))


def not_verified(result):
    broken = copy.deepcopy(result)
    broken.update(
        status="not-verified",
        reason="golang:1.12-alpine has no stand-in recipe",
        images=[],
        probes=[],
        checks=[],
        outputs={},
    )
    return broken


@pytest.fixture
def repository(monkeypatch):
    """Give the fixture repository (which has no mkdocs.yml) a web address, as the real site has."""
    tree = "https://github.com/example/journey/tree/main/"
    monkeypatch.setattr("journey.site.render.source_tree_url", lambda _root: tree)
    return tree


def compare(folder: Path, fragments: dict[str, str]) -> None:
    if UPDATE:
        write_fragments(folder, fragments)
    expected = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.is_file()}
    assert fragments == expected


@pytest.mark.usefixtures("repository")
def test_verified_snippet_matches_golden_files(volume, result):
    compare(GOLDEN / "verified", render_snippet(FIXTURES, volume.snippets[0], result))


@pytest.mark.usefixtures("repository")
def test_not_verified_snippet_matches_golden_files(volume, result):
    compare(GOLDEN / "not-verified", render_snippet(FIXTURES, volume.snippets[0], not_verified(result)))


def test_volume_ladder_matches_golden_files(volume, result):
    compare(GOLDEN / "volume", render_volume(volume, {"golden/hello": result}))


def test_every_fragment_of_a_not_verified_snippet_says_so_visibly(volume, result):
    fragments = render_snippet(FIXTURES, volume.snippets[0], not_verified(result))
    fragments.pop("downloads.md")  # the files, which are there whether or not they were verified
    for name, text in fragments.items():
        assert "not verified in this build: golang:1.12-alpine has no stand-in recipe" in text, name
    assert fragments["sizes.md"].startswith('!!! warning "Not verified in this build"')


def test_probe_and_check_fragments_are_named_after_the_manifest(volume, result):
    fragments = render_snippet(FIXTURES, volume.snippets[0], result)
    assert probe_fragment("root") in fragments
    assert check_fragment("hadolint Dockerfile") == "check-hadolint-dockerfile.txt"
    assert fragments["probe-root.txt"] == "HTTP/1.1 200 OK\nContent-Length: 6\n\nhello\n"
    assert fragments["probe-no-shell.txt"].endswith("no such file or directory\n")


def test_sizes_table_uses_the_one_size_format(volume, result):
    sizes = render_snippet(FIXTURES, volume.snippets[0], result)["sizes.md"]
    for image in result["images"]:
        assert f"| {format_size(image['size'])} | {format_size(image['compressed_size'])} |" in sizes


def test_download_links_name_the_served_copies_of_every_file(volume, result):
    """Each link of provenance.md, resolved from the volume's page, is a file the site serves: the exact
    bytes of the repository file it names (and the zip); no page carries a file's bytes in a data: URL."""
    provenance = render_snippet(FIXTURES, volume.snippets[0], result)["provenance.md"]
    assert "data:" not in provenance
    links = dict(re.findall(r'\]\(([^)]+)\)\{download="([^"]+)"\}', provenance))
    served = expected_downloads(FIXTURES, [volume])
    snippet_dir = FIXTURES / "snippets" / "golden" / "hello"
    by_name = {name: served[posixpath.normpath(posixpath.join("", href))][0] for href, name in links.items()}
    assert set(by_name) == {p.name for p in snippet_dir.iterdir()} | {"hello.zip"}
    for name, data in by_name.items():
        if name != "hello.zip":
            assert data == (snippet_dir / name).read_bytes()


def test_ladder_svg_is_well_formed_and_self_contained(volume, result):
    svg = render_volume(volume, {"golden/hello": result})["size-ladder.svg"]
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "href" not in svg
    assert "@font-face" not in svg
    assert svg.count("http://") == 1  # the xmlns only
    assert format_size(4712345) in svg


def test_ladder_shows_missing_results_as_not_verified(volume):
    assert "not verified" in render_volume(volume, {})["size-ladder.svg"]
    ladder = render_volume(volume, {})["size-ladder.md"]
    assert "| Hello from scratch | not verified | not verified |" in ladder


def test_standin_base_reads_as_one_line_and_keeps_every_label_in_a_note(volume, result):
    base = result["environment"]["bases"][0]
    assert standin_summary(base) == (
        "offline stand-in for `golang:1.26-trixie` by `scripts/bases/golang.sh 1.26 trixie`"
        " from Debian packages (golang-1.26-go 1.26.11-1~bpo13+1)"
    )
    provenance = render_snippet(FIXTURES, volume.snippets[0], result)["provenance.md"]
    table, _, rest = provenance.partition("\n\n")
    assert f"| base `golang:1.26-trixie` | {standin_summary(base)} |" in table
    assert "recipe-digest" not in table  # the row stays short; the labels are in the note below
    note, _, files = rest.partition("Files of this snippet")
    assert note.startswith('??? note "Every label of the golang:1.26-trixie stand-in"\n')
    for key, value in base["labels"].items():
        assert f"    | `{key}` | `{value}` |\n" in note
    assert "](downloads/golden/hello/Dockerfile)" in files
    assert "](downloads/" not in note


def test_volume_provenance_lists_every_snippet_with_its_status_and_bases(volume, result):
    table = render_volume(volume, {"golden/hello": result})["provenance.md"]
    header, _rule, row, variant = table.splitlines()
    assert variant.startswith(
        "| Hello as root<br>`golden/hello-root` | not verified in this build: no recorded result"
    )
    assert header.split(" | ")[1:3] == ["status", "verified on"]
    assert row == (
        "| Hello from scratch<br>`golden/hello` | built and run | 2026-11-28 | Docker 26.1.5+dfsg1 "
        "| 0.13.1+ds1 | linux/amd64 | go1.26.8 | go1.26.8, hadolint 2.15.1 "
        "| `golang:1.26-trixie` (stand-in) |"
    )


def test_volume_provenance_says_why_a_snippet_is_not_verified(volume, result):
    broken = not_verified(result)
    broken["environment"]["bases"] = [
        {"ref": "golang:1.12-alpine", "digest": None, "provenance": "unavailable", "labels": {}}
    ]
    row = render_volume(volume, {"golden/hello": broken})["provenance.md"].splitlines()[2]
    assert (
        "| not verified in this build: golang:1.12-alpine has no stand-in recipe | tried 2026-11-28 |" in row
    )
    assert row.endswith("| `golang:1.12-alpine` (unavailable) |")
    missing = render_volume(volume, {})["provenance.md"].splitlines()[2]
    assert missing.endswith("| not verified in this build: no recorded result | - | - | - | - | - | - | - |")


def checked_only(result):
    """The result of a snippet only linted: no engine, no platform, no image Go; its tools and versions."""
    checked = copy.deepcopy(result)
    checked.update(done="checked", images=[], probes=[], outputs={})
    checked["environment"] = {
        "engine": None,
        "buildx": None,
        "platform": None,
        "go": None,
        "bases": [],
        "tools": {"yamllint": "1.38.0", "check-jsonschema": "0.39.0"},
    }
    return checked


def test_a_checked_only_snippet_names_its_tools_and_no_engine(volume, result):
    provenance = render_snippet(FIXTURES, volume.snippets[0], checked_only(result))["provenance.md"]
    table = provenance.partition("\n\n")[0]
    assert table.splitlines()[2:] == [
        "| verified on | 2026-11-28 |",
        "| last re-verified | not yet: no full proof has re-verified it since it was recorded |",
        f"| what was done | {DONE_WORDS['checked']} |",
        "| tools | check-jsonschema 0.39.0, yamllint 1.38.0 |",
    ]
    row = render_volume(volume, {"golden/hello": checked_only(result)})["provenance.md"].splitlines()[2]
    assert row == (
        "| Hello from scratch<br>`golden/hello` | checked | 2026-11-28 | - | - | - | - "
        "| check-jsonschema 0.39.0, yamllint 1.38.0 | none |"
    )


def test_the_last_full_proof_without_drift_is_shown_once_it_postdates_the_record(volume, result, tmp_path):
    snippet = volume.snippets[0]
    assert reverified.mark(tmp_path, [snippet.id], "2026-12-07") == [snippet.id]
    assert reverified.mark(tmp_path, [snippet.id], "2026-12-01") == []  # an older proof changes nothing
    assert reverified.read(tmp_path) == {snippet.id: "2026-12-07"}
    assert reverified_text(result, "2026-12-07").startswith("2026-12-07: every snippet re-verified")
    assert reverified_text(result, "2026-11-01").startswith("not yet")  # older than the record itself


def test_a_stand_ins_full_package_list_is_counted_in_the_table_and_listed_under_it(volume, result):
    base = result["environment"]["bases"][0]
    base["labels"]["org.golangjourney.standin.package-list"] = "adduser=3.152 zlib1g=1:1.3"
    provenance = render_snippet(FIXTURES, volume.snippets[0], result)["provenance.md"]
    assert "| `org.golangjourney.standin.package-list` | 2 packages, every one listed below |" in provenance
    assert "    Every package: `adduser=3.152` `zlib1g=1:1.3`" in provenance


def test_a_not_verified_snippet_says_what_was_still_checked(volume, result):
    broken = not_verified(result)
    broken.update(done="checked", checks=result["checks"][:1])
    broken["environment"]["tools"] = {"hadolint": "2.15.1"}
    provenance = render_snippet(FIXTURES, volume.snippets[0], broken)["provenance.md"]
    assert "Its files were checked all the same, with hadolint 2.15.1." in provenance
    assert "| engine |" not in provenance


def test_slug_and_ref_splitting():
    assert slug("jsonschema .travis.yml") == "jsonschema-travis-yml"
    assert split_ref("golang:1.26-trixie") == ("golang", "1.26-trixie")
    assert split_ref("localhost:5000/app") == ("localhost:5000/app", "latest")
    assert split_ref("debian@sha256:abc") == ("debian", "<none>")


def test_write_fragments_rewrites_only_changes_and_prunes_leftovers(tmp_path):
    first = write_fragments(tmp_path, {"a.md": "x\n", "b.txt": "y\n"})
    assert first == [tmp_path / "a.md", tmp_path / "b.txt"]
    (tmp_path / "old.txt").write_text("gone\n")
    (tmp_path / "result.json").write_text("{}\n")
    changed = write_fragments(tmp_path, {"a.md": "x\n", "b.txt": "z\n"})
    assert changed == [tmp_path / "b.txt", tmp_path / "old.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "b.txt", "result.json"]


def test_provenance_links_the_snippet_folder_in_the_repository(volume, result, repository):
    provenance = render_snippet(FIXTURES, volume.snippets[0], result)["provenance.md"]
    link = f"[snippets/golden/hello/]({repository}snippets/golden/hello)"
    assert provenance.endswith(f"\nSource in the repository: {link}.\n")


def test_a_site_without_a_repository_gets_no_source_link(volume, result):
    assert not (FIXTURES / "mkdocs.yml").exists()
    provenance = render_snippet(FIXTURES, volume.snippets[0], result)["provenance.md"]
    assert "Source in the repository" not in provenance


def test_a_base_used_in_place_of_the_from_name_says_so(volume, result):
    """`FROM golang:latest` built from golang:1.26-trixie: provenance names both, never only one."""
    replaced = copy.deepcopy(result)
    replaced["environment"]["bases"][0]["replaces"] = "golang:latest"
    provenance = render_snippet(FIXTURES, volume.snippets[0], replaced)["provenance.md"]
    assert "; used in place of `golang:latest`, which the Dockerfile names |" in provenance
    row = render_volume(volume, {"golden/hello": replaced})["provenance.md"].splitlines()[2]
    assert row.endswith("| `golang:1.26-trixie` (stand-in) for `golang:latest` |")


# --- variant.md ------------------------------------------------------------------------------------


def test_variant_matches_golden_file(volume):
    """The variant's Dockerfile, included, its changed lines marked, and the diff from the file it varies."""
    compare(GOLDEN / "variant", {VARIANT_MD: render_variant(FIXTURES, volume.snippets[1])})


def test_variant_marks_the_lines_a_reader_sees_not_the_files_lines(volume):
    """pymdownx drops section-marker lines from a whole-file include: hl_lines counts what is left."""
    variant = volume.snippets[1]
    assert variant.dockerfile_path is not None
    shown = shown_lines(variant.dockerfile_path)
    assert len(shown) == len(variant.dockerfile_path.read_text(encoding="utf-8").splitlines()) - 2
    text = render_variant(FIXTURES, variant)
    marked = re.search(r'hl_lines="([^"]+)"', text)
    assert marked is not None
    assert marked[1] == "8-9"
    assert [shown[n - 1] for n in (8, 9)] == ["EXPOSE 9090", 'ENTRYPOINT ["/hello", "-addr", ":9090"]']
    assert "-USER 65534:65534" in text  # a left-out line cannot be marked: the diff shows it


def test_changed_lines_are_those_new_or_replaced_in_the_variant():
    assert changed_lines(["a", "b", "c"], ["a", "B", "c", "d"]) == [2, 4]
    assert changed_lines(["a", "b", "c"], ["a", "c"]) == []
    assert unified_diff(["a"], ["a"]) == []


def test_a_variant_of_a_missing_snippet_is_a_manifest_error(tmp_path, tree):
    files = {
        "volume.yml": "title: T\npages: [t.md]\nsnippets: [one]\n",
        "one/snippet.yml": "title: One\nvariant_of: two\nbuild: {}\n",
        "one/Dockerfile": "FROM scratch\n",
    }
    tree(files, root=tmp_path / "v")
    with pytest.raises(ManifestError, match=r"variant_of.*'two' is no other snippet of this volume"):
        load_volume(tmp_path / "v")


# --- the size ladder's scale ------------------------------------------------------------------------


def test_ladder_is_on_a_log_axis_with_the_quoted_reference_as_a_labelled_line(volume, result):
    svg = render_volume(volume, {"golden/hello": result})["size-ladder.svg"]
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    assert root.get("data-scale") == "log"
    ns = "{http://www.w3.org/2000/svg}"
    grid = {
        int(line.get("data-size") or 0): float(line.get("x1") or 0)
        for line in root.iter(f"{ns}line")
        if "grid" in (line.get("class") or "")
    }
    # equal ratios are equal distances: 1 MB to 10 MB spans what 2 MB to 20 MB does
    assert grid[10_000_000] - grid[1_000_000] == pytest.approx(grid[20_000_000] - grid[2_000_000], abs=0.2)
    (reference,) = [line for line in root.iter(f"{ns}line") if line.get("class") == "reference"]
    assert reference.get("data-size") == "21200000"
    assert grid[20_000_000] < float(reference.get("x1") or 0) < grid[50_000_000]
    labels = [t.text for t in root.iter(f"{ns}text") if t.get("class") == "reference-label"]
    assert labels == ["a quoted image: 21.2 MB"]
    ladder = render_volume(volume, {"golden/hello": result})["size-ladder.md"]
    assert "a quoted image, 21.2 MB ([source](https://example.org/article))" in ladder


def test_log_scale_spans_whole_decades_from_below_the_smallest_to_a_step_above_the_largest():
    scale = LogScale.spanning([5_760_000, 1_290_000_000, 21_200_000])
    assert (scale.low, scale.high) == (1_000_000, 2_000_000_000)
    assert [tick for tick, major in scale.ticks() if major] == [10**6, 10**7, 10**8, 10**9]
    assert scale.x(scale.low) == pytest.approx(230)
    assert scale.x(scale.high) == pytest.approx(630)
    assert LogScale.spanning([]).high == 10


def test_a_measured_timing_is_said_as_its_median_of_the_runs_and_their_range():
    timing = {"median": 0.25, "min": 0.2, "max": 10.4, "runs": [0.31, 0.2, 10.4, 0.25, 0.22]}
    assert measured_text({"stop_seconds": timing}) == (
        "measured:\nstop_seconds: median 0.25 s of 5 runs (0.2 s to 10.4 s)\n"
    )
