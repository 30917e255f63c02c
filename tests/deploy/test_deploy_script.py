"""Today's deploy.sh on bad input: a missing variable stops it before it touches anything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SNIPPETS

SCRIPT = SNIPPETS / "deploy" / "deploy.sh"
#: Only the script and the shell run here: no engine, no registry (see tests/conftest.py).
ENGINE_FREE = True
COMPLETE = {
    "AWS_REGION": "us-east-1",
    "IMAGE_NAME": "journey-deploy-e2e",
    "COMMIT_SHA": "1a2b3c4",
    "REGISTRY_URL": "127.0.0.1:9",
}


def run(env: dict[str, str], home: Path) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    return subprocess.run(
        [str(SCRIPT)],
        env={"PATH": path, "HOME": str(home), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("missing", ["AWS_REGION", "IMAGE_NAME", "COMMIT_SHA"])
def test_missing_variable_fails_fast_naming_it(missing, tmp_path):
    env = {k: v for k, v in COMPLETE.items() if k != missing}
    done = run(env, tmp_path)
    assert done.returncode != 0
    assert done.stdout == ""
    # One line, naming the variable: neither aws nor docker ran (they would have printed, or made ~/.docker).
    assert done.stderr.count("\n") == 1
    assert f"{missing}: is not set" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_no_registry_and_no_account_names_both(tmp_path):
    env = {k: v for k, v in COMPLETE.items() if k != "REGISTRY_URL"}
    done = run(env, tmp_path)
    assert done.returncode != 0
    assert "AWS_ACCOUNT_ID: is not set (or set REGISTRY_URL)" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []
