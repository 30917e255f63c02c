"""``ship:`` pushes through the real build farm: a reproducible build records one digest, a planted
non-reproducible change fails the snippet, and nothing of the farm is left behind.

Each test starts the farm (buildkitd from `.cache/tools`, built once from its Go module; a loopback
registry; a private containerd-store dockerd in its own network namespace) through `journey verify`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from verify_helpers import REPO, make_repo, need_image, snapshot, verify

pytestmark = pytest.mark.engine


@pytest.fixture
def debian(client):
    need_image(client, "debian:trixie")
    return client


def _share_tools(root: Path) -> None:
    """Reuse the checkout's buildkitd build (a cold one takes minutes) instead of building it again."""
    tools = REPO / ".cache" / "tools"
    tools.mkdir(parents=True, exist_ok=True)
    (root / ".cache" / "tools").symlink_to(tools, target_is_directory=True)


def _farm_leftovers() -> list[str]:
    """Farm folders, builders or processes still around after the run."""
    found = [str(p) for p in Path("/tmp").glob("journey-farm-*")]
    builders = subprocess.run(
        ["docker", "buildx", "ls", "--format", "{{.Name}}"], capture_output=True, text=True, check=False
    ).stdout.split()
    found += [b for b in builders if b.startswith("journey-farm-")]
    return found


@pytest.mark.usefixtures("debian")
def test_a_reproducible_push_records_its_one_digest(tmp_path):
    root = make_repo(tmp_path, "ship", ["stable"], seed=False)
    _share_tools(root)
    done = verify(root, timeout=1200)
    assert done.returncode == 0, done.stderr + done.stdout
    result = json.loads((root / "results/ship/stable/result.json").read_text())
    (push,) = result["ship"]["pushes"]
    assert push["repeat"] == {"times": 2, "expect": "same", "identical": True}
    assert push["digest"].startswith("sha256:")
    (manifest,) = push["manifests"]
    assert manifest["files"] == {"/note": len("fixture: the same bytes every build\n")}
    assert "buildkitd" in result["ship"]["builder"]["builder"]
    assert (root / "results/ship/stable/ship.md").is_file()
    assert _farm_leftovers() == []


@pytest.mark.usefixtures("debian")
def test_a_planted_non_reproducible_change_fails_and_leaves_results_untouched(tmp_path):
    root = make_repo(tmp_path, "ship", ["stamped"])
    _share_tools(root)
    before = snapshot(root)
    done = verify(root, timeout=1200)
    assert done.returncode == 1, done.stderr + done.stdout
    assert (
        "ship/stamped: ship epoch: 2 builds from a cold cache were expected to give identical" in done.stderr
    )
    assert snapshot(root) == before
    assert _farm_leftovers() == []
