"""``results/reverified.json``: when the full proof last found each snippet unchanged."""

from __future__ import annotations

import json

import pytest

from journey.model import reverified


def test_nothing_recorded_is_an_empty_mapping_and_marking_creates_the_file(tmp_path):
    assert reverified.path(tmp_path) == tmp_path / "results" / "reverified.json"
    assert reverified.read(tmp_path) == {}
    assert reverified.mark(tmp_path, ["vol1/b", "vol1/a"], "2026-12-07") == ["vol1/b", "vol1/a"]
    text = reverified.path(tmp_path).read_text(encoding="utf-8")
    assert (
        text == '{\n  "vol1/a": "2026-12-07",\n  "vol1/b": "2026-12-07"\n}\n'
    )  # sorted, so diffs stay small


def test_a_later_date_wins_and_an_older_or_equal_one_changes_nothing(tmp_path):
    reverified.mark(tmp_path, ["vol1/a", "vol1/b"], "2026-12-01")
    before = reverified.path(tmp_path).stat().st_mtime_ns
    assert reverified.mark(tmp_path, ["vol1/a"], "2026-11-30") == []
    assert reverified.mark(tmp_path, ["vol1/a"], "2026-12-01") == []
    assert reverified.path(tmp_path).stat().st_mtime_ns == before  # nothing changed: nothing written
    assert reverified.mark(tmp_path, ["vol1/a", "vol1/c"], "2026-12-07") == ["vol1/a", "vol1/c"]
    assert reverified.read(tmp_path) == {
        "vol1/a": "2026-12-07",
        "vol1/b": "2026-12-01",
        "vol1/c": "2026-12-07",
    }


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '"2026-12-07"', ""])
def test_an_unreadable_file_reads_as_nothing_recorded(tmp_path, text):
    reverified.path(tmp_path).parent.mkdir(parents=True)
    reverified.path(tmp_path).write_text(text, encoding="utf-8")
    assert reverified.read(tmp_path) == {}


def test_entries_that_are_not_a_snippet_and_a_date_are_dropped(tmp_path):
    reverified.path(tmp_path).parent.mkdir(parents=True)
    data = {"vol1/a": "2026-12-07", "vol1/b": 20261207, "vol1/c": None, "vol1/d": ["2026-12-07"]}
    reverified.path(tmp_path).write_text(json.dumps(data), encoding="utf-8")
    assert reverified.read(tmp_path) == {"vol1/a": "2026-12-07"}
