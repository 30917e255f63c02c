"""Helpers for integration tests that drive the real `journey verify` against the real engine.

Each test gets its own repository root in a temp folder holding only the fixture snippets it
needs (a malformed fixture must not break the others), with the layer-size cache shared so the
Debian base is compressed once per machine, not once per test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import docker
import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "snippets"
JOURNEY = [sys.executable, "-m", "journey"]
SNIPPET_LABEL = "org.golangjourney.snippet"
RUN_LABEL = "org.golangjourney.run"
SEED = {
    "results_version": 1,
    "snippet": "",
    "status": "verified",
    "done": "built-and-run",
    "reason": None,
    "source_digest": "sha256:" + "0" * 64,
    "input_digest": "sha256:" + "0" * 64,
    "verified_on": "2026-01-01",
    "environment": {
        "engine": "seed",
        "buildx": "seed",
        "platform": "linux/amd64",
        "go": "go1.26",
        "bases": [],
    },
    "images": [],
    "probes": [],
    "checks": [],
    "outputs": {},
}


def engine_client():
    """Return a client for the shared engine, or fail: these tests need the real thing (`make engine`)."""
    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except docker.errors.DockerException as exc:
        pytest.fail(f"no Docker engine (run `make engine`): {exc}")
    return client


def need_image(client, ref: str) -> None:
    """Fail when a base image is not there: a test that did not run must not look like one that passed."""
    try:
        client.images.get(ref)
    except docker.errors.ImageNotFound:
        pytest.fail(f"{ref} is not in the engine (run `make bases`)")


def make_repo(root: Path, volume: str, names: list[str], seed: bool = True) -> Path:
    """Copy fixture snippets into ``root/snippets/<volume>/`` with a volume.yml listing just them.

    With ``seed`` each snippet gets a recorded result first, so a test can prove a failing run
    leaves it byte-for-byte as it was.
    """
    target = root / "snippets" / volume
    target.mkdir(parents=True)
    for name in names:
        shutil.copytree(FIXTURES / volume / name, target / name)
        if seed:
            seed_result(root, f"{volume}/{name}")
    lines = [f"title: {volume} fixtures", f"snippets: [{', '.join(names)}]"]
    (target / "volume.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    share_caches(root)
    return root


def share_caches(root: Path) -> None:
    """Point the temp repo's measurement and Go module caches at the checkout's (never its lock)."""
    cache = root / ".cache"
    cache.mkdir(exist_ok=True)
    for name in ("layers", "images", "gomod"):
        shared = REPO / ".cache" / name
        shared.mkdir(parents=True, exist_ok=True)
        (cache / name).symlink_to(shared, target_is_directory=True)


def seed_result(root: Path, snippet: str) -> None:
    """Record an old result for ``snippet`` (the bytes a failure must not touch)."""
    path = root / "results" / snippet / "result.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {**SEED, "snippet": snippet}
    path.write_text(json.dumps(data, sort_keys=True, indent=2) + "\n", encoding="utf-8")
    (path.parent / "probe-seed.txt").write_text("seeded fragment\n", encoding="utf-8")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under results/ with its bytes."""
    base = root / "results"
    if not base.is_dir():
        return {}
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def published(root: Path) -> dict[str, bytes]:
    """Every file under docs/downloads/ with its bytes: what the site serves, which a failed run keeps."""
    base = root / "docs" / "downloads"
    if not base.is_dir():
        return {}
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def verify(root: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 600):
    """Run the real `journey verify` as a reader would, and return the finished process."""
    argv = [*JOURNEY, "verify", "--root", str(root), *args]
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, env=env, check=False, cwd=root
    )


def leftovers(client, snippets: list[str]) -> list[str]:
    """Containers labelled for these snippets, and their temporary image tags, still in the engine."""
    found = []
    for snippet in snippets:
        labelled = client.containers.list(all=True, filters={"label": f"{SNIPPET_LABEL}={snippet}"})
        found += [f"container {container.name}" for container in labelled]
        slug = snippet.replace("/", "-")
        for image in client.images.list(filters={"reference": f"journey-run/{slug}*"}):
            found += [f"image {tag}" for tag in image.tags]
    return found
