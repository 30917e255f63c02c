"""Measure images the way readers meet them: ``docker images`` size, pull size, layers, payload.

"Size" is ambiguous: the uncompressed size ``docker images`` shows, and the compressed
size a registry stores and a pull moves. Both are recorded. The compressed size is the gzip of each
layer tar (level 6, Go's and zlib's default, what ``docker push`` produces); it is cached per layer
diff-id under ``.cache/layers/`` because a stand-in base's 800 MB only need compressing once.
"""

from __future__ import annotations

import json
import tarfile
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path  # noqa: TC003 - used at run time
from typing import IO, TYPE_CHECKING, Any

import docker.errors

from journey.errors import VerificationError
from journey.layout import write_text_atomic

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from journey.session import Session

GZIP_LEVEL = 6
_GZIP_WBITS = 31  # zlib's gzip container
_CHUNK = 1 << 20
_SCAN_LOCK = threading.Lock()


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
        image = session.client.images.get(ref)
        layers = _layers(session, image, cache)
    except docker.errors.DockerException as exc:
        raise VerificationError(f"cannot inspect image {ref}: {exc}", snippet=snippet, step=step) from exc
    entry: dict[str, Any] = {
        "role": role,
        "size": int(image.attrs["Size"]),
        "compressed_size": sum(layer.compressed_size for layer in layers),
        "layers": [_layer_entry(layer) for layer in layers],
    }
    if payload:
        entry["payload_size"] = payload_size(session, image.id, payload, snippet=snippet)
    return entry


def _layer_entry(layer: Layer) -> dict[str, Any]:
    """Return a layer as result.json records it (the diff-id churns with every rebuild: left out)."""
    return {"size": layer.size, "compressed_size": layer.compressed_size, "created_by": layer.created_by}


def _layers(session: Session, image: Any, cache: LayerCache) -> list[Layer]:  # noqa: ANN401
    """Pair each diff-id with its history entry and gzip size, reading ``docker save`` at most once."""
    diff_ids: list[str] = list(image.attrs.get("RootFS", {}).get("Layers") or [])
    api = list(reversed(image.history()))  # oldest first, like the config's history
    history = cache.history(image.id) or _history_from_sizes(api, len(diff_ids))
    if history is None or any(cache.get(d) is None for d in diff_ids):
        # One scan at a time: parallel snippets share bases, and two threads gzipping the same
        # 800 MB at once would only double the work; the second finds the cache filled.
        with _SCAN_LOCK:
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
    for name, member in _save_members(session, image_id):
        if name == image_id.removeprefix("sha256:"):
            config = json.loads(member.read())
        elif f"sha256:{name}" in wanted:
            cache.put(f"sha256:{name}", gzip_size(member, stop=session.raise_if_cancelled))
    return config


def _save_members(session: Session, image_id: str) -> Iterator[tuple[str, IO[bytes]]]:
    """Yield (blob hex, reader) for every blob of ``docker save`` (OCI layout, engine ≥ 25)."""
    reader = _StreamReader(session.client.api.get_image(image_id, chunk_size=_CHUNK))
    with tarfile.open(fileobj=reader, mode="r|") as archive:  # type: ignore[call-overload]
        for member in archive:
            if not member.isfile() or not member.name.startswith("blobs/sha256/"):
                continue
            handle = archive.extractfile(member)
            if handle is not None:
                yield member.name.rsplit("/", 1)[1], handle


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
