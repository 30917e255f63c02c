"""Which module runs a live probe: one per kind, each given the arguments its kind needs.

What each kind does with a container is tests of its own module (test_live_stop, test_live_health,
test_live_inspect, test_live_companion) and, on the engine, tests/integration.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from journey.engine.session import Deadline
from journey.model.manifest import snippet_from_dict
from journey.verify import live, live_companion, live_health, live_inspect, live_stop

PROBES = [
    {"name": "stop", "stop": {"expect": {"exit_code": 0}}},
    {"name": "health", "health": {"steps": [{"wait": "healthy"}]}},
    {"name": "inspect", "inspect": {"fields": {"State.OOMKilled": False}}},
    {"name": "companion", "companion": {"image": "busybox:1.37", "steps": [{"exec": ["sh"]}]}},
]


@pytest.fixture
def calls(monkeypatch):
    """Stand in for each kind's ``run``; returns what each was called with, by kind."""
    seen: dict[str, tuple] = {}
    for module, kind in (
        (live_stop, "stop"),
        (live_health, "health"),
        (live_inspect, "inspect"),
        (live_companion, "companion"),
    ):

        def run(*args, _kind=kind):
            seen[_kind] = args
            return {"name": _kind, "ok": True, "output": ""}

        monkeypatch.setattr(module, "run", run)
    return seen


def test_each_kind_of_live_probe_goes_to_its_own_module_with_what_it_needs(calls):
    raw = {"title": "t", "build": {}, "run": {"port": 8080}, "probes": PROBES}
    snippet = snippet_from_dict(raw, Path("/nowhere/v/x"), "v/x")
    budget = Deadline(60)
    session = object()
    for probe in snippet.probes:
        assert live.run_live_probe(session, snippet, "sha256:img", probe, budget)["name"] == probe.name  # type: ignore[arg-type]
    stop, health, inspect, companion = snippet.probes
    assert calls["stop"] == (session, snippet, "sha256:img", "stop", stop.spec)
    assert calls["health"] == (session, snippet, "sha256:img", "health", health.spec)
    assert calls["inspect"] == (session, snippet, "sha256:img", ("inspect", inspect.spec), budget)
    assert calls["companion"] == (session, snippet, "sha256:img", ("companion", companion.spec), budget)
