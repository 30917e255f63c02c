"""The measure: kinds against the real engine: what they record, and that they leave nothing behind."""

from __future__ import annotations

import json

import pytest
from verify_helpers import leftovers, make_repo, need_image, snapshot, verify

pytestmark = pytest.mark.engine


def test_measurements_are_recorded_with_medians_and_real_figures(tmp_path, client, cleanup_verified):
    need_image(client, "golang:1.26-trixie")
    root = make_repo(tmp_path, "engine", ["measured"], seed=False)
    cleanup_verified.append("engine/measured")

    done = verify(root)

    assert done.returncode == 0, done.stderr
    result = json.loads((root / "results/engine/measured/result.json").read_text())
    binary, startup, files, ignore = result["measurements"]
    payload = next(i for i in result["images"] if i["role"] == "final")["payload_size"]
    assert (binary["size"], binary["modules"], binary["go"][:6]) == (payload, 0, "go1.26")  # stdlib only
    assert startup["runs"] == 5
    assert len(startup["seconds"]["runs"]) == 5
    assert startup["seconds"]["min"] <= startup["seconds"]["median"] <= startup["seconds"]["max"] < 20
    assert 1_000_000 < startup["rss"]["median"] < 100_000_000  # a small Go server, seen by the kernel
    assert files["user"] == "65534:65534"
    assert [(e["path"], e["present"]) for e in files["entries"]] == [("/hello", True), ("/etc/passwd", False)]
    # The planted README.md and .git: sent, and rebuilding, only without the .dockerignore.
    assert ignore["with_ignore"]["context_size"] < ignore["without_ignore"]["context_size"]
    # Dockerfile, .dockerignore, go.mod, main.go; without the rules, README.md and the repository too.
    assert ignore["with_ignore"]["context_files"] == 4
    assert ignore["without_ignore"]["context_files"] > 4 + 1
    assert ignore["with_ignore"]["rerun"] == []
    assert any(step.startswith("COPY") for step in ignore["without_ignore"]["rerun"])
    fragment = (root / "results/engine/measured/measure-startup.md").read_text()
    assert "5 runs" in fragment
    assert (root / "results/engine/measurements.md").is_file()
    assert leftovers(client, ["engine/measured"]) == []


def test_a_startup_that_never_answers_fails_clearly_and_leaves_nothing(tmp_path, client):
    need_image(client, "golang:1.26-trixie")
    root = make_repo(tmp_path, "faults", ["badstartup"])
    before = snapshot(root)

    done = verify(root)

    assert done.returncode == 1, done.stderr
    assert "faults/badstartup: measure startup: no 2xx answer from /missing within 3 s" in done.stderr
    assert snapshot(root) == before
    assert leftovers(client, ["faults/badstartup"]) == []
