"""journey verify against the real engine: a snippet verifies, and a second run rebuilds nothing."""

from __future__ import annotations

import json

import docker
import pytest
from verify_helpers import leftovers, make_repo, need_image, snapshot, verify

from journey.engine.images import stable_labels

pytestmark = pytest.mark.engine


def test_quick_snippet_is_built_measured_probed_and_recorded(tmp_path, client, cleanup_verified):
    need_image(client, "debian:trixie")
    root = make_repo(tmp_path, "engine", ["quick"], seed=False)
    cleanup_verified.append("engine/quick")

    done = verify(root, "--json")

    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)["outcomes"][0]
    assert (outcome["snippet"], outcome["status"], outcome["changed"]) == ("engine/quick", "verified", True)
    result = json.loads((root / "results/engine/quick/result.json").read_text())
    final, base = result["images"]
    assert final["role"] == "final"
    assert final["payload_size"] == len("hello from a fixture\n")
    assert final["size"] == base["size"] + final["layers"][-1]["size"]
    assert 0 < final["compressed_size"] < final["size"]
    assert final["layers"][-1]["created_by"].startswith("COPY greeting.txt")
    assert base["role"] == "base:debian:trixie"
    (recorded_base,) = result["environment"]["bases"]
    assert "id" not in recorded_base  # machine-specific: results say what the base is, not where it sat
    assert recorded_base["labels"] == stable_labels(client.images.get("debian:trixie").labels)
    assert recorded_base["provenance"] == "stand-in"
    assert [p["output"] for p in result["probes"]] == [
        "hello from a fixture\n",
        "cat: /srv/nope: No such file or directory\n",
    ]
    assert result["checks"] == [{"name": "hadolint Dockerfile", "ok": True, "output": ""}]
    assert "journey/engine-quick" in result["outputs"]["docker_images"]
    assert (root / "results/engine/quick/sizes.md").is_file()
    assert leftovers(client, ["engine/quick"]) == []


def test_second_verify_with_nothing_changed_rebuilds_nothing(tmp_path, client, cleanup_verified):
    need_image(client, "debian:trixie")
    root = make_repo(tmp_path, "engine", ["quick"], seed=False)
    cleanup_verified.append("engine/quick")
    assert verify(root).returncode == 0
    before = snapshot(root)
    mtime = (root / "results/engine/quick/result.json").stat().st_mtime_ns

    again = verify(root, "--json")  # trusted by source digest: no engine work at all
    proof = verify(root, "--all", "--json")  # the full proof: verified here with these inputs, so skipped

    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["outcomes"][0]["status"] == "reused"
    assert proof.returncode == 0, proof.stderr
    assert json.loads(proof.stdout)["outcomes"][0]["status"] == "unchanged"
    assert "engine/quick: build" not in again.stderr + proof.stderr
    assert snapshot(root) == before
    assert (root / "results/engine/quick/result.json").stat().st_mtime_ns == mtime


def test_forced_reverify_measures_again_but_keeps_the_file_when_nothing_real_changed(
    tmp_path, client, cleanup_verified
):
    need_image(client, "debian:trixie")
    root = make_repo(tmp_path, "engine", ["quick"], seed=False)
    cleanup_verified.append("engine/quick")
    assert verify(root).returncode == 0
    before = snapshot(root)

    forced = verify(root, "--force", "--json")

    assert forced.returncode == 0, forced.stderr
    outcome = json.loads(forced.stdout)["outcomes"][0]
    assert (outcome["status"], outcome["changed"]) == ("verified", False)
    assert "engine/quick: build" in forced.stderr
    assert snapshot(root) == before


def test_changed_snippet_file_is_verified_again(tmp_path, client, cleanup_verified):
    need_image(client, "debian:trixie")
    root = make_repo(tmp_path, "engine", ["quick"], seed=False)
    cleanup_verified.append("engine/quick")
    assert verify(root).returncode == 0
    (root / "snippets/engine/quick/greeting.txt").write_text("hello from a changed fixture\n")

    again = verify(root, "--json")

    assert again.returncode == 1  # the probe's expected output no longer matches
    assert "engine/quick: probe greeting: output does not match" in again.stderr


def test_multistage_go_snippet_measures_final_stage_and_base(tmp_path, client, cleanup_verified):
    need_image(client, "golang:1.26-trixie")
    root = make_repo(tmp_path, "engine", ["hello"], seed=False)
    cleanup_verified.append("engine/hello")

    done = verify(root, "--json")

    assert done.returncode == 0, done.stderr
    result = json.loads((root / "results/engine/hello/result.json").read_text())
    roles = [image["role"] for image in result["images"]]
    assert roles == ["final", "stage:builder", "base:golang:1.26-trixie"]
    final, builder, base = result["images"]
    assert final["size"] == final["payload_size"]  # scratch: the binary is the whole image
    assert final["size"] < builder["size"]
    assert builder["size"] > base["size"]
    probes = {p["name"]: p["output"] for p in result["probes"]}
    assert probes["hello"].startswith("HTTP/1.1 200 OK")
    assert "hello, gopher" in probes["hello"]
    assert probes["version"].startswith("go1.26")
    assert "no such file" in probes["no-shell"]
    assert "coverage:" in next(c["output"] for c in result["checks"] if c["name"] == "go-test")
    # The docker images listing has the builder's row as 2019's had, captured while it was tagged.
    listed = [line.split()[:2] for line in result["outputs"]["docker_images"].splitlines()[1:]]
    assert sorted(listed) == [
        ["golang", "1.26-trixie"],
        ["journey/engine-hello", "builder"],
        ["journey/engine-hello", "verified"],
    ]
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get("journey/engine-hello:builder")  # the listing's tag is gone again
    assert leftovers(client, ["engine/hello"]) == []


def test_snippet_whose_base_cannot_be_had_is_recorded_as_not_verified(tmp_path, client):
    try:
        client.images.get("golang:1.12-alpine")
        pytest.skip("golang:1.12-alpine is present here: the offline case cannot be shown")
    except docker.errors.ImageNotFound:
        pass
    root = make_repo(tmp_path, "faults", ["nobase"], seed=False)

    done = verify(root, "--json")

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outcomes"][0]["status"] == "not-verified"
    assert "faults/nobase: build" not in done.stderr
    result = json.loads((root / "results/faults/nobase/result.json").read_text())
    assert result["status"] == "not-verified"
    assert "golang:1.12-alpine cannot be had here" in result["reason"]
    assert result["environment"]["bases"][0]["provenance"] == "unavailable"
    assert result["images"] == []
    assert "not verified" in (root / "results/faults/nobase/sizes.md").read_text().lower()
    assert result["checks"] == [{"name": "hadolint Dockerfile", "ok": True, "output": ""}]
    assert "not verified" in (root / "results/faults/nobase/check-go-vet.txt").read_text()
