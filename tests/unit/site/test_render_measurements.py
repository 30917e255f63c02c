"""Fragments of measure: figures: one per measurement, and the volume's side-by-side tables (golden files)."""

from __future__ import annotations

import copy
import json
import os
from typing import TYPE_CHECKING

import pytest

from journey.model.manifest import load_volume
from journey.site.render import render_snippet, render_volume, write_fragments
from journey.site.render_measurements import FILES_MD, MEASUREMENTS_MD, measure_fragment, render_measurements
from trees import FIXTURES, REPO

if TYPE_CHECKING:
    from pathlib import Path

GOLDEN = REPO / "tests" / "golden" / "measurements"
UPDATE = os.environ.get("JOURNEY_UPDATE_GOLDEN") == "1"


@pytest.fixture
def result():
    base = json.loads((REPO / "tests" / "golden" / "render" / "result.json").read_text(encoding="utf-8"))
    base["measurements"] = json.loads((GOLDEN / "measurements.json").read_text(encoding="utf-8"))
    return base


def compare(folder: Path, fragments: dict[str, str]) -> None:
    if UPDATE:
        write_fragments(folder, fragments)
    expected = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.is_file()}
    assert fragments == expected


def test_each_measurement_has_its_fragment_matching_the_golden_files(result):
    compare(GOLDEN / "snippet", render_measurements(result))


def test_the_volume_puts_measured_snippets_side_by_side(result):
    volume = load_volume(FIXTURES / "snippets" / "golden")
    fragments = render_volume(volume, {"golden/hello": result})
    compare(GOLDEN / "volume", {k: v for k, v in fragments.items() if k in {MEASUREMENTS_MD, FILES_MD}})


def test_timings_say_median_spread_and_runs(result):
    text = render_measurements(result)[measure_fragment("startup")]
    assert "52 ms (median; 47 ms to 81 ms, 5 runs)" in text
    assert "7.34 MB (median; 7.21 MB to 7.47 MB, 5 runs)" in text


def test_a_packed_binary_says_its_build_info_is_unreadable(result):
    assert (
        "unreadable (`go version -m` finds no build info)" in render_measurements(result)["measure-packed.md"]
    )


def test_snippet_fragments_include_the_measurements_and_a_volume_without_any_has_no_table(result):
    volume = load_volume(FIXTURES / "snippets" / "golden")
    assert measure_fragment("dockerignore") in render_snippet(FIXTURES, volume.snippets[0], result)
    bare = copy.deepcopy(result)
    del bare["measurements"]
    assert MEASUREMENTS_MD not in render_volume(volume, {"golden/hello": bare})
    assert render_measurements({**bare, "status": "not-verified"}) == {}
