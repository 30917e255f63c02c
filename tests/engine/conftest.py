"""Fixtures of the engine and base-image tests: they use the real, shared engine (never stop it)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from engine_helpers import FIXTURES, PREFIX, PrivateEngine


@pytest.fixture
def fixture_root(tmp_path):
    """A repository root whose only volume is the base-image fixtures (snippets/bases)."""
    (tmp_path / "snippets").mkdir()
    shutil.copytree(FIXTURES, tmp_path / "snippets" / "bases")
    return tmp_path


@pytest.fixture
def image_tags():
    """Hand out unique tags under the test prefix; remove every one of them afterwards."""
    made: list[str] = []

    def make(name: str) -> str:
        tag = f"{PREFIX}/{name}:{uuid.uuid4().hex[:12]}"
        made.append(tag)
        return tag

    yield make
    for tag in made:
        subprocess.run(["docker", "image", "rm", "--force", tag], capture_output=True, check=False)


@pytest.fixture
def private_engine():
    """A folder for a second dockerd; stopped (by its own PID) and removed afterwards."""
    # Short path: unix socket paths are limited to 107 bytes.
    engine = PrivateEngine(Path(tempfile.mkdtemp(prefix="jte-", dir="/var/tmp")))
    yield engine
    engine.stop()
    engine.unmount_leftovers()
    shutil.rmtree(engine.folder, ignore_errors=True)
