"""``journey verify --builder``: the same snippet built by a standalone buildkitd (a buildx ``remote``
builder, listening on a unix socket, started here by journey.farm) records the same result as the
engine's own builder: sizes, probes, checks and outputs.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from verify_helpers import REPO, make_repo, need_image, verify

from journey import farm

pytestmark = pytest.mark.engine
CHURN = ("verified_on",)


def _material(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in CHURN:
        data.pop(key)
    for image in data["images"]:
        image.pop("build_seconds", None)
    return data


def test_a_remote_buildkit_gives_the_same_recorded_result(tmp_path, client):
    need_image(client, "debian:trixie")
    own = make_repo(tmp_path / "own", "engine", ["quick"], seed=False)
    remote = make_repo(tmp_path / "remote", "engine", ["quick"], seed=False)
    done = verify(own, "--force")
    assert done.returncode == 0, done.stderr
    with farm.running(REPO, uuid.uuid4().hex[:12], (["debian:trixie"], [], None), print) as running:
        done = verify(remote, "--force", "--builder", running.builder)
    assert done.returncode == 0, done.stderr
    path = Path("results/engine/quick/result.json")
    assert _material(remote / path) == _material(own / path)
    leftover = list(Path("/tmp").glob("journey-farm-*"))
    assert leftover == []
