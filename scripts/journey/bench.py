"""``python -m journey.bench`` (``make bench``): how fast verification is, side by side, in one run.

It measures, on a throw-away copy of the repository (recorded results stay exactly as they are):

1. cold verify: no recorded results (BuildKit's layer cache and the host's module cache are left as
   they are: the layer cache belongs to the shared engine, and pruning it would slow everyone else
   down; the module cache is the checkout's, shared so that a verify running meanwhile can share the
   module proxy's port instead of colliding on it);
2. warm re-verify with ``--force``: everything rebuilt, run, probed and measured again, caches warm;
3. no-op verify: nothing changed, so every snippet is skipped on its input digest;
4. ``journey check``: the engine-free freshness check CI runs on every push;
5. plain ``docker buildx build`` of the same images (the same command line the tool uses, with the
   module proxy served the same way), and the overhead ratio of step 2 to it.

Speed is reported, never asserted: the numbers depend on the machine and what else runs on it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from journey.build import BuildRequest, buildx_argv
from journey.cli import find_root
from journey.manifest import discover, select
from journey.modproxy import cache_dir, serving_for

if TYPE_CHECKING:
    from collections.abc import Sequence

    from journey.manifest import Snippet

#: Folders never copied into the benchmark's repository (caches, the venv, the built site, git).
SKIPPED = (
    ".git",
    ".venv",
    "site",
    "build",
    ".cache",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
)
TAG_PREFIX = "journey-bench"


@dataclass(frozen=True)
class Timing:
    """One measured step: what ran, how long it took, and how it ended (a failure is shown, not hidden)."""

    step: str
    seconds: float
    exit_code: int


def copy_repository(root: Path, target: Path) -> Path:
    """Copy the checkout without caches, so the benchmark can write results freely.

    The module cache is linked, not copied: the module proxy then serves the very same folder as any
    verify of the checkout, so both can run at once (modproxy shares a port serving the same files).
    """
    shutil.copytree(root, target, ignore=shutil.ignore_patterns(*SKIPPED), symlinks=True)
    gomodcache = cache_dir(root)
    gomodcache.mkdir(parents=True, exist_ok=True)
    cache_dir(target).parent.mkdir(parents=True, exist_ok=True)
    cache_dir(target).symlink_to(gomodcache, target_is_directory=True)
    return target


def forget_results(work: Path, snippets: Sequence[Snippet]) -> None:
    """Remove the recorded results of the chosen snippets in the copy: the next verify is a first one."""
    for snippet in snippets:
        shutil.rmtree(work / "results" / snippet.volume / snippet.name, ignore_errors=True)


def timed(step: str, argv: Sequence[str], cwd: Path) -> Timing:
    """Run one command with its output passed through to stderr, and time it."""
    sys.stderr.write(f"bench: {step}: {' '.join(argv)}\n")
    started = time.monotonic()
    done = subprocess.run(list(argv), cwd=cwd, stdout=sys.stderr, stderr=None, check=False)
    return Timing(step, round(time.monotonic() - started, 1), done.returncode)


def journey(*words: str) -> list[str]:
    """Spell a journey command line run with this interpreter (the venv's)."""
    return [sys.executable, "-m", "journey", *words]


def _requests(snippet: Snippet) -> list[BuildRequest]:
    """List the images verify builds for a snippet: the final one and each measured stage."""
    spec = snippet.build
    if spec is None or snippet.context_dir is None or snippet.dockerfile_path is None:
        return []
    slug = f"{snippet.volume}-{snippet.name}".lower()
    targets = [(spec.target, ""), *((stage, f"-{stage}") for stage in spec.stages)]
    return [
        BuildRequest(
            snippet.id, snippet.context_dir, snippet.dockerfile_path, slug + suffix, target, spec.args
        )
        for target, suffix in targets
    ]


def plain_buildx(work: Path, snippets: Sequence[Snippet]) -> Timing:
    """Build the same images with nothing but ``docker buildx build``; remove them afterwards."""
    requests = [request for snippet in snippets for request in _requests(snippet)]
    tags = [f"{TAG_PREFIX}/{request.slug}:baseline" for request in requests]
    worst = 0
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="journey-bench-meta-") as meta, serving_for(snippets, work):
        for index, (request, tag) in enumerate(zip(requests, tags, strict=True)):
            argv = buildx_argv(request, tag, Path(meta) / f"{index}.json")
            done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            worst = worst or done.returncode
    seconds = round(time.monotonic() - started, 1)
    subprocess.run(["docker", "image", "rm", "--force", *tags], capture_output=True, check=False)
    return Timing("plain docker buildx build of the same images (warm cache)", seconds, worst)


def run(root: Path, ids: Sequence[str]) -> list[Timing]:
    """Measure every step on a copy of ``root``; return the timings in the order they ran."""
    with tempfile.TemporaryDirectory(prefix="journey-bench-") as tmp:
        work = copy_repository(root, Path(tmp) / "repo")
        snippets = select(discover(work), list(ids))
        forget_results(work, snippets)
        chosen = [s.id for s in snippets]
        scope = ["--root", str(work), *chosen]
        return [
            timed("cold verify (no recorded results)", journey("verify", *scope), work),
            timed("warm re-verify --force", journey("verify", "--force", *scope), work),
            timed("no-op verify (inputs unchanged)", journey("verify", *scope), work),
            timed("journey check (no engine)", journey("check", "--root", str(work)), work),
            plain_buildx(work, snippets),
        ]


def overhead(timings: Sequence[Timing]) -> float | None:
    """``verify --force`` time over plain buildx time, or None when either did not succeed."""
    force = next(t for t in timings if t.step.startswith("warm re-verify"))
    plain = timings[-1]
    if force.exit_code or plain.exit_code or plain.seconds <= 0:
        return None
    return round(force.seconds / plain.seconds, 2)


def render(timings: Sequence[Timing], ratio: float | None) -> str:
    """Render the side-by-side table printed on stdout."""
    lines = ["| step | seconds | exit |", "| --- | ---: | ---: |"]
    lines += [f"| {t.step} | {t.seconds:.1f} | {t.exit_code} |" for t in timings]
    verdict = f"{ratio:.2f}x" if ratio is not None else "n/a (a step failed: see its exit code)"
    lines += ["", f"Overhead of `journey verify --force` over plain `docker buildx build`: {verdict}"]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit 1 if any step failed (the table still shows every number)."""
    parser = argparse.ArgumentParser(prog="python -m journey.bench", description=__doc__.splitlines()[0])
    parser.add_argument("snippets", nargs="*", metavar="SNIPPET", help="snippet ids or volumes (default all)")
    parser.add_argument("--json", metavar="PATH", help="also write the timings as JSON to PATH")
    args = parser.parse_args(argv)
    timings = run(find_root(), args.snippets)
    ratio = overhead(timings)
    sys.stdout.write(render(timings, ratio))
    if args.json:
        payload = {"timings": [asdict(t) for t in timings], "overhead": ratio}
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 1 if any(t.exit_code for t in timings) else 0


if __name__ == "__main__":
    raise SystemExit(main())
