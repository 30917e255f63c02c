"""The verify pipeline's engine-free parts: what a result records of its images, bases and Go.

Building, measuring and probing a snippet needs the engine (tests/integration); how a failed step is
named is tests/unit/core/test_errors.py, and the ``docker images`` table this module records (sizes,
row order, hidden IDs) is tests/unit/engine/test_docker_formats.py with the other Docker CLI formats.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from journey.engine.images import Image
from journey.model.manifest import snippet_from_dict
from journey.verify import pipeline
from journey.verify.pipeline import _base_record, _go_version, _tag_safe, listing_order


def _snippet(build: dict[str, object]):
    return snippet_from_dict(
        {"title": "t", "build": build}, Path("/nowhere/vol1/multi-stage"), "vol1/multi-stage"
    )


def test_the_listing_names_the_final_image_then_its_stages_then_its_bases():
    snippet = _snippet({"stages": ["builder", "test"]})
    bases = [Image("golang:1.26-trixie", "sha256:a"), Image("debian:trixie-slim", "sha256:b")]
    assert listing_order(snippet, bases) == [
        "journey/vol1-multi-stage:verified",
        "journey/vol1-multi-stage:builder",
        "journey/vol1-multi-stage:test",
        "golang:1.26-trixie",
        "debian:trixie-slim",
    ]
    assert listing_order(_snippet({}), []) == ["journey/vol1-multi-stage:verified"]


@pytest.mark.parametrize(
    ("text", "tag"),
    [("vol1/Multi Stage", "vol1-multi-stage"), ("..a_b.c-", "a_b.c"), ("***", "snippet"), ("", "snippet")],
)
def test_a_tag_component_is_made_of_what_docker_accepts_and_is_never_empty(text, tag):
    assert _tag_safe(text) == tag


def test_go_is_the_builder_bases_golang_version_before_the_hosts(monkeypatch):
    def host_go(*_args, **_kwargs):
        raise AssertionError("the host's go must not be asked when a base names its Go")

    monkeypatch.setattr(pipeline.process, "run", host_go)
    bases = [
        Image("debian:trixie", "x", env=("PATH=/bin",)),
        Image("golang", "y", env=("GOLANG_VERSION=1.26.1",)),
    ]
    assert _go_version(bases) == "go1.26.1"


def test_without_a_go_base_the_hosts_go_is_asked_with_its_local_toolchain_else_unknown(monkeypatch):
    calls: list[dict[str, str]] = []

    def host_go(argv, **kwargs):
        calls.append(kwargs["env"])
        return subprocess.CompletedProcess(argv, 0, stdout="go1.25.4\n", stderr="")

    monkeypatch.setattr(pipeline.process, "run", host_go)
    assert _go_version([]) == "go1.25.4"
    assert calls[0]["GOTOOLCHAIN"] == "local"  # never a download of another Go to answer the question

    def no_go(*_args, **_kwargs):
        raise FileNotFoundError("go")

    monkeypatch.setattr(pipeline.process, "run", no_go)
    assert _go_version([]) == "unknown"


def test_a_base_that_stood_in_for_a_from_name_says_which_names_it_replaced():
    snippet = _snippet(
        {"replace_from": {"golang:latest": "golang:1.26-trixie", "golang": "golang:1.26-trixie"}}
    )
    entry = _base_record(snippet, Image("golang:1.26-trixie", "sha256:a", digest="sha256:d"))
    assert entry["replaces"] == "golang:latest, golang"
    assert entry["ref"] == "golang:1.26-trixie"
    assert "replaces" not in _base_record(snippet, Image("debian:trixie", "sha256:b"))
