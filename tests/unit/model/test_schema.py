"""The typed model is the source of the schema: the committed manifest.schema.json is held to it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from journey.model import manifest
from journey.model.check_spec import CHECK_TYPES
from journey.model.manifest import PROBE_KINDS, PROBE_PARSERS
from journey.model.measure_spec import MEASURE_TYPES
from journey.model.schema import (
    check_defs,
    compression_defs,
    generated_defs,
    generated_ship_defs,
    measurement_defs,
    probe_defs,
)
from journey.model.ship_manifest import COMPRESSION_TYPES

SCHEMA = Path(__file__).resolve().parents[3] / "scripts" / "journey" / "manifest.schema.json"


def _committed() -> dict:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


@pytest.mark.parametrize("part", [probe_defs, measurement_defs, check_defs])
def test_the_committed_schema_holds_the_parts_the_model_generates(part):
    generated = part()
    committed = _committed()["$defs"]
    assert {key: committed.get(key) for key in generated} == generated


def test_the_committed_ship_schema_holds_the_compression_part_the_model_generates():
    generated = compression_defs()
    committed = json.loads((SCHEMA.parent / "ship.schema.json").read_text(encoding="utf-8"))["$defs"]
    assert {key: committed.get(key) for key in generated} == generated
    assert committed["push"]["properties"]["compression"] == {"$ref": "#/$defs/compression"}
    assert generated["compression"]["properties"]["type"]["enum"] == list(COMPRESSION_TYPES)
    for kind, model in COMPRESSION_TYPES.items():
        assert model.__struct_config__.tag == kind == model.type


def test_an_exec_probe_has_no_exit_code_to_generate():
    """The schema refuses ``exec.exit_code`` (an exec probe's code is 0): the model has no field for it."""
    assert "exit_code" not in probe_defs()["exec"]["properties"]
    assert "exit_code" in probe_defs()["expect-failure"]["properties"]


def test_every_measure_kind_of_the_schema_is_a_class_of_the_model_and_back():
    kinds = _committed()["$defs"]["measurement"]["properties"]["kind"]["enum"]
    assert kinds == list(MEASURE_TYPES)
    for kind, model in MEASURE_TYPES.items():
        assert model.__struct_config__.tag == kind == model.kind  # the tag msgspec reads is the kind


def test_every_check_tool_of_the_schema_is_a_class_of_the_model_and_back():
    committed = _committed()["$defs"]
    assert committed["check"]["properties"]["tool"]["enum"] == list(CHECK_TYPES)
    assert {key for key in committed if key.startswith(("check-", "tool-"))} == {
        f"{part}-{tool}" for tool in CHECK_TYPES for part in ("check", "tool")
    }


def test_every_probe_kind_of_the_schema_has_its_parser_and_back():
    probe = _committed()["$defs"]["probe"]
    one_of = [next(iter(branch["required"])) for branch in probe["oneOf"]]
    assert one_of == list(PROBE_KINDS) == list(PROBE_PARSERS)
    assert set(probe["properties"]) - {"name"} == set(PROBE_KINDS)


@pytest.mark.parametrize("kind", list(PROBE_PARSERS))
def test_each_probe_parser_makes_a_spec_whose_class_is_its_kind(kind):
    raw = {
        "http": {"path": "/"},
        "exec": {"command": ["x"]},
        "expect_failure": {"command": ["x"], "exit_code": 1},
        "stop": {"expect": {"exit_code": 0}},
        "health": {"steps": [{"wait": "healthy"}]},
        "inspect": {"fields": {"State.Status": "exited"}},
        "companion": {"image": "debian:trixie", "steps": [{"run": ["ls"]}]},
    }[kind]
    assert PROBE_PARSERS[kind](raw).kind == kind


@pytest.mark.parametrize(("args", "part"), [((), generated_defs), (("ship",), generated_ship_defs)])
def test_the_generator_prints_the_part_to_paste(args, part):
    printed = subprocess.run(
        [sys.executable, "-m", "journey.model.schema", *args], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(printed) == part()


@pytest.mark.parametrize("name", manifest.SCHEMA_FILES)
def test_every_packaged_schema_is_a_valid_json_schema(name):
    """Checked here, not on each load: the meta-schema check was a third of `journey check`'s CPU."""
    schema = json.loads((SCHEMA.parent / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)


def test_the_schema_list_names_every_packaged_schema():
    packaged = sorted(p.name for p in SCHEMA.parent.glob("*.schema.json"))
    assert sorted(manifest.SCHEMA_FILES) == packaged
