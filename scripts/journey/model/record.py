"""The recorded result of one snippet (``results/<volume>/<snippet>/result.json``).

Results are committed, so they are written atomically (a reader or a crash never sees half a file),
with sorted keys and a trailing newline, and only when something real changed: a re-verify that
measures the same thing leaves the file byte-for-byte as it was.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict, cast

from journey.core.errors import StaleError
from journey.core.layout import RESULTS, results_dir, write_text_atomic

if TYPE_CHECKING:
    from pathlib import Path

    from journey.model.manifest import Done

# Bump when the result format or the meaning of a measurement changes: every result becomes stale.
# 2: bases recorded without machine-specific IDs and labels; input digests over base identities.
# 3: ``done`` says what verifying did (built and run, run, checked); ``environment.tools`` the programs the
#    checks ran, with the versions they gave; a checked-only snippet records no engine, platform or Go.
RESULTS_VERSION = 3
RESULTS_DIR = RESULTS
RESULT_NAME = "result.json"
Status = Literal["verified", "not-verified"]
# Fields that churn without anything real changing; kept in the file, ignored when comparing.
_CHURN_TOP = ("verified_on",)
_CHURN_IMAGE = ("build_seconds",)
#: Repeated timings (``measurements``): kept, with their spread, but a re-verify that times them again
#: does not rewrite a result for them alone, as with ``build_seconds``.
_CHURN_MEASUREMENT = ("seconds", "rss", "cold", "warm")
_CHURN_PROBE = ("measured",)
#: Byte counts that move a little between two builds of the same inputs on two machines: a layer tar
#: carries its files' times, so its gzip'd size moves by bytes; a module download layer holds checksum
#: database tiles fetched that day, a few KB. Measured between two machines: at most 5 KB, 0.002 %.
#: Within the larger of SIZE_TOLERANCE (relative) and SIZE_SLACK (bytes) a size has not changed. This
#: only ever compares two measurements of the same inputs: a changed input changes the digests, and
#: then the result is rewritten whatever the sizes say.
SIZE_KEYS = frozenset({"size", "compressed_size", "payload_size", "context_size"})
SIZE_TOLERANCE = 0.001
SIZE_SLACK = 8192
#: Under ``ship`` (Vol. 3) the differences between pushes are the findings (gzip level 9 against the
#: default: about 10 KB, 0.4 %, on a 2.5 MB image), so the allowance is far tighter, and only covers
#: what two cold builds of the same inputs without SOURCE_DATE_EPOCH give: measured 2026-12-02, at most
#: 20 bytes on a 5.9 MB manifest and 129 bytes on a 307 MB one (file times inside the gzip'd tars).
SHIP_SIZE_TOLERANCE = 0.0001
SHIP_SIZE_SLACK = 512


class Base(TypedDict):
    """A base image the build used, and where it came from (``real``, ``stand-in``, ``unavailable``).

    Nothing in it differs from machine to machine (no image ID, no build date): the same inputs give
    the same record wherever they are verified.
    """

    ref: str
    digest: str | None
    provenance: str
    labels: dict[str, str]
    #: the ``FROM`` name(s) this image was built in place of (``build.replace_from``), if any
    replaces: NotRequired[str]


class Environment(TypedDict):
    """What the verification ran on and with.

    ``engine``, ``buildx`` and ``platform`` are None for a snippet that was only checked (no engine ran it);
    ``go`` is the Go that built the image (None without one: a Go check names its ``go`` in ``tools``).
    ``tools`` maps each program a check ran (``hadolint``, ``check-jsonschema``, ``go``) to the version
    it gave.
    """

    engine: str | None
    buildx: str | None
    platform: str | None
    go: str | None
    bases: list[Base]
    tools: NotRequired[dict[str, str]]


class Layer(TypedDict):
    """One image layer; ``compressed_size`` is the gzip'd size a registry stores."""

    size: int
    compressed_size: int
    created_by: str


class Image(TypedDict):
    """One measured image: ``final``, ``stage:<name>`` or ``base:<ref>``."""

    role: str
    size: int
    compressed_size: int
    layers: list[Layer]
    tag: NotRequired[str]
    payload_size: NotRequired[int | None]
    build_seconds: NotRequired[float | None]


class Outcome(TypedDict):
    """A probe's or a check's recorded outcome; ``output`` is normalised.

    ``measured`` (live probes only) holds what varies from run to run of the same inputs: a stop's
    seconds as median, min, max and every run; a GC count. It is kept, shown, and never by itself a
    change (``_CHURN_PROBE``), like ``build_seconds``.
    """

    name: str
    ok: bool
    output: str
    measured: NotRequired[dict[str, Any]]


class Spread(TypedDict):
    """A repeated measurement: median, fastest, slowest, and every run, in the order taken."""

    median: float | int
    min: float | int
    max: float | int
    runs: list[float] | list[int]


class Measurement(TypedDict):
    """One ``measure:`` item's figures; which keys it has follows its ``kind`` (journey.verify.measurements).

    ``startup``: ``runs``, ``path``, ``seconds`` and ``rss`` (bytes) as Spreads. ``compile``: ``runs``,
    ``stage``, ``command``, ``cold`` and ``warm`` (seconds). ``binary``: ``path``, ``size``, ``modules``,
    ``go``. ``files``: ``user`` and ``entries``. ``context``: ``touched``, ``with_ignore`` and
    ``without_ignore``, each with ``context_size`` and ``rerun`` (the build steps that ran again).
    """

    name: str
    kind: str
    runs: NotRequired[int]
    path: NotRequired[str]
    seconds: NotRequired[Spread]
    rss: NotRequired[Spread]
    stage: NotRequired[str]
    command: NotRequired[str]
    cold: NotRequired[Spread]
    warm: NotRequired[Spread]
    size: NotRequired[int]
    modules: NotRequired[int | None]
    go: NotRequired[str | None]
    user: NotRequired[str]
    entries: NotRequired[list[dict[str, Any]]]
    touched: NotRequired[list[str]]
    with_ignore: NotRequired[dict[str, Any]]
    without_ignore: NotRequired[dict[str, Any]]


class Result(TypedDict):
    """The whole ``result.json``."""

    results_version: int
    snippet: str
    status: Status
    #: what verifying did; for a "not-verified" result, what was still done ("checked": its file checks)
    done: NotRequired[Done | None]
    reason: str | None
    source_digest: str
    input_digest: str | None
    verified_on: str
    environment: Environment
    images: list[Image]
    probes: list[Outcome]
    checks: list[Outcome]
    outputs: dict[str, str]
    #: the manifest's ``measure:`` figures; absent when it has none
    measurements: NotRequired[list[Measurement]]
    #: Vol. 3's pushes on the build farm (verify.ship); each push's ``volatile`` is ignored when comparing
    ship: NotRequired[dict[str, Any]]


def result_path(root: Path, snippet_id: str) -> Path:
    """Return ``<root>/results/<volume>/<snippet>/result.json``."""
    return results_dir(root, snippet_id) / RESULT_NAME


def dumps_result(result: Result) -> str:
    """Serialise the way every committed result is: sorted keys, two-space indent, final newline."""
    return json.dumps(result, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


_REQUIRED = ("results_version", "snippet", "status", "source_digest", "environment", "images")


def read_result(path: Path) -> Result | None:
    """Read a recorded result; ``None`` if there is none, ``StaleError`` if it is unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StaleError(f"{path}: unreadable result ({exc}) (hint: run `journey verify`)") from exc
    missing = [key for key in _REQUIRED if not isinstance(data, dict) or key not in data]
    if missing:
        cause = f"{path}: result lacks {', '.join(missing)} (hint: run `journey verify`)"
        raise StaleError(cause)
    return cast("Result", data)


def _material(result: Result | dict[str, Any]) -> dict[str, Any]:
    """Return a copy without the fields that churn on every run."""
    data = cast("dict[str, Any]", copy.deepcopy(result))
    for key in _CHURN_TOP:
        data.pop(key, None)
    for image in data.get("images", []):
        for key in _CHURN_IMAGE:
            image.pop(key, None)
    for item in data.get("measurements", []):
        for key in _CHURN_MEASUREMENT:
            item.pop(key, None)
    for probe in data.get("probes", []):
        for key in _CHURN_PROBE:
            probe.pop(key, None)
    for push in data.get("ship", {}).get("pushes", []):
        push.pop("volatile", None)
    return data


def materially_equal(old: Result | None, new: Result) -> bool:
    """Tell whether two results differ only in build time, date, and sizes within the tolerance."""
    return old is not None and _same(_material(old), _material(new))


def _same(old: object, new: object, key: str = "", *, ship: bool = False) -> bool:
    """Compare two JSON values exactly, except byte counts under SIZE_KEYS (relative tolerance).

    Under ``ship`` (Vol. 3) the allowance is the far tighter SHIP_SIZE_* one: there the differences
    between pushes are the findings, and a few KB (inside SIZE_SLACK) can be one.
    """
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(
            _same(old[k], new[k], k, ship=ship or k == "ship") for k in old
        )
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(
            _same(a, b, key, ship=ship) for a, b in zip(old, new, strict=True)
        )
    if key in SIZE_KEYS and type(old) is int and type(new) is int:
        slack, tolerance = (SHIP_SIZE_SLACK, SHIP_SIZE_TOLERANCE) if ship else (SIZE_SLACK, SIZE_TOLERANCE)
        return abs(old - new) <= max(slack, tolerance * max(abs(old), abs(new)))
    return old == new


def write_result(path: Path, result: Result) -> bool:
    """Record ``result`` unless the recorded one is materially equal; return whether the file changed."""
    if materially_equal(read_result_quietly(path), result):
        return False
    write_text_atomic(path, dumps_result(result))
    return True


def read_result_quietly(path: Path) -> Result | None:
    """Read a result, treating an unreadable one like a missing one (it is about to be replaced)."""
    try:
        return read_result(path)
    except StaleError:
        return None
