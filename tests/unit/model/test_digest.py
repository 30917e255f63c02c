from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

import pytest

from journey.model.digest import input_digest, source_digest, tree_files
from journey.model.manifest import load_snippet
from trees import SNIPPET_FIXTURES

if TYPE_CHECKING:
    from pathlib import Path

FIXTURE = SNIPPET_FIXTURES / "golden" / "hello"


@pytest.fixture
def snippet_dir(tmp_path):
    folder = tmp_path / "golden" / "hello"
    shutil.copytree(FIXTURE, folder)
    return folder


def digest(folder: Path) -> str:
    return source_digest(load_snippet(folder))


def test_digest_is_stable_and_independent_of_the_checkout_path(snippet_dir, tmp_path):
    other = tmp_path / "elsewhere" / "golden" / "hello"
    shutil.copytree(snippet_dir, other)
    assert digest(snippet_dir) == digest(snippet_dir) == digest(other)
    assert digest(snippet_dir).startswith("sha256:")


def test_one_changed_byte_changes_the_digest(snippet_dir):
    before = digest(snippet_dir)
    main = snippet_dir / "main.go"
    main.write_bytes(main.read_bytes().replace(b"hello", b"hellO", 1))
    assert digest(snippet_dir) != before


def test_manifest_new_file_rename_and_mode_change_the_digest(snippet_dir):
    seen = {digest(snippet_dir)}
    (snippet_dir / "snippet.yml").write_text((snippet_dir / "snippet.yml").read_text() + "# note\n")
    seen.add(digest(snippet_dir))
    (snippet_dir / "notes.txt").write_text("x\n")
    seen.add(digest(snippet_dir))
    (snippet_dir / "notes.txt").rename(snippet_dir / "notes2.txt")
    seen.add(digest(snippet_dir))
    (snippet_dir / "notes2.txt").chmod(0o755)
    seen.add(digest(snippet_dir))
    assert len(seen) == 5


def test_vcs_junk_is_ignored(snippet_dir):
    before = digest(snippet_dir)
    (snippet_dir / ".git").mkdir()
    (snippet_dir / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    assert digest(snippet_dir) == before
    assert all(".git" not in p.parts for p in tree_files(snippet_dir))


def test_build_context_in_another_folder_is_covered(tmp_path):
    volume = tmp_path / "vol"
    (volume / "service").mkdir(parents=True)
    (volume / "service" / "main.go").write_text("package main\n")
    (volume / "app").mkdir()
    (volume / "app" / "Dockerfile").write_text("FROM scratch\n")
    (volume / "app" / "snippet.yml").write_text("title: t\nbuild: {context: ../service}\n")
    before = digest(volume / "app")
    (volume / "service" / "main.go").write_text("package main // changed\n")
    assert digest(volume / "app") != before


def test_input_digest_depends_on_every_input():
    base = input_digest("sha256:a", {"golang:1.26": "sha256:1"}, "26.1.5", "0.13.1")
    assert base == input_digest("sha256:a", {"golang:1.26": "sha256:1"}, "26.1.5", "0.13.1")
    variants = [
        input_digest("sha256:b", {"golang:1.26": "sha256:1"}, "26.1.5", "0.13.1"),
        input_digest("sha256:a", {"golang:1.26": "sha256:2"}, "26.1.5", "0.13.1"),
        input_digest("sha256:a", {"golang:1.26": "sha256:1"}, "27.0.0", "0.13.1"),
        input_digest("sha256:a", {"golang:1.26": "sha256:1"}, "26.1.5", "0.14.0"),
    ]
    assert base not in variants
    assert len(set(variants)) == 4


def test_a_fifo_is_hashed_as_its_kind_and_never_opened(snippet_dir):
    """Loading refuses a FIFO; one made after loading must not hang the digest waiting for a writer."""
    snippet = load_snippet(snippet_dir)
    before = source_digest(snippet)
    os.mkfifo(snippet_dir / "pipe")
    assert source_digest(snippet) != before  # returns at once, and the new entry counts
