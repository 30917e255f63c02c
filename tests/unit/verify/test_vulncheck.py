"""The govulncheck check without Go or the engine: its arguments, its header, its verdict, its file copies.

``govulncheck`` itself, the database and the go it runs are stood in for, so what is tested is this
module's own part: which arguments and folder a mode gives, what the first recorded line names, which
exit codes are a scan, and that only the ``expect:`` IDs pass. Copying a binary out of a built image
needs the engine (tests/engine); taking the one file out of the archive ``docker cp`` gives does not.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from journey.core.errors import VerificationError
from journey.helpers.vulndb import VulnDB
from journey.model.check_spec import GovulncheckCheck
from journey.verify import vulncheck
from journey.verify.vulncheck import _extract

DB = VulnDB(
    Path("/cache/vulndb/v0.0.0-20261105234957-e22db6528018"), "v0.0.0-20261105234957-e22db6528018", "T"
)
SCAN = "Vulnerability #1: GO-2025-3750\n    A bug.\n\nYour code is affected by 1 vulnerability.\n"


@pytest.fixture
def scan(monkeypatch, tmp_path):
    """Run ``vulncheck.govulncheck`` with a stand-in scanner: returns (outcome or error, argv, cwd, env)."""
    module = tmp_path / "snippets" / "vol1" / "app"
    module.mkdir(parents=True)
    (module / "go.mod").write_text("module example.org/app\n", encoding="utf-8")
    (module / "main.go").write_text("package main\n", encoding="utf-8")
    seen: dict[str, object] = {}
    monkeypatch.setattr(vulncheck.vulndb, "database", lambda _root, _version, _run: DB)
    monkeypatch.setattr(vulncheck.vulndb, "govulncheck", lambda _root, _run: Path("/tools/govulncheck"))

    def run(check: GovulncheckCheck, code: int = 3, output: str = SCAN) -> dict[str, object]:
        def execute(_ctx, _check, argv, cwd, env):
            seen.update(argv=argv, cwd=cwd, env=env, files=sorted(p.name for p in cwd.iterdir()))
            if check.modfile is not None:
                seen["go.mod"] = (cwd / "go.mod").read_text(encoding="utf-8")
            return code, output

        monkeypatch.setattr(vulncheck, "execute", execute)
        snippet = SimpleNamespace(id="vol1/app", dir=module, context_dir=None)
        ctx = SimpleNamespace(root=tmp_path, snippet=snippet, image_id=None)
        try:
            seen["outcome"] = vulncheck.govulncheck(ctx, check)  # type: ignore[arg-type]
        except VerificationError as exc:
            seen["error"] = exc
        return seen

    return run


def test_a_source_scan_reads_the_module_and_heads_its_output_with_the_database(scan):
    check = GovulncheckCheck(db=DB.version, expect=("GO-2025-3750",))
    seen = scan(check)
    assert seen["argv"] == ["/tools/govulncheck", "-db", DB.url, "./..."]
    assert seen["cwd"].name == "app"
    assert seen["env"] == {}
    outcome = seen["outcome"]
    assert outcome["ok"] is True
    assert (
        outcome["output"]
        == f"govulncheck v1.10.0, database golang.org/x/vulndb@{DB.version} (entries as of T)\n\n{SCAN}"
    )


def test_a_pinned_go_is_the_toolchain_and_is_named_in_the_header(scan):
    check = GovulncheckCheck(db=DB.version, expect=("GO-2025-3750",), go="1.24.2")
    seen = scan(check)
    assert seen["env"] == {"GOTOOLCHAIN": "go1.24.2"}
    assert seen["outcome"]["output"].split("\n", 1)[0].endswith(", the standard library of go1.24.2")


def test_a_modfile_scans_a_copy_with_those_requirements_and_leaves_the_snippet_alone(scan, tmp_path):
    module = tmp_path / "snippets" / "vol1" / "app"
    (module / "old.mod").write_text("module example.org/app\nrequire x v1.0.0\n", encoding="utf-8")
    (module / "old.sum").write_text("x v1.0.0 h1:abc=\n", encoding="utf-8")
    (module / "sub").mkdir()
    check = GovulncheckCheck(db=DB.version, expect=("GO-2025-3750",), modfile="old.mod")
    seen = scan(check)
    assert seen["go.mod"] == "module example.org/app\nrequire x v1.0.0\n"
    assert seen["files"] == ["go.mod", "go.sum", "main.go", "old.mod", "old.sum"]  # no subfolder copied
    assert seen["cwd"] != module
    assert not seen["cwd"].exists()  # the copy is gone once the scan is recorded
    assert (module / "go.mod").read_text(encoding="utf-8") == "module example.org/app\n"
    assert seen["outcome"]["output"].split("\n", 1)[0].endswith(", requirements from old.mod")


@pytest.mark.parametrize(
    ("expect", "why"),
    [
        ((), "reported but not expected: GO-2025-3750"),
        (("GO-2025-3750", "GO-2024-0001"), "expected but not reported: GO-2024-0001"),
    ],
)
def test_exactly_the_expected_ids_must_be_called(scan, expect, why):
    seen = scan(GovulncheckCheck(db=DB.version, expect=expect))
    assert seen["error"].cause == why
    assert str(seen["error"]) == f"vol1/app: check govulncheck: {why}"
    assert seen["error"].step == "check govulncheck"


@pytest.mark.parametrize("code", [1, 2, 4, -9])
def test_an_exit_code_other_than_scanned_is_a_failed_check(scan, code):
    seen = scan(GovulncheckCheck(db=DB.version), code=code, output="go: no module here\n")
    assert f"govulncheck exited {code}" in str(seen["error"])
    assert "go: no module here" in seen["error"].log_tail


def test_nothing_called_and_nothing_expected_passes(scan):
    seen = scan(GovulncheckCheck(db=DB.version), code=0, output="No vulnerabilities found.\n")
    assert seen["outcome"]["ok"] is True


def test_a_binary_scan_of_a_files_only_snippet_says_it_needs_an_image(scan):
    seen = scan(GovulncheckCheck(db=DB.version, mode="binary", path="/app"))
    assert "binary mode needs a built image" in str(seen["error"])


def _archive(path: Path, members: list[tuple[str, bytes | None]]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size, info.mode = len(data), 0o4755
                tar.addfile(info, io.BytesIO(data))
    return path


def test_the_one_regular_file_is_copied_by_content_only(tmp_path):
    archive = _archive(tmp_path / "file.tar", [("bin", None), ("../../etc/evil", b"\x7fELF")])
    target = _extract(archive, tmp_path / "app", "refused")
    assert target.read_bytes() == b"\x7fELF"
    assert not (tmp_path.parent.parent / "etc" / "evil").exists()
    assert target.stat().st_mode & 0o7777 != 0o4755  # no mode from the archive


def test_an_archive_without_a_regular_file_is_refused_with_the_callers_words(tmp_path):
    archive = _archive(tmp_path / "file.tar", [("app", None)])
    with pytest.raises(ValueError, match=r"^/app is not a regular file in the image$"):
        _extract(archive, tmp_path / "app", "/app is not a regular file in the image")
