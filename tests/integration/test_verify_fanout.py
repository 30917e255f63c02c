"""The full proof on the real engine: resumable, drift reported, and fanned out one clone per snippet.

Each test works on a temp repository of two quick Debian fixtures (`engine/quick` and a copy that says
something else), recorded once as a checkout would hold them. A "fresh machine" is that repository
without its `.cache/verified/` (what this machine verified itself), which `journey verify --all`
resumes from.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
from typing import TYPE_CHECKING

import pytest
from verify_helpers import JOURNEY, leftovers, make_repo, need_image, snapshot, verify

if TYPE_CHECKING:
    from pathlib import Path

SNIPPETS = ["engine/quick", "engine/other"]
DRIFT = 6


@pytest.fixture
def recorded(tmp_path, client, cleanup_verified):
    """Two fixtures, verified once: the committed state of a tiny series."""
    need_image(client, "debian:trixie")
    root = make_repo(tmp_path / "main", "engine", ["quick"], seed=False)
    other = root / "snippets/engine/other"
    shutil.copytree(root / "snippets/engine/quick", other)
    (other / "greeting.txt").write_text("hello from the other fixture\n", encoding="utf-8")
    manifest = other / "snippet.yml"
    manifest.write_text(manifest.read_text().replace("hello from a fixture", "hello from the other"))
    (root / "snippets/engine/volume.yml").write_text("title: engine fixtures\nsnippets: [quick, other]\n")
    cleanup_verified.extend(SNIPPETS)
    done = verify(root)
    assert done.returncode == 0, done.stderr
    return root


def _fresh_machine(root: Path) -> None:
    shutil.rmtree(root / ".cache" / "verified", ignore_errors=True)


def _clone(root: Path, where: Path) -> Path:
    """A clone as CI's fan-out makes one: the tracked files, none of this machine's records."""
    shutil.copytree(root, where, symlinks=True, ignore=shutil.ignore_patterns("verified", "build"))
    return where


def test_no_drift_is_reported_as_none(recorded, tmp_path):
    _fresh_machine(recorded)
    before = snapshot(recorded)
    done = verify(recorded, "--all", "--report", str(tmp_path / "report"))
    assert done.returncode == 0, done.stderr
    assert "re-proving 2 snippets" in done.stderr
    after = snapshot(recorded)
    assert {k for k in after if after[k] != before.get(k)} == {
        "durations.json",
        "reverified.json",
        *(f"{s}/provenance.md" for s in SNIPPETS),
    }  # no result rewritten: only the date each was last found still true
    report = json.loads((tmp_path / "report/drift.json").read_text())
    assert (sorted(report["verified"]), report["drift"]) == (sorted(SNIPPETS), [])
    assert set(json.loads((tmp_path / "report/durations.json").read_text())) == set(SNIPPETS)


def test_planted_drift_names_the_snippet_the_figure_and_the_input(recorded, tmp_path):
    """The record says another package version and another answer: a re-verification must name both."""
    path = recorded / "results/engine/quick/result.json"
    result = json.loads(path.read_text())
    probe = next(p for p in result["probes"] if p["name"] == "greeting")
    probe["output"] = "hello from last week\n"
    base = result["environment"]["bases"][0]
    packages = base["labels"]["org.golangjourney.standin.packages"]
    base["labels"]["org.golangjourney.standin.packages"] = packages.replace(
        "base-files=", "base-files=0.old+", 1
    )
    path.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    _fresh_machine(recorded)
    done = verify(recorded, "--all", "--report", str(tmp_path / "report"))
    assert done.returncode == DRIFT, done.stderr
    report = json.loads((tmp_path / "report/drift.json").read_text())
    (drifted,) = report["drift"]
    assert drifted["snippet"] == "engine/quick"
    figure = next(f for f in drifted["figures"] if "greeting" in f["path"])
    assert "hello from last week" in figure["old"]
    assert "hello from a fixture" in figure["new"]
    moved = [i for i in drifted["inputs"] if "base-files" in i["path"]]
    assert moved, drifted["inputs"]
    assert moved[0]["old"].startswith("0.old+")
    markdown = (tmp_path / "report/drift.md").read_text()
    assert "engine/quick" in markdown
    assert "base-files" in markdown


def test_an_interrupted_full_proof_resumes_where_it_stopped(recorded, client):
    _fresh_machine(recorded)
    before = snapshot(recorded)
    argv = [*JOURNEY, "verify", "--root", str(recorded), "--all", "--jobs", "1"]
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, cwd=recorded)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("engine/quick: verified"):
            break
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=120)
    assert proc.returncode in {0, 130}  # 0 only if the second snippet had finished as well
    again = verify(recorded, "--all", "--json")
    assert again.returncode == 0, again.stderr
    status = {o["snippet"]: o["status"] for o in json.loads(again.stdout)["outcomes"]}
    assert status["engine/quick"] == "unchanged"  # done before the interrupt: not verified again
    if proc.returncode == 130:
        assert status["engine/other"] == "verified"
    assert snapshot(recorded) == before
    assert leftovers(client, SNIPPETS) == []


def test_each_entry_in_its_own_clone_merges_into_the_recorded_tree(recorded, tmp_path):
    parts = []
    for snippet in SNIPPETS:
        clone = _clone(recorded, tmp_path / "clones" / snippet.replace("/", "-"))
        done = verify(clone, "--all", "--report", str(clone / "build/report"), snippet)
        assert done.returncode == 0, done.stderr
        part = tmp_path / "parts" / snippet.replace("/", "-")  # what the entry's artifact holds
        shutil.copytree(clone / "results" / snippet, part / "results" / snippet)
        shutil.copytree(clone / "build/report", part / "build/report")
        parts.append(part)
    merged = _clone(recorded, tmp_path / "merged")
    before = snapshot(merged)
    done = subprocess.run(
        [*JOURNEY, "merge", "--root", str(merged), *map(str, parts)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "merged 2 snippets' results from 2 parts; 0 drifted" in done.stdout
    after = snapshot(merged)
    changed = {k for k in after if after[k] != before.get(k)}
    assert changed == {"durations.json", "reverified.json", *(f"{s}/provenance.md" for s in SNIPPETS)}
    stale = subprocess.run(
        [*JOURNEY, "plan", "--root", str(merged), "--stale"], capture_output=True, text=True, check=True
    )
    assert stale.stdout == ""
