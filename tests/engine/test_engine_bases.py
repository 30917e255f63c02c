"""journey bases against the real engine: present stand-ins, provenance labels, offline bases, the record."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from journey.model.manifest import discover
from journey.model.units import format_size
from journey.verify import bases

pytestmark = pytest.mark.engine

STANDINS = ("debian:trixie", "golang:1.26-trixie")


def journey_bases(root, *args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "journey", "bases", "--root", str(root), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
        env={**os.environ, **(env or {})},
    )


def test_needed_bases_names_each_ref_with_its_snippets(fixture_root):
    needs = bases.needed_bases(discover(fixture_root)[0].snippets)
    assert needs == {
        "golang:1.26-trixie": ("bases/multistage", "bases/modules"),
        "golang:1.12-alpine": ("bases/alpine-2019",),
    }


def test_base_without_recipe_offline_exits_5_naming_base_and_snippet(fixture_root):
    done = journey_bases(fixture_root, "bases/alpine-2019", "--no-record")
    assert done.returncode == 5, done.stderr
    assert "golang:1.12-alpine" in done.stderr
    assert "needed by bases/alpine-2019" in done.stderr
    assert "not verified in this build" in done.stderr
    assert "golang:1.12-alpine\tunavailable" in done.stdout
    assert not (fixture_root / "results").exists()


def test_offline_skips_the_registry_and_the_library_reports_instead_of_raising():
    provision = bases.provide({"golang:1.12-alpine": ("vol9/old",)}, offline=True)
    assert provision.available == {}
    snippets, why = provision.unavailable["golang:1.12-alpine"]
    assert snippets == ("vol9/old",)
    assert "offline" in why
    error = provision.error()
    assert error is not None
    assert error.exit_code == 5
    assert "vol9/old" in error.message


@pytest.mark.parametrize("ref", STANDINS)
def test_standin_carries_its_provenance(ref):
    base = bases.require({ref: ()})[ref]
    assert base.provenance == "stand-in"
    labels = base.labels
    assert labels["org.golangjourney.standin.for"] == f"docker.io/library/{ref}"
    assert labels["org.golangjourney.standin.recipe"].startswith("scripts/bases/")
    # The image was built from the recipe as it is in this checkout (else `journey bases` rebuilds it).
    assert labels["org.golangjourney.standin.recipe-digest"] == bases.RECIPES[ref].digest()
    assert labels["org.golangjourney.standin.built"][:2] == "20"
    assert labels["org.opencontainers.image.created"] == labels["org.golangjourney.standin.built"]
    assert "base-files=" in labels["org.golangjourney.standin.packages"]


def test_golang_standin_records_go_package_and_proxy_port():
    labels = bases.require({"golang:1.26-trixie": ()})["golang:1.26-trixie"].labels
    assert "golang-1.26-go=1.26." in labels["org.golangjourney.standin.packages"]
    assert labels["org.golangjourney.standin.goproxy"].startswith("http://127.0.0.1:")
    debian = bases.require({"debian:trixie": ()})["debian:trixie"]
    assert labels["org.golangjourney.standin.base-id"] == debian.id


def test_present_bases_are_reused_and_recorded_next_to_official_sizes(fixture_root):
    before = {ref: bases.inspect(ref) for ref in STANDINS}
    done = journey_bases(fixture_root, "bases/multistage", "bases/scratch")
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("golang:1.26-trixie\t"))
    assert line.split("\t")[1] == "stand-in"
    assert line.endswith("\tpresent")
    assert "building" not in done.stderr
    after = {ref: bases.inspect(ref) for ref in STANDINS}
    assert {r: b.id for r, b in after.items() if b} == {r: b.id for r, b in before.items() if b}
    assert not (fixture_root / "results").exists(), "a run over some snippets must not record"

    full = journey_bases(fixture_root, env={"JOURNEY_OFFLINE": "1"})
    assert full.returncode == 5  # the record is still written, unavailable bases included
    rows = {r["ref"]: r for r in json.loads((fixture_root / "results" / "bases" / "bases.json").read_text())}
    row = rows["golang:1.26-trixie"]
    assert row["official_size"] == 874_000_000
    assert row["size"] == after["golang:1.26-trixie"].size
    assert row["difference"] == row["size"] - row["official_size"]
    assert rows["debian:trixie"]["provenance"] == "stand-in", (
        "the base under the golang stand-in is shown too"
    )
    assert rows["golang:1.12-alpine"]["provenance"] == "unavailable"
    assert rows["golang:1.12-alpine"]["snippets"] == ["bases/alpine-2019"]
    table = (fixture_root / "results" / "bases" / "bases.md").read_text()
    assert "| `golang:1.26-trixie` | stand-in |" in table
    assert f"| {format_size(874_000_000)} |" in table  # the official size, in the site's one size format
    assert "`bases/alpine-2019` is not verified in this build" in table

    again = journey_bases(fixture_root, env={"JOURNEY_OFFLINE": "1"})
    assert again.returncode == 5
    assert "recorded" not in again.stderr, "an unchanged record must not be rewritten"


def test_json_report_lists_unavailable_bases_with_their_snippets(fixture_root):
    done = journey_bases(fixture_root, "--json", "--no-record", env={"JOURNEY_OFFLINE": "1"})
    assert done.returncode == 5
    assert "trying to pull" not in done.stderr
    entries = {e["ref"]: e for e in json.loads(done.stdout)}
    assert entries["golang:1.12-alpine"]["provenance"] == "unavailable"
    assert entries["golang:1.12-alpine"]["snippets"] == ["bases/alpine-2019"]
    assert entries["golang:1.26-trixie"]["provenance"] == "stand-in"
    assert entries["golang:1.26-trixie"]["snippets"] == ["bases/multistage", "bases/modules"]


def test_rebuild_of_an_unknown_ref_is_a_usage_error(fixture_root):
    done = journey_bases(fixture_root, "--rebuild", "alpine:3.24", "--no-record")
    assert done.returncode == 2
    assert "no stand-in recipe for alpine:3.24" in done.stderr


DISTROLESS = "gcr.io/distroless/static-debian13:nonroot"


def test_distroless_standin_follows_the_published_recipe():
    base = bases.require({DISTROLESS: ()})[DISTROLESS]
    labels = base.labels
    assert base.provenance == "stand-in"
    assert labels["org.golangjourney.standin.for"] == DISTROLESS
    assert labels["org.golangjourney.standin.recipe-digest"] == bases.RECIPES[DISTROLESS].digest()
    packages = labels["org.golangjourney.standin.packages"]
    for name in ("base-files=", "netbase=", "tzdata=", "tzdata-legacy=", "media-types=", "ca-certificates="):
        assert name in packages
    debian = bases.require({"debian:trixie": ()})["debian:trixie"]
    assert labels["org.golangjourney.standin.base-id"] == debian.id
    # What the image holds, read through a never-started container (it has no shell).
    import docker  # noqa: PLC0415 - engine tests only

    client = docker.from_env()
    image = client.images.get(DISTROLESS)
    assert (image.attrs["Config"]["User"], image.attrs["Config"]["WorkingDir"]) == ("65532", "/home/nonroot")
    container = client.containers.create(DISTROLESS, entrypoint=["/never"], command=[])
    try:

        def read(path: str) -> str:
            import io  # noqa: PLC0415
            import tarfile  # noqa: PLC0415

            chunks, _ = container.get_archive(path)
            with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as archive:
                member = archive.getmembers()[0]
                if member.isdir():
                    return f"dir {member.mode:o} {member.uid}"
                handle = archive.extractfile(member)
                assert handle is not None
                return handle.read().decode()

        assert "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin" in read("/etc/passwd")
        assert "nobody:x:65534:65534" in read("/etc/passwd")
        assert read("/tmp") == "dir 1777 0"
        assert read("/home/nonroot") == "dir 700 65532"
        assert read("/etc/ssl/certs/ca-certificates.crt").count("BEGIN CERTIFICATE") > 100
        assert 'PRETTY_NAME="Distroless"' in read("/etc/os-release")
    finally:
        container.remove(force=True)
