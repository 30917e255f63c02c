"""scripts/engine.sh against the real engine: reuse it, start a private one, refuse unsupported hosts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from engine_helpers import ENGINE_SH, alive, run_engine_sh, shared_engine_pid

pytestmark = pytest.mark.engine

NOTHING_LISTENS = {"JOURNEY_DOCKERD_SOCKET": "/nonexistent/journey-test/docker.sock"}


def test_running_engine_is_used_and_nothing_changes(record_property):
    pid_before = shared_engine_pid()
    started = time.monotonic()
    done = run_engine_sh({})
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert "ready: Docker Engine" in done.stderr
    assert "buildx" in done.stderr
    assert "starting dockerd" not in done.stderr
    assert "installing" not in done.stderr
    assert shared_engine_pid() == pid_before
    if pid_before is not None:
        assert alive(pid_before)
    # A benchmark-style observation (the issue asks for < 5 s), reported, never asserted.
    record_property("engine_sh_second_run_seconds", round(seconds, 2))


def test_absent_engine_is_started_privately_beside_the_shared_one(private_engine, tmp_path):
    shared_before = shared_engine_pid()
    done = run_engine_sh(private_engine.env(), own_netns=True)
    assert done.returncode == 0, done.stderr
    assert "starting dockerd" in done.stderr
    assert "ready: Docker Engine" in done.stderr
    pid = int(private_engine.pidfile.read_text().strip())
    assert alive(pid)
    assert pid != shared_before

    info = subprocess.run(
        ["docker", "info", "--format", "{{json .DockerRootDir}}"],
        env=private_engine.client_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert json.loads(info.stdout) == str(private_engine.data_root)

    # BuildKit answers on the fresh engine: a FROM scratch build needs no base image at all.
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /hello.txt\n")
    (tmp_path / "hello.txt").write_text("hello\n")
    build = subprocess.run(
        [
            "docker",
            "buildx",
            "build",
            "--progress=plain",
            "-t",
            "journey-test-engine/private:1",
            str(tmp_path),
        ],
        env=private_engine.client_env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert build.returncode == 0, build.stderr
    assert "naming to docker.io/journey-test-engine/private:1" in build.stderr

    again = run_engine_sh(private_engine.env(), own_netns=True)
    assert again.returncode == 0, again.stderr
    assert "starting dockerd" not in again.stderr
    assert int(private_engine.pidfile.read_text().strip()) == pid
    assert shared_engine_pid() == shared_before


def test_non_debian_host_without_engine_says_what_to_install(tmp_path):
    os_release = tmp_path / "os-release"
    os_release.write_text('ID=fedora\nID_LIKE="rhel centos"\nVERSION_CODENAME=""\n')
    done = run_engine_sh({**NOTHING_LISTENS, "JOURNEY_OS_RELEASE": str(os_release)})
    assert done.returncode == 3
    assert "not a Debian-family host" in done.stderr
    assert "install Docker Engine 23+ with the buildx plugin" in done.stderr


def test_host_without_os_release_is_unsupported(tmp_path):
    done = run_engine_sh({**NOTHING_LISTENS, "JOURNEY_OS_RELEASE": str(tmp_path / "missing")})
    assert done.returncode == 3
    assert "not a Debian-family host" in done.stderr


def test_non_root_without_engine_is_told_to_use_sudo():
    # A copy in a world-readable folder: the checkout may sit under a folder only root can enter.
    folder = Path(tempfile.mkdtemp(prefix="jte-nonroot-", dir="/var/tmp"))
    try:
        folder.chmod(0o755)
        script = folder / "engine.sh"
        shutil.copy(ENGINE_SH, script)
        script.chmod(0o755)
        done = run_engine_sh(NOTHING_LISTENS, user=65534, script=script)
    finally:
        shutil.rmtree(folder)
    assert done.returncode == 3, done.stderr
    assert "Run it with sudo" in done.stderr
    assert "installing" not in done.stderr


def test_bridge_none_is_refused_where_a_docker0_exists(tmp_path, private_engine):
    # A stand-in dockerd on PATH records whether engine.sh would have started one: the real one must
    # never run with --bridge=none here, since it would delete the shared engine's docker0.
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "dockerd").write_text(f"#!/bin/sh\necho started >> {tmp_path}/started\n")
    (fake / "dockerd").chmod(0o755)
    assert (
        subprocess.run(["ip", "-o", "link", "show", "docker0"], capture_output=True, check=False).returncode
        == 0
    )
    env = {**private_engine.env(), "PATH": f"{fake}:{os.environ['PATH']}", "JOURNEY_ENGINE_WAIT": "1"}
    done = run_engine_sh(env)
    assert done.returncode == 3
    assert "refusing dockerd --bridge=none" in done.stderr
    assert not (tmp_path / "started").exists()


def test_install_path_fetches_trixie_engine_packages_on_this_host():
    # What engine.sh installs when no engine answers, fetched but not installed (the shared engine stays).
    folder = Path(tempfile.mkdtemp(prefix="jte-debs-", dir="/var/tmp"))
    try:
        folder.chmod(0o755)
        done = run_engine_sh({"JOURNEY_ENGINE_DOWNLOAD_ONLY": str(folder / "debs")}, timeout=300)
        assert done.returncode == 0, done.stderr
        fields = {}
        for deb in sorted((folder / "debs").glob("*.deb")):
            info = subprocess.run(
                ["dpkg-deb", "--field", str(deb), "Package", "Version"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            package, version = (line.split(": ", 1)[1] for line in info.splitlines())
            fields[package] = version
    finally:
        shutil.rmtree(folder)
    assert set(fields) == {"docker.io", "docker-buildx"}
    assert int(fields["docker.io"].split(".")[0]) >= 23, "BuildKit by default needs Docker Engine 23+"
