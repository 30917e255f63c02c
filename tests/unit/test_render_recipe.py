"""The Recipes page's fragments: a recipe's figures (``recipe.md``) and the decision table (``choose.md``)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from journey.manifest import Volume, discover, load_volume
from journey.record import dumps_result, result_path
from journey.render import render_volume, rerender_volumes
from journey.render_recipe import (
    CASES,
    CHOOSE_HEADER,
    CHOOSE_MD,
    RECIPES_VOLUME,
    Case,
    render_choose,
    render_recipe,
)
from journey.units import format_size

REPO = Path(__file__).resolve().parents[2]
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


def page_sections() -> dict[str, str]:
    """The Recipes page's sections by heading, as the site's toc would anchor them."""
    parts = re.split(r"^## (.+)$", PAGE.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {
        re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"): body
        for title, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def test_every_case_is_a_section_of_the_page_that_shows_its_snippets_figures_and_provenance():
    sections = page_sections()
    assert [c.anchor for c in CASES] == list(sections)
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
