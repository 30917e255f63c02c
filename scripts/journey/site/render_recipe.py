"""``recipe.md``: the few figures a reader picks a recipe by, in one small table (the Recipes page).

Every snippet that builds an image gets one (``journey.site.render`` adds it); a page shows it under the
snippet's Dockerfile. One row per recorded figure of the final image, each labelled as what it is:

- uncompressed: the image's size, the SIZE column of the recorded ``docker images`` listing (on the
  classic image store what the CLI printed; on the containerd one ``pipeline`` puts the measured size
  there, since the CLI counts blobs and snapshot together);
- compressed: measured in a registry when a ``ship:`` push put the image in one (a row per platform of
  each push), else the verifier's own gzip of each layer, an estimate of what a registry stores;
- start-up and the memory after it (a ``startup`` measurement): medians, with the number of runs;
- which of the paths a ``files`` measurement looked for the image holds, and its user.

A figure that was not measured for the snippet gets no row; the sentence under the table names it, so a
short table never reads as a complete one. The table is composed from measurements: it is never shown
in a code block or titled as a command's output (``journey check`` refuses that).

``choose.md`` (the Recipes volume's, ``results/recipes/``) is the page's decision table: one row per
case, the recipe's section and its final image's two sizes, read from the results of the snippets the
recipes show, whichever volume holds them (``journey.site.render`` re-makes it whenever any volume's is).

``bases.md`` (also the Recipes volume's) is the base-image table: one row per base, each the result of
a Recipes snippet that puts the same binary on that base and measures it the same way (a ``files``
measurement of ``/`` and of the files a service looks for, a ``shell`` probe that execs ``sh`` into the
running service, start-up). The packages are those the stand-in's labels list; nothing is typed.
Bases that cannot be built here are never rows of it: the page quotes their published figures apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from journey.engine.images import STANDIN
from journey.model.record import read_result_quietly, result_path
from journey.model.units import format_seconds, format_size

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from journey.model.record import Image, Measurement, Result

RECIPE_MD = "recipe.md"
HEADER = ("| the final image | recorded |", "| --- | --- |")
_COMPRESSION = re.compile(r"(?:^|,)compression=(?P<type>[^,]+)")


def _cell(text: str) -> str:
    """Escape a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _row(label: str, value: str) -> str:
    return f"| {_cell(label)} | {_cell(value)} |"


def _measurement(result: Result, kind: str) -> Measurement | None:
    return next((m for m in result.get("measurements", []) if m["kind"] == kind), None)


def _final(result: Result) -> Image | None:
    return next((i for i in result["images"] if i["role"] == "final"), None)


def _uncompressed(result: Result, final: Image) -> str:
    platform = result["environment"].get("platform")
    which = f" ({platform})" if platform else ""
    label = f"uncompressed{which}: the SIZE of the recorded `docker images` listing"
    return _row(label, format_size(final["size"]))


def _registry_rows(pushes: list[dict[str, Any]]) -> list[str]:
    """One row per platform of each push: the compressed size the registry holds, as measured there."""
    rows = []
    for push in pushes:
        found = _COMPRESSION.search(str(push.get("exporter", "")))
        compression = found["type"] if found else "gzip"
        for manifest in push.get("manifests", []):
            label = (
                f"compressed, {compression}, measured in a registry after a push "
                f"(push `{push['name']}`, {manifest['platform']})"
            )
            rows.append(_row(label, format_size(manifest["compressed_size"])))
    return rows


def _compressed(result: Result, final: Image) -> list[str]:
    pushes: list[dict[str, Any]] = (result.get("ship") or {}).get("pushes", [])
    rows = _registry_rows(pushes)
    if rows:
        return rows
    label = "compressed: the verifier's own gzip of each layer, an estimate of what a registry stores"
    return [_row(label, format_size(final["compressed_size"]))]


def _runs(value: dict[str, Any]) -> str:
    return f"median of {len(value['runs'])} runs"


def _startup(item: Measurement) -> list[str]:
    seconds: dict[str, Any] = dict(item["seconds"])
    rss: dict[str, Any] = dict(item["rss"])
    path = item.get("path", "/")
    return [
        _row(
            f"start-up: `docker run` to the first answer of `{path}` ({_runs(seconds)})",
            format_seconds(seconds["median"]),
        ),
        _row(f"resident memory (VmRSS) after that answer ({_runs(rss)})", format_size(int(rss["median"]))),
    ]


def _held(entry: dict[str, Any]) -> str:
    """Say what one present path holds: ``15.1 MB``, ``443 files, 624 kB``, or ``empty``."""
    if entry["files"] == 0:
        return "empty"
    size = format_size(entry["size"])
    return size if entry["files"] == 1 else f"{entry['files']} files, {size}"


def _files(item: Measurement) -> list[str]:
    entries: list[dict[str, Any]] = item.get("entries", [])
    present = [f"`{e['path']}` ({_held(e)})" for e in entries if e["present"]]
    absent = [f"`{e['path']}`" for e in entries if not e["present"]]
    rows = [_row("in the image, of the paths measured", ", ".join(present) or "none")]
    if absent:
        rows.append(_row("not in the image, of the paths measured", ", ".join(absent)))
    rows.append(_row("user it runs as", f"`{item.get('user', '')}`"))
    return rows


def render_recipe(result: Result) -> str:
    """Render ``recipe.md`` for a verified result with a final image (the caller handles the others)."""
    final = _final(result)
    if final is None:
        return "No final image was recorded for this snippet.\n"
    rows = [*HEADER, _uncompressed(result, final), *_compressed(result, final)]
    missing = []
    startup = _measurement(result, "startup")
    if startup is not None:
        rows += _startup(startup)
    else:
        missing.append("start-up and memory")
    files = _measurement(result, "files")
    if files is not None:
        rows += _files(files)
    else:
        missing.append("which files the image holds")
    note = f"\nNot measured for this snippet: {'; '.join(missing)}.\n" if missing else ""
    return "\n".join(rows) + "\n" + note


# --- choose.md: the Recipes page's decision table ----------------------------------------------------

#: The volume whose page is the Recipes page; its volume-wide fragments add the decision table.
RECIPES_VOLUME = "recipes"
CHOOSE_MD = "choose.md"
CHOOSE_HEADER = (
    (
        "| your service | the recipe to copy | image size (`docker images`) "
        "| compressed (the verifier's gzip estimate) |"
    ),
    "| --- | --- | ---: | ---: |",
)


@dataclass(frozen=True)
class Case:
    """One row of the decision table: the reader's case, the recipe's section and the snippet it shows.

    The section's figures are the snippet's result; the table shows them again beside the others, so a
    reader compares the recipes before scrolling, and both come from the same ``result.json``.
    """

    case: str
    title: str
    anchor: str
    snippet: str


#: In the order of the page's sections; ``tests/site`` checks each anchor is a section of the page.
CASES: tuple[Case, ...] = (
    Case(
        "imports only the standard library",
        "A standard-library service",
        "a-standard-library-service",
        "vol1/stdlib",
    ),
    Case("depends on modules (a framework)", "A Gin service", "a-gin-service", "vol1/multistage"),
    Case(
        "calls C through cgo (SQLite's driver, glibc's lookups)",
        "A service that needs cgo",
        "a-service-that-needs-cgo",
        "recipes/cgo",
    ),
    Case(
        "is watched through its health status (Swarm, Compose)",
        "A service with a health check",
        "a-service-with-a-health-check",
        "vol2/health",
    ),
    Case(
        "must run on arm64 as well as amd64", "A multi-platform build", "a-multi-platform-build", "vol3/cross"
    ),
    Case(
        "should take CA bundle, time zones and user from a maintained base",
        "A non-root image on distroless",
        "a-non-root-image-on-distroless",
        "vol1/distroless",
    ),
)


def _choice(case: Case, result: Result | None) -> str:
    """One row: the case, the link to its section, and the final image's two recorded sizes."""
    recipe = f"[{case.title}](#{case.anchor}) (`{case.snippet}`)"
    final = _final(result) if result is not None and result["status"] == "verified" else None
    if final is None:
        state = "no recorded result" if result is None else "not verified in this build"
        return "| " + " | ".join([_cell(case.case), _cell(recipe), state, state]) + " |"
    sizes = [format_size(final["size"]), format_size(final["compressed_size"])]
    return "| " + " | ".join([_cell(case.case), _cell(recipe), *sizes]) + " |"


def render_choose(root: Path, cases: Sequence[Case] = CASES) -> str:
    """Render ``results/recipes/choose.md`` from each case's recorded result (read from ``root``)."""
    rows = [_choice(case, read_result_quietly(result_path(root, case.snippet))) for case in cases]
    return "\n".join([*CHOOSE_HEADER, *rows]) + "\n"


# --- bases.md: the base-image table ------------------------------------------------------------------

BASES_MD = "bases.md"
BASES_HEADER = (
    (
        "| base (the final stage's `FROM`) | image size (`docker images`) | regular files | packages "
        "| user | shell | CA bundle | time zones | glibc (what a cgo binary needs) | start-up |"
    ),
    "| --- | ---: | ---: | ---: | --- | --- | --- | --- | --- | ---: |",
)
#: The ``files`` measurement's paths each column reads (``ROOT`` holds every regular file of the image).
ROOT, CA_BUNDLE, ZONEINFO, LIBC = (
    "/",
    "/etc/ssl/certs/ca-certificates.crt",
    "/usr/share/zoneinfo",
    "/usr/lib/x86_64-linux-gnu/libc.so.6",
)
#: The probe whose transcript says whether ``docker exec … sh`` found a shell.
SHELL_PROBE = "shell"
#: The line the companion probe adds under a step that did not exit 0 (``sh`` the engine cannot start).
_EXIT_CODE = re.compile(r"^\(exit code \d+\)$", re.MULTILINE)
#: A stand-in's labels that list its packages: every one (``debian.sh``'s kind), else the list it records.
_STANDIN_PACKAGES = (STANDIN + "package-list", STANDIN + "packages")


@dataclass(frozen=True)
class BaseRow:
    """One row of the base-image table: the snippet that put the same binary on one base.

    ``ref`` is the base as the snippet's result names it (``None``: ``scratch``, no image at all); the
    row's figures are all that snippet's, so every row is measured the same way, by the same probes.
    """

    snippet: str
    ref: str | None


#: From the emptiest base to the fullest; ``tests/site`` checks the page shows each snippet's row.
BASE_ROWS: tuple[BaseRow, ...] = (
    BaseRow("recipes/on-scratch", None),
    BaseRow("recipes/on-distroless-static", "gcr.io/distroless/static-debian13:nonroot"),
    BaseRow("recipes/on-distroless-debug", "gcr.io/distroless/static-debian13:debug-nonroot"),
    BaseRow("recipes/on-distroless-base", "gcr.io/distroless/base-debian13:nonroot"),
    BaseRow("recipes/on-trixie-slim", "debian:trixie-slim"),
)


def _base_record(result: Result, ref: str) -> dict[str, Any] | None:
    return next((dict(b) for b in result["environment"]["bases"] if b["ref"] == ref), None)


def _base_name(row: BaseRow, result: Result | None) -> str:
    """Name the base, adding ``stand-in`` when the result says one was used in the real image's place."""
    if row.ref is None:
        return "`scratch` (no base image)"
    record = _base_record(result, row.ref) if result is not None else None
    provenance = record["provenance"] if record is not None else None
    return f"`{row.ref}`" + (" (stand-in)" if provenance == "stand-in" else "")


def _packages(row: BaseRow, result: Result) -> str:
    """Count the base's packages: every one its stand-in's labels list; none for scratch."""
    if row.ref is None:
        return "none"
    record = _base_record(result, row.ref) or {}
    labels: dict[str, str] = record.get("labels", {})
    listing = next((labels[key] for key in _STANDIN_PACKAGES if key in labels), None)
    return "not recorded" if listing is None else str(len(listing.split()))


def _entry(files: Measurement | None, path: str) -> dict[str, Any] | None:
    entries: list[dict[str, Any]] = files.get("entries", []) if files is not None else []
    return next((e for e in entries if e["path"] == path), None)


def _has(files: Measurement | None, path: str) -> str:
    """``yes`` or ``no`` for one path the files measurement looked for; ``not measured`` otherwise."""
    entry = _entry(files, path)
    if entry is None:
        return "not measured"
    return "yes" if entry["present"] and entry["files"] > 0 else "no"


def _file_count(files: Measurement | None) -> str:
    entry = _entry(files, ROOT)
    return "not measured" if entry is None else f"{entry['files']:,}"


def _shell(result: Result) -> str:
    """Read the shell probe's transcript: the program ``sh`` runs as (it printed it), or ``no``.

    The probe passed either way (its ``output`` says which outcome the snippet expects), so the
    transcript is the proof: an exit code line means the engine could not start ``sh`` at all.
    """
    probe = next((p for p in result.get("probes", []) if p["name"] == SHELL_PROBE), None)
    if probe is None or not probe["ok"]:
        return "not probed"
    if _EXIT_CODE.search(probe["output"]):
        return "no: `docker exec` finds no `sh`"
    printed = [line for line in probe["output"].splitlines()[1:] if line.strip()]
    return f"yes: `{printed[-1].strip()}`" if printed else "yes"


def _user(files: Measurement | None) -> str:
    return "not measured" if files is None else f"`{files.get('user', '')}`"


def _startup_median(result: Result) -> str:
    startup = _measurement(result, "startup")
    return "not measured" if startup is None else format_seconds(float(startup["seconds"]["median"]))


def _base_cells(row: BaseRow, result: Result, final: Image) -> list[str]:
    files = _measurement(result, "files")
    return [
        format_size(final["size"]),
        _file_count(files),
        _packages(row, result),
        _user(files),
        _shell(result),
        _has(files, CA_BUNDLE),
        _has(files, ZONEINFO),
        _has(files, LIBC),
        _startup_median(result),
    ]


def _base_line(row: BaseRow, result: Result | None) -> str:
    """Render one row: the base, then the snippet's recorded figures, or in every cell why there are none."""
    final = _final(result) if result is not None and result["status"] == "verified" else None
    if result is None or final is None:
        state = "no recorded result" if result is None else "not verified in this build"
        cells = [state] * (BASES_HEADER[1].count("---") - 1)  # every column but the base's name
    else:
        cells = _base_cells(row, result, final)
    return "| " + " | ".join(_cell(c) for c in [_base_name(row, result), *cells]) + " |"


def render_bases_table(results: Mapping[str, Result | None], rows: Sequence[BaseRow] = BASE_ROWS) -> str:
    """Render ``results/recipes/bases.md`` from each row's snippet result (the Recipes volume's own)."""
    lines = [_base_line(row, results.get(row.snippet)) for row in rows]
    return "\n".join([*BASES_HEADER, *lines]) + "\n"


def recipes_fragments(root: Path, results: Mapping[str, Result | None]) -> dict[str, str]:
    """Render the fragments only the Recipes volume has: the decision table and the base-image table."""
    return {CHOOSE_MD: render_choose(root), BASES_MD: render_bases_table(results)}
