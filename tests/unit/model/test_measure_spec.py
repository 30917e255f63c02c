"""The ``measure:`` items (model.measure_spec): a mapping becomes its kind's frozen class, or is refused.

The schema validates a manifest first and words its errors (tests/unit/model/test_schema.py holds it to these
classes); ``measurement`` still refuses what no kind takes, so a mapping that skipped the schema cannot pass.
"""

from __future__ import annotations

import msgspec
import pytest

from journey.model.measure_spec import (
    MEASURE_TYPES,
    MIN_RUNS,
    BinaryMeasure,
    CompileMeasure,
    ContextMeasure,
    FilesMeasure,
    StartupMeasure,
    measurement,
)


def test_a_valid_item_becomes_its_kinds_class_with_the_defaults():
    item = measurement({"name": "c", "kind": "compile", "stage": "builder"})
    assert item == MEASURE_TYPES["compile"](name="c", stage="builder", runs=5)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"name": "s", "kind": "startup"}, StartupMeasure(name="s", runs=MIN_RUNS, path=None)),
        (
            {"name": "s", "kind": "startup", "path": "/healthz", "runs": 9},
            StartupMeasure(name="s", runs=9, path="/healthz"),
        ),
        ({"name": "b", "kind": "binary", "path": "/server"}, BinaryMeasure(name="b", path="/server")),
        (
            {"name": "f", "kind": "files", "paths": ["/etc/passwd"]},
            FilesMeasure(name="f", paths=("/etc/passwd",)),
        ),
        (
            {"name": "c", "kind": "context", "touch": [".git", "docs/a.md"]},
            ContextMeasure(name="c", touch=(".git", "docs/a.md")),
        ),
    ],
    ids=["startup-defaults", "startup", "binary", "files", "context"],
)
def test_each_kind_becomes_its_class(raw, expected):
    item = measurement(raw)
    assert item == expected
    assert type(item).kind == raw["kind"]


def test_the_kinds_are_the_tags_their_classes_are_written_with():
    assert list(MEASURE_TYPES) == ["startup", "compile", "binary", "files", "context"]
    for kind, model in MEASURE_TYPES.items():
        assert model.kind == kind
        assert msgspec.json.decode(msgspec.json.encode(measurement(_minimal(kind))))["kind"] == kind


def _minimal(kind: str) -> dict[str, object]:
    extra = {
        "compile": {"stage": "b"},
        "binary": {"path": "/x"},
        "files": {"paths": ["/x"]},
        "context": {"touch": ["x"]},
    }
    return {"name": "m", "kind": kind, **extra.get(kind, {})}


@pytest.mark.parametrize(
    "raw",
    [
        {"name": "m", "kind": "speed"},
        {"name": "m", "kind": "startup", "stage": "builder"},
        {"name": "m", "kind": "startup", "runs": MIN_RUNS - 1},
        {"name": "m", "kind": "startup", "runs": 51},
        {"name": "m", "kind": "compile"},
        {"name": "m", "kind": "compile", "stage": ""},
        {"name": "m", "kind": "binary", "path": "server"},
        {"name": "m", "kind": "files", "paths": []},
        {"name": "m", "kind": "context", "touch": ["/abs"]},
        {"kind": "startup"},
    ],
    ids=[
        "unknown-kind",
        "another-kinds-key",
        "too-few-runs",
        "too-many-runs",
        "compile-without-stage",
        "empty-stage",
        "relative-image-path",
        "no-paths",
        "absolute-touch",
        "no-name",
    ],
)
def test_what_no_kind_takes_is_refused(raw):
    with pytest.raises(msgspec.ValidationError):
        measurement(raw)


def test_an_item_is_frozen():
    item = measurement({"name": "c", "kind": "compile", "stage": "builder"})
    assert isinstance(item, CompileMeasure)
    with pytest.raises(AttributeError):
        item.stage = "other"  # type: ignore[misc]
