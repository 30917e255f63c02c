"""Ship groups (volume.yml ``ship_groups:``): one table, reading and chart over several snippets' pushes.

The group's fragments are made by the code that makes a snippet's own ``ship.md``, ``ship-reading.md``
and ``ship-sizes.svg``; these tests hold them to it, to the order ``volume.yml`` lists the members in, and
to what a member without a verified result shows. ``journey check`` and ``journey render`` treat them as
every other fragment.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

import pytest

from journey.cli import main
from journey.core.errors import ExitCode, ManifestError
from journey.model.digest import source_digest
from journey.model.manifest import discover, load_volume
from journey.model.record import read_result, result_path, write_result
from journey.model.units import format_size
from journey.site.check import check_results
from journey.site.render import render_volume, write_snippet_fragments, write_volume_fragments
from journey.site.ship_render import render_groups, render_ship
from trees import REPO

if TYPE_CHECKING:
    from pathlib import Path

BUILDER = {"builder": "buildkitd v0.13.2", "registry": "docker-registry", "engine": "dockerd 26"}
PUSHES = {
    "gz": [{"name": "gzip", "compression": {"type": "gzip"}, "pull": {"times": 5}}],
    "zs": [
        {"name": "zstd", "compression": {"type": "zstd"}, "pull": {"times": 5}},
        {"name": "zstd-19", "compression": {"type": "zstd", "level": 19}, "pull": {"times": 5}},
    ],
}


def snippet_yml(name: str) -> str:
    pushes = ", ".join(
        "{" + ", ".join(f"{k}: {v}".replace("'", "") for k, v in push.items()) + "}" for push in PUSHES[name]
    )
    return f"title: The {name} pushes\nbuild: {{dockerfile: Dockerfile}}\nship: {{pushes: [{pushes}]}}\n"


def write_volume(tree: Any, groups: str) -> Path:
    """A volume of two shipping snippets, ``gz`` then ``zs``, with ``groups`` as its ``ship_groups:``."""
    files = {
        "snippets/vol3/volume.yml": (
            f"title: V3\npages: [vol3.md]\nsnippets: [gz, zs]\nship_groups: {groups}\n"
        ),
        "snippets/vol3/gz/snippet.yml": snippet_yml("gz"),
        "snippets/vol3/gz/Dockerfile": "FROM scratch\n",
        "snippets/vol3/zs/snippet.yml": snippet_yml("zs"),
        "snippets/vol3/zs/Dockerfile": "FROM scratch\nLABEL a=b\n",
    }
    return tree(files)


def push(name: str, compressed: int, median: float, platform: str = "linux/amd64") -> dict[str, Any]:
    manifest = {"platform": platform, "compressed_size": compressed, "size": 20_000_000, "layers": []}
    pull = {"median": median, "min": median - 0.02, "max": median + 0.01, "runs": 5}
    return {
        "name": name,
        "exporter": f"type=image,compression={name}",
        "platforms": [platform],
        "manifests": [manifest],
        "volatile": {"build_seconds": [40.0], "pull_seconds": pull},
    }


def result(snippet: Any, *pushes: dict[str, Any], builder: dict[str, str] = BUILDER) -> dict[str, Any]:
    """A verified result of ``snippet`` with these pushes, as `journey verify` would record it."""
    return {
        "results_version": 1,
        "snippet": snippet.id,
        "status": "verified",
        "done": snippet.done,
        "reason": None,
        "source_digest": source_digest(snippet),
        "input_digest": "sha256:0",
        "verified_on": "2026-12-07",
        "environment": {
            "engine": "26.1.5",
            "buildx": "0.13.1",
            "platform": "linux/amd64",
            "go": None,
            "bases": [],
        },
        "images": [{"role": "final", "size": 7_120_000, "compressed_size": 3_010_000, "layers": []}],
        "probes": [],
        "checks": [],
        "outputs": {},
        "ship": {"builder": builder, "pushes": list(pushes)},
    }


def recorded(volume: Any) -> dict[str, Any]:
    """Results of both members: gzip the baseline, zstd-19 the smallest, zstd the fastest pull."""
    gz, zs = volume.snippets
    return {
        gz.id: result(gz, push("gzip", 6_000_000, 0.30)),
        zs.id: result(zs, push("zstd", 5_000_000, 0.20), push("zstd-19", 4_000_000, 0.25)),
    }


def rows_of(table: str) -> list[str]:
    """The first cell of each body row of a Markdown table: the push names, in order."""
    return [line.split("|")[1].strip() for line in table.splitlines()[2:] if line.startswith("| ")]


def test_a_group_of_one_snippet_shows_exactly_that_snippets_table_reading_and_chart(tree):
    volume = load_volume(write_volume(tree, "{solo: [zs]}") / "snippets/vol3")
    results = recorded(volume)
    zs = volume.snippets[1]
    own = render_ship(results[zs.id]["ship"], format_size, "solo", snippet=zs.id)
    group = render_volume(volume, results)
    assert group["ship-solo.md"] == own["ship.md"]
    assert group["ship-solo-reading.md"] == own["ship-reading.md"]
    assert group["ship-solo-sizes.svg"] == own["ship-sizes.svg"]


def test_vol3s_naive_group_renders_its_committed_fragments():
    """On Vol. 3's real results: the three naive-image snippets make the one table the page includes."""
    volume = load_volume(REPO / "snippets/vol3")
    assert [g.name for g in volume.ship_groups] == ["emulation", "compression-naive"]
    results = {s.id: read_result(result_path(REPO, s.id)) for s in volume.snippets}
    group = render_groups(volume, results, format_size)
    for name in (
        "ship-compression-naive.md",
        "ship-compression-naive-reading.md",
        "ship-compression-naive-sizes.svg",
    ):
        assert group[name] == (REPO / "results/vol3" / name).read_text(encoding="utf-8"), name
    assert rows_of(group["ship-compression-naive.md"]) == ["gzip", "zstd", "zstd-19"]


def test_rows_bars_and_the_reading_follow_the_order_volume_yml_lists(tree):
    volume = load_volume(write_volume(tree, "{naive: [zs, gz]}") / "snippets/vol3")
    fragments = render_volume(volume, recorded(volume))
    assert rows_of(fragments["ship-naive.md"]) == ["zstd", "zstd-19", "gzip"]
    svg = ET.fromstring(fragments["ship-naive-sizes.svg"])  # noqa: S314 - our own output
    labels = [t.text for t in svg.iter() if t.text]
    assert [label for label in labels if label.endswith("linux/amd64")] == [
        "zstd linux/amd64",
        "zstd-19 linux/amd64",
        "gzip linux/amd64",
    ]
    # Read against the first push of the first member listed: zstd, not the volume's first snippet's gzip.
    reading = fragments["ship-naive-reading.md"]
    assert reading.startswith("Read against the first push: the smallest in the registry is **zstd-19**")
    assert "20 % less than zstd's 5 MB; the largest is **gzip**, 6 MB" in reading
    assert "The fastest pull is **zstd**'s own (0.20 s, median)." in reading
    assert fragments["ship-naive.md"].count("Built by buildkitd v0.13.2") == 1


@pytest.mark.parametrize("why", ["no result", "not verified"])
def test_a_member_without_a_verified_result_keeps_its_rows_and_says_so(tree, why):
    volume = load_volume(write_volume(tree, "{naive: [gz, zs]}") / "snippets/vol3")
    results: dict[str, Any] = recorded(volume)
    gz, zs = volume.snippets
    if why == "no result":
        results[zs.id], reason = None, "no recorded result"
    else:
        results[zs.id] = {**results[zs.id], "status": "not-verified", "reason": "the farm did not start"}
        reason = "the farm did not start"
    fragments = render_volume(volume, results)
    table = fragments["ship-naive.md"]
    assert rows_of(table) == ["gzip", "zstd", "zstd-19"]  # its declared pushes keep their place
    note = f"`vol3/zs` not verified in this build: {reason}"
    assert f"| zstd | {note} | - | - | - | - | - | - |" in table
    assert f"| zstd-19 | {note} |" in table
    assert "| gzip | `type=image,compression=gzip` |" in table  # the verified member as ever
    # No comparison over half the pushes: the baseline would move as the other members arrive.
    assert fragments["ship-naive-reading.md"] == (
        "No reading yet: `vol3/zs` not verified in this build, so the pushes are not compared.\n"
    )
    svg = fragments["ship-naive-sizes.svg"]
    assert svg.count("<rect") == 1
    assert svg.count(">not verified</text>") == 2
    assert gz.id not in fragments["ship-naive-reading.md"]


def test_pushes_that_do_not_compare_like_with_like_get_a_reading_saying_so(tree):
    volume = load_volume(write_volume(tree, "{naive: [gz, zs]}") / "snippets/vol3")
    results = recorded(volume)
    zs = volume.snippets[1]
    results[zs.id]["ship"]["pushes"] = [
        push("zstd", 5_000_000, 0.2, "linux/arm64"),
        push("zstd-19", 4_000_000, 0.2, "linux/arm64"),
    ]
    reading = render_volume(volume, results)["ship-naive-reading.md"]
    assert reading.startswith("No reading: these pushes are not one image pulled several ways")


def test_members_built_on_different_farms_say_which_builder_made_which_pushes(tree):
    volume = load_volume(write_volume(tree, "{naive: [gz, zs]}") / "snippets/vol3")
    results = recorded(volume)
    zs = volume.snippets[1]
    results[zs.id]["ship"]["builder"] = {**BUILDER, "builder": "buildkitd v0.14.0"}
    table = render_volume(volume, results)["ship-naive.md"]
    assert table.splitlines()[-1] == (
        "Built by buildkitd v0.13.2; pushed to docker-registry; pulled and run on dockerd 26 (pushes gzip). "
        "Built by buildkitd v0.14.0; pushed to docker-registry; pulled and run on dockerd 26 "
        "(pushes zstd, zstd-19)."
    )


def test_a_volume_without_groups_gets_no_group_fragments(tree):
    volume = load_volume(write_volume(tree, "{}") / "snippets/vol3")
    assert not [name for name in render_volume(volume, recorded(volume)) if name.startswith("ship-")]


def _record(root: Path) -> None:
    """Record both members' results and write every fragment, as `journey verify` would."""
    (volume,) = discover(root)
    results = recorded(volume)
    for snippet in volume.snippets:
        write_result(result_path(root, snippet.id), results[snippet.id])
        write_snippet_fragments(root, snippet, results[snippet.id])
    write_volume_fragments(root, volume, results)


def _gaps(root: Path) -> list[str]:
    return [str(p) for p in check_results(root, discover(root))]


def test_check_reports_a_group_fragment_missing_stale_or_left_over_and_render_repairs_it(tree, capsys):
    root = write_volume(tree, "{naive: [gz, zs]}")
    _record(root)
    folder = root / "results/vol3"
    assert {p.name for p in folder.glob("ship-*")} == {
        "ship-naive.md",
        "ship-naive-reading.md",
        "ship-naive-sizes.svg",
    }
    assert _gaps(root) == []
    (folder / "ship-naive.md").unlink()
    (folder / "ship-naive-reading.md").write_text("The smallest is gzip.\n")
    (folder / "ship-old.md").write_text("a group renamed since\n")
    hint = "(hint: run `journey render` and commit the results/ changes)"
    assert _gaps(root) == [
        f"results/vol3/ship-naive-reading.md:1: fragment differs from its result {hint}",
        f"results/vol3/ship-naive.md:1: fragment missing {hint}",
        (
            "results/vol3/ship-old.md:1: fragment of no ship group of volume.yml"
            " (hint: run `journey render`, or add the group back to volume.yml `ship_groups:`)"
        ),
    ]
    assert main(["render", "--root", str(root)]) == ExitCode.OK
    out = capsys.readouterr().out
    for name in ("ship-naive.md", "ship-naive-reading.md", "ship-old.md"):
        assert f"rendered results/vol3/{name}\n" in out
    assert not (folder / "ship-old.md").exists()
    assert _gaps(root) == []


def test_a_changed_member_result_makes_the_group_fragments_stale(tree):
    root = write_volume(tree, "{naive: [gz, zs]}")
    _record(root)
    (volume,) = discover(root)
    gz = volume.snippets[0]
    moved = result(gz, push("gzip", 6_500_000, 0.30))
    write_result(result_path(root, gz.id), moved)
    write_snippet_fragments(root, gz, moved)
    gaps = _gaps(root)
    assert any(g.startswith("results/vol3/ship-naive.md:1: fragment differs") for g in gaps)
    assert any(g.startswith("results/vol3/ship-naive-sizes.svg:1: fragment differs") for g in gaps)


def compare_volume(tree: Any, groups: str) -> Path:
    """``gz`` and ``zs`` as in write_volume, but zs's zstd push compares its build with gz's gzip."""
    folder = write_volume(tree, groups)
    manifest = folder / "snippets/vol3/zs/snippet.yml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("{name: zstd,", "{name: zstd, compare: gzip,"),
        encoding="utf-8",
    )
    return folder


def test_a_compare_across_a_group_sets_the_two_members_builds_side_by_side(tree):
    volume = load_volume(compare_volume(tree, "{pair: [gz, zs]}") / "snippets/vol3")
    results = recorded(volume)
    results[volume.snippets[1].id]["ship"]["pushes"][0]["volatile"]["build_seconds"] = [120.0]
    fragments = render_volume(volume, results)
    text = fragments["ship-pair-zstd-vs-gzip.md"]
    assert "zstd took **3.0 times** as long as gzip" in text
    assert "ship-pair-gzip-vs-zstd.md" not in fragments


def test_a_compare_across_a_group_waits_for_both_members(tree):
    volume = load_volume(compare_volume(tree, "{pair: [gz, zs]}") / "snippets/vol3")
    results = recorded(volume)
    del results[volume.snippets[0].id]
    text = render_volume(volume, results)["ship-pair-zstd-vs-gzip.md"]
    assert text == "No ratio yet: `vol3/gz` not verified in this build.\n"


def test_a_compare_naming_a_push_outside_the_snippet_and_its_group_is_a_manifest_error(tree):
    folder = compare_volume(tree, "{}")
    with pytest.raises(ManifestError) as caught:
        load_volume(folder / "snippets/vol3")
    message = str(caught.value)
    assert "snippets/vol3/zs/snippet.yml: ship.pushes[0].compare" in message
    assert "'gzip' is no push of this snippet or of its ship group (zstd, zstd-19)" in message
