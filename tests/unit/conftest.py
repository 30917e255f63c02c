"""Every unit test gets its own private runtime folder, and its subprocesses their own temporary folder.

A test that needs a small green repository takes ``green_repo`` (tests/green.py, written in its ``tmp_path``).

Run records and locks (``layout.runtime_dir``) then never land in the user's, and a ``journey`` a test
starts (or kills) keeps its scratch folder, and sweeps, in the test's own temporary folder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from green import FILES, record

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
