"""Helpers of the engine and base-image tests: paths, running engine.sh, a private dockerd."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENGINE_SH = REPO / "scripts" / "engine.sh"
FIXTURES = REPO / "tests" / "fixtures" / "snippets" / "bases"
#: Every image these tests create is tagged under this prefix and removed afterwards.
PREFIX = "journey-test-engine"
SHARED_PIDFILE = Path("/var/run/docker.pid")


def run_engine_sh(
    env: dict[str, str],
    *,
    user: int | None = None,
    own_netns: bool = False,
    script: Path = ENGINE_SH,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run scripts/engine.sh with extra environment, as another uid (setpriv) or in a new network namespace.

    A private dockerd must run in a network namespace of its own: with --bridge=none it deletes the
    docker0 of its namespace, which in the host's would break the shared engine's default network.
    """
    argv = ["bash", str(script)]
    if own_netns:
        argv = ["unshare", "--net", "--", *argv]
    if user is not None:
        argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *argv]
    return subprocess.run(
        argv, env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout, check=False
    )


def shared_engine_pid() -> int | None:
    """PID of the machine's shared dockerd (its default pidfile), which no test may touch."""
    try:
        return int(SHARED_PIDFILE.read_text().strip())
    except (OSError, ValueError):
        return None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@dataclass(frozen=True)
class PrivateEngine:
    """Where a private dockerd keeps everything: all under one temp folder."""

    folder: Path

    @property
    def socket(self) -> Path:
        return self.folder / "docker.sock"

    @property
    def pidfile(self) -> Path:
        return self.folder / "docker.pid"

    @property
    def data_root(self) -> Path:
        return self.folder / "data"

    def env(self) -> dict[str, str]:
        """engine.sh's overrides for this engine: no bridge, no iptables, nothing shared."""
        return {
            "JOURNEY_DOCKERD_SOCKET": str(self.socket),
            "JOURNEY_DOCKERD_DATA_ROOT": str(self.data_root),
            "JOURNEY_DOCKERD_EXEC_ROOT": str(self.folder / "exec"),
            "JOURNEY_DOCKERD_PIDFILE": str(self.pidfile),
            "JOURNEY_DOCKERD_LOG": str(self.folder / "dockerd.log"),
            "JOURNEY_DOCKERD_ARGS": "--bridge=none --iptables=false --ip6tables=false",
            "JOURNEY_ENGINE_WAIT": "60",
        }

    def client_env(self) -> dict[str, str]:
        return {**os.environ, "DOCKER_HOST": f"unix://{self.socket}"}

    def stop(self) -> None:
        """Stop this engine by the PID in its own pidfile (never by name), and wait for it to exit."""
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return
        if not alive(pid):
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)

    def unmount_leftovers(self) -> None:
        """Unmount anything the engine left mounted under its folder, deepest first."""
        mounts = Path("/proc/self/mounts").read_text().splitlines()
        points = sorted(
            (line.split()[1] for line in mounts if line.split()[1].startswith(str(self.folder))),
            key=len,
            reverse=True,
        )
        for point in points:
            subprocess.run(["umount", "-l", point], check=False, capture_output=True)


def image_inspect(ref: str, template: str) -> str:
    """``docker image inspect --format TEMPLATE REF`` on the shared engine; a missing image fails the test."""
    return subprocess.run(
        ["docker", "image", "inspect", "--format", template, ref],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
