"""Make every base image the snippets name present, and say where each came from (``journey bases``).

For each base: present locally → use it; a registry answers → pull it and record its digest; otherwise
build the stand-in from its recipe in ``scripts/bases/`` (Debian packages only, labelled
``org.golangjourney.standin.*``). A base with neither is reported with the snippets that need it, so
the verifier can mark exactly those "not verified in this build" instead of passing them.

A stand-in whose recipe changed since it was built (its ``recipe-digest`` label), or whose own base was
rebuilt since (its ``base-id`` label), is rebuilt: results then cannot silently mix old and new bases.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journey.core import process
from journey.core.errors import BaseUnavailableError, EngineUnavailableError
from journey.core.layout import BASES_RESULTS, write_if_changed
from journey.engine import daemon
from journey.engine.images import STANDIN, Image, lookup
from journey.helpers import rootless_build
from journey.model.manifest import base_refs, foreign_of, foreign_standin
from journey.site.render import render_bases

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from journey.model.manifest import Snippet

#: Where the recipes live: next to the package, whatever ``--root`` the snippets come from.
RECIPES_DIR = Path(__file__).resolve().parents[2] / "bases"
#: Seconds a ``docker pull`` may take before the registry counts as unreachable (no pull here is big
#: enough to need more before the first byte; a slow registry is reported, never waited on forever).
PULL_TIMEOUT = 30
#: Seconds a stand-in recipe may take (debootstrap plus apt over a slow mirror).
BUILD_TIMEOUT = 1200

MB = 1_000_000


@dataclass(frozen=True)
class Official:
    """The real image's published uncompressed size (docker-library/repo-info, linux/amd64)."""

    size: int
    source: str = "docker-library/repo-info, linux/amd64, 2026"


@dataclass(frozen=True)
class Recipe:
    """How to build a stand-in: a script in ``scripts/bases/`` and the files whose bytes define it."""

    script: str
    args: tuple[str, ...]
    files: tuple[str, ...]
    needs: tuple[str, ...] = ()
    #: seconds the recipe may take; a foreign platform's runs its dpkg and apt under QEMU
    timeout: int = BUILD_TIMEOUT

    @property
    def command(self) -> str:
        """The recipe as the label records it (repo-relative, so it reads the same everywhere)."""
        return " ".join([f"scripts/bases/{self.script}", *self.args])

    def digest(self) -> str:
        """Hash the recipe files exactly as ``sha256sum FILES | sha256sum`` does in the scripts."""
        sums = [(hashlib.sha256((RECIPES_DIR / name).read_bytes()).hexdigest(), name) for name in self.files]
        lines = "".join(f"{digest}  {name}\n" for digest, name in sums)
        return "sha256:" + hashlib.sha256(lines.encode()).hexdigest()


RECIPES: dict[str, Recipe] = {
    "debian:trixie": Recipe("debian.sh", ("trixie",), ("debian.sh",)),
    "debian:bookworm": Recipe("debian.sh", ("bookworm",), ("debian.sh",)),
    "golang:1.26-trixie": Recipe(
        "golang.sh", ("1.26", "trixie"), ("golang.sh", "golang.Dockerfile"), needs=("debian:trixie",)
    ),
    # A foreign platform's stand-ins (journey.model.manifest.foreign_standin names them): debootstrap and
    # golang.Dockerfile for arm64, under QEMU, for Vol. 3's emulated build; the farm pushes them beside
    # the amd64 ones as one index under the official name.
    foreign_standin("golang:1.26-trixie", "linux/arm64"): Recipe(
        "foreign.sh",
        ("arm64", "1.26", "trixie"),
        ("foreign.sh", "golang.Dockerfile"),
        timeout=3 * BUILD_TIMEOUT,
    ),
    # distroless publishes its own recipe (Bazel over Debian packages); the stand-in follows it.
    "gcr.io/distroless/static-debian13:nonroot": Recipe(
        "distroless.sh",
        ("trixie", "13"),
        ("distroless.sh", "distroless.Dockerfile"),
        needs=("debian:trixie",),
    ),
    # distroless base (glibc, libssl) is the static image plus four packages' data, as its recipe builds
    # it; its base-id label is the static stand-in's ID (built on debian:trixie, so that change reaches it).
    "gcr.io/distroless/base-debian13:nonroot": Recipe(
        "distroless-base.sh",
        ("trixie", "13"),
        ("distroless-base.sh", "distroless-base.Dockerfile"),
        needs=("gcr.io/distroless/static-debian13:nonroot",),
    ),
    # distroless's :debug variants are the image plus busybox under /busybox; the stand-in takes Debian's
    # busybox-static for the binary, on the static stand-in (its ID is the base-id label).
    "gcr.io/distroless/static-debian13:debug-nonroot": Recipe(
        "distroless-debug.sh",
        ("trixie", "13"),
        ("distroless-debug.sh", "distroless-debug.Dockerfile"),
        needs=("gcr.io/distroless/static-debian13:nonroot",),
    ),
    # The official slim image is debian:<suite> put through debuerreotype-slimify (no docs, man pages or
    # translations); the stand-in does the same to the debian:trixie stand-in.
    "debian:trixie-slim": Recipe(
        "debian-slim.sh", ("trixie",), ("debian-slim.sh", "debian-slim.Dockerfile"), needs=("debian:trixie",)
    ),
}

OFFICIAL: dict[str, Official] = {
    "debian:trixie": Official(120 * MB),
    "debian:bookworm": Official(117 * MB),
    "debian:bookworm-slim": Official(75 * MB),
    "golang:1.26-trixie": Official(874 * MB),
    "golang:1.26-bookworm": Official(833 * MB),
    "golang:1.26-alpine": Official(241 * MB),
    "golang:1.12-alpine": Official(350 * MB, "the 2019 article's `docker images` output"),
}


@dataclass(frozen=True)
class Base(Image):
    """A base image the engine has (see images.Image: here ``id`` is never None), and how it got there."""

    id: str
    action: str = "present"  # present, pulled, built, rebuilt

    @property
    def key(self) -> str:
        """The image ID."""
        return self.id


@dataclass
class Provision:
    """What :func:`provide` achieved: bases that are present, and bases that cannot be had."""

    available: dict[str, Base] = field(default_factory=dict)
    #: ref -> (snippet ids that need it, why it cannot be had)
    unavailable: dict[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)
    #: bases no snippet names but a stand-in is built from (``debian:trixie`` under the golang one)
    supporting: dict[str, Base] = field(default_factory=dict)

    def error(self) -> BaseUnavailableError | None:
        """One error naming every missing base, its cause and the snippets that need it."""
        if not self.unavailable:
            return None
        parts = [
            f"{ref} ({why}); needed by {', '.join(snippets) or 'no snippet'}"
            for ref, (snippets, why) in self.unavailable.items()
        ]
        return BaseUnavailableError(
            "cannot have " + "; ".join(parts) + ". These snippets are not verified in this build.",
            step="bases",
        )


# --- which bases the snippets need --------------------------------------------------------------------


def needed_bases(snippets: Iterable[Snippet]) -> dict[str, tuple[str, ...]]:
    """Map each base ref to the snippet ids whose Dockerfile names it, in reading order."""
    needs: dict[str, list[str]] = {}
    for snippet in snippets:
        for ref in base_refs(snippet):
            needs.setdefault(ref, []).append(snippet.id)
    return {ref: tuple(ids) for ref, ids in needs.items()}


# --- the engine -------------------------------------------------------------------------------------------


def say(text: str) -> None:
    """Progress for long steps goes to stderr, so stdout stays the report."""
    sys.stderr.write(f"bases: {text}\n")
    sys.stderr.flush()


def _docker(*argv: str, timeout: float = 60) -> process.CompletedProcess[str]:
    """Run the docker CLI (``docker pull`` prints the registry's own error, which the report shows)."""
    try:
        return process.run(["docker", *argv], capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError as exc:
        cause = "the docker CLI is not installed; run `make engine`"
        raise EngineUnavailableError(cause, step="bases") from exc


def inspect(ref: str, client: Any = None) -> Base | None:  # noqa: ANN401 - docker.DockerClient is untyped
    """Return the local image ``ref``, or None when the engine does not have it."""
    found = lookup(client or daemon.connect(), ref)
    if found.id is None:
        return None
    return Base(found.ref, found.id, found.digest, found.labels, found.env, found.size)


def _with_action(base: Base, action: str) -> Base:
    return replace(base, action=action)


# --- the three ways to have a base ----------------------------------------------------------------------


@dataclass
class Resolver:
    """Resolve refs one by one, remembering what it learnt (a dead registry is tried once per run)."""

    client: Any = None
    offline: bool = False
    rebuild: frozenset[str] = frozenset()
    registry_down: str | None = None
    done: dict[str, Base] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def resolve(self, ref: str) -> Base | None:
        """Have ``ref`` present, or record in ``failed`` why it cannot be."""
        if ref in self.done:
            return self.done[ref]
        if ref in self.failed:
            return None
        base = self._resolve(ref)
        if base is not None:
            self.done[ref] = base
        return base

    def _resolve(self, ref: str) -> Base | None:
        recipe = RECIPES.get(ref)
        present = inspect(ref, self.client)
        if present is not None and (recipe is None or not self._stale(ref, present, recipe)):
            return present
        pullable = not self.offline and ref not in self.rebuild and foreign_of(ref) is None  # a local name
        if present is None and pullable and (pulled := self._pull(ref)):
            return pulled
        if recipe is None:
            self.failed[ref] = self._no_recipe_cause()
            return None
        return self._build(ref, recipe, rebuilding=present is not None)

    def _no_recipe_cause(self) -> str:
        why = "offline" if self.offline else (self.registry_down or "the registry refused it")
        return f"not present locally, cannot be pulled ({why}) and scripts/bases has no stand-in recipe"

    def _stale(self, ref: str, present: Base, recipe: Recipe) -> bool:
        """Whether a present image must be rebuilt from its recipe (asked to, or recipe/base changed)."""
        if ref in self.rebuild:
            say(f"{ref}: rebuilding as asked")
            return True
        if present.provenance != "stand-in":
            return False  # a real or user-provided image is never replaced behind the user's back
        if present.labels.get(STANDIN + "recipe-digest") != recipe.digest():
            say(f"{ref}: its recipe changed since it was built; rebuilding")
            return True
        for need in recipe.needs:
            base = self.resolve(need)
            if base is not None and present.labels.get(STANDIN + "base-id") not in (None, base.key):
                say(f"{ref}: {need} changed since it was built; rebuilding")
                return True
        return False

    def _pull(self, ref: str) -> Base | None:
        """Pull ``ref`` with a bounded wait; a registry that cannot be reached is not asked again."""
        if self.registry_down is not None:
            return None
        say(f"{ref}: not present; trying to pull it (up to {PULL_TIMEOUT} s)")
        try:
            done = _docker("pull", "--quiet", ref, timeout=PULL_TIMEOUT)
        except process.TimeoutExpired:
            self.registry_down = f"no registry answered within {PULL_TIMEOUT} s"
            return None
        if done.returncode != 0:
            self.registry_down = _first_line(done.stderr) or "docker pull failed"
            say(f"{ref}: pull failed: {self.registry_down}")
            return None
        base = inspect(ref, self.client)
        return _with_action(base, "pulled") if base else None

    def _build(self, ref: str, recipe: Recipe, rebuilding: bool) -> Base | None:
        """Run the stand-in recipe (its needs first); its own progress lines pass through on stderr."""
        for need in recipe.needs:
            if self.resolve(need) is None:
                self.failed[ref] = f"its stand-in needs {need}, which cannot be had"
                return None
        say(f"{ref}: building the stand-in: {recipe.command}")
        started = time.monotonic()
        try:
            code = run_recipe(ref, recipe)
        except process.TimeoutExpired:
            self.failed[ref] = f"its stand-in recipe ran longer than {recipe.timeout} s"
            return None
        except rootless_build.HelperError as exc:
            self.failed[ref] = f"its stand-in recipe `{recipe.command}` could not run in the helper: {exc}"
            return None
        if code != 0:
            where = " in the helper container" if rootless_build.needed() else ""
            self.failed[ref] = f"its stand-in recipe `{recipe.command}` failed{where} (exit {code})"
            return None
        say(f"{ref}: stand-in built in {time.monotonic() - started:.0f} s")
        base = inspect(ref, self.client)
        if base is None:
            self.failed[ref] = f"`{recipe.command}` succeeded but left no {ref}"
            return None
        return _with_action(base, "rebuilt" if rebuilding else "built")


def run_recipe(ref: str, recipe: Recipe) -> int:
    """Run the recipe and return its exit code: on the host as root, else as a helper container's root.

    The recipes debootstrap and chroot, so they need root; a caller in the docker group who is not root
    has it inside a privileged container (helpers.rootless_build), and the recipe's bytes stay the same.
    """
    script = RECIPES_DIR / recipe.script
    if rootless_build.needed():
        say(f"{ref}: not root, so the recipe runs as root of a privileged helper container")
        return rootless_build.run_recipe(ref, script, recipe.args, timeout=recipe.timeout)
    done = process.run(
        ["bash", str(script), *recipe.args],
        stdout=process.DEVNULL,
        stderr=None,
        timeout=recipe.timeout,
        check=False,
    )
    return done.returncode


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""


# --- the library entry points ------------------------------------------------------------------------------


def provide(
    needs: Mapping[str, Sequence[str]], *, offline: bool = False, rebuild: Iterable[str] = ()
) -> Provision:
    """Make every base in ``needs`` (ref -> snippet ids) present; never raises for a missing base.

    The snippets of ``Provision.unavailable`` are then recorded as not verified by ``journey verify``.
    """
    resolver = Resolver(daemon.connect(), offline=offline or _offline_from_env(), rebuild=frozenset(rebuild))
    provision = Provision()
    for ref, snippets in needs.items():
        base = resolver.resolve(ref)
        if base is None:
            provision.unavailable[ref] = (tuple(snippets), resolver.failed[ref])
        else:
            provision.available[ref] = base
    provision.supporting = {r: b for r, b in resolver.done.items() if r not in provision.available}
    return provision


def require(needs: Mapping[str, Sequence[str]], *, offline: bool = False) -> dict[str, Base]:
    """Like :func:`provide`, but a base that cannot be had is an error (exit 5) naming its snippets."""
    provision = provide(needs, offline=offline)
    error = provision.error()
    if error is not None:
        raise error
    return provision.available


def _offline_from_env() -> bool:
    """``JOURNEY_OFFLINE=1`` skips pulls (a machine known to have no registry saves the attempt)."""
    return os.environ.get("JOURNEY_OFFLINE", "") not in ("", "0")


# --- the record pages include ------------------------------------------------------------------------------


def size_rows(
    available: Mapping[str, Base], unavailable: Mapping[str, tuple[Sequence[str], str]] | None = None
) -> list[dict[str, Any]]:
    """One row per base: its size next to the official published size, and the difference.

    Bases that cannot be had get a row too (no size, the snippets that need them), so the page
    shows readers what was not verified. The cause (a registry error naming this machine's
    resolver) is printed, not recorded: it would churn the record from machine to machine.
    """
    rows: list[dict[str, Any]] = []
    for ref, base in sorted(available.items()):
        official = OFFICIAL.get(ref)
        rows.append(
            {
                "ref": ref,
                "provenance": base.provenance,
                "digest": base.digest,
                "size": base.size,
                "official_size": official.size if official else None,
                "official_source": official.source if official else None,
                "difference": base.size - official.size if official else None,
                "standin_for": base.labels.get(STANDIN + "for"),
                "recipe": base.labels.get(STANDIN + "recipe"),
                "packages": base.labels.get(STANDIN + "packages"),
                "goproxy": base.labels.get(STANDIN + "goproxy"),
            }
        )
    rows += [
        {
            "ref": ref,
            "provenance": "unavailable",
            "snippets": list(snippets),
            "size": None,
            "official_size": OFFICIAL[ref].size if ref in OFFICIAL else None,
            "official_source": OFFICIAL[ref].source if ref in OFFICIAL else None,
            "difference": None,
        }
        for ref, (snippets, _why) in sorted((unavailable or {}).items())
    ]
    return rows


def write_record(
    root: Path,
    available: Mapping[str, Base],
    unavailable: Mapping[str, tuple[Sequence[str], str]] | None = None,
) -> list[Path]:
    """Write ``results/bases/bases.json`` and ``bases.md`` if their content changed; return those written."""
    rows = size_rows(available, unavailable)
    outputs = {
        "bases.json": json.dumps(rows, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        "bases.md": render_bases(rows),
    }
    folder = root / BASES_RESULTS
    return [folder / name for name, text in outputs.items() if write_if_changed(folder / name, text)]
