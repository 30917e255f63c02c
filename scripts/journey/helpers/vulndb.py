"""The Go vulnerability database and govulncheck, both made here from the Go module proxy, offline.

Vol. 4 scans Vol. 1's services with govulncheck against the database *as of a recorded date*, so a newer
database shows up as a changed input, not as a silent change on a page. The database is published as
the Go module ``golang.org/x/vulndb``: its ``data/osv/`` holds one OSV entry per vulnerability. A
snippet's check names the module's version (``db:``, part of the snippet's files and so of its source
digest); this module downloads that version's zip through the Go module proxy (``go mod download``,
the only source it uses) and lays it out as vuln.go.dev serves it, which govulncheck reads from a
``file://`` URL:

- ``ID/<id>.json``: each OSV entry;
- ``index/db.json``: ``{"modified": …}``;
- ``index/modules.json``: each module path with the entries that affect it.

In ``data/osv/`` every entry's ``modified`` is a placeholder (vuln.go.dev sets the real time when it
publishes). Here every ``modified`` is the time of the module's commit, which its pseudo-version spells,
so the database says "as of" the version pinned, and two machines lay out the same bytes. The index
leaves out the optional ``fixed`` shortcut: govulncheck then reads every entry of a module it needs
and decides from the entry itself (x/vuln ``internal/client``: the shortcut only saves reads).

govulncheck itself is ``go install``-ed once into ``.cache/tools`` (:mod:`journey.helpers.gotools`).
Both are folders of ``.cache``, made atomically (a half-made folder is never used).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journey.core import layout
from journey.helpers.gotools import GoTool, install

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

VULNDB_MODULE = "golang.org/x/vulndb"
GOVULNCHECK = GoTool("golang.org/x/vuln/cmd/govulncheck", "v1.10.0")
#: ``v0.0.0-20261105234957-e22db6528018``: the commit's UTC time is the middle part.
_PSEUDO = re.compile(r"^v\d+\.\d+\.\d+-(?:0\.|pre\.0\.)?(\d{14})-[0-9a-f]{12}$")
_OSV_DIR = "data/osv/"
#: Each vulnerability the code calls, as govulncheck's text output heads it (``Vulnerability #1: GO-…``).
FINDING = re.compile(r"^Vulnerability #\d+: (GO-\d{4}-\d+)$", re.MULTILINE)


class VulnDBError(ValueError):
    """The pinned version cannot give a database (not a pseudo-version, no entries in its zip)."""


@dataclass(frozen=True)
class VulnDB:
    """A database laid out for govulncheck: its folder, the module version, and its "as of" time."""

    path: Path
    version: str
    modified: str

    @property
    def url(self) -> str:
        """The ``-db`` argument govulncheck takes."""
        return self.path.as_uri()

    def describe(self) -> str:
        """Say which database this is, for the first line of a recorded scan."""
        return f"{VULNDB_MODULE}@{self.version} (entries as of {self.modified})"


def found(output: str) -> set[str]:
    """Return the IDs of the vulnerabilities a scan reports as called (not those only imported)."""
    return set(FINDING.findall(output))


def commit_time(version: str) -> str:
    """Return the commit time a pseudo-version spells, as RFC 3339 (``2026-11-05T23:49:57Z``)."""
    found = _PSEUDO.match(version)
    if found is None:
        cause = f"{version!r} is not a pseudo-version of {VULNDB_MODULE} (v0.0.0-<yyyymmddhhmmss>-<commit>)"
        raise VulnDBError(cause)
    when = datetime.strptime(found.group(1), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def lay_out(archive: Path, version: str, target: Path) -> VulnDB:
    """Write the database of the module zip ``archive`` into ``target`` (which must not exist yet)."""
    modified = commit_time(version)
    modules: dict[str, list[dict[str, str]]] = {}
    staging = Path(tempfile.mkdtemp(prefix=".vulndb-", dir=target.parent))
    try:
        (staging / "ID").mkdir()
        (staging / "index").mkdir()
        for entry in _entries(archive, version):
            entry["modified"] = modified
            (staging / "ID" / f"{entry['id']}.json").write_text(json.dumps(entry, sort_keys=True), "utf-8")
            for path in sorted({a["package"]["name"] for a in entry.get("affected", [])}):
                modules.setdefault(path, []).append({"id": entry["id"], "modified": modified})
        if not modules:
            raise VulnDBError(f"{archive.name} holds no OSV entry under {_OSV_DIR}")
        index: list[dict[str, Any]] = [
            {"path": path, "vulns": sorted(v, key=lambda e: e["id"])} for path, v in sorted(modules.items())
        ]
        (staging / "index" / "modules.json").write_text(json.dumps(index, sort_keys=True), "utf-8")
        (staging / "index" / "db.json").write_text(json.dumps({"modified": modified}), "utf-8")
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return VulnDB(target, version, modified)


def _entries(archive: Path, version: str) -> Iterator[dict[str, Any]]:
    """Yield each OSV entry of the module zip's ``data/osv/`` (zip paths are ``<module>@<version>/…``)."""
    prefix = f"{VULNDB_MODULE}@{version}/{_OSV_DIR}"
    with zipfile.ZipFile(archive) as opened:
        for name in sorted(opened.namelist()):
            if name.startswith(prefix) and name.endswith(".json"):
                yield json.loads(opened.read(name))


def database(root: Path, version: str, run: Callable[[list[str], dict[str, str]], str]) -> VulnDB:
    """Return the database at ``version``, made once into ``.cache/vulndb/<version>`` from the proxy."""
    target = layout.cache_dir(root, "vulndb", version)
    if (target / "index" / "db.json").is_file():
        return VulnDB(target, version, commit_time(version))
    commit_time(version)  # refuse a version that is not pinned to a commit before downloading anything
    target.parent.mkdir(parents=True, exist_ok=True)
    env = {"GOFLAGS": "-mod=mod", "GOMODCACHE": str(layout.cache_dir(root, "gomod"))}
    output = run(["go", "mod", "download", "-json", f"{VULNDB_MODULE}@{version}"], env)
    listing = json.loads(output[output.index("{") : output.rindex("}") + 1])  # go may say more around it
    return lay_out(Path(listing["Zip"]), version, target)


def govulncheck(root: Path, run: Callable[[list[str], dict[str, str]], str]) -> Path:
    """Return govulncheck at :data:`GOVULNCHECK`'s version, built once into ``.cache/tools``."""
    return install(root, GOVULNCHECK, run)
