"""The engine-free parts of the live probes: timings, answers, inspect fields, health logs, transcripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from journey.engine.container import create_kwargs
from journey.model.answer import judge, take_numbers
from journey.model.manifest import Volume, snippet_from_dict
from journey.model.record import materially_equal
from journey.model.runspec import CompanionProbe, CompanionStep, Request, RunOptions, stop_probe
from journey.model.stats import spread
from journey.site.render import measured_text, render_volume
from journey.site.stopchart import STOP_SVG, render_stop_svg
from journey.verify.live_companion import command_line
from journey.verify.live_health import _Watch, health_of, last_check
from journey.verify.live_inspect import MISSING, field_value
from journey.verify.live_stop import _wrong

ANSWER = 'HTTP/1.1 200 OK\nContent-Type: application/json\n\n{"allocated_mb":400,"gc_cycles":37}'


def test_a_timing_is_its_median_and_spread_over_every_run():
    timing = spread([0.31, 0.2, 10.4, 0.25, 0.22])
    assert timing == {"median": 0.25, "min": 0.2, "max": 10.4, "runs": [0.31, 0.2, 10.4, 0.25, 0.22]}
    assert measured_text({"stop_seconds": timing}) == (
        "measured:\nstop_seconds: median 0.25 s of 5 runs (0.2 s to 10.4 s)\n"
    )


def test_an_answer_is_judged_by_status_and_body_and_a_cut_is_no_status():
    spec = Request("/alloc", status=200, body='"gc_cycles"')
    assert judge(spec, 200, ANSWER) is None
    assert judge(spec, None, "no answer: connection reset by the server") == (
        "GET /alloc: no answer: connection reset by the server, expected 200"
    )
    assert judge(spec, 500, ANSWER) == "GET /alloc: answered 500, expected 200"
    assert judge(Request("/alloc", body="nope"), 200, ANSWER) == "GET /alloc: body does not match /nope/"
    assert judge(Request("/alloc"), None, "no answer") is None  # nothing asked: any outcome is recorded


def test_numbers_that_vary_per_run_leave_the_text_for_the_measurements():
    text, numbers = take_numbers(Request("/alloc", numbers=("gc_cycles",)), ANSWER)
    assert numbers == {"gc_cycles": 37}
    assert text.endswith('{"allocated_mb":400,"gc_cycles":"(measured)"}')
    assert take_numbers(Request("/alloc", numbers=("gc_cycles",)), "no answer: timed out") == (
        "no answer: timed out",
        {},
    )


def test_a_re_verify_that_only_timed_differently_is_no_change():
    def result(median: float, output: str = "exit code: 0 in 5 of 5 runs") -> dict:
        probe = {
            "name": "stop",
            "ok": True,
            "output": output,
            "measured": {"stop_seconds": {"median": median}},
        }
        return {"snippet": "v/x", "images": [], "probes": [probe], "verified_on": "2026-01-01"}

    assert materially_equal(result(0.2), result(0.3))  # type: ignore[arg-type]
    assert not materially_equal(result(0.2), result(0.2, "exit code: 137 in 5 of 5 runs"))  # type: ignore[arg-type]


def test_inspect_fields_are_read_by_dotted_path():
    attrs = {"State": {"OOMKilled": True, "ExitCode": 137, "Health": None}}
    assert field_value(attrs, "State.OOMKilled") is True
    assert field_value(attrs, "State.ExitCode") == 137
    assert field_value(attrs, "State.Health") is None
    assert field_value(attrs, "State.Nothing") is MISSING
    assert field_value(attrs, "State.ExitCode.More") is MISSING


def test_the_health_log_keeps_the_last_checks_code_and_words_not_its_times():
    log = [
        {"Start": "t0", "End": "t1", "ExitCode": 0, "Output": "ok\n"},
        {
            "Start": "t2",
            "End": "t3",
            "ExitCode": 1,
            "Output": 'exec: "/bin/sh": stat /bin/sh: no such file\n',
        },
    ]
    assert health_of({"State": {"Health": {"Status": "unhealthy", "Log": log}}}) == ("unhealthy", log)
    assert health_of({"State": {}}) == (None, [])
    assert last_check(log) == 'exit code 1\nexec: "/bin/sh": stat /bin/sh: no such file'
    assert last_check([]) == "no health check has run yet"


def test_a_transcript_names_each_command_as_a_reader_would_type_it():
    spec = CompanionProbe(image="golang:1.26-trixie", steps=(), user="65534")
    assert command_line(spec, CompanionStep(exec=("sh",))) == "$ docker exec service sh"
    quoted = CompanionStep(run=("sh", "-c", 'tr "\\0" " " < /proc/1/cmdline'))
    assert command_line(spec, quoted).endswith(
        """golang:1.26-trixie sh -c 'tr "\\0" " " < /proc/1/cmdline'"""
    )
    assert command_line(spec, CompanionStep(run=("cat", "/proc/1/status"))) == (
        "$ docker run --rm --pid=container:service --network=container:service --user=65534 "
        "golang:1.26-trixie cat /proc/1/status"
    )


@pytest.mark.parametrize(
    ("options", "kwargs"),
    [
        (RunOptions(), {"environment": {}}),
        (RunOptions(cpus=0.5), {"environment": {}, "nano_cpus": 500_000_000}),
        (RunOptions(cpuset="0"), {"environment": {}, "cpuset_cpus": "0"}),
        (RunOptions(memory="64m"), {"environment": {}, "mem_limit": "64m", "memswap_limit": "64m"}),
        (
            RunOptions(
                read_only=True, tmpfs=("/tmp:size=16m,uid=65534",), user="65534:65534", env={"A": "1"}
            ),
            {
                "environment": {"A": "1"},
                "read_only": True,
                "tmpfs": {"/tmp": "size=16m,uid=65534"},
                "user": "65534:65534",
            },
        ),
    ],
)
def test_run_options_become_the_engines_create_arguments(options, kwargs):
    assert create_kwargs(options) == kwargs


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


@pytest.mark.parametrize(
    ("expect", "codes", "answers", "median", "why"),
    [
        ({"exit_code": 0}, [0, 0, 0, 0, 0], [], 0.2, None),
        (
            {"exit_code": 0},
            [0, 137, 137, 0, 0],
            [],
            0.2,
            "docker stop: exit code 0 in 3 of 5 runs; 137 in 2 of 5 runs, expected 0",
        ),
        (
            {"in_flight": "completed"},
            [0] * 5,
            [("completed", "")] * 4 + [("cut", "")],
            0.2,
            "request in flight: completed in 4 of 5 runs; cut in 1 of 5 runs, expected completed",
        ),
        ({"in_flight": "cut"}, [2] * 5, [], 0.2, "request in flight: never sent, expected cut"),
        (
            {"in_flight": "cut"},
            [2] * 5,
            [("cut", "")] * 4 + [("unanswered", "no answer: still waiting 10 s after the stop")],
            0.2,
            (
                "request in flight: cut in 4 of 5 runs; unanswered in 1 of 5 runs: unanswered is no outcome "
                "of the stop (only completed or cut are): no answer: still waiting 10 s after the stop"
            ),
        ),
        (
            {"exit_code": 0},  # no in_flight expected: a stray end fails all the same
            [0] * 5,
            [("completed", "")] * 4 + [("refused", "no answer: connection refused")],
            0.2,
            (
                "request in flight: completed in 4 of 5 runs; refused in 1 of 5 runs: refused is no outcome "
                "of the stop (only completed or cut are): no answer: connection refused"
            ),
        ),
        ({"max_seconds": 5}, [0] * 5, [], 10.1, "docker stop took 10.1 s (median of 5), expected under 5 s"),
        (
            {"min_seconds": 9.5},
            [0] * 5,
            [],
            1.7,
            "docker stop took 1.7 s (median of 5), expected at least 9.5 s",
        ),
    ],
)
def test_a_stop_that_is_not_what_the_manifest_expects_says_how(expect, codes, answers, median, why):
    spec = stop_probe({"expect": expect})
    assert _wrong(spec, codes, answers, {"median": median}) == why


class _FakeHealth:
    """A container whose health walks through given states, one per reload."""

    def __init__(self, states: list[str], status: str = "running") -> None:
        self.states, self.status, self.attrs = list(states), status, {}

    def reload(self) -> None:
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        self.attrs = {"State": {"Health": {"Status": state, "Log": [{"ExitCode": 0, "Output": "ok"}]}}}


def test_a_health_watch_records_each_state_once_in_order():
    watch = _Watch(_FakeHealth(["starting", "starting", "healthy", "healthy", "unhealthy"]))
    assert watch.until("healthy", 5)
    assert watch.until("unhealthy", 5)
    assert watch.seen == ["starting", "healthy", "unhealthy"]


def test_a_health_watch_gives_up_when_the_container_stopped():
    watch = _Watch(_FakeHealth(["starting"], status="exited"))
    assert not watch.until("healthy", 5)
    assert watch.seen == ["starting"]
