"""The ``ship:`` key of snippet.yml: parsed into typed pushes, and every mistake named with its key path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from journey.core.errors import ManifestError
from journey.model.manifest import snippet_from_dict
from journey.model.ship_manifest import (
    COMPRESSION_TYPES,
    EstargzCompression,
    GzipCompression,
    ZstdCompression,
    parse_ship,
)
from trees import write_tree

BUILD = {"dockerfile": "Dockerfile"}


def snippet(ship: object, **extra: object):
    raw = {"title": "t", "build": BUILD, "ship": ship, **extra}
    return snippet_from_dict(raw, Path("/nowhere/vol3/x"), "vol3/x")


def error_of(ship: object, **extra: object) -> ManifestError:
    with pytest.raises(ManifestError) as caught:
        snippet(ship, **extra)
    return caught.value


def test_a_push_with_every_key_loads_into_typed_fields():
    push = {
        "name": "cross",
        "title": "three platforms",
        "platforms": ["linux/amd64", "linux/arm64"],
        "target": "final",
        "args": {"SOURCE_DATE_EPOCH": 0},
        "compression": {"type": "zstd", "level": 19},
        "rewrite_timestamp": True,
        "provenance": "max",
        "repeat": {"times": 2, "expect": "same"},
        "pull": {"times": 5},
        "run": [{"name": "arm", "platform": "linux/arm64", "command": ["-version"], "output": "arm64"}],
        "inspect": True,
        "files": ["/opt/server"],
    }
    ship = snippet({"pushes": [push]}).ship
    assert ship is not None
    (loaded,) = ship.pushes
    assert loaded.platforms == ("linux/amd64", "linux/arm64")
    assert loaded.args == {"SOURCE_DATE_EPOCH": "0"}
    assert loaded.repeat is not None
    assert (loaded.repeat.times, loaded.repeat.expect) == (2, "same")
    assert loaded.pulls == 5
    assert loaded.runs[0].command == ("-version",)
    assert loaded.exporter() == (
        "type=image,oci-mediatypes=true,compression=zstd,compression-level=19,force-compression=true,"
        "rewrite-timestamp=true"
    )


def test_defaults_are_one_amd64_gzip_push_without_provenance():
    ship = snippet({"pushes": [{"name": "plain"}]}).ship
    assert ship is not None
    push = ship.pushes[0]
    assert (push.platforms, push.compression, push.provenance, push.repeat) == (
        ("linux/amd64",),
        GzipCompression(),
        "none",
        None,
    )
    assert push.exporter() == "type=image,oci-mediatypes=true,compression=gzip,force-compression=true"


@pytest.mark.parametrize(
    ("ship", "key", "cause"),
    [
        (
            {"pushes": [{"name": "a", "platfroms": ["linux/arm64"]}]},
            "ship.pushes[0].platfroms",
            "did you mean",
        ),
        ({"pushes": [{"name": "a", "platforms": ["windows/amd64"]}]}, "ship.pushes[0].platforms[0]", "match"),
        (
            {"pushes": [{"name": "a", "compression": {"type": "brotli"}}]},
            "ship.pushes[0].compression.type",
            "'brotli' is not one of gzip, zstd, estargz",
        ),
        (
            {"pushes": [{"name": "a", "compression": {"type": "gzip", "level": 19}}]},
            "ship.pushes[0].compression.level",
            "19 is greater than the maximum of 9",
        ),
        (
            {"pushes": [{"name": "a", "compression": {"level": 3}}]},
            "ship.pushes[0].compression.type",
            "'type' is a required property",
        ),
        (
            {"pushes": [{"name": "a", "compression": {"type": "zstd", "levle": 3}}]},
            "ship.pushes[0].compression.levle",
            "'levle' was unexpected (did you mean 'level'?) (allowed: level, type)",
        ),
        (
            {"pushes": [{"name": "a", "repeat": {"times": 1, "expect": "same"}}]},
            "ship.pushes[0].repeat.times",
            "2",
        ),
        ({"pushes": [{"name": "a", "pull": {"times": 3}}]}, "ship.pushes[0].pull.times", "5"),
        ({"pushes": []}, "ship.pushes", "non-empty"),
        ({"pushes": [{"name": "a"}, {"name": "a"}]}, "ship.pushes[1].name", "duplicate push name"),
        (
            {"pushes": [{"name": "a", "run": [{"name": "r", "platform": "linux/arm64", "command": ["x"]}]}]},
            "ship.pushes[0].run[0].platform",
            "not one of this push's platforms",
        ),
        (
            {"pushes": [{"name": "a", "platforms": ["linux/amd64", "linux/arm64"], "load": True}]},
            "ship.pushes[0].load",
            "one platform",
        ),
    ],
)
def test_a_bad_push_is_a_manifest_error_naming_the_key(ship, key, cause):
    error = error_of(ship)
    assert error.key == key
    assert cause in error.cause


def test_ship_needs_a_build_to_know_its_context():
    with pytest.raises(ManifestError) as caught:
        snippet_from_dict({"title": "t", "ship": {"pushes": [{"name": "a"}]}}, Path("/x/vol3/x"), "vol3/x")
    assert caught.value.key == "ship"
    assert "build" in caught.value.cause


@pytest.mark.parametrize(
    ("raw", "made", "exporter"),
    [
        ({"type": "zstd", "level": 19}, ZstdCompression(level=19), "compression=zstd,compression-level=19,"),
        ({"type": "estargz"}, EstargzCompression(), "compression=estargz,force"),
        ({"type": "gzip", "level": 0}, GzipCompression(level=0), "compression=gzip,compression-level=0,"),
    ],
)
def test_a_compression_becomes_its_types_class_and_spells_its_exporter(raw, made, exporter):
    (push,) = parse_ship({"pushes": [{"name": "a", "compression": raw}]}).pushes
    assert push.compression == made
    assert type(push.compression) is COMPRESSION_TYPES[raw["type"]]
    assert exporter in push.exporter()


def test_a_bad_ship_kind_ends_with_exit_2_naming_the_file_the_key_and_what_was_expected(tmp_path):
    """The real command line, in a fresh process: an unknown compression type stops ``journey check``."""
    ship = "ship:\n  pushes:\n    - {name: a, compression: {type: brotli, level: 3}}\n"
    write_tree(
        tmp_path,
        {
            "mkdocs.yml": "site_name: t\nnav: []\n",
            "snippets/vol3/volume.yml": "title: V\nsnippets: [push]\n",
            "snippets/vol3/push/snippet.yml": f"title: t\nbuild: {{}}\n{ship}",
            "snippets/vol3/push/Dockerfile": "FROM scratch\n",
        },
    )
    done = subprocess.run(
        [sys.executable, "-m", "journey", "check", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"},
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(
        "journey: vol3/push: manifest: snippets/vol3/push/snippet.yml: ship.pushes[0].compression.type: "
        "'brotli' is not one of gzip, zstd, estargz"
    )
    assert "Traceback" not in done.stderr
