"""The stop chart of a volume: one row per stop probe, its median, spread and outcome, and the 10 s grace."""

from __future__ import annotations

from pathlib import Path

from journey.model.manifest import Volume, snippet_from_dict
from journey.site.render import render_volume
from journey.site.stopchart import STOP_SVG, has_stop_probes, render_stop_svg, stop_rows, summarise


def _volume_with_stops():
    def snippet(name: str, probes: list[dict]) -> object:
        raw = {"title": name, "build": {}, "run": {"port": 8080}, "probes": probes}
        return snippet_from_dict(raw, Path(f"/nowhere/v/{name}"), f"v/{name}")

    stop = {"name": "stop", "stop": {"expect": {"exit_code": 0}}}
    plain = snippet("plain", [{"name": "v", "exec": {"command": ["-version"]}}])
    return Volume(
        "v", Path("/nowhere/v"), "Vol. V", (), (snippet("fast", [stop]), plain, snippet("slow", [stop]))
    )


def test_the_stop_chart_has_a_row_per_stop_probe_with_median_spread_and_outcome():
    volume = _volume_with_stops()
    fast = "docker stop --time 10, 5 runs\nexit code: 0 in 5 of 5 runs\n"
    fast += "request in flight: completed in 5 of 5 runs"
    timing = {"median": 1.5, "min": 1.4, "max": 1.7, "runs": [1.5] * 5}
    results = {
        "v/fast": {
            "probes": [{"name": "stop", "ok": True, "output": fast, "measured": {"stop_seconds": timing}}]
        }
    }
    svg = render_stop_svg(volume, results)  # type: ignore[arg-type]
    assert "1.50 s · exit 0 · request completed" in svg
    assert "not measured" in svg  # v/slow has no result: said so, not drawn
    assert "10 s: docker stop sends SIGKILL" in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing outside itself
    assert STOP_SVG in render_volume(volume, {})
    no_stops = type(volume)("w", volume.dir, "W", (), (volume.snippets[1],))
    assert STOP_SVG not in render_volume(no_stops, {})


def test_rows_follow_the_reading_order_and_name_the_probe_only_when_a_snippet_has_several():
    stop = {"stop": {"expect": {"exit_code": 0}}}
    raw = {
        "title": "t",
        "build": {},
        "run": {"port": 8080},
        "probes": [{"name": "a", **stop}, {"name": "b", **stop}],
    }
    twice = snippet_from_dict(raw, Path("/nowhere/v/twice"), "v/twice")
    volume = _volume_with_stops()
    volume = Volume("v", volume.dir, "Vol. V", (), (*volume.snippets, twice))
    outcome = {"name": "b", "ok": True, "output": ""}
    rows = stop_rows(volume, {"v/twice": {"probes": [outcome]}})  # type: ignore[dict-item]
    assert rows == [("fast", None), ("slow", None), ("twice (a)", None), ("twice (b)", outcome)]
    assert has_stop_probes(volume)
    assert not has_stop_probes(Volume("w", volume.dir, "W", (), (volume.snippets[1],)))


def test_a_summary_says_only_what_the_runs_recorded():
    assert summarise({"output": "", "measured": {"stop_seconds": {"median": 10.126}}}) == "10.13 s"
    assert summarise({"output": "exit code: 137 in 5 of 5 runs"}) == "0.00 s · exit 137"


def test_a_stop_past_the_grace_widens_the_scale_so_the_grace_line_moves_left():
    volume = _volume_with_stops()

    def grace_x(slowest: float) -> int:
        timing = {"median": slowest, "min": slowest, "max": slowest, "runs": [slowest]}
        outcome = {"name": "stop", "ok": True, "output": "", "measured": {"stop_seconds": timing}}
        svg = render_stop_svg(volume, {"v/slow": {"probes": [outcome]}})  # type: ignore[dict-item]
        return int(svg.split('<line x1="', 1)[1].split('"', 1)[0])

    assert grace_x(1.0) == grace_x(9.9)  # under the grace: the scale is the grace's
    assert grace_x(20.0) < grace_x(9.9)
