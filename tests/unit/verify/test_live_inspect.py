"""The inspect probe's engine-free part: fields of ``docker inspect`` read by dotted path."""

from __future__ import annotations

from journey.verify.live_inspect import MISSING, _shown, field_value


def test_inspect_fields_are_read_by_dotted_path():
    attrs = {"State": {"OOMKilled": True, "ExitCode": 137, "Health": None}}
    assert field_value(attrs, "State.OOMKilled") is True
    assert field_value(attrs, "State.ExitCode") == 137
    assert field_value(attrs, "State.Health") is None
    assert field_value(attrs, "State.Nothing") is MISSING
    assert field_value(attrs, "State.ExitCode.More") is MISSING


def test_a_missing_field_is_told_apart_from_a_json_null_when_shown():
    assert _shown(MISSING) == "(no such field)"
    assert _shown(None) == "null"
    assert _shown(True) == "true"  # noqa: FBT003 - the JSON spelling is the point
    assert _shown(137) == "137"
    assert field_value({"State": [1]}, "State.0") is MISSING  # only mappings are walked into
