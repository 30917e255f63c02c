"""Vol. 3's emulated build: a push's own Dockerfile, the foreign bases it needs, how the farm mirrors
them, and the fragment that sets two build times side by side. No engine: manifests, names, text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from journey.core.errors import ManifestError
from journey.engine.session import tree_cpu_seconds
from journey.helpers import farm
from journey.helpers.farm import Farm, FarmError
from journey.model.digest import source_digest, source_roots
from journey.model.manifest import (
    base_refs,
    emulated_bases,
    foreign_of,
    foreign_standin,
    load_snippet,
    snippet_from_dict,
    unpinned_bases,
)
from journey.site.ship_render import compare_builds, render_ship
from journey.verify.bases import RECIPES, Resolver
from journey.verify.ship import _platform, manifest_tree

CROSS = "FROM --platform=$BUILDPLATFORM golang:1.26-trixie AS builder\nRUN go build\nFROM scratch AS final\n"
EMULATED = (
    "FROM golang:1.26-trixie AS builder\nRUN go build\nFROM scratch AS final\nCOPY --from=builder /a /a\n"
)


def folder(tmp_path: Path, pushes: list[dict[str, object]]) -> Path:
    """vol3/x with the emulated Dockerfile, and vol1/multistage's cross-compiling one beside it."""
    (tmp_path / "vol1" / "multistage").mkdir(parents=True)
    (tmp_path / "vol1" / "multistage" / "Dockerfile").write_text(CROSS, encoding="utf-8")
    here = tmp_path / "vol3" / "x"
    here.mkdir(parents=True)
    (here / "Dockerfile").write_text(EMULATED, encoding="utf-8")
    manifest = {"title": "t", "build": {"dockerfile": "Dockerfile"}, "ship": {"pushes": pushes}}
    (here / "snippet.yml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    return here


ARM_EMULATED = {"name": "emulated", "platforms": ["linux/arm64"], "compare": "cross"}
ARM_CROSS = {"name": "cross", "platforms": ["linux/arm64"], "dockerfile": "../../vol1/multistage/Dockerfile"}


def test_only_a_from_without_platform_follows_the_target():
    assert unpinned_bases(EMULATED) == ("golang:1.26-trixie",)
    assert unpinned_bases(CROSS) == ()  # the builder is pinned to the build platform, final is scratch
    pinned_and_not = CROSS + "FROM golang:1.26-trixie AS tests\n"
    assert unpinned_bases(pinned_and_not) == ("golang:1.26-trixie",)
    assert unpinned_bases("ARG V=1.26\nFROM golang:${V}-trixie\n") == ("golang:1.26-trixie",)


def test_an_emulated_push_needs_the_foreign_stand_in_and_a_cross_one_does_not(tmp_path):
    snippet = load_snippet(folder(tmp_path, [ARM_EMULATED, ARM_CROSS]), "vol3/x")
    assert emulated_bases(snippet) == (("golang:1.26-trixie", "linux/arm64"),)
    assert base_refs(snippet) == ("golang:1.26-trixie", "journey-standin/linux-arm64/golang:1.26-trixie")
    only_cross = load_snippet(folder(tmp_path / "b", [{**ARM_CROSS, "name": "c"}]), "vol3/x")
    assert emulated_bases(only_cross) == ()
    assert base_refs(only_cross) == ("golang:1.26-trixie",)
    amd64 = load_snippet(folder(tmp_path / "c", [{"name": "native"}]), "vol3/x")
    assert emulated_bases(amd64) == ()  # the farm's own platform needs no other image


def test_a_foreign_stand_in_tag_says_what_and_for_which_platform():
    tag = foreign_standin("golang:1.26-trixie", "linux/arm64")
    assert tag == "journey-standin/linux-arm64/golang:1.26-trixie"
    assert foreign_of(tag) == ("golang:1.26-trixie", "linux/arm64")
    assert foreign_of(foreign_standin("debian:trixie", "linux/arm/v7")) == ("debian:trixie", "linux/arm/v7")
    assert foreign_of("golang:1.26-trixie") is None
    assert foreign_of("gcr.io/distroless/static-debian13:nonroot") is None
    assert tag in RECIPES  # `journey bases` builds it: scripts/bases/foreign.sh
    assert RECIPES[tag].command == "scripts/bases/foreign.sh arm64 1.26 trixie"
    assert RECIPES[tag].timeout > RECIPES["golang:1.26-trixie"].timeout  # dpkg and apt under QEMU


def test_a_foreign_stand_in_is_never_pulled(monkeypatch):
    """Its tag is a local name: docker.io has no journey-standin/…, so the recipe is the only way."""
    resolver = Resolver(client=object())
    monkeypatch.setattr("journey.verify.bases.inspect", lambda _ref, _client=None: None)
    monkeypatch.setattr(Resolver, "_pull", lambda *_: pytest.fail("pulled a local name"))
    monkeypatch.setattr(Resolver, "_build", lambda *_a, **_k: None)
    tag = foreign_standin("golang:1.26-trixie", "linux/arm64")
    assert resolver.resolve(tag) is None


def test_a_push_dockerfile_is_part_of_the_source(tmp_path):
    here = folder(tmp_path, [ARM_EMULATED, ARM_CROSS])
    snippet = load_snippet(here, "vol3/x")
    labels = [label for label, _ in source_roots(snippet)]
    assert labels == ["snippet", "dockerfile"]  # vol1/multistage/Dockerfile, outside the snippet folder
    before = source_digest(snippet)
    (tmp_path / "vol1" / "multistage" / "Dockerfile").write_text(CROSS + "# changed\n", encoding="utf-8")
    assert source_digest(load_snippet(here, "vol3/x")) != before


def test_a_push_dockerfile_that_is_not_there_is_a_manifest_error(tmp_path):
    missing = {**ARM_CROSS, "dockerfile": "../../vol1/nowhere/Dockerfile"}
    with pytest.raises(ManifestError) as caught:
        load_snippet(folder(tmp_path, [ARM_EMULATED, missing]), "vol3/x")
    assert "ship.pushes[1].dockerfile" in str(caught.value)
    assert "no such file" in str(caught.value)


def test_compare_must_name_another_push():
    """A push compared with itself is refused with the snippet; one of no push, by its volume."""
    raw = {
        "title": "t",
        "build": {"dockerfile": "Dockerfile"},
        "ship": {"pushes": [{**ARM_EMULATED, "compare": "emulated"}]},
    }
    with pytest.raises(ManifestError) as caught:
        snippet_from_dict(raw, Path("/nowhere/vol3/x"), "vol3/x")
    assert "ship.pushes[0].compare" in str(caught.value)
    assert "is this push itself" in str(caught.value)


def test_the_farm_pushes_a_foreign_stand_in_beside_the_native_one_and_indexes_both():
    arm = foreign_standin("golang:1.26-trixie", "linux/arm64")
    assert farm.mirror_path(arm) == "library/golang:1.26-trixie-linux-arm64"
    assert farm.mirror_path("golang:1.26-trixie") == "library/golang:1.26-trixie"
    assert farm.base_indexes(["golang:1.26-trixie", arm]) == {
        "127.0.0.1:5000/library/golang:1.26-trixie": [
            "127.0.0.1:5000/library/golang:1.26-trixie",
            "127.0.0.1:5000/library/golang:1.26-trixie-linux-arm64",
        ]
    }
    assert farm.base_indexes(["golang:1.26-trixie", "debian:trixie"]) == {}  # nothing foreign: no index


def test_a_failed_index_is_a_farm_error_naming_it(tmp_path, monkeypatch):
    """The fault: imagetools create refused (say, a source was never pushed) stops the farm, named."""
    (tmp_path / "docker.pid").write_text("1\n", encoding="utf-8")
    done = subprocess.CompletedProcess([], 1, "", "ERROR: 127.0.0.1:5000/library/golang:x: not found")
    monkeypatch.setattr(farm.process, "run", lambda *_a, **_k: done)
    with pytest.raises(FarmError) as caught:
        farm._create_index(Farm(tmp_path, "b", "k"), "127.0.0.1:5000/library/golang:1", ["a"])  # noqa: SLF001
    assert "imagetools create 127.0.0.1:5000/library/golang:1" in str(caught.value)
    assert "not found" in str(caught.value)


def push(name: str, seconds: list[float], **extra: object) -> dict[str, object]:
    return {
        "name": name,
        "platforms": ["linux/arm64"],
        "exporter": "type=image",
        "manifests": [],
        "volatile": {"build_seconds": seconds},
        **extra,
    }


def test_two_single_builds_are_compared_and_called_single():
    text = compare_builds(push("emulated", [600.0], dockerfile="Dockerfile"), push("cross", [60.0]))
    assert "| emulated | `Dockerfile` | linux/arm64 | 600.0 s (single builds, not a median) |" in text
    assert "emulated took **10.0 times** as long as cross" in text
    assert "a single measurement, not a median" in text


def test_no_ratio_without_both_times():
    assert "No ratio" in compare_builds(push("emulated", [600.0]), push("cross", []))


def test_a_push_with_compare_gets_its_fragment():
    ship = {"builder": {}, "pushes": [push("emulated", [9.0], compare="cross"), push("cross", [3.0])]}
    fragments = render_ship(ship, lambda n: f"{n} B", "t", snippet="vol3/emulated")
    assert "ship-emulated-vs-cross.md" in fragments
    assert "**3.0 times**" in fragments["ship-emulated-vs-cross.md"]
    assert "ship-cross-vs-emulated.md" not in fragments


class Registry:
    """A farm whose registry answers from a dict of paths (what ``registry_get`` would fetch)."""

    def __init__(self, answers: dict[str, object]) -> None:
        self.answers = answers

    def registry_get(self, path: str, _accept: object = ()) -> bytes:
        return json.dumps(self.answers[path]).encode()


def test_a_single_platform_push_is_named_by_its_config_not_taken_for_amd64():
    """A one-platform push without attestations is a bare manifest: its config says it is arm64."""
    manifest = {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"digest": "sha256:c"},
        "layers": [],
    }
    fake = Registry(
        {
            "/v2/vol3/x-emulated/manifests/sha256:m": manifest,
            "/v2/vol3/x-emulated/blobs/sha256:c": {"os": "linux", "architecture": "arm64"},
        }
    )
    tree = manifest_tree(fake, "vol3/x-emulated", "sha256:m")  # type: ignore[arg-type]
    (only,) = tree["platforms"]
    assert only["platform"] == {"os": "linux", "architecture": "arm64"}
    assert _platform(only) == "linux/arm64"


def test_a_silent_step_of_the_farm_shows_as_cpu_of_buildkitds_process_tree():
    """An emulated go build prints nothing for minutes: its CPU, in buildkitd's tree, is its sign of life."""
    busy = subprocess.Popen(
        [sys.executable, "-c", "import time\nend = time.time() + 1.5\nwhile time.time() < end: pass"]
    )
    try:
        before = tree_cpu_seconds(os.getpid())
        busy.wait(timeout=30)  # reaped by us: its time is in our children's counters now
        after = tree_cpu_seconds(os.getpid())
    finally:
        busy.kill()
    assert after - before >= 0.5
    assert tree_cpu_seconds(2**22 + 1) == 0  # no such process: nothing used
