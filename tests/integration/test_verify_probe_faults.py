"""Fault tests on the real engine: every probe kind when the engine cannot start its container, and caps.

Each fixture makes the real engine refuse a container (a command that does not exist; a tmpfs over
``/usr/bin`` that hides the service's ``/usr/bin/sleep`` from a live probe's own service), or makes a
container print past the cap a probe reads. Each test asserts exit 1, a message naming the snippet, the
step and the cause in the engine's own words, recorded results left byte for byte, and nothing of the
run left in the engine. ``nostart-companion-run`` was a wrongly passing probe before: the refusal went
into the transcript, which its pattern (``docker run``) matched anyway.
"""

from __future__ import annotations

import pytest
from verify_helpers import leftovers, make_repo, need_image, snapshot, verify

pytestmark = pytest.mark.engine

ENGINE = "the engine could not start the container: "
#: What runc says of a command the container's filesystem does not hold (Engine 26, runc 1.1).
MISSING = "no such file or directory"


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


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("nostart-http", [f"faults/nostart-http: run: {ENGINE}", "/no/such/server", MISSING]),
        ("nostart-exec", [f"faults/nostart-exec: probe tool: {ENGINE}", "/no/such/tool", MISSING]),
        (
            "nostart-expect",
            [
                f"faults/nostart-expect: probe zone: {ENGINE}",
                "/no/such/tool",
                "(expected a failure whose output matches /unknown time zone/)",
            ],
        ),
        (
            "nostart-expect-code",
            [f"faults/nostart-expect-code: probe code: {ENGINE}", "(expected the command to exit 2)"],
        ),
        ("nostart-stop", [f"faults/nostart-stop: probe stop: {ENGINE}", "/usr/bin/sleep", MISSING]),
        ("nostart-health", [f"faults/nostart-health: probe health: {ENGINE}", "/usr/bin/sleep", MISSING]),
        ("nostart-inspect", [f"faults/nostart-inspect: probe running: {ENGINE}", "/usr/bin/sleep", MISSING]),
        (
            "nostart-companion",
            [f"faults/nostart-companion: probe inside: {ENGINE}", "/usr/bin/sleep", MISSING],
        ),
        (
            "nostart-companion-run",
            [
                (
                    "faults/nostart-companion-run: probe inside: /no/such/tool: "
                    "the engine could not start the companion container: "
                ),
                MISSING,
            ],
        ),
    ],
)
def test_each_probe_kind_fails_clearly_when_the_engine_cannot_start_its_container(
    tmp_path, debian, name, expected
):
    root = make_repo(tmp_path, "faults", [name])
    done = _fails(root)
    for words in expected:
        assert words in done.stderr
    assert leftovers(debian, [f"faults/{name}"]) == []


def test_a_log_flooded_before_its_ready_line_fails_at_the_cap(tmp_path, debian):
    root = make_repo(tmp_path, "faults", ["flood-log"])
    done = _fails(root)
    assert "faults/flood-log: run: its log passed 1 MiB before the ready line /listening/" in done.stderr
    assert leftovers(debian, ["faults/flood-log"]) == []


def test_a_command_that_prints_past_the_cap_fails_its_probe(tmp_path, debian):
    root = make_repo(tmp_path, "faults", ["flood-output"])
    done = _fails(root)
    assert (
        "faults/flood-output: probe flood: the command's output is larger than 1 MiB: "
        "the probe read no more of it" in done.stderr
    )
    assert leftovers(debian, ["faults/flood-output"]) == []
