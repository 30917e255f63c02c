"""The parts of ``manifest.schema.json`` that the typed model generates, so that the model is their source.

``measurement_defs`` derives the ``measure:`` part (``measurement``, ``kind-<kind>``, ``runs``,
``measure-<kind>``) from ``journey.model.measure_spec``: each kind's keys, which are required, and their
constraints (``Meta``). ``tests/unit/model/test_schema.py`` holds the committed schema to it; ``python -m
journey.model.schema`` prints the generated part to paste. The shape is the hand-written one (``if``/``then``
on ``kind``), so jsonschema words its errors as before: ``'stage' was unexpected (allowed: kind, name,
path, runs)``. Only the model's modules import msgspec's schema support: ``journey check`` never runs this.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from journey.model.measure_spec import MEASURE_TYPES, MIN_RUNS, MeasureBase, Runs

#: What the ``measurement`` definition says of the whole ``measure:`` item.
MEASUREMENT_DESCRIPTION = (
    "a figure recorded beside the sizes; `kind` picks the keys it takes (journey.measurements)"
)
#: Keys every kind shares, each pointing at its one definition (``measurement`` checks ``kind``).
_SHARED: dict[str, Any] = {"name": {"$ref": "#/$defs/name"}, "kind": True, "runs": {"$ref": "#/$defs/runs"}}


def _field_schema(field: msgspec.structs.FieldInfo) -> Any:  # noqa: ANN401 - JSON
    """One key's schema: a shared key's reference, or the field's own type and constraints."""
    if field.name in _SHARED:
        return _SHARED[field.name]
    schema = msgspec.json.schema(field.type)
    if "anyOf" in schema:  # an optional key (``X | None = None``): absent, never null, in a manifest
        schema = next(option for option in schema["anyOf"] if option != {"type": "null"})
    return schema


def _kind_def(kind: type[MeasureBase]) -> dict[str, Any]:
    """``measure-<kind>``: only this kind's keys, with the required ones."""
    fields = msgspec.structs.fields(kind)
    required = [f.name for f in fields if f.required and f.name != "name"]
    out: dict[str, Any] = {"description": kind.description, "additionalProperties": False}
    if required:
        out["required"] = required
    out["properties"] = {"name": _SHARED["name"], "kind": True} | {
        f.name: _field_schema(f) for f in fields if f.name != "name"
    }
    return out


def measurement_defs() -> dict[str, Any]:
    """Return the ``$defs`` of the ``measure:`` part of ``manifest.schema.json``, generated from the model."""
    kinds = list(MEASURE_TYPES)
    defs: dict[str, Any] = {
        "measurement": {
            "description": MEASUREMENT_DESCRIPTION,
            "type": "object",
            "required": ["name", "kind"],
            "properties": {"kind": {"enum": kinds}},
            "allOf": [
                {"if": {"$ref": f"#/$defs/kind-{kind}"}, "then": {"$ref": f"#/$defs/measure-{kind}"}}
                for kind in kinds
            ],
        }
    }
    for kind in kinds:
        defs[f"kind-{kind}"] = {
            "type": "object",
            "required": ["kind"],
            "properties": {"kind": {"const": kind}},
        }
    defs["runs"] = msgspec.json.schema(Runs) | {"default": MIN_RUNS}
    for kind, model in MEASURE_TYPES.items():
        defs[f"measure-{kind}"] = _kind_def(model)
    return defs


if __name__ == "__main__":
    print(json.dumps(measurement_defs(), indent=2))  # noqa: T201 - the generated part, to paste
