"""``python -m journey_bench`` (``make bench``): how fast verification is, side by side, in one run.

It lives outside the ``journey`` package: the tool never imports it, and it drives the tool the way a
person does (``python -m journey …`` in a copy of the repository).

It measures, on a throw-away copy of the repository (recorded results stay exactly as they are).
The ratios compare like with like: the snippets verify builds images for (a build, every base in the
engine), verified, against plain buildx building the same images; a full re-verify of every snippet
(checks-only ones too) is shown beside them.

1. cold: ``journey verify --force --no-cache`` with no recorded results and an empty measuring cache,
   against plain ``docker buildx build --no-cache`` of the same images (same command line, same
   ``--network host``, same stages, the module proxy served the same way). ``--no-cache`` makes
   BuildKit run every step again without pruning the shared engine's layer cache, which would slow
   everyone else down; the host's module cache is the checkout's, linked, so a verify running
   meanwhile can share the module proxy's port instead of colliding on it;
2. warm: ``journey verify --force`` (everything rebuilt, run, probed and measured again, caches warm)
   against plain warm ``docker buildx build``, twice: the first warm build after a ``--no-cache`` one
   gives some images new IDs with the same layers (so measuring re-reads them), the second shows the
   steady state of an edit-verify loop;
3. no-op verify: nothing changed, so every snippet is skipped on its input digest;
4. ``journey check``: the engine-free freshness check CI runs on every push;
5. where verify's time goes: seconds per step (build, measure, probes, checks…) summed over the
   snippets, from ``journey verify --json``.

The table goes to stdout and to ``build/bench.txt``. Everything the benchmark makes is removed: its
baseline images, and the ``journey/<vol>-<snippet>:verified`` tags verify moves are put back on the
images they named before. Speed is reported, never asserted: it depends on the machine and its load.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journey.core.layout import find_root
from journey.engine import daemon
from journey.engine.build import BuildRequest, buildx_argv
from journey.engine.images import image_id
from journey.helpers.modproxy import cache_dir, serving_for
from journey.model.manifest import base_refs, discover, select

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from journey.model.manifest import Snippet

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
REPORT = Path("build") / "bench.txt"
#: The targets this benchmark holds verify to: its overhead over plain buildx, and the no-op run.
RATIO_TARGET = 1.10
NOOP_TARGET = 2.0


@dataclass(frozen=True)
class Timing:
    """One measured step: what ran, how long it took, how it ended (a failure is shown, not hidden).

    ``outcomes`` holds verify's ``--json`` outcomes when the step was a verify (statuses, per-step
    seconds); empty otherwise.
    """

    step: str
    seconds: float
    exit_code: int
    outcomes: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Figures:
    """Every timing of one benchmark run, by name."""

    cold_verify: Timing
    cold_plain: Timing
    warm_verify: Timing
    warm_plain: Timing
    steady_verify: Timing
    full_verify: Timing
    noop_verify: Timing
    check: Timing

    def all(self) -> list[Timing]:
        """Return the timings in table order."""
        return [
            self.cold_verify,
            self.cold_plain,
            self.warm_verify,
            self.warm_plain,
            self.steady_verify,
            self.full_verify,
            self.noop_verify,
            self.check,
        ]


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


def timed_verify(step: str, argv: Sequence[str], cwd: Path) -> Timing:
    """Run a ``journey verify --json``, progress passed through to stderr; keep its outcomes."""
    sys.stderr.write(f"bench: {step}: {' '.join(argv)}\n")
    started = time.monotonic()
    done = subprocess.run(list(argv), cwd=cwd, stdout=subprocess.PIPE, stderr=None, text=True, check=False)
    seconds = round(time.monotonic() - started, 1)
    try:
        outcomes = list(json.loads(done.stdout)["outcomes"])
    except (ValueError, KeyError, TypeError):
        outcomes = []
    return Timing(step, seconds, done.returncode, outcomes)


def journey(*words: str) -> list[str]:
    """Spell a journey command line run with this interpreter (the venv's)."""
    return [sys.executable, "-m", "journey", *words]


def _requests(snippet: Snippet, *, no_cache: bool) -> list[BuildRequest]:
    """List the images verify builds for a snippet: the final one and each measured stage."""
    spec = snippet.build
    if spec is None or snippet.context_dir is None or snippet.dockerfile_path is None:
        return []
    slug = f"{snippet.volume}-{snippet.name}".lower()
    targets = [(spec.target, ""), *((stage, f"-{stage}") for stage in spec.stages)]
    return [
        BuildRequest(
            snippet.id,
            snippet.context_dir,
            snippet.dockerfile_path,
            slug + suffix,
            target,
            spec.args,
            no_cache=no_cache,
        )
        for target, suffix in targets
    ]


def plain_buildx(work: Path, snippets: Sequence[Snippet], *, no_cache: bool) -> Timing:
    """Build the same images with nothing but ``docker buildx build``; remove them afterwards.

    The module proxy is served only while these builds run, as verify serves it
    only while it builds.
    """
    requests = [request for snippet in snippets for request in _requests(snippet, no_cache=no_cache)]
    label = "cold" if no_cache else "warm"
    tags = [f"{TAG_PREFIX}/{request.slug}:{label}" for request in requests]
    step = f"plain docker buildx build{' --no-cache' if no_cache else ''}, {len(tags)} images ({label})"
    sys.stderr.write(f"bench: {step}\n")
    worst = 0
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="journey-bench-meta-") as meta, serving_for(snippets, work):
            for index, (request, tag) in enumerate(zip(requests, tags, strict=True)):
                argv = buildx_argv(request, tag, Path(meta) / f"{index}.json")
                done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
                worst = worst or done.returncode
        seconds = round(time.monotonic() - started, 1)
    finally:
        subprocess.run(["docker", "image", "rm", "--force", *tags], capture_output=True, check=False)
    return Timing(step, seconds, worst)


def _image_id(ref: str) -> str | None:
    """Return the ID of the image a reference names, or None when there is none."""
    return image_id(daemon.connect(), ref)


@contextlib.contextmanager
def verified_tags_kept(snippets: Sequence[Snippet]) -> Iterator[None]:
    """Put every ``:verified`` tag back where it was once the benchmark's verifies have moved it.

    The copy's verify tags the same ``journey/<vol>-<snippet>:verified`` as the checkout's; the
    images the benchmark built in its place are removed (their layers stay in BuildKit's cache).
    """
    tags = [s.image_tag for s in snippets if s.build is not None]
    before = {tag: _image_id(tag) for tag in tags}
    try:
        yield
    finally:
        for tag, old in before.items():
            new = _image_id(tag)
            if new == old:
                continue
            if old is None:
                subprocess.run(["docker", "image", "rm", tag], capture_output=True, check=False)
                continue
            subprocess.run(["docker", "image", "tag", old, tag], capture_output=True, check=False)
            if new is not None:
                subprocess.run(["docker", "image", "rm", new], capture_output=True, check=False)


def building(snippets: Sequence[Snippet]) -> list[Snippet]:
    """Return the snippets verify builds images for: a build, and every base in the engine.

    These are the snippets plain buildx can be compared on; the others (checks only, or a base that
    cannot be had and is recorded as not verified) have no build to compare with.
    """
    return [s for s in snippets if s.build is not None and all(_image_id(ref) for ref in base_refs(s))]


def run(root: Path, ids: Sequence[str]) -> Figures:
    """Measure every step on a copy of ``root``; return the timings."""
    with tempfile.TemporaryDirectory(prefix="journey-bench-") as tmp:
        work = copy_repository(root, Path(tmp) / "repo")
        snippets = select(discover(work), list(ids))
        builds = building(snippets)
        forget_results(work, snippets)
        every = ["--root", str(work), "--json", *[s.id for s in snippets]]
        same = ["--root", str(work), "--json", *[s.id for s in builds]]
        with verified_tags_kept(snippets):
            cold_plain = plain_buildx(work, builds, no_cache=True)
            cold = timed_verify(
                f"cold verify --force --no-cache, the {len(builds)} building snippets",
                journey("verify", "--force", "--no-cache", *same),
                work,
            )
            warm_plain = plain_buildx(work, builds, no_cache=False)
            warm = timed_verify(
                f"warm re-verify --force, the {len(builds)} building snippets",
                journey("verify", "--force", *same),
                work,
            )
            steady = timed_verify(
                "warm re-verify --force again (steady state)", journey("verify", "--force", *same), work
            )
            full = timed_verify(
                f"re-verify --force, all {len(snippets)} snippets (checks-only ones too)",
                journey("verify", "--force", *every),
                work,
            )
            noop = timed_verify("no-op verify (inputs unchanged)", journey("verify", *every), work)
        check = timed("journey check (no engine)", journey("check", "--root", str(work)), work)
        return Figures(cold, cold_plain, warm, warm_plain, steady, full, noop, check)


def ratio(verify: Timing, plain: Timing) -> float | None:
    """``verify`` time over ``plain`` time, or None when either did not succeed."""
    if verify.exit_code or plain.exit_code or plain.seconds <= 0:
        return None
    return round(verify.seconds / plain.seconds, 2)


def breakdown(timing: Timing) -> dict[str, float]:
    """Sum verify's per-step seconds over its snippets (worker time: parallel jobs overlap)."""
    total: dict[str, float] = {}
    for outcome in timing.outcomes:
        for step, seconds in (outcome.get("steps") or {}).items():
            total[step] = total.get(step, 0.0) + float(seconds)
    return {step: round(seconds, 1) for step, seconds in total.items()}


def _verdict(value: float | None, target: float, unit: str) -> str:
    """Say a figure against its target, or why there is none."""
    if value is None:
        return "n/a (a step failed: see its exit code)"
    mark = "within" if value <= target else "OVER"
    return f"{value:.2f}{unit} ({mark} the {target:.2f}{unit} target)"


def _skipped(timing: Timing) -> str:
    """Say how many snippets a verify skipped as unchanged."""
    unchanged = sum(1 for o in timing.outcomes if o.get("status") == "unchanged")
    return f"{unchanged} of {len(timing.outcomes)} snippets skipped as unchanged"


def render(figures: Figures) -> str:
    """Render the side-by-side tables printed on stdout and written to build/bench.txt."""
    lines = ["| step | seconds | exit |", "| --- | ---: | ---: |"]
    lines += [f"| {t.step} | {t.seconds:.1f} | {t.exit_code} |" for t in figures.all()]
    cold = ratio(figures.cold_verify, figures.cold_plain)
    warm = ratio(figures.warm_verify, figures.warm_plain)
    steady = ratio(figures.steady_verify, figures.warm_plain)
    noop = figures.noop_verify
    lines += [
        "",
        f"Cold overhead (verify --force --no-cache / buildx --no-cache): {_verdict(cold, RATIO_TARGET, 'x')}",
        f"Warm overhead (verify --force / warm buildx): {_verdict(warm, RATIO_TARGET, 'x')}",
        f"Warm overhead, steady state (second verify --force): {_verdict(steady, RATIO_TARGET, 'x')}",
        f"No-op verify: {_verdict(None if noop.exit_code else noop.seconds, NOOP_TARGET, ' s')}; "
        + _skipped(noop),
        "",
        "Where verify's time goes (seconds summed over snippets; jobs run in parallel, so sums can",
        "exceed the wall time; `(beside)` runs in its own thread during measure and probes):",
        "",
        "| step | cold | warm | steady | all snippets |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    timed_steps = (figures.cold_verify, figures.warm_verify, figures.steady_verify, figures.full_verify)
    steps = [breakdown(t) for t in timed_steps]
    for step in dict.fromkeys(name for one in steps for name in one):
        lines.append("| " + " | ".join([step, *(f"{one.get(step, 0.0):.1f}" for one in steps)]) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit 1 if any step failed (the table still shows every number)."""
    parser = argparse.ArgumentParser(prog="python -m journey_bench", description=__doc__.splitlines()[0])
    parser.add_argument("snippets", nargs="*", metavar="SNIPPET", help="snippet ids or volumes (default all)")
    parser.add_argument("--json", metavar="PATH", help="also write the timings as JSON to PATH")
    args = parser.parse_args(argv)
    root = find_root()
    figures = run(root, args.snippets)
    table = render(figures)
    sys.stdout.write(table)
    report = root / REPORT
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(table, encoding="utf-8")
    if args.json:
        payload = {
            "timings": [asdict(t) for t in figures.all()],
            "cold_ratio": ratio(figures.cold_verify, figures.cold_plain),
            "warm_ratio": ratio(figures.warm_verify, figures.warm_plain),
            "steady_ratio": ratio(figures.steady_verify, figures.warm_plain),
        }
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 1 if any(t.exit_code for t in figures.all()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
