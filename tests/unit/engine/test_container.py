"""The engine-free parts of the service containers: create arguments, caps in words, client errors.

Starting, waiting for and reading a container need the engine (tests/engine); reading capped streams
and answers is in tests/unit/verify/test_probe_limits.py.
"""

from __future__ import annotations

import http.client
from pathlib import Path

import docker.errors
import pytest

from journey.engine.container import client_error, create_kwargs, explain, options_for, size_words
from journey.model.manifest import snippet_from_dict
from journey.model.runspec import RunOptions


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


@pytest.mark.parametrize(
    ("size", "words"),
    [(1 << 20, "1 MiB"), (64 << 10, "64 KiB"), (3 << 30, "3072 MiB"), (1500, "1500 bytes"), (0, "0 bytes")],
)
def test_a_cap_is_said_in_the_binary_unit_it_was_set_in(size, words):
    assert size_words(size) == words


def test_a_probes_options_go_over_the_run_options_which_go_over_run_env():
    raw = {
        "title": "t",
        "build": {},
        "run": {"port": 8080, "env": {"A": "1", "B": "2"}, "options": {"memory": "64m"}},
    }
    snippet = snippet_from_dict(raw, Path("/nowhere/v/x"), "v/x")
    plain = options_for(snippet)
    assert (plain.env, plain.memory, plain.cpus) == ({"A": "1", "B": "2"}, "64m", None)
    probe = options_for(snippet, RunOptions(cpus=0.5, memory="32m"))
    assert (probe.memory, probe.cpus, probe.env) == ("32m", 0.5, {"A": "1", "B": "2"})
    no_run = snippet_from_dict({"title": "t", "build": {}}, Path("/nowhere/v/y"), "v/y")
    assert options_for(no_run) == RunOptions()


@pytest.mark.parametrize(
    ("exc", "fate", "words"),
    [
        (ConnectionResetError(), "cut", "connection reset by the server"),
        (http.client.RemoteDisconnected(), "cut", "the server closed the connection without answering"),
        (
            http.client.IncompleteRead(b""),
            "cut",
            "the server closed the connection in the middle of its answer",
        ),
        (ConnectionRefusedError(), "refused", "connection refused"),
        (TimeoutError("socket said so"), "unanswered", "timed out"),
        (TimeoutError("no whole answer within 10 s"), "unanswered", "no whole answer within 10 s"),
        (ValueError("odd"), "failed", "ValueError"),
    ],
)
def test_a_client_side_failure_is_named_with_its_fate(exc, fate, words):
    assert client_error(exc) == (fate, words)


def test_an_api_error_is_said_in_the_engines_own_words():
    assert (
        explain(docker.errors.APIError("500 Server Error", explanation="no such image: x"))
        == "no such image: x"
    )
    assert explain(docker.errors.APIError("500 Server Error")) == "500 Server Error"
