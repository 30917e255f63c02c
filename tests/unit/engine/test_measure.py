"""Reading layer blobs and OCI layouts as ``docker save`` writes them on the containerd image store."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from types import SimpleNamespace

import pytest

from journey.core.errors import VerificationError
from journey.engine.measure import _history_from_sizes, _manifest, gzip_size, read_layer_blob


def _layer_tar() -> bytes:
    """A layer: a folder, two files, a symlink and a hard link (counted once, as the classic store does)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        folder = tarfile.TarInfo("srv")
        folder.type = tarfile.DIRTYPE
        archive.addfile(folder)
        for name, body in (("srv/a.txt", b"hello\n" * 1000), ("srv/b.bin", bytes(range(256)) * 40)):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
        link = tarfile.TarInfo("srv/link")
        link.type = tarfile.SYMTYPE
        link.linkname = "a.txt"
        archive.addfile(link)
        hard = tarfile.TarInfo("srv/hard")
        hard.type = tarfile.LNKTYPE
        hard.linkname = "srv/a.txt"
        archive.addfile(hard)
    return buffer.getvalue()


EXPECTED_SIZE = 6000 + 256 * 40 + len("a.txt")


def test_an_uncompressed_blob_gives_its_digest_its_file_bytes_and_todays_gzip_figure():
    tar = _layer_tar()
    facts = read_layer_blob(io.BytesIO(tar))
    assert facts.diff_id == "sha256:" + hashlib.sha256(tar).hexdigest()
    assert facts.size == EXPECTED_SIZE
    assert facts.gzip_size == gzip_size(io.BytesIO(tar))
    assert facts.compressed is False


def test_a_gzipd_blob_unpacks_to_the_same_diff_id_and_sizes():
    tar = _layer_tar()
    blob = gzip.compress(tar, compresslevel=6)
    facts = read_layer_blob(io.BytesIO(blob))
    assert facts.compressed is True
    assert facts.diff_id == "sha256:" + hashlib.sha256(tar).hexdigest()
    assert facts.size == EXPECTED_SIZE
    assert facts.gzip_size == gzip_size(io.BytesIO(tar))


def test_a_blob_of_concatenated_gzip_members_is_read_whole():
    tar = _layer_tar()
    blob = gzip.compress(tar[:5000]) + gzip.compress(tar[5000:])
    assert read_layer_blob(io.BytesIO(blob)).diff_id == "sha256:" + hashlib.sha256(tar).hexdigest()


def test_a_zstd_blob_is_refused_by_name():
    with pytest.raises(VerificationError, match="zstd"):
        read_layer_blob(io.BytesIO(b"\x28\xb5\x2f\xfd" + bytes(100)))


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_the_layout_is_followed_through_a_nested_index_to_this_platforms_manifest():
    image = SimpleNamespace(id="sha256:img", attrs={"Os": "linux", "Architecture": "amd64"})
    amd = json.dumps({"mediaType": "application/vnd.oci.image.manifest.v1+json", "layers": [1]}).encode()
    arm = json.dumps({"mediaType": "application/vnd.oci.image.manifest.v1+json", "layers": [2]}).encode()
    attestation = json.dumps({"layers": [3]}).encode()
    nested = json.dumps(
        {
            "manifests": [
                {"digest": _digest(arm), "platform": {"os": "linux", "architecture": "arm64"}},
                {
                    "digest": _digest(attestation),
                    "platform": {"os": "unknown", "architecture": "unknown"},
                    "annotations": {"vnd.docker.reference.type": "attestation-manifest"},
                },
                {"digest": _digest(amd), "platform": {"os": "linux", "architecture": "amd64"}},
            ]
        }
    ).encode()
    index = json.dumps(
        {"manifests": [{"digest": _digest(nested), "mediaType": "application/vnd.oci.image.index.v1+json"}]}
    ).encode()
    small = {_digest(b).removeprefix("sha256:"): b for b in (amd, arm, attestation, nested)}
    small["index.json"] = index
    assert _manifest(small, image)["layers"] == [1]


def test_a_layout_without_index_is_an_error_that_names_the_image():
    image = SimpleNamespace(id="sha256:img", attrs={})
    with pytest.raises(VerificationError, match=r"sha256:img has no index\.json"):
        _manifest({}, image)


def test_gzip_size_is_the_length_of_a_real_gzip_stream():
    data = b"golang journey " * 100_000 + os.urandom(50_000)
    expected = len(gzip.compress(data, compresslevel=6, mtime=0))
    assert abs(gzip_size(io.BytesIO(data)) - expected) <= 16  # header fields only
    assert gzip_size(io.BytesIO(data)) < len(data)


def test_history_from_sizes_refuses_to_guess_when_a_layer_is_empty():
    api = [{"Size": 100, "CreatedBy": "a"}, {"Size": 0, "CreatedBy": "ENV x"}, {"Size": 5, "CreatedBy": "b"}]
    assert _history_from_sizes(api, 2) == [api[0], api[2]]
    assert _history_from_sizes(api, 3) is None
