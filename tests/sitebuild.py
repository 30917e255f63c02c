"""Build the site with each builder the project supports, as a reader's build would, for the tests to read.

MkDocs 1.6 with Material builds the published site today; Zensical, Material's successor, reads the same
`mkdocs.yml` and must keep building it unchanged. Both builds run with `--strict` from a repository root, so
pymdownx.snippets' `base_path: ["."]` finds `snippets/` and `results/` as it does under `make site`.

Zensical has no `--site-dir` and wants `site_dir` inside the project, and it keeps a cache in `.cache/`
(where `journey` keeps its own). So it builds a copy of what the site is made of, in a temporary folder:
the repository stays untouched, and no cache of an earlier build can stand in for a fresh one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BUILDERS = ("mkdocs", "zensical")
#: Everything a build reads: the config, docs_dir, the theme's custom_dir, and what pages include.
SITE_INPUTS = ("mkdocs.yml", "docs", "overrides", "snippets", "results")
#: The environment variable mkdocs.yml reads site_url from (the workflow sets it to the Pages address).
SITE_URL_VARIABLE = "JOURNEY_SITE_URL"
_SITE_URL = re.compile(r"""^site_url:\s*(?:!ENV\s*\[\s*\w+\s*,\s*)?["']?(?P<url>[^"'\s\]#]+)""", re.MULTILINE)


class SiteBuildError(RuntimeError):
    """A strict build failed: the message carries the builder's output, so the cause is in the report."""


def build_env(published_at: str | None = None) -> dict[str, str]:
    """The environment of a test build: site_url as given (as the workflow does), else mkdocs.yml's default.

    The developer's own JOURNEY_SITE_URL never leaks in: the tests must know which address the pages name.
    """
    env = {key: value for key, value in os.environ.items() if key != SITE_URL_VARIABLE}
    if published_at is not None:
        env[SITE_URL_VARIABLE] = published_at
    env["NO_MKDOCS_2_WARNING"] = "1"  # Material 9.8's end-of-life banner
    return env


def site_url(repo: Path = REPO_ROOT) -> str:
    """The site_url a test build gets: the default of mkdocs.yml's `!ENV` (or its plain value)."""
    match = _SITE_URL.search((repo / "mkdocs.yml").read_text(encoding="utf-8"))
    if match is None:
        msg = "mkdocs.yml has no site_url"
        raise SiteBuildError(msg)
    return match["url"]


def _run(argv: list[str], cwd: Path, builder: str, published_at: str | None) -> None:
    # Never `--quiet`: MkDocs 1.6 then drops the warnings its strict mode counts, and a broken site passes.
    env = build_env(published_at)
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        msg = f"{builder} build --strict failed (exit {done.returncode}):\n{done.stderr}{done.stdout}"
        raise SiteBuildError(msg)


def site_dir(builder: str, workdir: Path) -> Path:
    """Where `build(builder, workdir)` puts the site: known before the build, so a server can start first."""
    if builder == "mkdocs":
        return workdir / "site"
    if builder == "zensical":
        return workdir / "project" / "site"
    msg = f"unknown builder {builder!r}: one of {BUILDERS}"
    raise ValueError(msg)


def build(builder: str, workdir: Path, repo: Path = REPO_ROOT, published_at: str | None = None) -> Path:
    """Build the site of `repo` with `builder` inside `workdir` (a fresh folder); return the built site.

    `published_at` is the site_url to build for (JOURNEY_SITE_URL), as the workflow passes the Pages address.
    """
    site = site_dir(builder, workdir)
    if builder == "mkdocs":
        _run([str(BIN / "mkdocs"), "build", "--strict", "--site-dir", str(site)], repo, builder, published_at)
        return site
    project = site.parent
    project.mkdir(parents=True)
    for name in SITE_INPUTS:
        source = repo / name
        if source.is_dir():
            shutil.copytree(source, project / name, symlinks=True)
        elif source.is_file():
            shutil.copy2(source, project / name)
    _run([str(BIN / "zensical"), "build", "--strict"], project, builder, published_at)
    return site
