"""A user in the docker group who is not root builds real stand-ins, and they are the same stand-ins.

When the suite runs as root, the build runs as JOURNEY_TEST_USER (default `nobody`) with only the docker
group, through setpriv (tests/unprivileged.py, as in tests/deploy), else the tests skip, saying why.
Each stand-in is built under a test tag, so the shared stand-ins stay as they are; its identity (recipe
digest, packages) must equal the shared one's, which is what keeps recorded results fresh.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from engine_helpers import image_inspect

from journey.engine.images import STANDIN, base_identity
from journey.helpers.rootless_build import HELPER_REPO, TOOL_LABEL, TOOL_NAME
from journey.verify import bases

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parents[2]

BUILD = """
import os, sys
from journey.verify import bases
from journey.helpers import rootless_build
ref, tag = sys.argv[1], sys.argv[2]
assert rootless_build.needed(), f"euid {os.geteuid()} is root"
recipe = bases.RECIPES[ref]
script = bases.RECIPES_DIR / recipe.script
sys.exit(rootless_build.run_recipe(ref, script, (*recipe.args, tag), timeout=recipe.timeout))
"""


@pytest.fixture
def as_user(unprivileged_user):
    """Build a stand-in as a user who is not root (tests/unprivileged.py; it skips when there is none)."""

    def build(ref: str, tag: str) -> subprocess.CompletedProcess[str]:
        return unprivileged_user.run("-c", BUILD, ref, tag, timeout=1800)

    return build


def _image(ref: str) -> tuple[str, dict[str, str]]:
    data = json.loads(image_inspect(ref, "{{json .}}"))
    return data["Id"], data["Config"]["Labels"] or {}


def _recorded(ref: str) -> dict[str, str | None]:
    rows = json.loads((ROOT / "results" / "bases" / "bases.json").read_text(encoding="utf-8"))
    return next(row for row in rows if row["ref"] == ref)


def _no_helper_left() -> None:
    label = f"label={TOOL_LABEL}={TOOL_NAME}"
    containers = subprocess.run(
        ["docker", "ps", "--all", "--quiet", "--filter", label], capture_output=True, text=True, check=True
    ).stdout.split()
    images = subprocess.run(
        ["docker", "image", "ls", "--quiet", "--filter", f"reference={HELPER_REPO}:*"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert containers == []
    assert images == []


@pytest.mark.parametrize("ref", ["debian:trixie", "golang:1.26-trixie"])
def test_a_docker_group_user_builds_the_same_standin(ref, as_user, image_tags):
    if bases.RECIPES[ref].needs and bases.inspect("debian:trixie") is None:
        pytest.skip("debian:trixie is not present (make bases)")
    tag = image_tags(ref.replace(":", "-"))
    done = as_user(ref, tag)
    assert done.returncode == 0, done.stderr[-3000:]
    image_id, labels = _image(tag)
    recipe = bases.RECIPES[ref]
    assert labels[STANDIN + "recipe-digest"] == recipe.digest()
    assert labels[STANDIN + "recipe"] == _recorded(ref)["recipe"] == recipe.command
    assert labels[STANDIN + "packages"] == _recorded(ref)["packages"]
    shared = bases.inspect(ref)
    if shared is not None and shared.provenance == "stand-in":
        assert base_identity(image_id, None, labels) == base_identity(shared.id, None, shared.labels)
    _no_helper_left()
