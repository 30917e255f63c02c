"""The parts of ``manifest.schema.json`` and ``ship.schema.json`` that the typed model generates.

``probe_defs`` derives the probe part from ``manifest.PROBE_PARSERS`` and ``manifest.ProbeSpec`` (the
``probe`` object: exactly one kind's key, each kind's definition, ``schema_def``) and from the command
probes' classes (``probe.http``, ``exec``, ``expect-failure``: their fields, the required ones, their
``Meta`` constraints). ``measurement_defs``
derives the ``measure:`` part (``measurement``, ``kind-<kind>``, ``runs``, ``measure-<kind>``) from
``journey.model.measure_spec``; ``check_defs`` the ``checks:`` part (``check``, ``tool-<tool>``,
``check-<tool>``, the shared ``files``, ``expect``, ``go-dir``) from ``journey.model.check_spec``; and
``compression_defs`` ``ship.schema.json``'s ``compression`` part from ``journey.model.ship_manifest``.
``tests/unit/model/test_schema.py`` holds the committed schemas to ``generated_defs`` and
``generated_ship_defs``; ``python -m journey.model.schema`` (``… ship``) prints them to paste. The shape is
the hand-written one (``oneOf`` of ``required``, ``if``/``then`` on the tag), so jsonschema words its
errors as before:
``'stage' was unexpected (allowed: kind, name, path, runs)``. Nothing at load time runs this: ``journey
check`` reads the committed file.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

import msgspec

from journey.model.check_spec import CHECK_TYPES, Check, Files, GoDir, LintCodes
from journey.model.manifest import PROBE_PARSERS, ExecProbe, ExpectFailureProbe, ProbeSpec
from journey.model.measure_spec import MEASURE_TYPES, MIN_RUNS, MeasureBase, Runs
from journey.model.ship_manifest import COMPRESSION_TYPES

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


#: Fields whose schema is a shared definition, whatever class they are in.
_FIELD_REFS: dict[str, Any] = {
    "command": {"$ref": "#/$defs/command"},
    "options": {"$ref": "#/$defs/run-options"},
}


def _type_schema(hint: Any) -> Any:  # noqa: ANN401 - a type, and JSON
    """Return one field type's schema: msgspec's (with ``Meta``), ``None`` left out, ``Literal`` in order."""
    if get_origin(hint) is Literal:
        return {"enum": list(get_args(hint))}
    schema = msgspec.json.schema(hint)
    if "anyOf" in schema:  # an optional key (``X | None = None``): absent, never null, in a manifest
        schema = next(option for option in schema["anyOf"] if option != {"type": "null"})
    return schema


def object_schema(model: type[Any]) -> dict[str, Any]:
    """Return a frozen dataclass's schema: its fields, the required ones, and its class's ``schema``.

    A field's default other than ``None`` is written as ``default``; extras (``description``, ``anyOf``,
    ``$comment``) come from the class's ``schema`` mapping.
    """
    hints = get_type_hints(model, include_extras=True)
    fields = dataclasses.fields(model)
    extra = dict(model.schema)
    out: dict[str, Any] = {}
    if "description" in extra:
        out["description"] = extra.pop("description")
    out |= {"type": "object", "additionalProperties": False}
    out["required"] = [
        f.name
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    out |= extra
    properties: dict[str, Any] = {}
    for item in fields:
        if item.name in _FIELD_REFS:
            properties[item.name] = _FIELD_REFS[item.name]
            continue
        schema = _type_schema(hints[item.name])
        if item.default is not dataclasses.MISSING and item.default is not None:
            schema = schema | {"default": item.default}
        properties[item.name] = schema
    out["properties"] = properties
    return out


def probe_defs() -> dict[str, Any]:
    """Return the ``probe`` definition (one key of ``PROBE_PARSERS`` exactly) and the command probes' own."""
    kinds = list(PROBE_PARSERS)
    classes = {spec.kind: spec for spec in get_args(ProbeSpec)}
    properties: dict[str, Any] = {"name": {"$ref": "#/$defs/name"}}
    for kind in kinds:
        own = classes[kind].schema_def
        properties[kind] = {"$ref": f"#/$defs/{own}"} if own else object_schema(classes[kind])
    return {
        "probe": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "oneOf": [{"required": [kind]} for kind in kinds],
            "properties": properties,
        },
        "exec": object_schema(ExecProbe),
        "expect-failure": object_schema(ExpectFailureProbe),
    }


def _tagged(name: str, tag: str, kinds: list[str], prefixes: tuple[str, str], head: dict[str, Any]) -> Any:  # noqa: ANN401 - JSON
    """Return a union's definitions: ``name`` (``tag`` one of ``kinds``, then that kind's keys) and each test.

    ``prefixes`` name each kind's test (``<is>-<kind>``: the tag is that kind) and its keys' definition
    (``<then>-<kind>``); ``head`` starts the union's own definition (its description, its required keys).
    The shape is the hand-written one (``if``/``then`` per kind), so jsonschema words its errors as before.
    """
    test, then = prefixes
    defs: dict[str, Any] = {
        name: head
        | {
            "properties": {tag: {"enum": kinds}},
            "allOf": [
                {"if": {"$ref": f"#/$defs/{test}-{kind}"}, "then": {"$ref": f"#/$defs/{then}-{kind}"}}
                for kind in kinds
            ],
        }
    }
    for kind in kinds:
        defs[f"{test}-{kind}"] = {"type": "object", "required": [tag], "properties": {tag: {"const": kind}}}
    return defs


def measurement_defs() -> dict[str, Any]:
    """Return the ``$defs`` of the ``measure:`` part of ``manifest.schema.json``, generated from the model."""
    head = {"description": MEASUREMENT_DESCRIPTION, "type": "object", "required": ["name", "kind"]}
    defs: dict[str, Any] = _tagged("measurement", "kind", list(MEASURE_TYPES), ("kind", "measure"), head)
    defs["runs"] = msgspec.json.schema(Runs) | {"default": MIN_RUNS}
    for kind, model in MEASURE_TYPES.items():
        defs[f"measure-{kind}"] = _kind_def(model)
    return defs


#: What the ``check`` definition says of the whole ``checks:`` item.
CHECK_DESCRIPTION = "a linter, test or end-to-end run; `tool` picks the schema its other keys follow"
#: Key types with a definition of their own, generated once and pointed at from each tool that takes them.
_CHECK_SHARED: dict[str, Any] = {"files": Files, "expect": LintCodes, "go-dir": GoDir}


def _present(hint: Any) -> Any:  # noqa: ANN401 - a type
    """Return an optional key's type without its ``None`` (absent, never null, in a manifest)."""
    args = [arg for arg in get_args(hint) if arg is not type(None)]
    union = get_origin(hint) in {Union, types.UnionType}
    return args[0] if union and len(args) == 1 else hint


def _described(hint: Any) -> Any:  # noqa: ANN401 - a type, and JSON
    """Return a key type's schema; a ``Literal`` (bare or with ``Meta``) keeps its values' order."""
    if get_origin(hint) is Annotated and get_origin(get_args(hint)[0]) is Literal:
        meta = next((m for m in hint.__metadata__ if isinstance(m, msgspec.Meta)), None)
        enum = {"enum": list(get_args(get_args(hint)[0]))}
        return {"description": meta.description, **enum} if meta and meta.description else enum
    return _type_schema(hint)


def _check_key(kind: type[Check], field: msgspec.structs.FieldInfo) -> Any:  # noqa: ANN401 - JSON
    """One check key's schema: the shared ``name``, a shared definition, or its type's own."""
    if field.encode_name == "name":
        return {"$ref": "#/$defs/name"}
    if field.encode_name in kind.shared:
        return kind.shared[field.encode_name]
    hint = _present(field.type)
    shared = next((ref for ref, alias in _CHECK_SHARED.items() if hint == alias), None)
    return {"$ref": f"#/$defs/{shared}"} if shared else _described(hint)


def _check_def(kind: type[Check]) -> dict[str, Any]:
    """``check-<tool>``: only this tool's keys, the required ones, and the class's own rules."""
    fields = msgspec.structs.fields(kind)
    out: dict[str, Any] = {"description": kind.description} if kind.description else {}
    out["additionalProperties"] = False
    if required := [f.encode_name for f in fields if f.required]:
        out["required"] = required
    out["properties"] = {"tool": True} | {f.encode_name: _check_key(kind, f) for f in fields}
    return out | kind.schema


def check_defs() -> dict[str, Any]:
    """Return the ``$defs`` of the ``checks:`` part of ``manifest.schema.json``, generated from the model."""
    head = {"description": CHECK_DESCRIPTION, "type": "object", "required": ["tool"]}
    defs: dict[str, Any] = _tagged("check", "tool", list(CHECK_TYPES), ("tool", "check"), head)
    defs |= {name: msgspec.json.schema(alias) for name, alias in _CHECK_SHARED.items()}
    for tool, model in CHECK_TYPES.items():
        defs[f"check-{tool}"] = _check_def(model)
    return defs


#: What the ``compression`` definition of ``ship.schema.json`` says of a push's ``compression:``.
COMPRESSION_DESCRIPTION = "how the pushed layers are compressed; `type` picks the levels it takes"


def compression_defs() -> dict[str, Any]:
    """Return the ``$defs`` of the ``compression:`` part of ``ship.schema.json``, generated from the model."""
    head = {"description": COMPRESSION_DESCRIPTION, "type": "object", "required": ["type"]}
    defs: dict[str, Any] = _tagged(
        "compression", "type", list(COMPRESSION_TYPES), ("type", "compression"), head
    )
    for name, kind in COMPRESSION_TYPES.items():
        fields = msgspec.structs.fields(kind)
        defs[f"compression-{name}"] = {
            "description": kind.description,
            "additionalProperties": False,
            "properties": {"type": True} | {f.encode_name: _type_schema(f.type) for f in fields},
        }
    return defs


def generated_defs() -> dict[str, Any]:
    """Every definition of ``manifest.schema.json`` that the model generates, by name."""
    return probe_defs() | measurement_defs() | check_defs()


def generated_ship_defs() -> dict[str, Any]:
    """Every definition of ``ship.schema.json`` that the model generates, by name."""
    return compression_defs()


if __name__ == "__main__":
    # the generated parts, to paste: manifest.schema.json's, then (``ship``) ship.schema.json's
    print(json.dumps(generated_ship_defs() if sys.argv[1:] == ["ship"] else generated_defs(), indent=2))  # noqa: T201
