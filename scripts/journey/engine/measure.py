"""Measure images the way readers meet them: ``docker images`` size, pull size, layers, payload.

"Size" is ambiguous: the uncompressed size ``docker images`` shows, and the compressed
size a registry stores and a pull moves. Both are recorded. The compressed size is the gzip of each
layer tar (level 6, Go's and zlib's default, what ``docker push`` produces); it is cached per layer
diff-id under ``.cache/layers/`` because a stand-in base's 800 MB only need compressing once.

Two image stores, two ``docker save`` layouts. The classic store saves uncompressed layer tars named by
diff-id, and ``docker history`` gives each layer's size. The containerd image store (Engine 29's default,
``"features": {"containerd-snapshotter": true}`` before) keeps layers as the blobs a registry stores:
usually gzip'd and named by their compressed digest, and its image ID is the manifest's digest, not the
config's. There the layout is followed (``index.json`` → manifest → config and layers), each blob is
decompressed to learn its diff-id and its size the way the classic store counts it (the bytes of its files
and symlinks, each hard-linked file once), and the compressed size recorded is the same gzip figure as on
the classic store: zlib level 6 over the uncompressed layer tar. The blobs BuildKit wrote (Go's gzip) come
out about 1.8 % off that figure on a small final image; recording them would make every result churn
whenever a contributor's engine uses the other store. They are the cross-check instead: an image's
blobs must agree with its gzip figure within 2 %.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path  # noqa: TC003 - used at run time
from typing import IO, TYPE_CHECKING, Any

import docker.errors

from journey.core.errors import VerificationError
from journey.core.layout import write_text_atomic
from journey.engine import images

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from journey.engine.session import Session

GZIP_LEVEL = 6
_GZIP_WBITS = 31  # zlib's gzip container
_CHUNK = 1 << 20
_SCAN_LOCK = threading.Lock()
#: Blobs up to this size are kept whole while ``docker save`` streams: the JSON of the layout is among them.
_SMALL_BLOB = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}
#: How far an image's registry blobs and the gzip figure of its layers may differ in all (the second, in
#: bytes, for tiny images, where a gzip header alone is a few per cent).
BLOB_TOLERANCE = 0.02
BLOB_SLACK = 4096
_STORE_ATTRIBUTE = "_journey_containerd_store"
_STORES_LOCK = threading.Lock()


@dataclass(frozen=True)
class Layer:
    """One filesystem layer: uncompressed bytes (``docker history``), gzip'd bytes, its instruction."""

    diff_id: str
    size: int
    compressed_size: int
    created_by: str


class _StreamReader:
    """A read()-able view of the SDK's chunk iterator, so tarfile can stream ``docker save``."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._buffer += chunk
        if size < 0:
            out, self._buffer = self._buffer, b""
        else:
            out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


class LayerCache:
    """Gzip sizes per layer diff-id and layer histories per image ID, shared by every run.

    One small JSON file each, so parallel workers and runs never rewrite a shared file.
    """

    def __init__(self, root: Path) -> None:
        self.root = root / "layers"
        self.images = root / "images"

    def get(self, diff_id: str) -> int | None:
        """Return the cached gzip size of a layer, or None when it was never compressed."""
        data = _read_json(self.root / f"{diff_id.removeprefix('sha256:')}.json")
        return int(data["compressed_size"]) if isinstance(data, dict) and "compressed_size" in data else None

    def put(self, diff_id: str, compressed: int) -> None:
        """Store a gzip size."""
        _write_json(self.root / f"{diff_id.removeprefix('sha256:')}.json", {"compressed_size": compressed})

    def blob(self, digest_hex: str) -> BlobFacts | None:
        """Return what reading a registry blob (containerd store) told, when an earlier run read it."""
        data = _read_json(self.root / f"blob-{digest_hex}.json")
        if not isinstance(data, dict):
            return None
        try:
            return BlobFacts(
                str(data["diff_id"]), int(data["size"]), int(data["gzip_size"]), bool(data["compressed"])
            )
        except (KeyError, TypeError, ValueError):
            return None

    def put_blob(self, digest_hex: str, facts: BlobFacts) -> None:
        """Store what a blob told (blobs are content addresses: never stale)."""
        _write_json(self.root / f"blob-{digest_hex}.json", asdict(facts))

    def history(self, image_id: str) -> list[dict[str, Any]] | None:
        """Return the layer-owning history entries of an image, when an earlier run worked them out."""
        data = _read_json(self.images / f"{image_id.removeprefix('sha256:')}.json")
        return data if isinstance(data, list) else None

    def put_history(self, image_id: str, entries: list[dict[str, Any]]) -> None:
        """Store the layer-owning history entries of an image (IDs are content addresses: never stale)."""
        _write_json(self.images / f"{image_id.removeprefix('sha256:')}.json", entries)


def _read_json(path: Path) -> object:
    """Read a cache file; a missing or broken one is simply a miss."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_json(path: Path, data: object) -> None:
    """Write a cache file atomically (parallel workers may write the same one: last one wins, whole)."""
    write_text_atomic(path, json.dumps(data) + "\n")


def measure_image(
    session: Session,
    ref: str,
    *,
    role: str,
    cache: LayerCache,
    payload: tuple[str, ...] = (),
    snippet: str | None = None,
) -> dict[str, Any]:
    """Return an ``images[]`` entry of result.json for image ``ref`` (see ARCHITECTURE.md)."""
    step = f"measure {role}"
    try:
        image = images.inspect(session.client, ref)
        oci = containerd_store(session)
        layers = _oci_layers(session, image, cache) if oci else _layers(session, image, cache)
    except docker.errors.DockerException as exc:
        raise VerificationError(f"cannot inspect image {ref}: {exc}", snippet=snippet, step=step) from exc
    entry: dict[str, Any] = {
        "role": role,
        # The containerd store's own Size is a few per cent more (Debian: 124.09 MB against 120.11 MB): the
        # layers' sizes, counted as the classic store counts them, are the size readers compare.
        "size": sum(layer.size for layer in layers) if oci else int(image.attrs["Size"]),
        "compressed_size": sum(layer.compressed_size for layer in layers),
        "layers": [_layer_entry(layer) for layer in layers],
    }
    if payload:
        entry["payload_size"] = payload_size(session, image.id, payload, snippet=snippet)
    return entry


def _layer_entry(layer: Layer) -> dict[str, Any]:
    """Return a layer as result.json records it (the diff-id churns with every rebuild: left out)."""
    return {"size": layer.size, "compressed_size": layer.compressed_size, "created_by": layer.created_by}


def _layers(session: Session, image: images.Inspected, cache: LayerCache) -> list[Layer]:
    """Pair each diff-id with its history entry and gzip size, reading ``docker save`` at most once."""
    diff_ids: list[str] = list(image.attrs.get("RootFS", {}).get("Layers") or [])
    api: list[dict[str, Any]] = [dict(h) for h in reversed(image.history())]  # oldest first, as the config's
    history = cache.history(image.id) or _history_from_sizes(api, len(diff_ids))
    if history is None or any(cache.get(d) is None for d in diff_ids):
        # One scan at a time: parallel snippets share bases, and two threads gzipping the same
        # 800 MB at once would only double the work; the second finds the cache filled.
        with session.hold(_SCAN_LOCK):  # in slices: a scan waited for can take minutes
            history = cache.history(image.id) or _history_from_sizes(api, len(diff_ids))
            missing = {d for d in diff_ids if cache.get(d) is None}
            if missing or history is None:
                config = _scan_save(session, image.id, missing, cache)
                history = _history_from_config(config, api, len(diff_ids), image.id)
                cache.put_history(image.id, history)
    return [
        Layer(d, int(h.get("Size", 0)), cache.get(d) or 0, _created_by(h))
        for d, h in zip(diff_ids, history, strict=True)
    ]


def _history_from_sizes(api: list[dict[str, Any]], count: int) -> list[dict[str, Any]] | None:
    """Pick the entries with a size when that gives one per layer; else say it cannot tell.

    A real layer can have size 0 (a ``mkdir`` only), so sizes alone are not always enough.
    """
    sized = [h for h in api if h.get("Size", 0) > 0]
    return sized if len(sized) == count else None


def _created_by(entry: dict[str, Any]) -> str:
    """Return the instruction behind a layer, without the legacy builder's ``/bin/sh -c #(nop)``."""
    text = str(entry.get("CreatedBy") or entry.get("created_by") or "")
    return text.replace("/bin/sh -c #(nop) ", "").strip()


def _history_from_config(
    config: dict[str, Any], api: list[dict[str, Any]], count: int, image_id: str
) -> list[dict[str, Any]]:
    """Pick the history entries that own a layer using the config's ``empty_layer`` flags."""
    flags = [bool(h.get("empty_layer")) for h in config.get("history", [])]
    picked = [
        {"CreatedBy": h.get("CreatedBy", ""), "Size": int(h.get("Size", 0))}
        for h, empty in zip(api, flags, strict=False)
        if not empty
    ]
    if len(picked) != count:
        raise VerificationError(f"cannot pair the {count} layers of {image_id} with their history")
    return picked


def _scan_save(session: Session, image_id: str, wanted: set[str], cache: LayerCache) -> dict[str, Any]:
    """Stream ``docker save`` once: gzip every wanted layer tar (caching each size), return the config."""
    config: dict[str, Any] = {}
    for name, _, member in _save_members(session, image_id):
        if name == image_id.removeprefix("sha256:"):
            config = json.loads(member.read())
        elif f"sha256:{name}" in wanted:
            cache.put(f"sha256:{name}", gzip_size(member, stop=session.raise_if_cancelled))
    return config


def _save_members(session: Session, image_id: str) -> Iterator[tuple[str, int, IO[bytes]]]:
    """Yield (blob hex, size, reader) for every blob of ``docker save`` (OCI layout, engine ≥ 25).

    The layout's top-level files come as themselves (``index.json``).
    """
    reader = _StreamReader(session.client.api.get_image(image_id, chunk_size=_CHUNK))
    with tarfile.open(fileobj=reader, mode="r|") as archive:  # type: ignore[call-overload]
        for member in archive:
            if not member.isfile():
                continue
            if member.name.startswith("blobs/sha256/"):
                name = member.name.rsplit("/", 1)[1]
            elif "/" not in member.name.removeprefix("./"):
                name = member.name.removeprefix("./")
            else:
                continue
            handle = archive.extractfile(member)
            if handle is not None:
                yield name, member.size, handle


# --- the containerd image store: OCI layouts with the registry's blobs --------------------------------------


def containerd_store(session: Session) -> bool:
    """Tell whether the engine keeps images in containerd's store (``docker info``: a snapshotter driver)."""
    client = session.client
    with _STORES_LOCK:  # asked once per client (every unix socket has the same base_url: not a key)
        known = getattr(client, _STORE_ATTRIBUTE, None)
        if known is None:
            status = client.info().get("DriverStatus") or []
            known = any(
                list(pair)[:1] == ["driver-type"] and "containerd.snapshotter" in str(list(pair)[1:])
                for pair in status
            )
            setattr(client, _STORE_ATTRIBUTE, known)
        return bool(known)


@dataclass(frozen=True)
class BlobFacts:
    """What reading one layer blob through tells: the uncompressed tar's digest and sizes, and the gzip'd."""

    diff_id: str
    size: int
    gzip_size: int
    compressed: bool


class _Inflater:
    """A read()-able view of a layer blob as its uncompressed tar, hashing and gzip-counting what passes."""

    def __init__(self, source: IO[bytes], stop: Callable[[], None] | None) -> None:
        head = source.read(4)
        if head.startswith(_ZSTD_MAGIC):
            raise VerificationError(
                "a zstd-compressed layer: only gzip'd and uncompressed layers are measured"
            )
        self.compressed = head.startswith(_GZIP_MAGIC)
        self._source = source
        self._pending = head
        self._inflate = zlib.decompressobj(_GZIP_WBITS) if self.compressed else None
        self._deflate = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, _GZIP_WBITS)
        self._stop = stop
        self._buffer = bytearray()
        self._done = False
        self.sha = hashlib.sha256()
        self.gzip_size = 0

    def _fill(self) -> bool:
        """Add one more chunk of uncompressed bytes to the buffer; False once the blob is read."""
        if self._done:
            return False
        if self._stop is not None:
            self._stop()
        raw, self._pending = self._pending or self._source.read(_CHUNK), b""
        if not raw:
            self._done = True
            data = self._inflate.flush() if self._inflate is not None else b""
        elif self._inflate is None:
            data = raw
        else:
            data = self._inflate.decompress(raw)
            while self._inflate.unused_data:  # concatenated gzip members
                rest = self._inflate.unused_data
                self._inflate = zlib.decompressobj(_GZIP_WBITS)
                data += self._inflate.decompress(rest)
        self.sha.update(data)
        self.gzip_size += len(self._deflate.compress(data))
        self._buffer += data
        return True

    def read(self, size: int = -1) -> bytes:
        while (size < 0 or len(self._buffer) < size) and self._fill():
            pass
        end = len(self._buffer) if size < 0 else min(size, len(self._buffer))
        out = bytes(self._buffer[:end])
        del self._buffer[:end]
        return out

    def finish(self) -> tuple[str, int]:
        """Read the rest, return the diff-id and the gzip figure."""
        while self._fill():
            self._buffer.clear()
        return f"sha256:{self.sha.hexdigest()}", self.gzip_size + len(self._deflate.flush())


def read_layer_blob(stream: IO[bytes], stop: Callable[[], None] | None = None) -> BlobFacts:
    """Read a layer blob (gzip'd or not) once: diff-id, size as the classic store counts it, gzip figure.

    The classic store's layer size is the bytes of the layer's files and symlinks (each inode once); a tar
    stores a hard link as a link member of size 0, so summing regular members and symlink targets matches.
    """
    inflater = _Inflater(stream, stop)
    size = 0
    with tarfile.open(fileobj=inflater, mode="r|") as archive:  # type: ignore[call-overload]
        for member in archive:
            if member.isreg():
                size += member.size
            elif member.issym():
                size += len(member.linkname.encode())
    diff_id, gzipped = inflater.finish()
    return BlobFacts(diff_id, size, gzipped, inflater.compressed)


def _oci_layers(session: Session, image: images.Inspected, cache: LayerCache) -> list[Layer]:
    """Return the layers of an image in the containerd store: one ``docker save``, then cached by ID."""
    diff_ids: list[str] = list(image.attrs.get("RootFS", {}).get("Layers") or [])
    entries = cache.history(image.id)
    if entries is None or any("GzipSize" not in e for e in entries):
        with session.hold(_SCAN_LOCK):
            entries = cache.history(image.id)
            if entries is None or any("GzipSize" not in e for e in entries):
                entries = _scan_oci(session, image, diff_ids, cache)
                cache.put_history(image.id, entries)
    return [
        Layer(d, int(e["Size"]), int(e["GzipSize"]), _created_by(e))
        for d, e in zip(diff_ids, entries, strict=True)
    ]


def _scan_oci(
    session: Session,
    image: images.Inspected,
    diff_ids: list[str],
    cache: LayerCache,
) -> list[dict[str, Any]]:
    """Stream ``docker save`` once and follow its layout to each layer's facts and history entry."""
    small: dict[str, bytes] = {}
    facts: dict[str, BlobFacts] = {}
    for name, size, member in _save_members(session, image.id):
        known = cache.blob(name)
        if known is not None:
            facts[name] = known  # read before (a base's layers, in every image built on it): skipped
        elif size <= _SMALL_BLOB:
            small[name] = member.read()
        else:
            facts[name] = read_layer_blob(member, stop=session.raise_if_cancelled)
            cache.put_blob(name, facts[name])
    manifest = _manifest(small, image)
    config = _json_blob(small, manifest["config"]["digest"], image.id)
    owners = [h for h in config.get("history", []) if not h.get("empty_layer")]
    layers = manifest.get("layers", [])
    if len(layers) != len(diff_ids) or len(owners) != len(diff_ids):
        raise VerificationError(f"cannot pair the {len(diff_ids)} layers of {image.id} with their history")
    entries = []
    blobs = gzipped = 0
    for diff_id, descriptor, owner in zip(diff_ids, layers, owners, strict=True):
        hexname = str(descriptor["digest"]).removeprefix("sha256:")
        if hexname not in facts and hexname in small:
            facts[hexname] = read_layer_blob(io.BytesIO(small[hexname]))
        if hexname not in facts:
            raise VerificationError(f"docker save of {image.id} has no blob for layer {descriptor['digest']}")
        fact = facts[hexname]
        if fact.diff_id != diff_id:
            raise VerificationError(
                f"layer {descriptor['digest']} of {image.id} unpacks to {fact.diff_id}, not {diff_id}"
            )
        cache.put(diff_id, fact.gzip_size)
        blob = int(descriptor["size"]) if fact.compressed else fact.gzip_size
        entries.append(
            {
                "CreatedBy": str(owner.get("created_by", "")),
                "Size": fact.size,
                "GzipSize": fact.gzip_size,  # what is recorded, as on the classic store
                "BlobSize": blob,  # what a push uploads: the cross-check below
            }
        )
        blobs += blob
        gzipped += fact.gzip_size
    # Per image, not per layer: BuildKit's Go gzip and zlib differ by up to ~5 % on a small layer (seen: a
    # 178 KB layer, 4.9 %), far less on the big ones that make up the total.
    if abs(blobs - gzipped) > max(BLOB_TOLERANCE * gzipped, BLOB_SLACK):
        raise VerificationError(
            f"{image.id}: its registry blobs are {blobs} bytes, the gzip of its layers {gzipped} "
            f"(more than {BLOB_TOLERANCE:.0%} apart)"
        )
    return entries


def _json_blob(small: dict[str, bytes], digest: str, image_id: str) -> dict[str, Any]:
    name = digest.removeprefix("sha256:")
    if name not in small:
        raise VerificationError(f"docker save of {image_id} has no {digest}")
    data = json.loads(small[name])
    if not isinstance(data, dict):
        raise VerificationError(f"docker save of {image_id}: {digest} is not a JSON object")
    return data


def _manifest(small: dict[str, bytes], image: images.Inspected) -> dict[str, Any]:
    """Follow ``index.json`` (and any nested index) to this platform's image manifest."""
    if "index.json" not in small:
        raise VerificationError(f"docker save of {image.id} has no index.json")
    node: dict[str, Any] = json.loads(small["index.json"])
    for _ in range(4):  # index.json → (an image index →) a manifest
        if "manifests" not in node:
            return node
        wanted = [m for m in node["manifests"] if _is_image_manifest(m, image)]
        if not wanted:
            raise VerificationError(f"docker save of {image.id}: no manifest for its platform")
        node = _json_blob(small, str(wanted[0]["digest"]), image.id)
    raise VerificationError(f"docker save of {image.id}: indexes nested too deep")


def _is_image_manifest(descriptor: dict[str, Any], image: images.Inspected) -> bool:
    """Tell whether a descriptor is a manifest (or index) for the image's platform; never an attestation."""
    annotations = descriptor.get("annotations") or {}
    if annotations.get("vnd.docker.reference.type") == "attestation-manifest":
        return False
    platform = descriptor.get("platform")
    if platform is None or descriptor.get("mediaType") in _INDEX_TYPES:
        return True
    return bool(
        platform.get("os") == image.attrs.get("Os", "linux")
        and platform.get("architecture") == image.attrs.get("Architecture", platform.get("architecture"))
    )


def gzip_size(stream: IO[bytes], stop: Callable[[], None] | None = None) -> int:
    """Count the bytes of the gzip of a stream without keeping them; ``stop`` may raise to abort.

    Compressing a big base takes a while, so an interrupt must be able to end it between chunks.
    """
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, _GZIP_WBITS)
    total = 0
    while chunk := stream.read(_CHUNK):
        if stop is not None:
            stop()
        total += len(compressor.compress(chunk))
    return total + len(compressor.flush())


def payload_size(session: Session, image_id: str, paths: tuple[str, ...], *, snippet: str | None) -> int:
    """Sum the bytes of the payload paths inside the image, read from a never-started container.

    Reading through a created container works for FROM scratch images, which have no shell.
    """
    container = session.client.containers.create(
        image_id, entrypoint=["/journey-never-started"], command=[], labels=session.labels_for(snippet)
    )
    try:
        return sum(_archive_bytes(container, path, snippet) for path in paths)
    finally:
        container.remove(force=True)


def _archive_bytes(container: Any, path: str, snippet: str | None) -> int:  # noqa: ANN401
    """Regular-file bytes under ``path`` (a file or a folder) inside a container."""
    try:
        chunks, _ = container.get_archive(path)
    except docker.errors.NotFound as exc:
        raise VerificationError(
            f"payload path {path} is not in the image (build.payload)",
            snippet=snippet,
            step="measure payload",
        ) from exc
    total = 0
    with tarfile.open(fileobj=_StreamReader(chunks), mode="r|") as archive:  # type: ignore[call-overload]
        for member in archive:
            if member.isfile():
                total += member.size
    return total
