"""A verify killed by SIGKILL leaves its things; the next run's sweep removes them, never a live run's.

The run is the real ``journey verify`` on the ``faults/hangs`` fixture (its service never gets ready, so
the run sits in its probe step with a container running), on the real engine. Each test gives the runs
their own runtime folder (run records) and temporary folder (scratch folders), so what is asserted about
them is this test's alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from verify_helpers import JOURNEY, make_repo, need_image, snapshot

SNIPPET = "faults/hangs"
SNIPPET_LABEL = "org.golangjourney.snippet"
RUN_LABEL = "org.golangjourney.run"
#: Longest a verify may take to build the fixture and start its service container.
START_TIMEOUT = 120


@pytest.fixture
def debian(client):
    need_image(client, "debian:trixie")
    return client


@pytest.fixture
def places(tmp_path) -> dict[str, str]:
    """The environment of every ``journey`` these tests start: a private runtime and temporary folder."""
    runtime, tmp = tmp_path / "runtime", tmp_path / "tmp"
    runtime.mkdir(mode=0o700)
    tmp.mkdir()
    return {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "TMPDIR": str(tmp)}


def _hanging_repo(tmp_path: Path, timeout: int) -> Path:
    root = make_repo(tmp_path, "faults", ["hangs"])
    manifest = root / "snippets/faults/hangs/snippet.yml"
    manifest.write_text(manifest.read_text().replace("timeout: 3", f"timeout: {timeout}"))
    return root


def _start(root: Path, env: dict[str, str], client) -> tuple[subprocess.Popen[str], str]:
    """Start ``journey verify`` and return it with its run id, once its service container runs."""
    label = f"{SNIPPET_LABEL}={SNIPPET}"
    earlier = {c.id for c in client.containers.list(all=True, filters={"label": label})}
    proc = subprocess.Popen(
        [*JOURNEY, "verify", "--root", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=root,
    )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and proc.poll() is None:
        new = [c for c in client.containers.list(filters={"label": label}) if c.id not in earlier]
        if new:
            return proc, new[0].labels[RUN_LABEL]
        time.sleep(0.2)
    proc.kill()
    proc.wait()
    pytest.fail("the service container never started")
    raise AssertionError  # pytest.fail raised


def _journey(command: str, root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    argv = [*JOURNEY, command, "--root", str(root)]
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300, check=False, cwd=root)


def _left(client, run_id: str, env: dict[str, str]) -> list[str]:
    """What run ``run_id`` has in the engine and its folders: containers, networks, tags, scratch, record."""
    label = {"label": f"{RUN_LABEL}={run_id}"}
    found = [f"container {c.name}" for c in client.containers.list(all=True, filters=label)]
    found += [f"network {n.name}" for n in client.networks.list(filters=label)]
    for image in client.images.list(filters={"reference": f"journey-run/*:{run_id}"}):
        found += [f"image {tag}" for tag in image.tags if tag.endswith(f":{run_id}")]
    found += [f"folder {p}" for p in Path(env["TMPDIR"]).glob("journey-*")]
    found += [f"record {p}" for p in Path(env["XDG_RUNTIME_DIR"]).glob(f"journey/runs/{run_id}")]
    return found


@pytest.mark.parametrize("then", ["clean", "verify"])
def test_what_a_killed_verify_left_goes_at_the_next_runs_sweep(tmp_path, debian, places, then):
    root = _hanging_repo(tmp_path, timeout=120)
    before = snapshot(root)
    proc, run_id = _start(root, places, debian)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = _left(debian, run_id, places)
    assert any(item.startswith("container ") for item in left), left  # a kill leaves it: the sweep's work
    assert any(item.startswith("folder ") for item in left), left
    if then == "verify":  # the next run sweeps first, then fails fast
        manifest = root / "snippets/faults/hangs/snippet.yml"
        manifest.write_text(manifest.read_text().replace("timeout: 120", "timeout: 3"))
    done = _journey(then, root, places)
    assert done.returncode == (0 if then == "clean" else 1), done.stderr
    assert "removed container" in (done.stdout if then == "clean" else done.stderr)
    assert _left(debian, run_id, places) == []
    assert snapshot(root) == before


def test_a_sweep_never_touches_a_live_runs_things(tmp_path, debian, places):
    root = _hanging_repo(tmp_path, timeout=120)
    proc, run_id = _start(root, places, debian)
    try:
        live = _left(debian, run_id, places)
        done = _journey("clean", root, places)
        assert done.returncode == 0, done.stderr
        assert run_id not in done.stdout
        assert _left(debian, run_id, places) == live
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    assert proc.returncode == 130
    assert _left(debian, run_id, places) == []
