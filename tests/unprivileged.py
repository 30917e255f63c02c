"""Running part of a test as a user who is not root, with the docker group and nothing else.

When the suite runs as root, such a test drops to JOURNEY_TEST_USER (default ``nobody``) through
``setpriv``. That user must be able to run a Python with this one's libraries: this interpreter if the
user may reach it, else JOURNEY_TEST_PYTHON, else the system's ``/usr/bin/python3.<minor>`` (the same
minor version, so this interpreter's site-packages work there), given those site-packages and the tool's
``scripts/`` on PYTHONPATH. A Python under /root (pyenv's, on CI) is out of a user's reach, which is why
the system one is tried. When none can run, the test skips, saying why. Not root already: the test runs
as the caller.

A test that needs the venv's console scripts (the deploy check runs ``aws`` and ``moto_server`` from the
folder of the interpreter that runs journey) gets them with ``User.with_console_scripts``: when the user
cannot run this interpreter, it makes the user a venv of their own from the Python they can run, as a
contributor who is not root has, seeing this one's libraries through a ``.pth`` file.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO = Path(__file__).resolve().parents[1]
TEST_USER = os.environ.get("JOURNEY_TEST_USER", "nobody")


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


def interpreters() -> list[str]:
    """The Pythons to try, in order: JOURNEY_TEST_PYTHON, this one, the system's of the same minor."""
    system = f"/usr/bin/python3.{sys.version_info.minor}"
    named = os.environ.get("JOURNEY_TEST_PYTHON")
    return list(dict.fromkeys(p for p in (named, sys.executable, system) if p))


def _library_paths() -> list[str]:
    """The tool's folder and this interpreter's libraries: what the user's Python must import from."""
    paths = [str(REPO / "scripts"), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    return list(dict.fromkeys(paths))


def user_env(home: Path) -> dict[str, str]:
    """The user's environment: its home, this interpreter's libraries and the tool, the JOURNEY_ settings."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONPATH": ":".join(_library_paths()),
    }
    env |= {k: v for k, v in os.environ.items() if k.startswith("JOURNEY_") or k == "DOCKER_HOST"}
    return env


@dataclass(frozen=True)
class User:
    """A user who is not root: how to become it, the Python it runs, and a home folder it owns."""

    prefix: list[str]
    python: str
    home: Path
    #: whether that Python is this very interpreter (the venv's console scripts then run for the user too)
    same_interpreter: bool = False

    def python_argv(self, *args: str) -> list[str]:
        """The argv that runs this Python with ``args`` as the user."""
        return [*self.prefix, self.python, *args]

    def with_console_scripts(self, names: dict[str, str]) -> User:
        """Return this user with a Python whose folder holds ``names`` (script name → ``module:function``).

        This interpreter's own folder has them when the user can run it; otherwise the user gets a venv
        of their own, made from the system's Python of this minor version (``--without-pip``; this
        interpreter's libraries and the tool on a ``.pth`` file, which holds whatever environment a child
        process is given), with those scripts in its bin/. So the deploy tests run on CI, where this
        interpreter lives under /root, instead of skipping there.
        """
        if self.same_interpreter:
            return self
        venv, system = self.home / "venv", interpreters()[-1]
        # from the system's Python: a venv made from this user's Python may link an interpreter under /root
        made = User(self.prefix, system, self.home).run("-I", "-m", "venv", "--without-pip", str(venv))
        if made.returncode != 0:
            pytest.skip(f"{TEST_USER} cannot make a venv with {system}: {made.stderr.strip()[-300:]}")
        python = venv / "bin" / "python"
        site = next((venv / "lib").glob("python3.*/site-packages"))
        site.joinpath("journey-tests.pth").write_text("\n".join(_library_paths()) + "\n", encoding="utf-8")
        for name, entry in names.items():
            module, function = entry.split(":")
            script = venv / "bin" / name
            script.write_text(
                f"#!{python}\nimport sys\nfrom {module} import {function}\nsys.exit({function}())\n",
                encoding="utf-8",
            )
            script.chmod(0o755)
        owner = self.home.stat()
        for path in [venv, *venv.rglob("*")]:
            os.chown(path, owner.st_uid, owner.st_gid, follow_symlinks=False)
        return User(self.prefix, str(python), self.home, same_interpreter=False)

    def run(self, *args: str, timeout: float = 1200) -> subprocess.CompletedProcess[str]:
        """Run this Python with ``args`` as the user, in its home; capture what it prints."""
        return subprocess.run(
            self.python_argv(*args),
            env=user_env(self.home),
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _prefix(home: Path) -> list[str]:
    """setpriv's prefix when the suite is root (and the home handed to that user), else nothing."""
    try:
        grp.getgrnam("docker")
    except KeyError:
        pytest.skip("no docker group: the engine's socket is not shared with a group here")
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("root, and no setpriv to drop to an unprivileged user")
    try:
        entry = pwd.getpwnam(TEST_USER)
    except KeyError:
        pytest.skip(f"no user {TEST_USER} (set JOURNEY_TEST_USER to a user who is not root)")
    shutil.chown(home, entry.pw_uid, entry.pw_gid)
    return drop_to(entry.pw_uid, entry.pw_gid)


@pytest.fixture
def unprivileged_user() -> Iterator[User]:
    """A user who is not root, able to run a Python with the tool; skip (saying why) when there is none."""
    home = Path(tempfile.mkdtemp(prefix="journey-test-home-"))
    try:
        prefix = _prefix(home)
        tried: list[str] = []
        for python in interpreters():
            user = User(prefix, python, home)
            probe = user.run("-c", "import sys, journey, docker; print(sys.version)", timeout=120)
            if probe.returncode == 0:
                user = User(prefix, python, home, same_interpreter=probe.stdout.strip() == sys.version)
                break
            tried.append(f"{python}: {(probe.stderr.strip().splitlines() or ['?'])[-1]}")
        else:
            pytest.skip(
                f"{TEST_USER} can run no Python with the tool ({'; '.join(tried)}); set JOURNEY_TEST_PYTHON"
            )
        yield user
    finally:
        shutil.rmtree(home, ignore_errors=True)
