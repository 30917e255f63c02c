"""Every unit test gets its own private runtime folder, and its subprocesses their own temporary folder.

Run records and locks (``layout.runtime_dir``) then never land in the user's, and a ``journey`` a test
starts (or kills) keeps its scratch folder, and sweeps, in the test's own temporary folder.

A test that needs a small green repository takes ``green_repo`` (tests/green.py, written in its ``tmp_path``);
one that scaffolds volumes takes ``empty_site`` (the real mkdocs.yml, no volume yet); one that sweeps takes
``machine_tmp`` (the machine's temporary folder, as the sweep sees it, made the test's own).
"""

from __future__ import annotations

import re
import tempfile
from typing import TYPE_CHECKING

import pytest

from green import FILES, record
from trees import REPO

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


@pytest.fixture(autouse=True)
def _private_runtime_folder(tmp_path_factory, monkeypatch):
    """Point ``XDG_RUNTIME_DIR`` at a fresh 0700 folder and a subprocess's ``TMPDIR`` at another.

    A test of the lease folders sets its own (or none). ``tempfile.tempdir`` of this process is left
    alone: tests of normalisation expect temporary paths under ``/tmp``.
    """
    runtime = tmp_path_factory.mktemp("runtime")
    runtime.chmod(0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setenv("TMPDIR", str(tmp_path_factory.mktemp("tmpdir")))


@pytest.fixture
def green_repo(tree: Callable[..., Path]) -> Path:
    """A repository ``journey check`` passes: tests/green.py's one snippet, recorded and rendered."""
    root = tree(FILES)
    record(root)
    return root


@pytest.fixture
def empty_site(tmp_path: Path) -> Path:
    """A repository with the real mkdocs.yml (its nav cut down to the landing page), and no volume yet."""
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    (root / "snippets").mkdir()
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    config, found = re.subn(r"(?ms)^nav:\n.*?^(?=\S)", "nav:\n  - Home: index.md\n\n", config, count=1)
    assert found == 1
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    # Not the real landing page: it links to pages this copy does not have, which `journey check` reports.
    (root / "docs" / "index.md").write_text("# Golang journey\n", encoding="utf-8")
    return root


@pytest.fixture
def machine_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The machine's temporary folder, as the sweep sees it, is this test's own."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp
