"""The full proof's fan-out (site.yml), run here step by step: its plan, each entry's command, its merge.

actionlint and yamllint (make lint) say the workflow is well formed; these run its own lines against copies
of this checkout: the plan step's matrix holds every snippet of the repository once, every entry's snippet
is one `journey verify --all` accepts (it gets as far as asking for the engine, which the unit tests point
nowhere), and `journey merge` lays parts over results/, reports drift, and refuses a bad part untouched.
The same merge of parts that real verifies produced is tests/integration/test_verify_fanout.py.
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
NO_ENGINE, USAGE, DRIFT = 3, 2, 6
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


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


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


def _part(tmp_path: Path, name: str, snippet: str, result: dict | None = None, drifted: bool = False) -> Path:
    """A fan-out entry's artifact: the snippet's folder of results and its build/report/."""
    part = tmp_path / "parts" / name
    shutil.copytree(REPO / "results" / snippet, part / "results" / snippet)
    if result is not None:
        (part / "results" / snippet / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    report = part / "build" / "report"
    report.mkdir(parents=True)
    drift = [
        {
            "snippet": snippet,
            "figures": [{"path": "images[final].size", "old": "1", "new": "2"}],
            "inputs": [],
        }
    ]
    data = {"when": "2026-12-07T00:00Z", "verified": [snippet], "drift": drift if drifted else []}
    (report / "drift.json").write_text(json.dumps(data) + "\n")
    (report / "durations.json").write_text(json.dumps({snippet: 42.0}) + "\n")
    return part


def test_merging_unchanged_parts_changes_no_result_and_passes_check(tmp_path):
    root = _copy_repo(tmp_path)
    # Neither snippet re-verified yet: the repository's own dates (today's, after a full proof) would
    # leave their provenance notes as they are, and this test would depend on the day it runs.
    (root / "results" / "reverified.json").write_text("{}\n")
    assert _journey(root, "render").returncode == 0
    before = _tree(root / "results")
    parts = [_part(tmp_path, "a", "vol1/multistage"), _part(tmp_path, "b", "vol2/logs")]
    done = _journey(root, "merge", "--report", str(tmp_path / "report"), *map(str, parts))
    assert done.returncode == 0, done.stderr
    assert "merged 2 snippets' results from 2 parts; 0 drifted" in done.stdout
    after = _tree(root / "results")
    changed = {k for k in after if after[k] != before.get(k)}
    # no result rewritten: only the timings, and each snippet's date of its last re-verification
    assert changed == {
        "durations.json",
        "reverified.json",
        "vol1/multistage/provenance.md",
        "vol2/logs/provenance.md",
    }
    assert "| last re-verified | 20" in (root / "results/vol2/logs/provenance.md").read_text()
    timings = json.loads((root / "results/durations.json").read_text())
    assert (timings["vol1/multistage"], timings["vol2/logs"]) == (42.0, 42.0)  # merged into what was recorded
    assert "no drift" in (tmp_path / "report" / "drift.md").read_text()
    assert _journey(root, "check").returncode == 0


def test_a_drifted_part_is_merged_and_reported_with_exit_6(tmp_path):
    root = _copy_repo(tmp_path)
    result = json.loads((REPO / "results/vol1/multistage/result.json").read_text())
    result["verified_on"] = "2026-12-07"
    done = _journey(
        root,
        "merge",
        "--report",
        str(tmp_path / "r"),
        str(_part(tmp_path, "a", "vol1/multistage", result, drifted=True)),
    )
    assert done.returncode == DRIFT, done.stderr
    merged = json.loads((root / "results/vol1/multistage/result.json").read_text())
    assert merged["verified_on"] == "2026-12-07"
    report = json.loads((tmp_path / "r" / "drift.json").read_text())
    assert [d["snippet"] for d in report["drift"]] == ["vol1/multistage"]
    assert "images[final].size" in (tmp_path / "r" / "drift.md").read_text()


def test_a_part_with_a_stranger_snippet_is_refused_and_nothing_is_merged(tmp_path):
    root = _copy_repo(tmp_path)
    before = _tree(root / "results")
    good = _part(tmp_path, "a", "vol1/multistage")
    bad = _part(tmp_path, "b", "vol2/logs")
    shutil.move(bad / "results" / "vol2" / "logs", bad / "results" / "vol2" / "nosuch")
    done = _journey(root, "merge", str(good), str(bad))
    assert done.returncode == USAGE
    assert "vol2/nosuch" in done.stderr
    assert _tree(root / "results") == before
