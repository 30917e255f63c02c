from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from journey.core.errors import ExitCode, StaleError
from journey.model.record import (
    SIZE_SLACK,
    SIZE_TOLERANCE,
    dumps_result,
    materially_equal,
    read_result,
    result_path,
    write_result,
)
from trees import GOLDEN

RESULT = json.loads((GOLDEN / "render" / "result.json").read_text())


@pytest.fixture
def result():
    return copy.deepcopy(RESULT)


def test_written_result_has_sorted_keys_and_a_trailing_newline(tmp_path, result):
    path = result_path(tmp_path, "golden/hello")
    assert write_result(path, result) is True
    text = path.read_text(encoding="utf-8")
    assert text == dumps_result(result)
    assert text.endswith("}\n")
    assert list(json.loads(text)) == sorted(result)
    assert read_result(path) == result
    assert not [p for p in path.parent.iterdir() if p.name != "result.json"]  # no temp file left


def test_unchanged_reverify_leaves_the_file_byte_for_byte(tmp_path, result):
    path = tmp_path / "result.json"
    write_result(path, result)
    before = path.read_bytes()
    again = copy.deepcopy(result)
    again["verified_on"] = "2027-01-01"
    again["images"][0]["build_seconds"] = 99.9
    assert materially_equal(result, again)
    assert write_result(path, again) is False
    assert path.read_bytes() == before


def test_a_real_change_rewrites(tmp_path, result):
    path = tmp_path / "result.json"
    write_result(path, result)
    changed = copy.deepcopy(result)
    size = changed["images"][0]["size"]
    changed["images"][0]["size"] = size + max(SIZE_SLACK, int(size * SIZE_TOLERANCE)) + 1
    assert not materially_equal(result, changed)
    assert write_result(path, changed) is True
    assert read_result(path) == changed


@pytest.mark.parametrize("key", ["size", "compressed_size", "payload_size"])
def test_a_size_that_drifts_within_the_tolerance_is_unchanged(tmp_path, result, key):
    # Two machines: same inputs, layer tars with other file times, so gzip'd sizes differ by bytes.
    path = tmp_path / "result.json"
    write_result(path, result)
    before = path.read_bytes()
    again = copy.deepcopy(result)
    image = again["images"][0]
    image[key] = int(image[key] * (1 + SIZE_TOLERANCE / 2))
    assert image[key] != result["images"][0][key]
    layer = again["images"][0]["layers"][0]
    layer["compressed_size"] += SIZE_SLACK  # a small layer: bytes, not a fraction, are the noise
    assert write_result(path, again) is False
    assert path.read_bytes() == before


def test_the_tolerance_is_only_for_byte_counts(result):
    changed = copy.deepcopy(result)
    changed["images"][0]["layers"][0]["created_by"] += " "
    assert not materially_equal(result, changed)
    changed = copy.deepcopy(result)
    changed["images"].append(copy.deepcopy(changed["images"][0]))
    assert not materially_equal(result, changed)


def test_missing_result_reads_as_none(tmp_path):
    assert read_result(tmp_path / "nope.json") is None
    assert not materially_equal(None, RESULT)


@pytest.mark.parametrize("text", ["{not json", "[]", '{"snippet": "x"}'])
def test_broken_result_is_a_stale_error(tmp_path, text):
    path = tmp_path / "result.json"
    path.write_text(text)
    with pytest.raises(StaleError) as caught:
        read_result(path)
    assert caught.value.exit_code == ExitCode.STALE
    assert str(path) in caught.value.message


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path, result, monkeypatch):
    path = tmp_path / "result.json"
    write_result(path, result)
    before = path.read_bytes()
    changed = copy.deepcopy(result)
    changed["status"] = "not-verified"

    def boom(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(Path, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_result(path, changed)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def _timed(result):
    timed = copy.deepcopy(result)
    timed["measurements"] = [
        {
            "name": "startup",
            "kind": "startup",
            "runs": 5,
            "path": "/healthz",
            "seconds": {"median": 0.05, "min": 0.04, "max": 0.09, "runs": [0.05, 0.04, 0.09, 0.05, 0.06]},
            "rss": {"median": 9000000, "min": 8900000, "max": 9100000, "runs": [9000000] * 5},
        },
        {
            "name": "binary",
            "kind": "binary",
            "path": "/opt/server",
            "size": 6000000,
            "modules": 0,
            "go": "go1.26.8",
        },
    ]
    return timed


def test_timings_timed_again_do_not_rewrite_a_result(tmp_path, result):
    # Like build_seconds: a re-verify's own medians differ a little; that alone is no change.
    path = tmp_path / "result.json"
    write_result(path, _timed(result))
    before = path.read_bytes()
    again = _timed(result)
    again["measurements"][0]["seconds"]["median"] = 0.07
    again["measurements"][0]["rss"]["runs"][0] = 9500000
    assert write_result(path, again) is False
    assert path.read_bytes() == before


def test_a_measured_fact_that_changed_rewrites(result):
    changed = _timed(result)
    changed["measurements"][1]["modules"] = 29
    assert not materially_equal(_timed(result), changed)
    assert not materially_equal(result, _timed(result))  # a new measurement is a change


def test_a_re_verify_that_only_timed_differently_is_no_change():
    def result(median: float, output: str = "exit code: 0 in 5 of 5 runs") -> dict:
        probe = {
            "name": "stop",
            "ok": True,
            "output": output,
            "measured": {"stop_seconds": {"median": median}},
        }
        return {"snippet": "v/x", "images": [], "probes": [probe], "verified_on": "2026-01-01"}

    assert materially_equal(result(0.2), result(0.3))  # type: ignore[arg-type]
    assert not materially_equal(result(0.2), result(0.2, "exit code: 137 in 5 of 5 runs"))  # type: ignore[arg-type]
