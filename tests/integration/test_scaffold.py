"""Follow docs/contributing.md in a copy of the repository: scaffold, verify, check, build the site.

This is the issue's "done when" for contributors: a new volume with one snippet goes from nothing to a
verified page without editing anything the guide does not mention. It uses the real engine and the real
Go stand-in; a missing engine or base image fails the test (it does not skip): the scaffold's promise is
that it verifies, and that can only be shown by verifying it.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import docker
import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.engine

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "contributing.md"
JOURNEY = [sys.executable, "-m", "journey"]
MKDOCS = [sys.executable, "-m", "mkdocs"]
NAME = (
    "scaffold-check"  # not the guide's `hello`: the verified image tag must not collide with a real snippet
)
BASE = "golang:1.26-trixie"


def share_caches(target: Path) -> None:
    """Use the checkout's layer and Go module caches: the module proxy is then shared with other runs.

    The Go stand-in names one loopback port for its GOPROXY; a run of another repository copy finds it
    taken and may share it only if it serves the same module cache.
    """
    (target / ".cache").mkdir()
    for name in ("layers", "gomod"):
        (REPO / ".cache" / name).mkdir(parents=True, exist_ok=True)
        (target / ".cache" / name).symlink_to(REPO / ".cache" / name, target_is_directory=True)


def committed_copy(target: Path) -> Path:
    """Copy the repository's tracked files (what a contributor clones) into ``target``."""
    listed = (
        subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    for folder in ("snippets", "results"):
        (target / folder).mkdir(exist_ok=True)
    share_caches(target)
    return target


def minimal_copy(target: Path) -> Path:
    """A repository holding only the site config, a landing page and the guide: no other volume.

    The scaffold must verify on its own, whatever state the other volumes are in.
    """
    target.mkdir(parents=True)
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    nav = "nav:\n  - Home: index.md\n  - Contributing: contributing.md\n\n"
    config, found = re.subn(r"(?ms)^nav:\n.*?^(?=\S)", nav, config, count=1)
    assert found == 1
    (target / "mkdocs.yml").write_text(config, encoding="utf-8")
    shutil.copytree(REPO / "overrides", target / "overrides")  # the theme's custom_dir
    (target / "docs").mkdir()
    (target / "docs" / "index.md").write_text("# Golang journey\n", encoding="utf-8")
    shutil.copy2(GUIDE, target / "docs" / "contributing.md")
    for folder in ("snippets", "results"):
        (target / folder).mkdir()
    share_caches(target)
    return target


def guide_commands() -> list[list[str]]:
    """The `journey new` commands of the guide's first step, as argument lists."""
    lines = [line.split("#", 1)[0].strip() for line in GUIDE.read_text(encoding="utf-8").splitlines()]
    commands = [shlex.split(line) for line in lines if line.startswith(".venv/bin/journey new ")]
    assert [c[2:3] for c in commands] == [["volume"], ["snippet"]], "the guide's scaffold step changed"
    return commands


def run(root: Path, argv: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run a command in the copy, the way the guide does, and return the finished process."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        argv, cwd=root, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def tracked_bytes(root: Path) -> dict[str, bytes]:
    """Every file of the copy (outside caches and the built site) with its bytes."""
    skip = {".cache", "site"}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not skip.intersection(p.relative_to(root).parts)
    }


@pytest.fixture
def engine() -> docker.DockerClient:
    """The shared engine with the Go base present; fail loudly when either is missing."""
    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except docker.errors.DockerException as exc:
        pytest.fail(f"no Docker engine ({exc}): run `make engine`")
    try:
        client.images.get(BASE)
    except docker.errors.ImageNotFound:
        pytest.fail(f"{BASE} is not in the engine: run `make bases`")
    return client


@pytest.mark.parametrize("make_copy", [minimal_copy, committed_copy], ids=["alone", "in-the-repository"])
def test_new_volume_and_snippet_verify_check_and_build_as_the_guide_says(
    tmp_path: Path, engine: docker.DockerClient, make_copy: Callable[[Path], Path]
) -> None:
    root = make_copy(tmp_path / "repo")
    before = tracked_bytes(root)
    new_volume, new_snippet = guide_commands()

    made = run(root, [*JOURNEY, *new_volume[1:]])
    assert made.returncode == 0, made.stderr
    volume = re.search(r"^created snippets/(vol\d+)/volume\.yml$", made.stdout, re.MULTILINE)
    assert volume, made.stdout
    snippet = f"{volume.group(1)}/{NAME}"
    made = run(root, [*JOURNEY, *new_snippet[1:3], snippet])
    assert made.returncode == 0, made.stderr
    assert f"make verify SNIPPETS={snippet}" in made.stderr

    try:
        # `make verify SNIPPETS=…` is `make bases` (checked by the fixture) and then this:
        verified = run(root, [*JOURNEY, "verify", snippet], timeout=800)
        assert verified.returncode == 0, verified.stdout + verified.stderr
    finally:
        with contextlib.suppress(docker.errors.NotFound):
            engine.images.remove(f"journey/{snippet.replace('/', '-')}:verified")

    checked = run(root, [*JOURNEY, "check"])
    assert checked.returncode == 0, checked.stdout + checked.stderr
    built = run(root, [*MKDOCS, "build", "--strict"])
    assert built.returncode == 0, built.stderr

    page = re.sub(
        r"<[^>]+>", "", (root / "site" / volume.group(1) / "index.html").read_text(encoding="utf-8")
    )
    answer = (root / "results" / snippet / "probe-hello.txt").read_text(encoding="utf-8")
    assert f"hello from {snippet}" in answer  # what the running container said, recorded
    assert html.escape(answer.splitlines()[0], quote=False) in page  # and shown
    assert "USER 65534:65534" in page  # the Dockerfile, included
    changed = {path for path, data in tracked_bytes(root).items() if before.get(path) != data}
    allowed = re.compile(
        rf"^(snippets|docs|results|docs/downloads)/{volume.group(1)}/|^mkdocs\.yml$|^docs/how-we-measure\.md$"
    )
    assert changed
    assert not [path for path in changed if not allowed.match(path)], changed
    assert (root / "results" / snippet / "result.json").is_file()
