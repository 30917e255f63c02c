"""``journey merge`` (commands.merge): the fan-out's parts laid over a checkout; bad parts refused untouched.

The first tests merge parts made from this checkout's own results, in a copy of it, through the command
line the merge job runs; the rest refuse bad parts in the small green repository (tests/green.py), where
a refusal must leave every file as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING

from journey.cli import main
from journey.core.errors import ExitCode
from trees import REPO

if TYPE_CHECKING:
    from pathlib import Path

JOURNEY = [sys.executable, "-m", "journey"]
NO_DOCKER = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/journey-merge.sock"}
USAGE, DRIFT = 2, 6


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


# --- refusals, in the small green repository --------------------------------------------------------------


def _green_part(tmp_path: Path, repo: Path, name: str = "a", *, report: bool = True) -> Path:
    """A part holding vol1/hello's results as re-verified on another day, with its report unless not."""
    part = tmp_path / "parts" / name
    shutil.copytree(repo / "results/vol1/hello", part / "results/vol1/hello")
    result = part / "results/vol1/hello/result.json"
    result.write_text(
        result.read_text().replace('"verified_on": "2026-11-28"', '"verified_on": "2026-12-07"')
    )
    if report:
        (part / "build/report").mkdir(parents=True)
        data = {"when": "2026-12-07T00:00Z", "verified": ["vol1/hello"], "drift": []}
        (part / "build/report/drift.json").write_text(json.dumps(data) + "\n")
    return part


def test_a_green_part_is_merged_and_said_so(green_repo, tmp_path, capsys):
    part = _green_part(tmp_path, green_repo)
    assert main(["merge", "--root", str(green_repo), str(part)]) == ExitCode.OK
    assert capsys.readouterr().out == "merged 1 snippets' results from 1 parts; 0 drifted\n"
    assert '"verified_on": "2026-12-07"' in (green_repo / "results/vol1/hello/result.json").read_text()


def test_a_part_folder_that_does_not_exist_is_refused_before_anything_runs(green_repo, tmp_path, capsys):
    assert main(["merge", "--root", str(green_repo), str(tmp_path / "nowhere")]) == ExitCode.USAGE
    assert "no such part folder: " in capsys.readouterr().err


def test_a_part_without_results_is_refused(green_repo, tmp_path, capsys):
    empty = tmp_path / "parts" / "empty"
    empty.mkdir(parents=True)
    before = _tree(green_repo)
    assert main(["merge", "--root", str(green_repo), str(empty)]) == ExitCode.USAGE
    assert "holds no results/<volume>/<snippet>/result.json" in capsys.readouterr().err
    assert _tree(green_repo) == before


def test_two_parts_holding_the_same_snippet_are_refused_untouched(green_repo, tmp_path, capsys):
    parts = [_green_part(tmp_path, green_repo, "a"), _green_part(tmp_path, green_repo, "b")]
    before = _tree(green_repo)
    assert main(["merge", "--root", str(green_repo), *map(str, parts)]) == ExitCode.USAGE
    assert "more than one part holds vol1/hello" in capsys.readouterr().err
    assert _tree(green_repo) == before


def test_a_part_without_its_drift_report_is_refused_untouched(green_repo, tmp_path, capsys):
    """A missing report is never taken for "no drift", and refusing it must not leave its results merged."""
    part = _green_part(tmp_path, green_repo, report=False)
    before = _tree(green_repo)
    assert main(["merge", "--root", str(green_repo), str(part)]) == ExitCode.USAGE
    assert "unreadable drift report" in capsys.readouterr().err
    assert _tree(green_repo) == before
