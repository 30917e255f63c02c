"""The downloads the site serves: each snippet file as itself, one zip per snippet, the same everywhere."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from typing import TYPE_CHECKING

import pytest

from journey.core.errors import ManifestError
from journey.model.manifest import Snippet, Volume, discover
from journey.site.downloads import (
    archive_bytes,
    archive_path,
    expected_downloads,
    link_to,
    served_path,
    snippet_downloads,
    write_downloads,
)
from trees import write_tree

if TYPE_CHECKING:
    from pathlib import Path

FILES = {
    "mkdocs.yml": "site_name: t\n",
    "snippets/vol1/volume.yml": "title: T\npages: [vol1/index.md]\nsnippets: [app, variant]\n",
    "snippets/vol1/app/snippet.yml": "title: App\nsupporting: [NOTES.md]\nbuild: {}\n",
    "snippets/vol1/app/Dockerfile": "FROM scratch\nCOPY run.sh /\n",
    "snippets/vol1/app/run.sh": "#!/bin/sh\necho hi\n",
    "snippets/vol1/app/.dockerignore": "NOTES.md\n",
    "snippets/vol1/app/NOTES.md": "# notes\n",
    "snippets/vol1/variant/snippet.yml": "title: V\nbuild: {context: ../app}\n",
    "snippets/vol1/variant/Dockerfile": "FROM scratch\n",
}


@pytest.fixture
def repo(tree) -> Path:
    return tree(FILES, executable=("snippets/vol1/app/run.sh",))


def snippet(repo: Path, name: str):
    (volume,) = discover(repo)
    return next(s for s in volume.snippets if s.name == name)


def test_the_archive_unpacks_to_the_snippet_folder_and_its_build_context(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "unpacked"
    with zipfile.ZipFile(io.BytesIO(archive_bytes(repo, snippet(repo, "variant")))) as archive:
        archive.extractall(out)
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    for folder in ("variant", "app"):
        source = repo / "snippets/vol1" / folder
        names = sorted(p.name for p in (out / folder).iterdir())
        assert names == sorted(p.name for p in source.iterdir())
        for name in names:
            assert (out / folder / name).read_bytes() == (source / name).read_bytes()
    assert modes["app/run.sh"] & 0o777 == 0o755
    assert modes["app/Dockerfile"] & 0o777 == 0o644


def test_a_build_context_in_another_volume_keeps_its_relative_path_in_the_archive(repo: Path) -> None:
    files = {
        "snippets/vol2/volume.yml": "title: T2\npages: [vol2/index.md]\nsnippets: [cross]\n",
        "snippets/vol2/cross/snippet.yml": "title: C\nbuild: {context: ../../vol1/app}\n",
        "snippets/vol2/cross/Dockerfile": "FROM scratch\n",
    }
    write_tree(repo, files)
    (cross,) = next(v for v in discover(repo) if v.name == "vol2").snippets
    with zipfile.ZipFile(io.BytesIO(archive_bytes(repo, cross))) as archive:
        names = archive.namelist()
    # Named from snippets/: `context: ../../vol1/app` still leads from vol2/cross/ to the context.
    assert "vol2/cross/Dockerfile" in names
    assert "vol1/app/run.sh" in names
    assert all(not name.startswith("..") for name in names)


def test_the_archive_is_the_same_bytes_whatever_the_files_dates(repo: Path) -> None:
    before = archive_bytes(repo, snippet(repo, "app"))
    os.utime(repo / "snippets/vol1/app/Dockerfile", (1, 1))
    assert archive_bytes(repo, snippet(repo, "app")) == before
    (repo / "snippets/vol1/app/Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    assert archive_bytes(repo, snippet(repo, "app")) != before


def test_a_page_source_is_served_as_text_and_saved_under_its_own_name(repo: Path) -> None:
    served = {d.source.name: d for d in snippet_downloads(repo, snippet(repo, "app"))}
    assert served["NOTES.md"].served == "downloads/vol1/app/NOTES.md.txt"
    assert served["NOTES.md"].name == "NOTES.md"
    assert served[".dockerignore"].served == "downloads/vol1/app/.dockerignore"
    assert served_path(repo, repo / "snippets/vol1/app/Dockerfile") == "downloads/vol1/app/Dockerfile"
    assert archive_path(snippet(repo, "app")) == "downloads/vol1/app.zip"


def test_links_are_relative_to_the_page_so_any_sub_path_works() -> None:
    assert link_to("vol1/index.md", "downloads/vol1/app/Dockerfile") == "../downloads/vol1/app/Dockerfile"
    assert link_to("index.md", "downloads/vol1/app.zip") == "downloads/vol1/app.zip"


def test_write_downloads_mirrors_snippets_once_and_removes_what_no_snippet_has(repo: Path) -> None:
    volumes = discover(repo)
    written = write_downloads(repo, volumes)
    expected = expected_downloads(repo, volumes)
    assert {p.relative_to(repo / "docs").as_posix() for p in written} == set(expected)
    for served, (data, mode) in expected.items():
        assert (repo / "docs" / served).read_bytes() == data
        assert (repo / "docs" / served).stat().st_mode & 0o777 == mode
    assert write_downloads(repo, volumes) == []  # nothing changed, nothing written
    shutil.rmtree(repo / "snippets/vol1/variant")
    (repo / "snippets/vol1/volume.yml").write_text("title: T\npages: [vol1/index.md]\nsnippets: [app]\n")
    removed = write_downloads(repo, discover(repo))
    assert {p.name for p in removed} == {"variant.zip", "Dockerfile", "snippet.yml"}
    assert not (repo / "docs/downloads/vol1/variant.zip").exists()


def test_a_link_out_of_snippets_made_after_loading_is_never_published(repo: Path, tmp_path: Path) -> None:
    """Loading refuses such a link; one linked in after that still stops the downloads, not a traceback."""
    loaded = snippet(repo, "app")
    (tmp_path / "secret").write_text("not for the site\n")
    (repo / "snippets/vol1/app/leak").symlink_to(tmp_path / "secret")
    with pytest.raises(ManifestError, match=r"leads outside snippets/ \(to .*secret\): not published"):
        expected_downloads(repo, [discover_unchecked(repo, loaded)])
    with pytest.raises(ManifestError, match="not published"):
        archive_bytes(repo, loaded)


def discover_unchecked(repo: Path, loaded: Snippet) -> Volume:
    """The volume as loaded before the link was made (loading it again would refuse the link)."""
    return Volume("vol1", (repo / "snippets/vol1").resolve(), "T", ("vol1/index.md",), (loaded,))


def test_a_failed_snippets_downloads_stay_exactly_as_they_were(repo: Path) -> None:
    write_downloads(repo, discover(repo))
    served = repo / "docs/downloads/vol1/variant/Dockerfile"
    archive = repo / "docs" / archive_path(snippet(repo, "variant"))
    before = (served.read_bytes(), archive.read_bytes())
    (repo / "snippets/vol1/variant/Dockerfile").write_text("FROM scratch\nBROKEN\n", encoding="utf-8")
    (repo / "snippets/vol1/variant/extra.txt").write_text("new\n", encoding="utf-8")
    (repo / "snippets/vol1/app/run.sh").write_text("#!/bin/sh\necho changed\n", encoding="utf-8")
    changed = write_downloads(repo, discover(repo), keep={"vol1/variant"})
    assert (served.read_bytes(), archive.read_bytes()) == before  # the failed one publishes nothing new
    assert not (repo / "docs/downloads/vol1/variant/extra.txt").exists()
    # a file the failed snippet shares with another (its build context is app/) stays too
    assert b"echo hi" in (repo / "docs/downloads/vol1/app/run.sh").read_bytes()
    assert repo / "docs" / archive_path(snippet(repo, "app")) in changed  # app's own zip moves on
