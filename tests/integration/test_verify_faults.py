"""Fault tests of journey verify on the real engine.

Each asserts the exit code, a message naming snippet, step and cause, recorded results left
byte-for-byte as they were, and nothing of the run left in the engine.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid

import pytest
from verify_helpers import JOURNEY, leftovers, make_repo, need_image, published, snapshot, verify

from journey.engine.session import engine_build_cpu_seconds

pytestmark = pytest.mark.engine


def _fails(root, *args: str, code: int = 1):
    """Run verify on a seeded repo; assert the exit code and that results/ and downloads did not change."""
    before = (snapshot(root), published(root))
    done = verify(root, *args)
    assert done.returncode == code, done.stderr
    assert (snapshot(root), published(root)) == before
    return done


@pytest.fixture
def debian(client):
    need_image(client, "debian:trixie")
    return client


def test_dockerfile_that_fails_to_build(tmp_path, debian):
    root = make_repo(tmp_path, "faults", ["buildfail"])
    rendered = subprocess.run(
        [*JOURNEY, "render", "--root", str(root)], capture_output=True, text=True, check=False
    )
    assert rendered.returncode == 0, rendered.stderr  # the downloads as a checkout has them
    served = root / "docs/downloads/faults/buildfail/Dockerfile"
    assert served.is_file()
    with (root / "snippets/faults/buildfail/Dockerfile").open("a", encoding="utf-8") as dockerfile:
        dockerfile.write("# an edit that still fails: the site must go on serving the last verified bytes\n")
    done = _fails(root)  # results and every download, the edited Dockerfile's among them, as they were
    assert "faults/buildfail: build: docker buildx build exited 1" in done.stderr
    assert "did not complete successfully" in done.stderr  # BuildKit's own cause
    assert "fixture: this step fails on purpose" in done.stderr  # the log tail
    assert leftovers(debian, ["faults/buildfail"]) == []


def test_go_code_that_fails_go_test(tmp_path, client):
    root = make_repo(tmp_path, "faults", ["gotestfail"])
    done = _fails(root)
    assert "faults/gotestfail: check go-test: go-test exited 1" in done.stderr
    assert "Add(2, 2) = 5, want 4" in done.stderr
    assert leftovers(client, ["faults/gotestfail"]) == []


def test_a_vulnerability_scan_that_misses_what_it_expects_fails_naming_it(tmp_path, client):
    root = make_repo(tmp_path, "faults", ["vulnexpected"])
    done = _fails(root)
    assert "faults/vulnexpected: check govulncheck: expected but not reported: GO-2026-5676" in done.stderr
    assert "No vulnerabilities found." in done.stderr  # the scan's own words, in the log tail
    assert leftovers(client, ["faults/vulnexpected"]) == []


def test_probe_that_gets_the_wrong_answer(tmp_path, debian):
    root = make_repo(tmp_path, "faults", ["wrongprobe"])
    done = _fails(root)
    assert "faults/wrongprobe: probe debian-version: output does not match /^7\\./" in done.stderr
    assert leftovers(debian, ["faults/wrongprobe"]) == []


def test_container_that_exits_at_once(tmp_path, debian):
    root = make_repo(tmp_path, "faults", ["exitsatonce"])
    done = _fails(root)
    assert "faults/exitsatonce: run: the container exited (code 3) before it was ready" in done.stderr
    assert "giving up" in done.stderr  # its log
    assert leftovers(debian, ["faults/exitsatonce"]) == []


def test_container_that_hangs_hits_the_timeout(tmp_path, debian):
    root = make_repo(tmp_path, "faults", ["hangs"])
    done = _fails(root)
    assert "faults/hangs: run: not ready (log /listening/) after 3 s (run.timeout)" in done.stderr
    assert leftovers(debian, ["faults/hangs"]) == []


def _engine_builds_quiet(within: float = 90.0) -> None:
    """Wait until no build on the engine uses CPU: the hang watchdog counts every BuildKit step's CPU.

    In a cold `make test` this test once ran while something else's build steps still used CPU, and the
    watchdog rightly saw progress. The precondition makes that visible instead of a puzzling failure.
    """
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        before = engine_build_cpu_seconds()
        time.sleep(2)
        after = engine_build_cpu_seconds()
        if before is None or after is None or after - before < 0.05:
            return
    pytest.fail(f"builds on the engine kept using CPU for {within:g} s: the hang watchdog cannot be tested")


def test_build_that_stops_producing_output_is_stopped_as_hung(tmp_path, debian):
    # The slow fixture prints one line, then sleeps: no output and no CPU, so it is hung.
    root = make_repo(tmp_path, "faults", ["slow"])
    _fresh_nonce(root)
    _engine_builds_quiet()
    started = time.monotonic()
    done = _fails(root, "--idle-timeout", "5")
    assert "faults/slow: build: hung: no output and no CPU progress for 5 s (--idle-timeout)" in done.stderr
    assert time.monotonic() - started < 50  # stopped long before its 60 s sleep would end
    assert leftovers(debian, ["faults/slow"]) == []


def test_silent_build_that_computes_is_slow_not_hung(tmp_path, debian, cleanup_verified):
    # Twelve seconds of CPU and no output, like a cold compile: an idle limit of 5 s must not stop it.
    root = make_repo(tmp_path, "faults", ["busy"])
    cleanup_verified.append("faults/busy")
    _fresh_nonce(root, "busy", "Silent busy build")
    done = verify(root, "--idle-timeout", "5")
    assert done.returncode == 0, done.stderr
    result = json.loads((root / "results/faults/busy/result.json").read_text())
    assert result["status"] == "verified"
    assert result["images"][0]["build_seconds"] > 10  # twice the idle limit, and never stopped
    assert leftovers(debian, ["faults/busy"]) == []


def test_dockerfile_copying_a_missing_file(tmp_path, debian):
    root = make_repo(tmp_path, "faults", ["missingfile"])
    done = _fails(root)
    assert "faults/missingfile: build: docker buildx build exited 1" in done.stderr
    assert '"/config.toml": not found' in done.stderr
    assert leftovers(debian, ["faults/missingfile"]) == []


def test_malformed_manifest_is_a_usage_error(tmp_path, client):
    root = make_repo(tmp_path, "faults", ["malformed", "wrongprobe"])
    done = _fails(root, code=2)
    assert "faults/malformed: manifest:" in done.stderr
    assert "probes[0]" in done.stderr
    assert "htttp" in done.stderr
    assert "build" not in done.stderr.split("manifest:")[0]  # nothing was built
    assert leftovers(client, ["faults/malformed", "faults/wrongprobe"]) == []


def test_engine_unreachable(tmp_path, client):
    root = make_repo(tmp_path, "faults", ["wrongprobe"])
    before = snapshot(root)
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    done = verify(root, env=env)
    assert done.returncode == 3, done.stderr
    assert "engine: no Docker engine answers" in done.stderr
    assert "make engine" in done.stderr
    assert snapshot(root) == before
    assert leftovers(client, ["faults/wrongprobe"]) == []


@pytest.mark.usefixtures("debian")
def test_one_failing_snippet_does_not_stop_the_others(tmp_path, cleanup_verified):
    root = make_repo(tmp_path, "faults", ["buildfail", "wrongprobe"])
    (root / "snippets/faults/wrongprobe/snippet.yml").write_text(
        "title: fixed\nbuild: {}\nprobes:\n  - name: v\n"
        "    exec: {command: [cat, /etc/debian_version], output: '^13'}\n"
    )
    cleanup_verified.append("faults/wrongprobe")
    before = (root / "results/faults/buildfail/result.json").read_bytes()
    done = verify(root, "--json")
    assert done.returncode == 1
    outcomes = {o["snippet"]: o for o in json.loads(done.stdout)["outcomes"]}
    assert outcomes["faults/buildfail"]["status"] == "failed"
    assert outcomes["faults/buildfail"]["error"]["step"] == "build"
    assert outcomes["faults/wrongprobe"]["status"] == "verified"
    assert (root / "results/faults/buildfail/result.json").read_bytes() == before


def _fresh_nonce(root, name: str = "slow", title: str = "Slow build") -> None:
    """Give a slow build an argument it never saw, so BuildKit's cache cannot skip its long step."""
    manifest = root / f"snippets/faults/{name}/snippet.yml"
    manifest.write_text(f"title: {title}\nbuild:\n  args: {{NONCE: '{uuid.uuid4().hex}'}}\n")


def _start_slow(root) -> subprocess.Popen[str]:
    """Start a real `journey verify` on the slow snippet and wait until it is building."""
    proc = subprocess.Popen(
        [*JOURNEY, "verify", "--root", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=root,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if _building(root):
            return proc
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)  # never SIGKILL: an orphaned buildx would finish and tag
    proc.communicate(timeout=60)
    pytest.fail("the slow build never started")
    return proc


def _building(root) -> bool:
    """Tell whether the slow build's buildx process is running for this temp repo."""
    listing = subprocess.run(["ps", "-ww", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    return any("buildx build" in line and str(root) in line for line in listing.splitlines())


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_run_cleans_up_and_leaves_results(tmp_path, debian, sig):
    root = make_repo(tmp_path, "faults", ["slow"])
    _fresh_nonce(root)
    before = snapshot(root)
    proc = _start_slow(root)
    time.sleep(1)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert snapshot(root) == before
    assert leftovers(debian, ["faults/slow"]) == []
    assert not _building(root)


def test_second_concurrent_verify_refuses(tmp_path, debian):
    root = make_repo(tmp_path, "faults", ["slow"])
    _fresh_nonce(root)
    before = snapshot(root)
    first = _start_slow(root)
    try:
        second = verify(root)
        assert second.returncode == 2, second.stderr
        assert "another `journey verify`" in second.stderr
        assert f"(pid {first.pid})" in second.stderr
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=60)
    assert snapshot(root) == before
    assert leftovers(debian, ["faults/slow"]) == []


def test_interrupt_while_a_container_runs_removes_it(tmp_path, debian):
    root = make_repo(tmp_path, "faults", ["hangs"])
    manifest = root / "snippets/faults/hangs/snippet.yml"
    manifest.write_text(manifest.read_text().replace("timeout: 3", "timeout: 120"))
    before = snapshot(root)
    label = {"label": "org.golangjourney.snippet=faults/hangs", "status": "running"}
    # another run's leftover must not pass for this run's container (it would signal a run still importing)
    earlier = {c.id for c in debian.containers.list(all=True, filters={"label": label["label"]})}
    proc = subprocess.Popen(
        [*JOURNEY, "verify", "--root", str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )

    def started() -> bool:
        return any(c.id not in earlier for c in debian.containers.list(filters=label))

    deadline = time.monotonic() + 120
    while not started() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert started(), "the service container never started"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert snapshot(root) == before
    assert leftovers(debian, ["faults/hangs"]) == []
