"""The ``measure:`` items of a snippet.yml, one typed class per kind (a tagged union on ``kind``).

Each class holds only the keys its kind takes, already narrow (a ``compile`` item's ``stage`` is a
``str``, never ``None``), and is the source of its part of ``manifest.schema.json``: ``journey.model.schema``
generates the ``measurement``, ``kind-*``, ``runs`` and ``measure-*`` definitions from these classes and a
test holds the committed schema to them. ``msgspec`` turns a validated mapping into its class
(``measurement``); the schema, validated first, gives the reader the worded error.

Adding a kind: its class here (and in ``Measurement``), its runner in ``journey.verify.measurements`` (one
arm of ``measure_all``'s ``match``), and the regenerated schema part.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import msgspec
from msgspec import Meta

#: Timings are medians over at least this many runs (the schema's minimum and default).
MIN_RUNS = 5

Runs = Annotated[
    int,
    Meta(
        ge=MIN_RUNS,
        le=50,
        description="how many times the timing is taken; the median and the spread are recorded",
    ),
]
ImagePath = Annotated[str, Meta(pattern="^/")]
ImagePaths = Annotated[tuple[ImagePath, ...], Meta(min_length=1, extra_json_schema={"uniqueItems": True})]
ContextFile = Annotated[str, Meta(pattern="^[A-Za-z0-9._-][A-Za-z0-9._/-]*$")]
ContextFiles = Annotated[tuple[ContextFile, ...], Meta(min_length=1, extra_json_schema={"uniqueItems": True})]


class MeasureBase(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field="kind"):
    """What every ``measure:`` item has: a name (its fragment's and its record's), and its kind (the tag)."""

    #: what the schema says the kind measures (``measure-<kind>``'s description)
    description: ClassVar[str]
    name: str


class StartupMeasure(MeasureBase, frozen=True, kw_only=True, tag="startup"):
    """``docker run`` to the first answer, and the service's resident memory, over ``runs`` starts."""

    kind: ClassVar[Literal["startup"]] = "startup"
    description: ClassVar[str] = (
        "docker run to the first 2xx answer of `path` (default run.ready.http), and VmRSS of the service"
    )
    runs: Runs = MIN_RUNS
    #: the path polled (default ``run.ready.http``)
    path: ImagePath | None = None


class CompileMeasure(MeasureBase, frozen=True, kw_only=True, tag="compile"):
    """The Dockerfile's ``go build`` in ``stage``'s image, with an empty and with a warm Go build cache."""

    kind: ClassVar[Literal["compile"]] = "compile"
    description: ClassVar[str] = (
        "the Dockerfile's go build, in the stage's image, with an empty and with a warm GOCACHE"
    )
    runs: Runs = MIN_RUNS
    #: the builder stage (one of ``build.stages``) whose ``go build`` is timed
    stage: Annotated[str, Meta(min_length=1)]


class BinaryMeasure(MeasureBase, frozen=True, kw_only=True, tag="binary"):
    """One file's size in the final image and the modules linked into it."""

    kind: ClassVar[Literal["binary"]] = "binary"
    description: ClassVar[str] = (
        "a file's size in the final image and the modules `go version -m` lists in it"
    )
    #: the file in the image
    path: ImagePath


class FilesMeasure(MeasureBase, frozen=True, kw_only=True, tag="files"):
    """Which paths the final image holds (files, bytes), and its user."""

    kind: ClassVar[Literal["files"]] = "files"
    description: ClassVar[str] = (
        "whether each path is in the final image (files, bytes), and the image's user"
    )
    #: the paths looked for in the image
    paths: ImagePaths


class ContextMeasure(MeasureBase, frozen=True, kw_only=True, tag="context"):
    """The build context sent with and without its ``.dockerignore``, and what touching ``touch`` rebuilds."""

    kind: ClassVar[Literal["context"]] = "context"
    description: ClassVar[str] = (
        "the files the builder receives with and without the context's .dockerignore; "
        "what touching `touch` files rebuilds"
    )
    #: files planted in a copy of the context and touched (``.git``: a real repository)
    touch: ContextFiles


#: One ``measure:`` item: the class is the kind (``journey.verify.measurements`` runs each).
Measurement = StartupMeasure | CompileMeasure | BinaryMeasure | FilesMeasure | ContextMeasure
#: Every kind, in the schema's order: the tag each class is written with, and the class.
MEASURE_TYPES: dict[str, type[Measurement]] = {
    kind.kind: kind for kind in (StartupMeasure, CompileMeasure, BinaryMeasure, FilesMeasure, ContextMeasure)
}


def measurement(raw: dict[str, Any]) -> Measurement:
    """Turn one ``measure:`` mapping that ``manifest.schema.json`` accepted into its kind's class."""
    item: Measurement = msgspec.convert(raw, Measurement)
    return item
