"""Running part of the suite as a user who is not root, with the docker group and nothing else.

When the suite runs as root, those tests drop to JOURNEY_TEST_USER (default ``nobody``) through
``setpriv``; a user who cannot run this interpreter (a Python under /root is out of reach of most users)
makes them skip, saying so. Not root already: they run as the caller.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

#: Who the check runs as when the suite runs as root: JOURNEY_TEST_USER, else `nobody`. The user must be
#: able to run this interpreter (a Python under /root is out of reach of most users: then it skips).
TEST_USER = os.environ.get("JOURNEY_TEST_USER", "nobody")


def unprivileged_ids() -> tuple[int, int]:
    """The uid and gid of the test user, or skip when it is missing or cannot run this interpreter."""
    try:
        entry = pwd.getpwnam(TEST_USER)
    except KeyError:
        pytest.skip(f"no user {TEST_USER} (set JOURNEY_TEST_USER to a user who is not root)")
    code = "import sys, journey; print(sys.version)"
    probe = [*drop_to(entry.pw_uid, entry.pw_gid), sys.executable, "-c", code]
    done = subprocess.run(probe, capture_output=True, text=True, timeout=60, check=False, cwd="/")
    if done.returncode != 0 or done.stdout.strip() != sys.version:
        pytest.skip(f"{TEST_USER} cannot run {sys.executable} (set JOURNEY_TEST_USER to a user who can)")
    return entry.pw_uid, entry.pw_gid


def drop_to(uid: int, gid: int) -> list[str]:
    """setpriv's prefix: that uid and gid, the docker group as the only other group, no capabilities."""
    docker_gid = grp.getgrnam("docker").gr_gid
    return [
        "setpriv",
        f"--reuid={uid}",
        f"--regid={gid}",
        f"--groups={docker_gid}",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--",
    ]


@pytest.fixture
def unprivileged_home():
    """A home folder the unprivileged user owns (pytest's tmp_path sits under a folder only we can enter)."""
    try:
        grp.getgrnam("docker")
    except KeyError:
        pytest.skip("no docker group: the engine's socket is not shared with a group here")
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("root, and no setpriv to drop to an unprivileged user")
    home = Path(tempfile.mkdtemp(prefix="journey-test-home-"))
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)
