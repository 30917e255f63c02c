"""Fault tests of the live probes (stop, health, inspect, companion) on the real engine.

Each fixture expects a state its container never reaches. Each test asserts exit 1, a message naming
the snippet, the probe and the cause in words, recorded results left byte for byte, and no container
or image of the run left in the engine (the stop probe alone starts five).
"""

from __future__ import annotations

import pytest
from verify_helpers import leftovers, make_repo, need_image, snapshot, verify

pytestmark = pytest.mark.engine


@pytest.fixture
def debian(client):
    need_image(client, "debian:trixie")
    return client


def _fails(root):
    before = snapshot(root)
    done = verify(root)
    assert done.returncode == 1, done.stderr
    assert snapshot(root) == before
    return done


def test_a_stop_probe_expecting_a_clean_exit_from_sleep_fails(tmp_path, debian):
    root = make_repo(tmp_path, "faults", ["stopwrong"])
    done = _fails(root)
    assert (
        "faults/stopwrong: probe stop: docker stop: exit code 137 in 5 of 5 runs, expected 0" in done.stderr
    )
    assert leftovers(debian, ["faults/stopwrong"]) == []


def test_a_health_probe_waiting_for_healthy_from_a_failing_check_fails(tmp_path, debian):
    root = make_repo(tmp_path, "faults", ["healthwrong"])
    done = _fails(root)
    assert "faults/healthwrong: probe health: health: not healthy after 6 s (states seen: " in done.stderr
    assert "unhealthy)" in done.stderr
    assert "exit code 1" in done.stderr  # the last health check, from docker inspect
    assert leftovers(debian, ["faults/healthwrong"]) == []


def test_an_inspect_probe_expecting_an_oom_kill_from_sleep_fails(tmp_path, debian):
    root = make_repo(tmp_path, "faults", ["inspectwrong"])
    done = _fails(root)
    assert (
        "faults/inspectwrong: probe oom: docker inspect: State.OOMKilled is false, expected true"
        in done.stderr
    )
    assert leftovers(debian, ["faults/inspectwrong"]) == []


def test_a_companion_probe_whose_transcript_lacks_its_pattern_fails(tmp_path, debian):
    root = make_repo(tmp_path, "faults", ["companionwrong"])
    done = _fails(root)
    assert "faults/companionwrong: probe inside: transcript does not match /nginx/" in done.stderr
    # the transcript is shown: the service's own /proc/1, read from inside and from the companion
    assert "$ docker exec service cat /proc/1/comm" in done.stderr
    assert "sleep" in done.stderr
    assert leftovers(debian, ["faults/companionwrong"]) == []
