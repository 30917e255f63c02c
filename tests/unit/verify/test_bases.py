"""Base images without the engine: which bases the snippets need, the recipes' digests, the record's rows.

Pulling, building and inspecting a base needs the engine (tests/engine/test_engine_bases.py); running a
recipe's script as a user who is not root is tests/unit/helpers/test_rootless_build.py.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from journey.core.errors import BaseUnavailableError, ExitCode
from journey.engine.images import STANDIN
from journey.model.manifest import load_volume
from journey.verify import bases
from journey.verify.bases import (
    MB,
    OFFICIAL,
    RECIPES,
    RECIPES_DIR,
    Base,
    Provision,
    _first_line,
    _offline_from_env,
    needed_bases,
    size_rows,
    write_record,
)
from trees import SNIPPET_FIXTURES


def test_each_base_maps_to_the_snippets_that_name_it_in_reading_order():
    volume = load_volume(SNIPPET_FIXTURES / "bases")
    assert needed_bases(volume.snippets) == {
        "golang:1.12-alpine": ("bases/alpine-2019",),
        "golang:1.26-trixie": ("bases/multistage", "bases/modules"),
    }  # scratch is no image to have
    assert needed_bases([]) == {}


def test_a_recipes_digest_is_what_sha256sum_of_its_files_piped_to_sha256sum_prints():
    recipe = RECIPES["golang:1.26-trixie"]
    lines = "".join(
        f"{hashlib.sha256((RECIPES_DIR / n).read_bytes()).hexdigest()}  {n}\n" for n in recipe.files
    )
    assert recipe.digest() == "sha256:" + hashlib.sha256(lines.encode()).hexdigest()
    assert recipe.command == "scripts/bases/golang.sh 1.26 trixie"


def test_every_recipe_names_files_that_exist_and_bases_it_needs_that_have_recipes():
    for ref, recipe in RECIPES.items():
        assert (RECIPES_DIR / recipe.script).is_file(), ref
        assert all((RECIPES_DIR / name).is_file() for name in recipe.files), ref
        assert all(need in RECIPES for need in recipe.needs), ref


@pytest.mark.parametrize(
    ("value", "offline"), [(None, False), ("", False), ("0", False), ("1", True), ("yes", True)]
)
def test_journey_offline_skips_pulls_unless_empty_or_zero(monkeypatch, value, offline):
    if value is None:
        monkeypatch.delenv("JOURNEY_OFFLINE", raising=False)
    else:
        monkeypatch.setenv("JOURNEY_OFFLINE", value)
    assert _offline_from_env() is offline


def test_a_registrys_error_is_cut_to_its_first_line():
    assert _first_line("\n  Error response from daemon: manifest unknown  \nmore\n") == (
        "Error response from daemon: manifest unknown"
    )
    assert _first_line("  \n") == ""


def test_one_error_names_every_missing_base_its_cause_and_its_snippets():
    provision = Provision()
    assert provision.error() is None
    provision.unavailable = {
        "golang:1.12-alpine": (("vol1/old", "vol2/old"), "no recipe, and pulls are off"),
        "debian:trixie": ((), "the recipe failed"),
    }
    error = provision.error()
    assert isinstance(error, BaseUnavailableError)
    assert error.exit_code == ExitCode.BASE_UNAVAILABLE
    assert error.cause == (
        "cannot have golang:1.12-alpine (no recipe, and pulls are off); needed by vol1/old, vol2/old; "
        "debian:trixie (the recipe failed); needed by no snippet. "
        "These snippets are not verified in this build."
    )


def _base(ref: str, size: int, **labels: str) -> Base:
    return Base(ref, "sha256:" + "a" * 64, None, {STANDIN + k: v for k, v in labels.items()}, (), size)


def test_a_row_sets_the_size_beside_the_official_one_and_a_missing_base_gets_a_row_too():
    available = {
        "golang:1.26-trixie": _base("golang:1.26-trixie", 900 * MB, recipe="scripts/bases/golang.sh")
    }
    rows = size_rows(available, {"golang:1.12-alpine": (("vol1/old",), "why is not recorded")})
    assert [row["ref"] for row in rows] == ["golang:1.26-trixie", "golang:1.12-alpine"]
    built, missing = rows
    assert built["size"] == 900 * MB
    assert built["official_size"] == OFFICIAL["golang:1.26-trixie"].size
    assert built["difference"] == 900 * MB - OFFICIAL["golang:1.26-trixie"].size
    assert built["recipe"] == "scripts/bases/golang.sh"
    assert built["standin_for"] is None
    assert missing["provenance"] == "unavailable"
    assert missing["snippets"] == ["vol1/old"]
    assert missing["size"] is None
    assert "why is not recorded" not in json.dumps(rows)  # the cause is printed, never recorded


def test_a_base_without_a_published_size_has_no_difference():
    (row,) = size_rows({"example.org/own:1": _base("example.org/own:1", 5 * MB)})
    assert (row["official_size"], row["official_source"], row["difference"]) == (None, None, None)


def test_the_record_is_written_only_when_its_content_changed(tmp_path):
    available = {"debian:trixie": _base("debian:trixie", 121 * MB)}
    written = write_record(tmp_path, available)
    assert sorted(p.name for p in written) == ["bases.json", "bases.md"]
    assert json.loads(written[0].read_text(encoding="utf-8"))[0]["difference"] == 1 * MB
    assert write_record(tmp_path, available) == []
    assert written[0].parent == tmp_path / bases.BASES_RESULTS
