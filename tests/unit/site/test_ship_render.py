"""Ship fragments: tables name the builder, timings are medians, the chart has a bar per image."""

from __future__ import annotations

from journey.model.record import materially_equal
from journey.site.render import format_size
from journey.site.ship_render import chart, pushed, render_ship

MANIFEST = {
    "platform": "linux/arm64",
    "compressed_size": 3_000_000,
    "size": 7_000_000,
    "layers": [
        {"media_type": "application/vnd.oci.image.layer.v1.tar+gzip", "compressed_size": 3, "size": 7}
    ],
    "files": {"/opt/server": 6_500_000},
}
SHIP = {
    "builder": {"builder": "buildkitd v0.13.2", "registry": "docker-registry", "engine": "dockerd 26"},
    "pushes": [
        {
            "name": "epoch",
            "platforms": ["linux/arm64"],
            "exporter": "type=image,compression=gzip",
            "provenance": "none",
            "args": {},
            "repeat": {"times": 2, "expect": "same", "identical": True},
            "digest": "sha256:" + "c" * 64,
            "manifests": [MANIFEST],
            "runs": [{"name": "arm", "platform": "linux/arm64", "ok": True, "output": "linux/arm64\n"}],
            "inspect": "Name: x\n",
            "volatile": {
                "build_seconds": [10.0, 11.0],
                "pull_seconds": {"median": 0.5, "min": 0.4, "max": 0.7, "runs": 5},
            },
        }
    ],
}


def test_every_push_gets_its_fragments():
    fragments = render_ship(SHIP, format_size, "A title", snippet="vol3/x")
    assert set(fragments) == {
        "ship.md",
        "ship-sizes.svg",
        "ship-epoch.md",
        "ship-epoch-inspect.txt",
        "ship-epoch-run-arm.txt",
    }
    summary = fragments["ship.md"]
    assert "Built by buildkitd v0.13.2" in summary
    assert "0.50 s (0.40-0.70, 5 runs)" in summary
    assert "single builds, not a median" in summary  # two builds are listed, never called a median
    assert "identical" in summary
    table = fragments["ship-epoch.md"]
    assert "| linux/arm64 | 1 | 3 MB | 7 MB | 6.5 MB |" in table


def test_the_chart_has_one_bar_per_pushed_platform_image():
    svg = chart(pushed("vol3/x", SHIP) * 2, format_size, "A title")
    assert svg.count("<rect") == 2
    assert "epoch linux/arm64" in svg


def test_the_chart_is_named_after_its_snippet_so_two_charts_of_the_same_pushes_differ():
    one = chart(pushed("vol3/x", SHIP), format_size, "The final image")
    other = chart(pushed("vol3/x", SHIP), format_size, "The naive image & co")
    assert 'aria-label="The final image: compressed size' in one
    assert 'aria-label="The naive image &amp; co: compressed size' in other


def test_volatile_timings_and_digests_do_not_make_a_result_change():
    old = {"snippet": "vol3/x", "ship": {"pushes": [{"name": "a", "volatile": {"build_seconds": [1.0]}}]}}
    new = {"snippet": "vol3/x", "ship": {"pushes": [{"name": "a", "volatile": {"build_seconds": [9.0]}}]}}
    assert materially_equal(old, new)  # type: ignore[arg-type]
    new["ship"]["pushes"][0]["name"] = "b"
    assert not materially_equal(old, new)  # type: ignore[arg-type]


def test_ship_run_and_inspect_outputs_are_captured_and_the_composed_records_are_not():
    from journey.site.check import is_captured_output  # noqa: PLC0415 - only this test needs the check module

    assert is_captured_output("results/vol3/cross/ship-cross-run-arm64-version.txt")
    assert is_captured_output("results/vol3/cross/ship-cross-inspect.txt")
    assert not is_captured_output("results/vol3/provenance/ship-max-attestation.md")
    assert not is_captured_output("results/vol3/cross/ship.md")


def test_sizes_under_ship_allow_only_the_bytes_two_builds_of_the_same_inputs_differ_by():
    """A gzip level's few KB are the finding: the size tolerance of ordinary images does not apply."""
    old = {
        "images": [{"size": 1_000_000}],
        "ship": {"pushes": [{"manifests": [{"compressed_size": 2_000_000}]}]},
    }
    near = {
        "images": [{"size": 1_000_500}],
        "ship": {"pushes": [{"manifests": [{"compressed_size": 2_000_000}]}]},
    }
    assert materially_equal(old, near)  # type: ignore[arg-type]
    # Two cold builds without SOURCE_DATE_EPOCH: file times move the gzip'd size by some bytes.
    near["ship"]["pushes"][0]["manifests"][0]["compressed_size"] = 2_000_020
    assert materially_equal(old, near)  # type: ignore[arg-type]
    near["ship"]["pushes"][0]["manifests"][0]["compressed_size"] = 2_000_600
    assert not materially_equal(old, near)  # type: ignore[arg-type]
    # On a 307 MB naive image the allowance is relative: 129 bytes is noise, 0.1 % is not.
    big = {"ship": {"pushes": [{"manifests": [{"compressed_size": 306_712_370}]}]}}
    moved = {"ship": {"pushes": [{"manifests": [{"compressed_size": 306_712_241}]}]}}
    assert materially_equal(big, moved)  # type: ignore[arg-type]
    moved["ship"]["pushes"][0]["manifests"][0]["compressed_size"] = 307_020_000
    assert not materially_equal(big, moved)  # type: ignore[arg-type]


def _push(name: str, compressed: int, median: float, low: float, high: float) -> dict[str, object]:
    manifest = {**MANIFEST, "platform": "linux/amd64", "compressed_size": compressed}
    pull = {"median": median, "min": low, "max": high, "runs": 5}
    return {
        "name": name,
        "exporter": "type=image",
        "platforms": ["linux/amd64"],
        "manifests": [manifest],
        "volatile": {"build_seconds": [40.0], "pull_seconds": pull},
    }


def test_pushes_of_one_image_get_a_reading_computed_from_their_figures():
    pushes = [
        _push("gzip", 6_000_000, 0.30, 0.28, 0.31),
        _push("zstd", 4_500_000, 0.20, 0.18, 0.21),
        _push("estargz", 6_200_000, 0.32, 0.30, 0.35),
    ]
    reading = render_ship({"pushes": pushes}, format_size, "t", snippet="vol3/x")["ship-reading.md"]
    assert "smallest in the registry is **zstd**, 4.5 MB: 25 % less than gzip's 6 MB" in reading
    assert "the largest is **estargz**, 6.2 MB" in reading
    assert "fastest pull is **zstd**'s, 0.20 s against gzip's 0.30 s (medians)" in reading


def test_a_fastest_pull_within_the_first_ones_range_is_called_uncertain():
    pushes = [_push("gzip", 6_000_000, 0.30, 0.25, 0.35), _push("zstd", 5_000_000, 0.28, 0.26, 0.33)]
    reading = render_ship({"pushes": pushes}, format_size, "t", snippet="vol3/x")["ship-reading.md"]
    assert "their ranges overlap, so the order is not certain" in reading


def test_pushes_never_pulled_or_of_other_platforms_get_no_reading():
    unpulled = [{**_push("a", 1, 0.1, 0.1, 0.1), "volatile": {}}, _push("b", 2, 0.1, 0.1, 0.1)]
    other = {**_push("c", 3, 0.1, 0.1, 0.1), "platforms": ["linux/arm64"]}
    assert "ship-reading.md" not in render_ship({"pushes": unpulled}, format_size, "t", snippet="vol3/x")
    assert "ship-reading.md" not in render_ship(
        {"pushes": [_push("b", 2, 0.1, 0.1, 0.1), other]}, format_size, "t", snippet="vol3/x"
    )
    assert "ship-reading.md" not in render_ship(SHIP, format_size, "t", snippet="vol3/x")
