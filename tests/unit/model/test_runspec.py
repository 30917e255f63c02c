"""Run options and live probes in snippet.yml: parsed into typed specs, refused at load when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_manifest import error_of, write_snippet

from journey.core.errors import ManifestError
from journey.model.manifest import ExecProbe, load_snippet, snippet_from_dict
from journey.model.runspec import (
    CompanionProbe,
    HealthProbe,
    InspectProbe,
    Request,
    RequestStep,
    RunOptions,
    StopProbe,
    WaitStep,
)

SERVICE = {"title": "t", "build": {}, "run": {"port": 8080}}


def _probe(spec: dict) -> dict:
    return {**SERVICE, "probes": [{"name": "p", **spec}]}


def test_run_options_parse_and_lay_a_probes_options_over_the_services():
    raw = {
        **SERVICE,
        "run": {"port": 8080, "env": {"A": 1}, "options": {"memory": "64m", "cpus": 0.5, "env": {"B": "x"}}},
        "probes": [{"name": "p", "exec": {"command": ["/s"], "options": {"cpus": 1, "read_only": True}}}],
    }
    snippet = snippet_from_dict(raw, Path("/nowhere/vol/x"), "vol/x")
    assert snippet.run is not None
    assert snippet.run.options == RunOptions(cpus=0.5, memory="64m", env={"B": "x"})
    probe = snippet.probes[0].of(ExecProbe)
    assert probe is not None
    merged = probe.options.over(snippet.run.options.over(RunOptions(env=snippet.run.env)))
    assert merged == RunOptions(cpus=1.0, memory="64m", read_only=True, env={"A": "1", "B": "x"})
    assert merged.flags() == ["--cpus=1", "--memory=64m", "--read-only", "-e A=1", "-e B=x"]


def test_each_live_kind_parses_into_its_spec():
    raw = {
        **SERVICE,
        "probes": [
            {
                "name": "s",
                "stop": {"request": {"path": "/slow?ms=2000"}, "expect": {"in_flight": "completed"}},
            },
            {
                "name": "h",
                "health": {"steps": [{"wait": "healthy"}, {"request": {"path": "/x", "method": "POST"}}]},
            },
            {"name": "i", "inspect": {"fields": {"State.OOMKilled": True}, "wait_exit": True}},
            {
                "name": "c",
                "companion": {"image": "debian:trixie", "steps": [{"exec": ["sh"]}, {"run": ["ls"]}]},
            },
        ],
    }
    probes = snippet_from_dict(raw, Path("/nowhere/vol/x"), "vol/x").probes
    assert [p.kind for p in probes] == ["stop", "health", "inspect", "companion"]
    stop, health, inspect, companion = (p.spec for p in probes)
    assert isinstance(stop, StopProbe)
    assert (stop.runs, stop.grace, stop.in_flight) == (5, 10, "completed")
    assert stop.request is not None
    assert stop.request.line == "GET /slow?ms=2000"
    assert isinstance(health, HealthProbe)
    assert health.steps == (WaitStep("healthy"), RequestStep(Request("/x", "POST")))
    assert isinstance(inspect, InspectProbe)
    assert inspect.fields == {"State.OOMKilled": True}
    assert isinstance(companion, CompanionProbe)
    assert [s.argv for s in companion.steps] == [("sh",), ("ls",)]


@pytest.mark.parametrize(
    ("raw", "key", "cause"),
    [
        (
            _probe({"stop": {"runs": 3, "expect": {"exit_code": 0}}}),
            "probes[0].stop.runs",
            "less than the minimum of 5",
        ),
        (_probe({"stop": {}}), "probes[0].stop.expect", "'expect' is a required property"),
        (
            _probe({"stop": {"expect": {"in_flight": "lost"}}}),
            "probes[0].stop.expect.in_flight",
            "'lost' is not one of",
        ),
        (
            _probe({"health": {"steps": [{"wait": "fine"}]}}),
            "probes[0].health.steps[0].wait",
            "is not one of",
        ),
        (
            _probe({"health": {"steps": [{"wait": "healthy", "request": {"path": "/"}}]}}),
            "probes[0].health.steps[0]",
            "too many properties",
        ),
        (_probe({"inspect": {"fields": {"state.oom": True}}}), "probes[0].inspect.fields", "does not match"),
        (
            _probe({"companion": {"image": "x", "steps": [{"shell": ["sh"]}]}}),
            "probes[0].companion.steps[0].shell",
            "'shell' was unexpected",
        ),
        (
            {**SERVICE, "run": {"port": 1, "options": {"memory": "64MB"}}},
            "run.options.memory",
            "does not match",
        ),
        ({**SERVICE, "run": {"port": 1, "options": {"cpus": 0}}}, "run.options.cpus", "less than or equal"),
        ({**SERVICE, "run": {"port": 1, "options": {"readonly": True}}}, "run.options.readonly", "read_only"),
        (
            {**SERVICE, "run": {"port": 1, "options": {"user": "nobody"}}},
            "run.options.user",
            "does not match",
        ),
        (
            {**SERVICE, "run": {"port": 1, "options": {"tmpfs": ["tmp"]}}},
            "run.options.tmpfs[0]",
            "does not match",
        ),
    ],
)
def test_a_wrong_live_probe_or_run_option_names_its_key(raw, key, cause):
    error = error_of(raw)
    assert error.key == key
    assert cause in error.cause


def test_a_live_probe_needs_run_and_a_request_needs_a_port():
    no_run = {
        "title": "t",
        "build": {},
        "probes": [{"name": "p", "inspect": {"fields": {"State.Running": True}}}],
    }
    assert error_of(no_run).key == "probes[0].inspect"
    assert "needs a `run:` section" in error_of(no_run).cause
    no_port = {
        "title": "t",
        "build": {},
        "run": {},
        "probes": [{"name": "p", "stop": {"request": {"path": "/"}, "expect": {"exit_code": 0}}}],
    }
    assert "run.port" in error_of(no_port).cause


def test_a_companion_image_must_be_a_base_of_the_build(tmp_path):
    manifest = (
        "title: t\nbuild: {}\nrun: {}\nprobes:\n  - name: c\n"
        "    companion: {image: 'busybox:latest', steps: [{run: [ls]}]}\n"
    )
    folder = write_snippet(tmp_path / "vol" / "x", manifest, {"Dockerfile": "FROM debian:trixie\n"})
    with pytest.raises(ManifestError) as caught:
        load_snippet(folder)
    assert caught.value.key == "probes[0].companion.image"
    assert "'busybox:latest' is not a base of the build (one of: debian:trixie)" in caught.value.cause
    (folder / "snippet.yml").write_text(manifest.replace("busybox:latest", "debian:trixie"))
    assert load_snippet(folder).probes[0].of(CompanionProbe) is not None
