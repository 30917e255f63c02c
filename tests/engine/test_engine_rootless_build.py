"""A user in the docker group who is not root builds real stand-ins, and they are the same stand-ins.

When the suite runs as root, the build runs as JOURNEY_TEST_USER (default `nobody`) with only the docker
group, through setpriv, as in tests/deploy. That user must be able to run the interpreter: a Python under
/root is out of reach, so JOURNEY_TEST_PYTHON may name another one (the same minor version; the libraries
come from this interpreter's site-packages on PYTHONPATH), else the tests skip.
Each stand-in is built under a test tag, so the shared stand-ins stay as they are; its identity (recipe
digest, packages) must equal the shared one's, which is what keeps recorded results fresh.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from journey import bases
from journey.images import STANDIN, base_identity
from journey.rootless_build import HELPER_REPO, TOOL_LABEL, TOOL_NAME

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parents[2]
TEST_USER = os.environ.get("JOURNEY_TEST_USER", "nobody")
PYTHON = os.environ.get("JOURNEY_TEST_PYTHON", sys.executable)

BUILD = """
import os, sys
from journey import bases, rootless_build
ref, tag = sys.argv[1], sys.argv[2]
assert rootless_build.needed(), f"euid {os.geteuid()} is root"
recipe = bases.RECIPES[ref]
script = bases.RECIPES_DIR / recipe.script
sys.exit(rootless_build.run_recipe(ref, script, (*recipe.args, tag), timeout=recipe.timeout))
"""


def _drop() -> list[str]:
    """setpriv's prefix when the suite is root: the test user, the docker group only, no capabilities."""
    if os.geteuid() != 0:
        return []
    try:
        entry = pwd.getpwnam(TEST_USER)
        docker_gid = grp.getgrnam("docker").gr_gid
    except KeyError as exc:
        pytest.skip(f"no user {TEST_USER} or no docker group ({exc}); set JOURNEY_TEST_USER")
    if shutil.which("setpriv") is None:
        pytest.skip("root, and no setpriv to drop to an unprivileged user")
    return [
        "setpriv",
        f"--reuid={entry.pw_uid}",
        f"--regid={entry.pw_gid}",
        f"--groups={docker_gid}",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--",
    ]


def _env(home: Path) -> dict[str, str]:
    paths = [str(ROOT / "scripts"), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8", "PYTHONPATH": ":".join(paths)}
    env |= {k: v for k, v in os.environ.items() if k.startswith("JOURNEY_") or k == "DOCKER_HOST"}
    return env


@pytest.fixture
def as_user():
    """Run a build as the unprivileged user; skip when that user cannot run the interpreter."""
    home = Path(tempfile.mkdtemp(prefix="journey-test-home-"))
    drop = _drop()
    if drop:
        shutil.chown(home, int(drop[1].split("=")[1]), int(drop[2].split("=")[1]))
    probe = [*drop, PYTHON, "-c", "import journey.rootless_build, docker"]
    done = subprocess.run(probe, env=_env(home), cwd=home, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shutil.rmtree(home, ignore_errors=True)
        pytest.skip(f"{TEST_USER} cannot run {PYTHON} (set JOURNEY_TEST_PYTHON): {done.stderr[-300:]}")

    def build(ref: str, tag: str) -> subprocess.CompletedProcess[str]:
        argv = [*drop, PYTHON, "-c", BUILD, ref, tag]
        return subprocess.run(
            argv, env=_env(home), cwd=home, capture_output=True, text=True, timeout=1800, check=False
        )

    yield build
    shutil.rmtree(home, ignore_errors=True)


def _image(ref: str) -> tuple[str, dict[str, str]]:
    out = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{json .}}", ref],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data = json.loads(out)
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
