"""Paths a manifest names stay in ``snippets/``: a hostile manifest or link is refused at load (exit 2).

Each case runs the real ``journey check`` in a fresh process on a small repository written under
``tmp_path`` (``repo/``), beside a secret file outside it (``outside/secret``) that a path or a link
tries to reach. The tool must stop with exit 2 naming the snippet, the key and the path, never print
the secret, and never hang or end in a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from journey.model.manifest import discover

if TYPE_CHECKING:
    from pathlib import Path

MARK = "NEVER-PRINTED-LINE"
DOCKERFILE = "FROM scratch\nCOPY main.go /\n"
#: vol1/app builds vol1/service; vol2/far builds vol1's service from vol1's Dockerfile, as Vol. 3 does
FILES = {
    "mkdocs.yml": "site_name: t\nnav: []\n",
    "snippets/vol1/volume.yml": "title: V1\nsnippets: [app]\n",
    "snippets/vol1/app/Dockerfile": DOCKERFILE,
    "snippets/vol1/app/snippet.yml": "title: app\nbuild: {context: ../service}\n",
    "snippets/vol1/service/main.go": "package main\n",
    "snippets/vol2/volume.yml": "title: V2\nsnippets: [far]\n",
    "snippets/vol2/far/snippet.yml": (
        "title: far\nbuild: {dockerfile: ../../vol1/app/Dockerfile, context: ../../vol1/service}\n"
    ),
}


@pytest.fixture
def repo(tmp_path: Path, tree) -> Path:
    """The small repository, and the secret beside it (not under it)."""
    root = tree(FILES, root=tmp_path / "repo")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret").write_text(f"{MARK}\n")
    return root


def check(root: Path) -> subprocess.CompletedProcess[str]:
    """Run ``journey check`` on ``root`` as a reader would, with no engine, bounded in time."""
    env = {**os.environ, "DOCKER_HOST": f"unix://{root}/no-engine.sock"}
    return subprocess.run(
        [sys.executable, "-m", "journey", "check", "--root", str(root)],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        timeout=60,
        check=False,
    )


def to_secret(root: Path, folder: str) -> str:
    """The relative path from a folder of the repository to the secret outside it (``../../../outside/…``)."""
    return os.path.relpath(root.parent / "outside" / "secret", root / folder)


def refused(root: Path, prefix: str) -> str:
    """Assert ``journey check`` stops at load with exit 2 and a message starting so; return the message."""
    done = check(root)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert MARK not in done.stdout + done.stderr
    assert done.stderr.startswith(f"journey: {prefix}"), done.stderr
    return done.stderr


APP = "vol1/app: manifest: snippets/vol1/app/snippet.yml"


def test_the_fixture_repository_loads(repo):
    """The cross-volume Dockerfile and context of vol2/far are legitimate: stale results, not exit 2."""
    done = check(repo)
    assert done.returncode == 4, done.stderr
    assert "no recorded result" in done.stdout


def test_every_real_snippet_still_loads(repo_root):
    assert discover(repo_root)


@pytest.mark.parametrize(
    ("manifest", "key"),
    [
        pytest.param("checks:\n  - {{tool: hadolint, files: [{path}]}}\n", "checks[0].files[0]", id="files"),
        pytest.param(
            "checks:\n  - {{tool: deploy-e2e, script: {path}, env: {{AWS_REGION: x, IMAGE_NAME: y}}}}\n",
            "checks[0].script",
            id="script",
        ),
        pytest.param(
            "build: {{dockerfile: {path}, context: ../service}}\n", "build.dockerfile", id="dockerfile"
        ),
        pytest.param(
            "build: {{context: ../service}}\nship: {{pushes: [{{name: a, dockerfile: {path}}}]}}\n",
            "ship.pushes[0].dockerfile",
            id="push dockerfile",
        ),
    ],
)
def test_a_file_named_outside_snippets_is_refused(repo, manifest, key):
    secret = to_secret(repo, "snippets/vol1/app")
    (repo / "snippets/vol1/app/snippet.yml").write_text("title: app\n" + manifest.format(path=secret))
    message = refused(repo, f"{APP}: {key}: {secret!r} leads outside snippets/ (to ")
    assert str(repo.parent / "outside" / "secret") in message


@pytest.mark.parametrize(
    ("manifest", "key"),
    [
        pytest.param("build: {{context: {path}}}\n", "build.context", id="context"),
        pytest.param("checks:\n  - {{tool: go-vet, dir: {path}}}\n", "checks[0].dir", id="go dir"),
    ],
)
def test_a_folder_named_outside_snippets_is_refused(repo, manifest, key):
    folder = os.path.relpath(repo.parent / "outside", repo / "snippets/vol1/app")
    (repo / "snippets/vol1/app/snippet.yml").write_text("title: app\n" + manifest.format(path=folder))
    refused(repo, f"{APP}: {key}: {folder!r} leads outside snippets/ (to {repo.parent / 'outside'})")


def test_a_touched_file_outside_the_build_context_is_refused(repo):
    """``touch:`` files are written into a copy of the context: one out of it would be written anywhere."""
    manifest = (
        "title: app\nbuild: {context: ../service}\nmeasure:\n  - {name: c, kind: context, touch: [%s]}\n"
    )
    (repo / "snippets/vol1/app/snippet.yml").write_text(manifest % "../../../../tmp/x")
    refused(repo, f"{APP}: measure[0].touch[0]: '../../../../tmp/x' leads outside the build context ")
    (repo / "snippets/vol1/app/snippet.yml").write_text(
        manifest % "../app/x"
    )  # in snippets/, not the context
    refused(
        repo, f"{APP}: measure[0].touch[0]: '../app/x' leads outside the build context snippets/vol1/service/"
    )


def test_a_supporting_glob_outside_snippets_is_refused(repo):
    (repo / "snippets/vol1/app/snippet.yml").write_text('title: app\nsupporting: ["../../../*"]\n')
    refused(repo, f"{APP}: supporting[0]: '../../../*' is outside snippets/")


@pytest.mark.parametrize(
    ("folder", "key"),
    [
        pytest.param("snippets/vol1/app", "", id="in the snippet folder"),
        pytest.param("snippets/vol1/service", "build.context: ", id="in its build context"),
    ],
)
def test_a_symlink_to_a_file_outside_is_refused_not_a_traceback(repo, folder, key):
    (repo / folder / "leak").symlink_to(repo.parent / "outside" / "secret")
    message = refused(repo, f"{APP}: {key}symlink {folder}/leak leads outside snippets/ (to ")
    assert "not published" not in message  # refused at load, before any download is made


def test_a_symlink_to_the_root_folder_is_refused(repo):
    """A link to ``/`` would have the context copy (``shutil.copytree``) copy the machine."""
    (repo / "snippets/vol1/service/everything").symlink_to("/")
    refused(
        repo, f"{APP}: build.context: symlink snippets/vol1/service/everything leads outside snippets/ (to /)"
    )


def test_a_symlink_beside_the_volumes_is_refused(repo):
    (repo / "snippets" / "leak").symlink_to(repo.parent / "outside" / "secret")
    refused(repo, "manifest: snippets: symlink snippets/leak leads outside snippets/")


def test_a_symlink_inside_snippets_is_fine(repo):
    (repo / "snippets/vol1/service/again.go").symlink_to("main.go")
    assert check(repo).returncode == 4


def test_a_manifest_that_links_outside_is_not_read(repo):
    """Parsing it would quote the secret in the YAML error."""
    (repo.parent / "outside" / "secret").write_text(f"title: [{MARK}\n")
    manifest = repo / "snippets/vol1/app/snippet.yml"
    manifest.unlink()
    manifest.symlink_to(repo.parent / "outside" / "secret")
    refused(repo, "vol1/app: manifest: snippets/vol1/app/snippet.yml: 'snippet.yml' leads outside snippets/")


def test_a_snippet_folder_that_links_outside_is_refused(repo):
    (repo / "snippets/vol1/app/snippet.yml").rename(repo.parent / "outside" / "snippet.yml")
    (repo / "snippets/vol1/app/Dockerfile").unlink()
    (repo / "snippets/vol1/app").rmdir()
    (repo / "snippets/vol1/app").symlink_to(repo.parent / "outside")
    refused(repo, "vol1/app: manifest: snippets/vol1/app/snippet.yml: 'app' leads outside snippets/")


def test_a_fifo_in_a_snippet_folder_is_refused_and_nothing_hangs(repo):
    os.mkfifo(repo / "snippets/vol1/app/pipe")
    refused(repo, f"{APP}: snippets/vol1/app/pipe is not a regular file")


@pytest.mark.parametrize(
    ("volume", "key", "cause"),
    [
        pytest.param(
            "pages: [../../outside.md]\n", "pages[0]", "'../../outside.md' is outside docs/", id="page"
        ),
        pytest.param(
            "seed: {text: seed.txt, files: [{file: ../../../outside/secret, first: a, last: b}]}\n",
            "seed.files[0].file",
            "'../../../outside/secret' leads outside snippets/",
            id="seed file",
        ),
    ],
)
def test_a_volume_path_outside_is_refused(repo, volume, key, cause):
    (repo / "snippets/vol1/volume.yml").write_text(f"title: V1\nsnippets: [app]\n{volume}")
    refused(repo, f"manifest: snippets/vol1/volume.yml: {key}: {cause}")
