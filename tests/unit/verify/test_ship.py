"""verify.ship without an engine: digests compared, layers measured, attestations normalised, argv spelt."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from journey.core.errors import VerificationError
from journey.model.ship_manifest import Push, Repeat
from journey.verify.ship import (
    buildx_argv,
    compare_digests,
    measure_layer,
    normalise_statement,
    qemu_registered,
    summary,
    tar_kinds,
)

A, B = "sha256:" + "a" * 64, "sha256:" + "b" * 64


def test_identical_digests_pass_the_same_expectation():
    push = ("epoch", Repeat(2, "same"))
    assert compare_digests("vol3/x", push, [A, A]) == {"times": 2, "expect": "same", "identical": True}


def test_a_planted_non_reproducible_change_fails_the_same_expectation():
    """A layer that holds the build's time gives a new digest each build: the snippet fails, named."""
    push = ("epoch", Repeat(2, "same"))
    with pytest.raises(VerificationError) as caught:
        compare_digests("vol3/x", push, [A, B])
    assert caught.value.snippet == "vol3/x"
    assert caught.value.step == "ship epoch"
    assert "expected to give identical digests" in caught.value.cause
    assert A in caught.value.cause
    assert B in caught.value.cause


def test_differ_expectation_fails_when_builds_are_identical():
    push = ("plain", Repeat(2, "differ"))
    assert compare_digests("vol3/x", push, [A, B])["identical"] is False
    with pytest.raises(VerificationError, match="different digests"):
        compare_digests("vol3/x", push, [A, A])


def test_buildx_argv_pushes_with_the_exporter_options_to_the_farm_builder():
    push = Push(
        "cross",
        platforms=("linux/amd64", "linux/arm64"),
        args={"B": "2", "A": "1"},
        provenance="max",
        repeat=Repeat(2, "same"),
    )
    argv = buildx_argv(
        push,
        Path("/df"),
        Path("/ctx"),
        "journey-farm-1",
        ref="127.0.0.1:5000/vol3/x",
        metadata=Path("/m"),
        no_cache=True,
    )
    assert argv[:5] == ["docker", "buildx", "build", "--builder", "journey-farm-1"]
    assert argv[argv.index("--platform") + 1] == "linux/amd64,linux/arm64"
    assert "--provenance=mode=max" in argv
    assert argv[argv.index("--output") + 1].endswith(",name=127.0.0.1:5000/vol3/x,push=true")
    assert argv.index("A=1") < argv.index("B=2")
    assert "--no-cache" in argv
    assert argv[-1] == "/ctx"


def test_no_provenance_is_said_explicitly():
    """buildx adds a mode=min attestation to every push unless told not to."""
    argv = buildx_argv(Push("p"), Path("/df"), Path("/ctx"), "b", ref="r", metadata=Path("/m"))
    assert "--provenance=false" in argv
    assert "--no-cache" not in argv


def _tar(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _stream(tmp_path, name: str, data: bytes):
    """A blob as the farm hands it over: a stream with a file descriptor (here a file, there a pipe)."""
    path = tmp_path / name
    path.write_bytes(data)
    return path.open("rb")


def test_layers_are_streamed_through_their_decompressor_and_files_measured(tmp_path):
    tar = _tar({"opt/server": b"x" * 1000, "etc/ssl/certs/ca.crt": b"y" * 10})
    gz = gzip.compress(tar)
    zst = subprocess.run(["zstd", "-q", "-c"], input=tar, capture_output=True, check=True).stdout
    for name, blob, media in [
        ("gz", gz, "application/vnd.oci.image.layer.v1.tar+gzip"),
        ("zst", zst, "application/vnd.oci.image.layer.v1.tar+zstd"),
        ("tar", tar, "application/vnd.oci.image.layer.v1.tar"),
    ]:
        with _stream(tmp_path, name, blob) as stream:
            assert measure_layer(stream, media, ("/opt/server",)) == (len(tar), {"/opt/server": 1000})
    with _stream(tmp_path, "again", gz) as stream:
        assert measure_layer(stream, "application/vnd.oci.image.layer.v1.tar+gzip", ()) == (len(tar), {})


def test_an_estargz_layer_of_many_gzip_members_is_measured_whole(tmp_path):
    tar = _tar({f"f{i}": bytes([i]) * 5000 for i in range(20)})
    members = b"".join(gzip.compress(tar[i : i + 4096]) for i in range(0, len(tar), 4096))
    with _stream(tmp_path, "estargz", members) as stream:
        size, _ = measure_layer(stream, "application/vnd.oci.image.layer.v1.tar+gzip", ())
    assert size == len(tar)


def test_a_truncated_layer_fails_instead_of_measuring_part_of_it(tmp_path):
    gz = gzip.compress(_tar({"opt/server": b"x" * 100_000}))
    with (
        _stream(tmp_path, "cut", gz[: len(gz) // 2]) as stream,
        pytest.raises((subprocess.SubprocessError, tarfile.TarError)),
    ):
        measure_layer(stream, "application/vnd.oci.image.layer.v1.tar+gzip", ())


def test_provenance_keeps_what_it_reveals_and_drops_what_churns():
    statement = {
        "predicateType": "https://slsa.dev/provenance/v0.2",
        "subject": [{"name": "pkg:docker/x", "digest": {"sha256": "1"}}],
        "predicate": {
            "buildType": "https://mobyproject.org/buildkit@v1",
            "invocation": {"parameters": {"args": {"build-arg:RELEASE_NOTE": "n"}}},
            "materials": [{"uri": "pkg:docker/golang@1.26-trixie", "digest": {"sha256": "2"}}],
            "metadata": {
                "buildStartedOn": "t0",
                "buildFinishedOn": "t1",
                "buildInvocationID": "x",
                "completeness": {"parameters": True},
                "https://mobyproject.org/buildkit@v1#metadata": {
                    "source": {"infos": [{"filename": "Dockerfile", "data": "RlJPTSBzY3JhdGNoCg=="}]},
                    "layers": {"step1:0": []},
                },
            },
            "buildConfig": {"llbDefinition": [{}, {}, {}]},
        },
    }
    kept = normalise_statement(statement)
    assert kept["invocation"]["parameters"]["args"] == {"build-arg:RELEASE_NOTE": "n"}
    assert kept["materials"][0]["uri"] == "pkg:docker/golang@1.26-trixie"
    assert kept["metadata"] == {
        "completeness": {"parameters": True},
        "https://mobyproject.org/buildkit@v1#metadata": {
            "source_files": [{"filename": "Dockerfile", "bytes": len("FROM scratch\n")}],
            "layers_of_steps": ["step1:0"],
        },
    }
    assert kept["buildConfig_steps"] == 3
    assert kept["subject"] == ["pkg:docker/x"]


def test_timings_are_medians_with_their_spread():
    assert summary([3.0, 1.0, 2.0, 5.0, 4.0]) == {"median": 3.0, "min": 1.0, "max": 5.0, "runs": 5}


def test_a_foreign_platform_runs_only_where_qemu_is_registered(tmp_path):
    assert qemu_registered("linux/amd64", tmp_path)
    assert not qemu_registered("linux/arm64", tmp_path)
    (tmp_path / "qemu-aarch64").write_text("enabled\n")
    assert qemu_registered("linux/arm64", tmp_path)


def _oci_tar(path: Path, nested: list[dict]) -> None:
    index = {"mediaType": "application/vnd.oci.image.index.v1+json", "manifests": nested}
    blob = json.dumps(index).encode()
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    top = {"manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json", "digest": digest}]}
    with tarfile.open(path, "w") as archive:
        for name, data in {
            "index.json": json.dumps(top).encode(),
            "blobs/" + digest.replace(":", "/"): blob,
        }.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def test_tar_kinds_follow_a_nested_index_and_name_attestations(tmp_path):
    image = {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": "sha256:1",
        "platform": {"os": "linux", "architecture": "amd64"},
    }
    attestation = {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": "sha256:2",
        "annotations": {"vnd.docker.reference.type": "attestation-manifest"},
    }
    _oci_tar(tmp_path / "oci.tar", [image, attestation])
    assert tar_kinds(tmp_path / "oci.tar") == ["image linux/amd64", "attestation-manifest"]
