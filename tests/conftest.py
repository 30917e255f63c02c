"""Marks by what a test needs, so ``make test-unit`` runs every test that needs neither engine nor browser.

A test module under ``engine/``, ``integration/`` or ``deploy/`` (the loopback registry and the emulated
ECR run containers) needs the real Docker engine; one under ``browser/`` drives Chromium. Everything
else is engine-free, and ``make test-unit`` proves it by pointing DOCKER_HOST at a socket that does not
exist. A module in those folders that needs neither says so with ``ENGINE_FREE = True``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from trees import REPO, write_tree
from unprivileged import unprivileged_user

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["unprivileged_user"]  # a fixture for any test that runs part of itself as a user who is not root

HERE = Path(__file__).resolve().parent
NEEDS = {"engine": "engine", "integration": "engine", "deploy": "engine", "browser": "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Add the ``engine`` or ``browser`` mark to every test of a folder that needs one."""
    for item in items:
        folder = Path(str(item.path)).resolve().relative_to(HERE).parts[0]
        mark = NEEDS.get(folder)
        if mark is None or getattr(item.module, "ENGINE_FREE", False):
            continue
        item.add_marker(getattr(pytest.mark, mark))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout the tests run from: its real snippets, results, pages, mkdocs.yml (only read)."""
    return REPO


@pytest.fixture
def tree(tmp_path: Path) -> Callable[..., Path]:
    """Write a small repository or snippet folder: ``tree({"snippets/vol1/volume.yml": "..."})`` → its root.

    The root is the test's ``tmp_path`` unless ``root=`` names another folder; ``executable=`` names
    files to mark 0755 (see ``trees.write_tree``).
    """

    def write(
        files: Mapping[str, str], *, root: Path | None = None, executable: tuple[str, ...] = ()
    ) -> Path:
        return write_tree(tmp_path if root is None else root, files, executable=executable)

    return write
