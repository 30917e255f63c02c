"""The layers of scripts/journey are a checked rule: lint-imports fails on an import that breaks them.

The contract is pyproject.toml's ``[tool.importlinter]`` (``make lint`` runs it). Each test runs
``lint-imports`` on a copy of the package, found first on ``PYTHONPATH``, with one import planted in it:
a layer that imports one above it, a command that imports another. The copy as it is passes, so a
failure is the planted import's and not the copy's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from trees import REPO

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(packages: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(packages)}
    argv = [str(LINT_IMPORTS), "--no-cache", str(REPO / "pyproject.toml")]
    return subprocess.run(argv, cwd=packages, env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def packages(tmp_path: Path) -> Path:
    """A copy of the journey package, on its own sys.path entry."""
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(REPO / "scripts" / "journey", tmp_path / "journey", ignore=ignore)
    return tmp_path


def plant(packages: Path, module: str, line: str) -> None:
    path = packages / "journey" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # planted by the test\n", encoding="utf-8")


def test_the_package_as_it_is_keeps_every_contract(packages: Path) -> None:
    done = lint_imports(packages)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "found"),
    [
        ("model/units.py", "from journey.site import render", "journey.model.units -> journey.site.render"),
        ("core/layout.py", "import journey.engine.images", "journey.core.layout -> journey.engine.images"),
        ("engine/images.py", "import journey.helpers.farm", "journey.engine.images -> journey.helpers.farm"),
        (
            "commands/listing.py",
            "from journey.commands import render",
            "journey.commands.listing -> journey.commands.render",
        ),
    ],
    ids=["model-imports-site", "core-imports-engine", "engine-imports-helpers", "command-imports-command"],
)
def test_a_planted_import_that_breaks_a_contract_fails_lint_imports(
    packages: Path, module: str, line: str, found: str
) -> None:
    plant(packages, module, line)
    done = lint_imports(packages)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 broken" in done.stdout
    assert f"- {found} (l." in done.stdout  # the planted line, named as the contract's reason
