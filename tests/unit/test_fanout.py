"""The full proof's fan-out (site.yml), run here step by step: its plan and each entry's command.

actionlint and yamllint (make lint) say the workflow is well formed; these run its own lines against copies
of this checkout: the plan step's matrix holds every snippet of the repository once, every entry's snippet
is one `journey verify --all` accepts (it gets as far as asking for the engine, which the unit tests point
nowhere). `journey merge` laying parts over results/ is tests/unit/commands/test_merge_command.py; the same
merge of parts that real verifies produced is tests/integration/test_verify_fanout.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

import yaml

from trees import REPO

if TYPE_CHECKING:
    from pathlib import Path

WORKFLOW = REPO / ".github" / "workflows" / "site.yml"
NO_ENGINE, USAGE = 3, 2
JOURNEY = [sys.executable, "-m", "journey"]
NO_DOCKER = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/journey-fanout.sock"}


def _job(name: str) -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"][name]


def _run_of(job: str, step: str) -> str:
    return next(s["run"] for s in _job(job)["steps"] if s.get("name", "").startswith(step))


def _snippets_here() -> list[str]:
    done = subprocess.run([*JOURNEY, "list", "--json", "--root", str(REPO)], capture_output=True, check=True)
    return [entry["snippet"] for entry in json.loads(done.stdout)]


def _copy_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("snippets", "results", "docs", "overrides"):
        shutil.copytree(REPO / name, root / name, symlinks=True)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return root


def _journey(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*JOURNEY, *args[:1], "--root", str(root), *args[1:]],
        env=NO_DOCKER,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_plan_step_gives_one_matrix_entry_per_snippet(tmp_path):
    run = _run_of("plan", "The fan-out's matrix")
    root = _copy_repo(tmp_path)
    venv = root / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "journey").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m journey "$@"\n', encoding="utf-8")
    (venv / "journey").chmod(0o755)
    output = tmp_path / "github_output"
    env = {**NO_DOCKER, "GITHUB_OUTPUT": str(output)}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", run],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "critical path" in done.stdout or "never timed" in done.stdout
    matrix = json.loads(output.read_text(encoding="utf-8").strip().removeprefix("matrix="))
    snippets = [entry["snippet"] for entry in matrix["include"]]
    assert sorted(snippets) == sorted(_snippets_here())
    assert all(e["slug"] == e["snippet"].replace("/", "-") for e in matrix["include"])


def test_every_entry_names_a_snippet_that_verify_all_accepts(tmp_path):
    step = _run_of("verify", "Re-verify")
    assert step.startswith("make verify-entry ")
    root = _copy_repo(tmp_path)
    snippets = _snippets_here()
    # One run names them all: `select` refuses each unknown name on its own (exit 2, naming it), and
    # nothing before the engine differs per snippet, so exit 3 here is exit 3 for each entry alone. One
    # process instead of one per snippet saves loading the tool and every manifest 40 times over.
    done = _journey(root, "verify", "--all", "--report", str(tmp_path / "report"), *snippets)
    assert done.returncode == NO_ENGINE, done.stderr
    alone = _journey(root, "verify", "--all", "--report", str(tmp_path / "report"), snippets[-1])
    assert alone.returncode == NO_ENGINE, alone.stderr  # an entry's own command line, as the matrix runs it
    refused = _journey(root, "verify", "--all", *snippets[:3], "no/such")
    assert refused.returncode == USAGE
    assert "no such snippet or volume: no/such" in refused.stderr
