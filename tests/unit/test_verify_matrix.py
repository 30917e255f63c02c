"""The fan-out workflow, run here step by step: its plan, each matrix entry's command, its merge.

actionlint and yamllint (make lint) say the file is well formed; these run its own shell lines against this
checkout: the plan step's volumes are the repository's volumes, each matrix entry's `journey verify <volume>`
names a volume the tool accepts (it gets as far as asking for the engine, which the unit tests point nowhere),
and the merge step lays each volume's artifact over results/ and leaves the other volumes alone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "verify-matrix.yml"
NO_ENGINE = 3
USAGE = 2


def _steps(job: str) -> dict[str, str]:
    jobs = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    return {step["name"]: step["run"] for step in jobs[job]["steps"] if "name" in step and "run" in step}


def _volumes_here() -> list[str]:
    return sorted(p.parent.name for p in (REPO / "snippets").glob("*/volume.yml"))


def _bin(tmp_path: Path) -> Path:
    """A `.venv/bin` for the workflow's lines: this interpreter's journey, with `make setup` a no-op."""
    venv = tmp_path / ".venv" / "bin"
    venv.mkdir(parents=True)
    journey = venv / "journey"
    journey.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m journey "$@"\n', encoding="utf-8")
    journey.chmod(0o755)
    return venv


def _copy_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for name in ("snippets", "results", "docs", "overrides"):
        shutil.copytree(REPO / name, root / name, symlinks=True)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return root


def test_the_plan_step_lists_every_volume_of_the_repository(tmp_path):
    run = _steps("plan")["The volumes, one matrix entry each"].replace("make setup\n", "")
    root = _copy_repo(tmp_path)
    shutil.move(_bin(tmp_path).parent, root / ".venv")
    output = tmp_path / "github_output"
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", run],
        cwd=root,
        env={**os.environ, "GITHUB_OUTPUT": str(output)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    line = output.read_text(encoding="utf-8").strip()
    assert line.startswith("volumes=")
    assert json.loads(line.removeprefix("volumes=")) == _volumes_here()


def test_each_matrix_entry_names_a_volume_journey_verify_accepts(tmp_path):
    run = _steps("verify")["Verify the snippets of one volume"]
    assert 'make verify "SNIPPETS=${VOLUME}"' in run
    root = _copy_repo(tmp_path)
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/journey-matrix.sock"}
    for volume in _volumes_here():
        # What `make verify SNIPPETS=<volume>` runs, engine-free: the volume is picked, then no engine.
        done = subprocess.run(
            [sys.executable, "-m", "journey", "verify", "--root", str(root), volume],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == NO_ENGINE, (volume, done.returncode, done.stderr)
    wrong = subprocess.run(
        [sys.executable, "-m", "journey", "verify", "--root", str(root), "no-such-volume"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert wrong.returncode == USAGE, wrong.stderr


def test_the_merge_step_replaces_each_volumes_results_and_only_those(tmp_path):
    run = _steps("site")["Merge the volumes' results"]
    (tmp_path / "results" / "vol1").mkdir(parents=True)
    (tmp_path / "results" / "vol1" / "stale.txt").write_text("old\n")
    (tmp_path / "results" / "bases").mkdir()
    (tmp_path / "results" / "bases" / "bases.md").write_text("kept\n")
    part = tmp_path / "build" / "results-parts" / "results-vol1" / "multistage"
    part.mkdir(parents=True)
    (part / "result.json").write_text("{}\n")
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", run], cwd=tmp_path, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "results/vol1/multistage/result.json").read_text() == "{}\n"
    assert not (tmp_path / "results/vol1/stale.txt").exists()
    assert (tmp_path / "results/bases/bases.md").read_text() == "kept\n"
