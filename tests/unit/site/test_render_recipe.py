"""The Recipes page's fragments: a recipe's figures, the decision table (``choose.md``), the bases table."""

from __future__ import annotations

import copy
import json
import re
from typing import TYPE_CHECKING

import pytest

from journey.model.manifest import Volume, base_refs, discover, load_volume
from journey.model.record import dumps_result, result_path
from journey.model.units import format_size
from journey.site.render import render_volume, rerender_volumes
from journey.site.render_recipe import (
    BASE_ROWS,
    BASES_HEADER,
    BASES_MD,
    CASES,
    CHOOSE_HEADER,
    CHOOSE_MD,
    RECIPES_VOLUME,
    BaseRow,
    Case,
    render_bases_table,
    render_choose,
    render_recipe,
)
from trees import REPO

if TYPE_CHECKING:
    from pathlib import Path

GOLDEN = REPO / "tests" / "golden" / "render"
PAGE = REPO / "docs" / "recipes" / "index.md"

STARTUP = {
    "kind": "startup",
    "name": "startup",
    "path": "/healthz",
    "runs": 3,
    "seconds": {"median": 0.209, "min": 0.2, "max": 0.22, "runs": [0.2, 0.209, 0.22]},
    "rss": {"median": 8220672, "min": 8085504, "max": 8232960, "runs": [8085504, 8220672, 8232960]},
}
FILES = {
    "kind": "files",
    "name": "files",
    "user": "65532",
    "entries": [
        {"path": "/opt/server", "present": True, "files": 1, "size": 6352056},
        {"path": "/usr/share/zoneinfo", "present": True, "files": 879, "size": 1313919},
        {"path": "/tmp", "present": True, "files": 0, "size": 0},
        {"path": "/usr/bin/sh", "present": False, "files": 0, "size": 0},
    ],
}


@pytest.fixture
def result():
    return json.loads((GOLDEN / "result.json").read_text(encoding="utf-8"))


def final_of(result):
    return next(i for i in result["images"] if i["role"] == "final")


def test_a_recipe_without_measurements_names_what_was_not_measured(result):
    text = render_recipe(result)
    assert format_size(final_of(result)["size"]) in text
    assert format_size(final_of(result)["compressed_size"]) in text
    assert "Not measured for this snippet: start-up and memory; which files the image holds." in text


def test_a_recipe_shows_start_up_memory_files_and_user(result):
    result["measurements"] = [STARTUP, FILES]
    text = render_recipe(result)
    assert "| start-up: `docker run` to the first answer of `/healthz` (median of 3 runs) | 209 ms |" in text
    assert "(median of 3 runs) | 8.22 MB |" in text
    assert "`/opt/server` (6.35 MB), `/usr/share/zoneinfo` (879 files, 1.31 MB), `/tmp` (empty)" in text
    assert "| not in the image, of the paths measured | `/usr/bin/sh` |" in text
    assert "| user it runs as | `65532` |" in text
    assert "Not measured" not in text


def test_a_pushed_image_shows_what_the_registry_holds_per_platform_instead_of_the_estimate(result):
    result["ship"] = {
        "pushes": [
            {
                "name": "cross",
                "exporter": "type=image,compression=zstd",
                "manifests": [
                    {"platform": "linux/amd64", "compressed_size": 5918411},
                    {"platform": "linux/arm64", "compressed_size": 5339312},
                ],
            }
        ]
    }
    text = render_recipe(result)
    registry = "compressed, zstd, measured in a registry after a push"
    assert f"{registry} (push `cross`, linux/arm64) | 5.34 MB |" in text
    assert "linux/amd64) | 5.92 MB |" in text
    assert "estimate" not in text


def test_a_table_cell_cannot_break_the_table(result):
    result["measurements"] = [{**FILES, "user": "a|b"}]
    assert "| user it runs as | `a\\|b` |" in render_recipe(result)


def write_result(root: Path, snippet_id: str, result: dict) -> None:
    path = result_path(root, snippet_id)
    path.parent.mkdir(parents=True)
    path.write_text(dumps_result(result), encoding="utf-8")


def test_the_decision_table_gives_each_case_its_recorded_sizes_or_says_why_not(result, tmp_path):
    write_result(tmp_path, "vol1/small", result)
    broken = copy.deepcopy(result)
    broken.update(status="not-verified", reason="no base", images=[])
    write_result(tmp_path, "vol2/broken", broken)
    cases = (
        Case("is small", "Small", "small", "vol1/small"),
        Case("is broken", "Broken", "broken", "vol2/broken"),
        Case("was never verified", "Missing", "missing", "vol3/missing"),
    )
    lines = render_choose(tmp_path, cases).splitlines()
    assert tuple(lines[:2]) == CHOOSE_HEADER
    sizes = f"{format_size(final_of(result)['size'])} | {format_size(final_of(result)['compressed_size'])}"
    assert lines[2] == f"| is small | [Small](#small) (`vol1/small`) | {sizes} |"
    assert lines[3].endswith("| not verified in this build | not verified in this build |")
    assert lines[4].endswith("| no recorded result | no recorded result |")


def test_only_the_recipes_volume_renders_the_decision_table():
    golden = load_volume(REPO / "tests" / "fixtures" / "snippets" / "golden")
    assert CHOOSE_MD not in render_volume(golden, {})
    recipes = next(v for v in discover(REPO) if v.name == RECIPES_VOLUME)
    assert render_volume(recipes, {})[CHOOSE_MD] == render_choose(REPO)


#: The page's one section that is not a recipe: the base-image tables.
BASES_SECTION = "which-base-image-to-build-on"


def page_sections() -> dict[str, str]:
    """The Recipes page's sections by heading, as the site's toc would anchor them."""
    parts = re.split(r"^## (.+)$", PAGE.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {
        re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"): body
        for title, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def test_every_case_is_a_section_of_the_page_that_shows_its_snippets_figures_and_provenance():
    sections = page_sections()
    assert [c.anchor for c in CASES] == [anchor for anchor in sections if anchor != BASES_SECTION]
    for case in CASES:
        body = sections[case.anchor]
        assert f'--8<-- "results/{case.snippet}/recipe.md"' in body
        assert f'--8<-- "results/{case.snippet}/downloads.md"' in body
        assert f'--8<-- "results/{case.snippet}/provenance.md"' in body
        assert '```dockerfile title="snippets/' in body


def test_every_case_names_a_snippet_that_exists():
    ids = {s.id for v in discover(REPO) for s in v.snippets}
    assert {c.snippet for c in CASES} <= ids


def test_a_change_to_any_volume_re_makes_the_decision_table(result, tmp_path):
    """``verify`` and ``merge`` re-make only the touched volumes: the table reads every volume's results."""
    recipes = Volume(RECIPES_VOLUME, tmp_path / "snippets" / RECIPES_VOLUME, "Recipes", (), ())
    vol1 = Volume("vol1", tmp_path / "snippets" / "vol1", "Vol. 1", (), ())
    case = CASES[0]
    write_result(tmp_path, case.snippet, result)
    choose = tmp_path / "results" / RECIPES_VOLUME / CHOOSE_MD
    rerender_volumes(tmp_path, [vol1, recipes], set())
    assert not choose.exists()
    rerender_volumes(tmp_path, [vol1, recipes], {case.snippet.split("/")[0]})
    row = choose.read_text(encoding="utf-8").splitlines()[2]
    final = final_of(result)
    assert row.endswith(f"| {format_size(final['size'])} | {format_size(final['compressed_size'])} |")


# --- bases.md ------------------------------------------------------------------------------------------

DEBUG = "gcr.io/distroless/static-debian13:debug-nonroot"
STANDIN = "org.golangjourney.standin."


def on_base(result: dict, ref: str, labels: dict[str, str], shell: str) -> dict:
    """A copy of ``result`` as a snippet on ``ref`` records it: the base, the files, start-up, the shell."""
    copied = copy.deepcopy(result)
    copied["environment"]["bases"].append(
        {"ref": ref, "digest": None, "provenance": "stand-in", "labels": labels}
    )
    entries = [
        {"path": "/", "present": True, "files": 2345, "size": 16642202},
        {"path": "/etc/ssl/certs/ca-certificates.crt", "present": True, "files": 1, "size": 222073},
        {"path": "/usr/share/zoneinfo", "present": True, "files": 879, "size": 1313919},
        {"path": "/usr/lib/x86_64-linux-gnu/libc.so.6", "present": False, "files": 0, "size": 0},
    ]
    copied["measurements"] = [
        STARTUP,
        {"kind": "files", "name": "files", "user": "65532", "entries": entries},
    ]
    copied["probes"].append({"name": "shell", "ok": True, "output": shell})
    return copied


WITH_SHELL = "$ docker exec service sh -c 'command -v sh'\n/busybox/sh"
WITHOUT_SHELL = (
    "$ docker exec service sh -c 'command -v sh'\n"
    'OCI runtime exec failed: exec failed: unable to start container process: exec: "sh": '
    "executable file not found in $PATH: unknown\n(exit code 126)"
)


def test_a_base_row_gives_every_recorded_figure_in_the_header_s_order(result):
    labels = {STANDIN + "packages": "base-files=13.8 busybox-static=1:1.37.0-6 tzdata=2026f"}
    rows = (BaseRow("recipes/on-debug", DEBUG),)
    lines = render_bases_table({"recipes/on-debug": on_base(result, DEBUG, labels, WITH_SHELL)}, rows)
    assert tuple(lines.splitlines()[:2]) == BASES_HEADER
    size = format_size(final_of(result)["size"])
    figures = f"{size} | 2,345 | 3 | `65532` | yes: `/busybox/sh` | yes | yes | no | 209 ms"
    assert lines.splitlines()[2] == f"| `{DEBUG}` (stand-in) | {figures} |"


def test_every_package_of_the_list_label_counts_over_the_shorter_one(result):
    labels = {STANDIN + "packages": "apt=3 dpkg=1", STANDIN + "package-list": "a=1 apt=3 b=2 dpkg=1"}
    rows = (BaseRow("s", "debian:trixie-slim"),)
    line = render_bases_table({"s": on_base(result, "debian:trixie-slim", labels, WITH_SHELL)}, rows)
    assert line.splitlines()[2].split(" | ")[3] == "4"


def test_the_engine_refusing_sh_reads_as_no_shell_and_scratch_has_no_packages(result):
    rows = (BaseRow("recipes/on-scratch", None),)
    line = render_bases_table({"recipes/on-scratch": on_base(result, "unused", {}, WITHOUT_SHELL)}, rows)
    cells = line.splitlines()[2].split(" | ")
    assert cells[0] == "| `scratch` (no base image)"
    assert cells[3] == "none"
    assert cells[5] == "no: `docker exec` finds no `sh`"


def test_a_real_image_is_not_called_a_stand_in_and_a_missing_figure_says_so(result):
    real = on_base(result, DEBUG, {}, WITH_SHELL)
    real["environment"]["bases"][-1].update(provenance="real", digest="sha256:" + "1" * 64)
    real["measurements"] = []
    real["probes"] = [p for p in real["probes"] if p["name"] != "shell"]
    cells = render_bases_table({"s": real}, (BaseRow("s", DEBUG),)).splitlines()[2].split(" | ")
    assert cells[0] == f"| `{DEBUG}`"
    missing = ["not measured", "not recorded", "not measured", "not probed", *["not measured"] * 3]
    assert cells[2:] == [*missing, "not measured |"]


def test_a_base_without_a_verified_result_says_why_in_every_cell(result):
    broken = copy.deepcopy(result)
    broken.update(status="not-verified", reason="no base", images=[])
    rows = (BaseRow("a", DEBUG), BaseRow("b", "debian:trixie-slim"))
    lines = render_bases_table({"a": broken}, rows).splitlines()
    columns = BASES_HEADER[0].count("|")
    assert [line.count("|") for line in lines[2:]] == [columns, columns]
    assert lines[2].endswith("| not verified in this build |")
    assert "no recorded result" not in lines[2]
    assert lines[3].startswith("| `debian:trixie-slim` | no recorded result |")


def test_the_recipes_volume_renders_the_bases_table_from_its_own_results(result):
    recipes = next(v for v in discover(REPO) if v.name == RECIPES_VOLUME)
    results = {BASE_ROWS[0].snippet: on_base(result, "unused", {}, WITHOUT_SHELL)}
    assert render_volume(recipes, results)[BASES_MD] == render_bases_table(results)
    golden = load_volume(REPO / "tests" / "fixtures" / "snippets" / "golden")
    assert BASES_MD not in render_volume(golden, {})


def test_every_base_row_is_a_recipes_snippet_whose_dockerfile_is_from_that_base():
    snippets = {s.id: s for v in discover(REPO) for s in v.snippets}
    for row in BASE_ROWS:
        assert row.snippet.startswith(f"{RECIPES_VOLUME}/")
        refs = base_refs(snippets[row.snippet])
        assert refs == ("golang:1.26-trixie",) if row.ref is None else row.ref in refs


def test_the_page_shows_the_bases_table_with_a_sentence_after_it():
    body = page_sections()[BASES_SECTION]
    include = f'--8<-- "results/{RECIPES_VOLUME}/{BASES_MD}"'
    after = body.split(include, 1)[1].lstrip("\n")
    assert after, "the table needs a sentence after it"
    assert not after.startswith(("|", "--8<--", "#", "`")), "the table needs a sentence after it"
