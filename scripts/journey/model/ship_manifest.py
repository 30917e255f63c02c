"""The ``ship:`` part of a snippet.yml (Vol. 3): what to build on the farm, push, and measure.

Kept apart from ``journey.model.manifest`` (which calls :func:`parse_ship` after ``ship.schema.json`` has
validated the key) so that the shipping steps grow without touching the build, run and probe parts.
Nothing here imports the rest of the tool.

A push's ``compression:`` is one msgspec class per type (a union tagged on ``type``), each with the levels
its compressor takes; ``journey.model.schema`` generates the ``compression`` part of ``ship.schema.json``
from these classes and a test holds the committed schema to it. Adding a type: its class here (and in
``Compression``), and the regenerated schema part; the exporter option is its tag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

import msgspec
from msgspec import Meta

Provenance = Literal["none", "min", "max"]
#: gzip's levels (eStargz layers are gzip too): what BuildKit's ``compression-level`` takes for them.
GzipLevel = Annotated[int, Meta(ge=0, le=9)]


class CompressionBase(
    msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field="type"
):
    """How a push's layers are compressed: the type (the tag) and, if set, the compressor's level."""

    #: the ``type:`` it is written with, and the exporter's ``compression=`` value (each class's tag)
    type: ClassVar[str]
    #: what the schema says of this type (``compression-<type>``'s description)
    description: ClassVar[str]
    level: int | None = None


class GzipCompression(CompressionBase, frozen=True, kw_only=True, tag="gzip"):
    """gzip, the exporter's default."""

    type: ClassVar[Literal["gzip"]] = "gzip"
    description: ClassVar[str] = "gzip layers (the default); level 0-9"
    level: GzipLevel | None = None


class ZstdCompression(CompressionBase, frozen=True, kw_only=True, tag="zstd"):
    """zstd: smaller and faster to decompress; BuildKit maps the level onto zstd's own."""

    type: ClassVar[Literal["zstd"]] = "zstd"
    description: ClassVar[str] = "zstd layers; level 0-22"
    level: Annotated[int, Meta(ge=0, le=22)] | None = None


class EstargzCompression(CompressionBase, frozen=True, kw_only=True, tag="estargz"):
    """eStargz: gzip layers with a table of contents, so a lazy pull can fetch one file."""

    type: ClassVar[Literal["estargz"]] = "estargz"
    description: ClassVar[str] = "eStargz layers (gzip, seekable); level 0-9"
    level: GzipLevel | None = None


#: A push's ``compression:``: the class is the type.
Compression = GzipCompression | ZstdCompression | EstargzCompression
#: Every type, in the schema's order: the tag each class is written with, and the class.
COMPRESSION_TYPES: dict[str, type[Compression]] = {
    kind.type: kind for kind in (GzipCompression, ZstdCompression, EstargzCompression)
}


@dataclass(frozen=True)
class Repeat:
    """Build ``times`` times with ``--no-cache`` and compare digests: ``same`` or ``differ`` expected."""

    times: int
    expect: Literal["same", "differ"]


@dataclass(frozen=True)
class ForeignRun:
    """A command in a fresh container of one platform's image on the farm's engine (QEMU if foreign)."""

    name: str
    platform: str
    command: tuple[str, ...]
    output: str | None = None


@dataclass(frozen=True)
class Push:
    """One build on the farm, pushed to its loopback registry with these exporter options."""

    name: str
    title: str = ""
    platforms: tuple[str, ...] = ("linux/amd64",)
    dockerfile: str | None = None
    target: str | None = None
    args: dict[str, str] = field(default_factory=dict)
    compression: Compression = field(default_factory=GzipCompression)
    rewrite_timestamp: bool = False
    provenance: Provenance = "none"
    repeat: Repeat | None = None
    pulls: int = 0
    runs: tuple[ForeignRun, ...] = ()
    inspect: bool = False
    load: bool = False
    files: tuple[str, ...] = ()
    #: another push of the snippet whose build time this one's is set against (``ship-<a>-vs-<b>.md``)
    compare: str | None = None

    @property
    def label(self) -> str:
        """How pages name this push: its title, else its name."""
        return self.title or self.name

    def exporter(self) -> str:
        """Spell the exporter options besides name and push, as ``--output`` takes them (recorded too)."""
        parts = ["type=image", "oci-mediatypes=true", f"compression={self.compression.type}"]
        if self.compression.level is not None:
            parts.append(f"compression-level={self.compression.level}")
        parts.append("force-compression=true")
        if self.rewrite_timestamp:
            parts.append("rewrite-timestamp=true")
        return ",".join(parts)


@dataclass(frozen=True)
class Ship:
    """Every push of one snippet, in manifest order."""

    pushes: tuple[Push, ...]


def _args(raw: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in raw.items()}


def _push(raw: dict[str, Any]) -> Push:
    repeat = raw.get("repeat")
    return Push(
        name=raw["name"],
        title=raw.get("title", ""),
        platforms=tuple(raw.get("platforms", ("linux/amd64",))),
        dockerfile=raw.get("dockerfile"),
        target=raw.get("target"),
        args=_args(raw.get("args", {})),
        compression=msgspec.convert(raw.get("compression", {"type": "gzip"}), Compression),
        rewrite_timestamp=bool(raw.get("rewrite_timestamp", False)),
        provenance=raw.get("provenance", "none"),
        repeat=Repeat(repeat["times"], repeat["expect"]) if repeat else None,
        pulls=raw.get("pull", {}).get("times", 0),
        runs=tuple(
            ForeignRun(r["name"], r["platform"], tuple(r["command"]), r.get("output"))
            for r in raw.get("run", ())
        ),
        inspect=bool(raw.get("inspect", False)),
        load=bool(raw.get("load", False)),
        files=tuple(raw.get("files", ())),
        compare=raw.get("compare"),
    )


def parse_ship(raw: dict[str, Any]) -> Ship:
    """Build the ``Ship`` of a manifest whose ``ship:`` already passed ``ship.schema.json``."""
    return Ship(pushes=tuple(_push(p) for p in raw["pushes"]))


def ship_problems(ship: Ship) -> list[tuple[str, str]]:
    """Return (key path, cause) for what the schema cannot say: names unique, runs on pushed platforms.

    ``load:`` needs one platform: the ``docker`` exporter writes a single image, not an index; ``compare:``
    names another push (of this snippet, or of another snippet of its ship group: the volume checks that,
    ``manifest.load_volume``).
    """
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, push in enumerate(ship.pushes):
        if push.compare == push.name:
            cause = f"{push.compare!r} is this push itself: compare: names another push"
            problems.append((f"ship.pushes[{index}].compare", cause))
        key = f"ship.pushes[{index}]"
        if push.name in seen:
            problems.append((f"{key}.name", f"duplicate push name {push.name!r}"))
        seen.add(push.name)
        for number, run in enumerate(push.runs):
            if run.platform not in push.platforms:
                cause = f"{run.platform} is not one of this push's platforms ({', '.join(push.platforms)})"
                problems.append((f"{key}.run[{number}].platform", cause))
        if push.load and len(push.platforms) > 1:
            problems.append((f"{key}.load", "the docker exporter writes one platform: list one in platforms"))
    return problems
