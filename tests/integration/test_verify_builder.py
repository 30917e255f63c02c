"""``journey verify --builder``: the same snippet built by a standalone buildkitd (a buildx ``remote``
builder, listening on a unix socket, started here by journey.helpers.farm) records the same result as the
engine's own builder: sizes, probes, checks and outputs.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from verify_helpers import REPO, make_repo, need_image, verify

from journey.helpers import farm
from journey.model.record import materially_equal

pytestmark = pytest.mark.engine


def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


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
    # the project's own rule for "the same result": record.materially_equal (sizes within its tolerance:
    # a layer's gzip'd size moves by bytes with file times)
    assert materially_equal(_read(own / path), _read(remote / path)), (
        _read(own / path),
        _read(remote / path),
    )
    leftover = list(Path("/tmp").glob("journey-farm-*"))
    assert leftover == []
    # the farm's container is gone, and its volume with it
    assert client.containers.list(all=True, filters={"label": f"{farm.TOOL_LABEL}={farm.TOOL_NAME}"}) == []
