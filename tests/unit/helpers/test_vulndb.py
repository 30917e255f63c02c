"""The vulnerability database is laid out from the pinned module zip alone, the same bytes everywhere."""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from typing import TYPE_CHECKING

import pytest

from journey.helpers.vulndb import VULNDB_MODULE, VulnDBError, commit_time, found, lay_out
from journey.verify.vulncheck import _extract, _with_modfile

if TYPE_CHECKING:
    from pathlib import Path

VERSION = "v0.0.0-20261105234957-e22db6528018"


def _entry(vid: str, *modules: str) -> dict[str, object]:
    affected = [{"package": {"name": m, "ecosystem": "Go"}, "ranges": []} for m in modules]
    return {"id": vid, "modified": "0001-01-01T00:00:00Z", "affected": affected}


def _module_zip(tmp_path: Path, entries: list[dict[str, object]]) -> Path:
    path = tmp_path / "vulndb.zip"
    prefix = f"{VULNDB_MODULE}@{VERSION}/"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(prefix + "go.mod", "module golang.org/x/vulndb\n")
        archive.writestr(prefix + "data/reports/GO-2020-0001.yaml", "not an entry\n")
        for entry in entries:
            archive.writestr(f"{prefix}data/osv/{entry['id']}.json", json.dumps(entry))
    return path


def test_the_commit_time_of_a_pseudo_version_dates_the_database():
    assert commit_time(VERSION) == "2026-11-05T23:49:57Z"
    with pytest.raises(VulnDBError, match="not a pseudo-version"):
        commit_time("v1.0.0")  # a tag names no date, so no "as of"


def test_the_layout_is_the_one_govulncheck_reads_dated_by_the_pinned_commit(tmp_path):
    archive = _module_zip(
        tmp_path, [_entry("GO-2026-0002", "example.com/b", "stdlib"), _entry("GO-2026-0001", "stdlib")]
    )
    db = lay_out(archive, VERSION, tmp_path / "db")
    assert json.loads((db.path / "index/db.json").read_text()) == {"modified": "2026-11-05T23:49:57Z"}
    modules = json.loads((db.path / "index/modules.json").read_text())
    assert [m["path"] for m in modules] == ["example.com/b", "stdlib"]
    assert [v["id"] for v in modules[1]["vulns"]] == ["GO-2026-0001", "GO-2026-0002"]
    assert all("fixed" not in v for m in modules for v in m["vulns"])  # govulncheck reads each entry itself
    entry = json.loads((db.path / "ID/GO-2026-0002.json").read_text())
    assert entry["modified"] == "2026-11-05T23:49:57Z"
    assert db.url.startswith("file:///")
    assert "golang.org/x/vulndb@v0.0.0-20261105234957-e22db6528018" in db.describe()


def test_the_same_zip_gives_the_same_bytes(tmp_path):
    archive = _module_zip(tmp_path, [_entry("GO-2026-0001", "stdlib")])
    first, second = lay_out(archive, VERSION, tmp_path / "a"), lay_out(archive, VERSION, tmp_path / "b")
    files = sorted(p.relative_to(first.path) for p in first.path.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second.path) for p in second.path.rglob("*") if p.is_file())
    assert all((first.path / f).read_bytes() == (second.path / f).read_bytes() for f in files)


def test_a_zip_without_entries_makes_no_database(tmp_path):
    with pytest.raises(VulnDBError, match="no OSV entry"):
        lay_out(_module_zip(tmp_path, []), VERSION, tmp_path / "db")
    assert not (tmp_path / "db").exists()  # nothing half-made is left to be used


def test_a_scan_reports_the_ids_of_what_the_code_calls():
    output = (
        "Vulnerability #1: GO-2026-5676\n    HTTP/3 QPACK …\nVulnerability #2: GO-2026-4601\n"
        "This scan also found 7 vulnerabilities in packages you import … GO-2025-0001\n"
    )
    assert found(output) == {"GO-2026-5676", "GO-2026-4601"}  # imported-only ones are not findings


def _tar(tmp_path: Path, name: str, member: tarfile.TarInfo, data: bytes = b"") -> Path:
    path = tmp_path / name
    with tarfile.open(path, "w") as archive:
        archive.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return path


def test_a_copied_out_binary_is_written_by_content_only(tmp_path):
    member = tarfile.TarInfo("../../escape")
    member.size = 3
    target = _extract(_tar(tmp_path, "f.tar", member, b"elf"), tmp_path / "server", "refused")
    assert target.read_bytes() == b"elf"
    assert not (tmp_path.parent.parent / "escape").exists()
    link = tarfile.TarInfo("server")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    with pytest.raises(ValueError, match="refused"):
        _extract(_tar(tmp_path, "l.tar", link), tmp_path / "other", "refused")


def test_a_modfile_scan_copies_the_module_with_the_other_requirements(tmp_path):
    module = tmp_path / "service"
    module.mkdir()
    (module / "go.mod").write_text("module m\nrequire x v1\n")
    (module / "go.sum").write_text("x v1 h1:old\n")
    (module / "main.go").write_text("package main\n")
    (module / "sub").mkdir()
    (module / "link.go").symlink_to("/etc/hostname")
    modfile = tmp_path / "updated.mod"
    modfile.write_text("module m\nrequire x v2\n")
    (tmp_path / "updated.sum").write_text("x v2 h1:new\n")
    (tmp_path / "out").mkdir()
    copy = _with_modfile(module, modfile, tmp_path / "out")
    assert sorted(p.name for p in copy.iterdir()) == ["go.mod", "go.sum", "main.go"]  # no link, no subfolder
    assert (copy / "go.mod").read_text() == "module m\nrequire x v2\n"
    assert (copy / "go.sum").read_text() == "x v2 h1:new\n"
    assert (module / "go.mod").read_text() == "module m\nrequire x v1\n"  # the snippet's own files untouched
