"""Load, validate and discover snippets: ``snippet.yml`` manifests and ``volume.yml`` files.

Everything downstream (build, probes, digests, rendering, checks) works on the frozen dataclasses
defined here, never on raw YAML, so a manifest mistake is reported once, here, with the file and the
key path (``probes[1].http.status``) instead of surfacing later as a ``KeyError``.
"""

from __future__ import annotations

import difflib
import json
import os
import posixpath
import re
import stat
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeVar, cast

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match, relevance
from msgspec import Meta

from journey.core.errors import ManifestError
from journey.model import check_spec
from journey.model.check_spec import ENGINE_CHECKS, Check
from journey.model.measure_spec import (
    CompileMeasure,
    ContextMeasure,
    Measurement,
    StartupMeasure,
    measurement,
)
from journey.model.runspec import (
    CompanionProbe,
    HealthProbe,
    InspectProbe,
    RunOptions,
    StopProbe,
    companion_probe,
    health_probe,
    inspect_probe,
    run_options,
    stop_probe,
)
from journey.model.ship_manifest import Push, Ship, parse_ship, ship_problems

if TYPE_CHECKING:
    from collections.abc import Callable

#: libyaml's safe loader where PyYAML was built with it (about ten times faster), else the pure-Python one.
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MANIFEST_NAME = "snippet.yml"
VOLUME_NAME = "volume.yml"
SNIPPETS_DIR = "snippets"
#: What verifying a snippet does, as results record it (``done``) and pages say it: ``built-and-run``
#: (an image built, measured and probed), ``run`` (no image of its own, but its scripts run against the
#: engine), ``checked`` (only tools ran over its files: linters, schemas, ``go vet``/``go test`` on the host).
Done = Literal["built-and-run", "run", "checked"]


@dataclass(frozen=True)
class Build:
    """What to build: paths are relative to the snippet folder, as written in the manifest."""

    dockerfile: str = "Dockerfile"
    context: str = "."
    target: str | None = None
    args: dict[str, str] = field(default_factory=dict)
    stages: tuple[str, ...] = ()
    payload: tuple[str, ...] = ()
    #: ``FROM`` images the build takes from another image (``golang:latest`` → ``golang:1.26-trixie``),
    #: through BuildKit's named contexts: the Dockerfile stays as published, and results and pages say
    #: which image was really used
    replace_from: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Ready:
    """When a started container counts as up: an HTTP path answering, or a log line matching."""

    http: str | None = None
    log: str | None = None


@dataclass(frozen=True)
class Run:
    """How to run the built image; ``port`` is published on 127.0.0.1 at an ephemeral port."""

    port: int | None = None
    env: dict[str, str] = field(default_factory=dict)
    command: tuple[str, ...] | None = None
    ready: Ready | None = None
    timeout: int = 30
    network: str | None = None
    #: limits and flags for every container of the image (``runspec.RunOptions``); a probe may add its own
    options: RunOptions = field(default_factory=RunOptions)


#: The HTTP methods a probe may send.
Method = Literal["GET", "HEAD", "POST", "PUT", "DELETE"]


@dataclass(frozen=True)
class HttpProbe:
    """An HTTP request to the running container and what the answer must look like.

    Its fields, with their ``Meta`` constraints, are the source of the schema's ``probe.http``
    (``journey.model.schema``): a default other than ``None`` is written as the schema's ``default``.
    """

    kind: ClassVar[Literal["http"]] = "http"
    #: the schema's definition of its keys (``journey.model.schema``): none, they are inline in ``probe``
    schema_def: ClassVar[str | None] = None
    #: what ``journey.model.schema`` adds to the fields' schema (none: the ``http`` object is plain)
    schema: ClassVar[dict[str, Any]] = {}
    path: Annotated[str, Meta(pattern="^/")]
    method: Method = "GET"
    status: Annotated[int, Meta(ge=100, le=599)] = 200
    body: str | None = None


@dataclass(frozen=True)
class Command:
    """A command in a fresh container from the image and a regex its output must match.

    An ``exec`` probe (``ExecProbe``) passes only on exit code 0. An ``expect_failure`` probe
    (``ExpectFailureProbe``) needs ``output`` or ``exit_code`` (the schema says so): without either, any
    failure, even the engine's refusal to start the container, would pass for the one it expects.
    """

    schema: ClassVar[dict[str, Any]]
    command: tuple[str, ...]
    output: Annotated[str, Meta(description="a regex the output must match")] | None = None
    options: RunOptions = field(default_factory=RunOptions)


@dataclass(frozen=True)
class ExecProbe(Command):
    """A command that must exit 0 (and print what ``output`` matches)."""

    kind: ClassVar[Literal["exec"]] = "exec"
    schema_def: ClassVar[str | None] = "exec"
    schema: ClassVar[dict[str, Any]] = {
        "description": (
            "a command in a fresh container of the image; it must exit 0, and print what output matches"
        )
    }


_FAILURE_OUTPUT = "a regex the output (or the engine's words, if it cannot start the container) must match"
_EXIT_CODE = "the exit code the command must end with; a container that cannot start has none"


@dataclass(frozen=True)
class ExpectFailureProbe(Command):
    """A command that must fail: with ``exit_code``, or printing what ``output`` matches."""

    kind: ClassVar[Literal["expect_failure"]] = "expect_failure"
    schema_def: ClassVar[str | None] = "expect-failure"
    schema: ClassVar[dict[str, Any]] = {
        "description": "a command that must fail; output or exit_code says which failure",
        "anyOf": [{"required": ["output"]}, {"required": ["exit_code"]}],
        "$comment": (
            "without either, any failure would pass, even the engine's refusal to start the container"
        ),
    }
    output: Annotated[str, Meta(min_length=1, description=_FAILURE_OUTPUT)] | None = None
    #: the exit code the command must end with (never met by a container that did not start)
    exit_code: Annotated[int, Meta(ge=1, le=255, description=_EXIT_CODE)] | None = None


#: What one probe does, one class per kind: the key a manifest writes it under is the class's ``kind``.
#: Code that runs probes ``match``es on the class (``journey.verify.probe``, ``journey.verify.live``), so
#: mypy names every place a new kind must be handled.
ProbeSpec = (
    HttpProbe | ExecProbe | ExpectFailureProbe | StopProbe | HealthProbe | InspectProbe | CompanionProbe
)


def _http(raw: dict[str, Any]) -> HttpProbe:
    return HttpProbe(raw["path"], raw.get("method", "GET"), raw.get("status", 200), raw.get("body"))


def _command(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "command": tuple(raw["command"]),
        "output": raw.get("output"),
        "options": run_options(raw.get("options")),
    }


#: Every probe kind: the key it is written under in snippet.yml, and how its validated mapping becomes its
#: spec. The schema's ``probe`` lists the same keys (``tests/unit/model/test_schema.py`` holds them
#: together).
PROBE_PARSERS: dict[str, Callable[[dict[str, Any]], ProbeSpec]] = {
    "http": _http,
    "exec": lambda raw: ExecProbe(**_command(raw)),
    "expect_failure": lambda raw: ExpectFailureProbe(**_command(raw), exit_code=raw.get("exit_code")),
    "stop": stop_probe,
    "health": health_probe,
    "inspect": inspect_probe,
    "companion": companion_probe,
}
PROBE_KINDS: tuple[str, ...] = tuple(PROBE_PARSERS)
#: Probes that start a service container of their own (``journey.verify.live``), each apart from the others.
LIVE_KINDS = frozenset({StopProbe.kind, HealthProbe.kind, InspectProbe.kind, CompanionProbe.kind})
#: Probes that run in a container of their own, beside the service: all but ``http`` (asks the service)
#: and ``stop`` (times ``docker stop``, so runs alone, after the others).
FRESH_KINDS = frozenset(PROBE_KINDS) - {HttpProbe.kind, StopProbe.kind}

SpecT = TypeVar("SpecT", bound=ProbeSpec)


@dataclass(frozen=True)
class Probe:
    """One named probe of a snippet; ``spec`` says what it does, its class says which kind it is."""

    name: str
    spec: ProbeSpec

    @property
    def kind(self) -> str:
        """The key the probe is written under (``http``, ``exec``, ``stop``…)."""
        return self.spec.kind

    def of(self, kind: type[SpecT]) -> SpecT | None:
        """Return the spec if the probe is of that kind (``probe.of(StopProbe)``), else ``None``."""
        return self.spec if isinstance(self.spec, kind) else None


@dataclass(frozen=True)
class Building:
    """What a snippet with ``build:`` builds, resolved: the spec, its Dockerfile and its context folder.

    ``Snippet.building`` is ``None`` for a files-only snippet and all three at once otherwise, so code that
    builds takes one ``Building`` and needs no narrowing of three optional values.
    """

    spec: Build
    dockerfile: Path
    context: Path


@dataclass(frozen=True)
class Snippet:
    """One snippet folder with its validated manifest; ``dir`` is absolute."""

    id: str
    dir: Path
    title: str
    summary: str = ""
    supporting: tuple[str, ...] = ()
    build: Build | None = None
    run: Run | None = None
    probes: tuple[Probe, ...] = ()
    checks: tuple[Check, ...] = ()
    measure: tuple[Measurement, ...] = ()
    #: the snippet of the same volume whose Dockerfile this one varies (``multistage``): pages show the
    #: difference, rendered into ``variant.md``, instead of a second unmarked copy of the recommended file
    variant_of: str | None = None
    #: set by ``load_volume``: the Dockerfile of ``variant_of``, and the volume's pages (where fragments show)
    variant_dockerfile: Path | None = None
    pages: tuple[str, ...] = ()
    #: Vol. 3's builds on the build farm (``journey.model.ship_manifest``); validated by ship.schema.json
    ship: Ship | None = None

    @property
    def volume(self) -> str:
        """The volume folder name (``vol1``)."""
        return self.id.split("/", 1)[0]

    @property
    def name(self) -> str:
        """The snippet folder name (``multistage``)."""
        return self.id.split("/", 1)[1]

    @property
    def manifest_path(self) -> Path:
        """The ``snippet.yml`` file."""
        return self.dir / MANIFEST_NAME

    @property
    def building(self) -> Building | None:
        """The build with its resolved Dockerfile and context, or ``None`` for a files-only snippet."""
        if self.build is None:
            return None
        return Building(
            self.build,
            (self.dir / self.build.dockerfile).resolve(),
            (self.dir / self.build.context).resolve(),
        )

    @property
    def variant_files(self) -> tuple[Path, Path] | None:
        """The Dockerfile this snippet varies and its own (set by ``load_volume``), or ``None``."""
        if self.variant_dockerfile is None or self.dockerfile_path is None:
            return None
        return self.variant_dockerfile, self.dockerfile_path

    @property
    def context_dir(self) -> Path | None:
        """The resolved build context folder, or ``None`` for a files-only snippet."""
        return (self.dir / self.build.context).resolve() if self.build else None

    @property
    def dockerfile_path(self) -> Path | None:
        """The resolved Dockerfile, or ``None`` for a files-only snippet."""
        return (self.dir / self.build.dockerfile).resolve() if self.build else None

    def push_dockerfile(self, push: Push) -> Path | None:
        """Return one ``ship:`` push's resolved Dockerfile: its own ``dockerfile:``, else the build's."""
        if self.build is None:
            return None
        return (self.dir / (push.dockerfile or self.build.dockerfile)).resolve()

    def dockerfiles(self) -> tuple[Path, ...]:
        """Every Dockerfile the snippet builds: the build's, then each push's own, without repeats."""
        found: list[Path | None] = [self.dockerfile_path]
        found.extend(self.push_dockerfile(push) for push in (self.ship.pushes if self.ship else ()))
        return tuple(dict.fromkeys(p for p in found if p is not None))

    @property
    def image_tag(self) -> str:
        """The tag the verified image gets (``journey/vol1-multistage:verified``)."""
        return f"journey/{self.volume}-{self.name}:verified"

    @property
    def done(self) -> Done:
        """What verifying it does: built and run, run (its scripts, with the engine), or only checked."""
        if self.build is not None:
            return "built-and-run"
        if any(isinstance(item, ENGINE_CHECKS) for item in self.checks):
            return "run"
        return "checked"


@dataclass(frozen=True)
class SeedFile:
    """A reconstructed file (relative to the volume folder) and the seed lines its block runs between."""

    file: str
    first: str
    last: str


@dataclass(frozen=True)
class Seed:
    """The plain-text copy a volume retells (``text``, relative to the checkout) and its files' blocks."""

    text: str
    files: tuple[SeedFile, ...]


@dataclass(frozen=True)
class Reference:
    """A size quoted from a published source (the 2019 article's 21.2 MB), drawn on the size ladder."""

    label: str
    size: int
    source: str


@dataclass(frozen=True)
class ShipGroup:
    """Snippets whose ``ship:`` pushes one table, one reading and one chart show together (``ship_groups:``).

    One push per snippet keeps each fan-out job short (issue 23) while the page still compares them.
    ``snippets`` are ids, in the order ``volume.yml`` lists them: the order of the rows.
    """

    name: str
    snippets: tuple[str, ...]


#: Endings a group's own fragments add to ``ship-<group>``: a group named so would share a file name.
SHIP_GROUP_SUFFIXES = ("-reading", "-sizes")


@dataclass(frozen=True)
class Volume:
    """A volume folder: title, pages (relative to ``docs/``) and snippets in reading order."""

    name: str
    dir: Path
    title: str
    pages: tuple[str, ...]
    snippets: tuple[Snippet, ...]
    seed: Seed | None = None
    references: tuple[Reference, ...] = ()
    ship_groups: tuple[ShipGroup, ...] = ()


def shown(path: Path) -> str:
    """Return a path as a reader would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --- schema validation -------------------------------------------------------------------------


#: The packaged schemas: tests/unit/model/test_manifest.py checks each against the JSON Schema
#: meta-schema, which costs a third of `journey check`'s CPU when done on every run instead.
SCHEMA_FILES = ("manifest.schema.json", "ship.schema.json", "volume.schema.json")


@cache
def _validator(schema_file: str) -> Draft202012Validator:
    """Load a packaged schema once (a schema bug is a programming error, caught by the tests)."""
    text = resources.files("journey").joinpath(schema_file).read_text(encoding="utf-8")
    return Draft202012Validator(json.loads(text))


def key_path(parts: list[str | int] | tuple[str | int, ...]) -> str:
    """Turn a JSON path into the form a reader finds in YAML: ``probes[1].http.status``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _relevance(error: ValidationError) -> tuple[object, ...]:
    """Rank schema errors as jsonschema does, except that an unknown key wins over a missing one.

    A misspelt ``scirpt:`` is both an unknown key and a missing ``script``; the typo is the cause,
    and its message can say which key was meant.
    """
    shallowest, *rest = cast("tuple[object, ...]", relevance(error))
    return (shallowest, error.validator == "additionalProperties", *rest)


def _closest(word: str, choices: list[str]) -> str:
    """Return `` (did you mean 'x'?)`` for a near miss among ``choices``, else nothing."""
    near = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {near[0]!r}?)" if near else ""


def _tool_of(data: object, parts: list[str | int]) -> str | None:
    """Return the ``tool:`` of the check a key path is inside (``checks[1]…``), if it is in one."""
    if len(parts) < 2 or parts[0] != "checks" or not isinstance(data, dict):  # noqa: PLR2004
        return None
    checks = data.get("checks")
    item = checks[parts[1]] if isinstance(checks, list) and isinstance(parts[1], int) else None
    tool = item.get("tool") if isinstance(item, dict) else None
    return tool if isinstance(tool, str) else None


def _alternative_keys(branches: object) -> list[str] | None:
    """Return ``[a, b]`` for ``anyOf: [{required: [a]}, {required: [b]}]`` (or ``oneOf``), else ``None``."""
    if not isinstance(branches, list) or not branches:
        return None
    keys = []
    for branch in branches:
        required = branch.get("required") if isinstance(branch, dict) and len(branch) == 1 else None
        if not (isinstance(required, list) and len(required) == 1):
            return None
        keys.append(str(required[0]))
    return keys


def _needs(exactly_one: bool, keys: list[str], instance: dict[str, Any], schema: dict[str, Any]) -> str:
    """Say which keys an object needs: a probe exactly one kind (``oneOf``), an expect_failure a judge."""
    if exactly_one:
        found = [key for key in keys if key in instance]
        return f"needs exactly one of {', '.join(keys)} (found {len(found)})"
    why = f": {schema['$comment']}" if "$comment" in schema else ""  # the reason the keys are needed
    return f"needs {' or '.join(f'`{key}`' for key in keys)}{why}"


def _describe(error: ValidationError, data: object) -> tuple[str, str]:
    """Return the key path and a short cause for one schema error, naming the key it is about.

    jsonschema reports an unknown or a missing key at the object holding it (``checks[1]``); a reader
    looks for the key itself (``checks[1].scirpt``), so the key is added to the path. A missing key
    inside a check says which tool needs it (``data`` is the whole file, to find the check's tool).
    """
    parts = list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    listed = error.validator_value  # the keyword's value: required keys, enum choices
    choices = [str(choice) for choice in listed] if isinstance(listed, list) else []
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        unknown = [str(key) for key in instance if key not in allowed]
        listing = f"(allowed: {', '.join(allowed)})"
        if len(unknown) == 1:
            key = unknown[0]
            return key_path([*parts, key]), f"{key!r} was unexpected{_closest(key, allowed)} {listing}"
        return key_path(parts), f"{error.message} {listing}"
    if error.validator == "required" and isinstance(instance, dict):
        missing = next(key for key in choices if key not in instance)
        tool = _tool_of(data, parts)
        return key_path([*parts, missing]), error.message + (f" of a {tool} check" if tool else "")
    alternatives = _alternative_keys(listed) if error.validator in {"oneOf", "anyOf"} else None
    if alternatives and isinstance(instance, dict):
        return key_path(parts), _needs(error.validator == "oneOf", alternatives, instance, schema)
    if error.validator == "enum":
        near = _closest(str(instance), choices)
        return key_path(parts), f"{instance!r} is not one of {', '.join(choices)}{near}"
    return key_path(parts), error.message


def _validate(data: object, schema_file: str, path: Path, snippet: str | None) -> None:
    """Raise ``ManifestError`` naming the key path of the first (most relevant) schema error."""
    error = best_match(_validator(schema_file).iter_errors(data), key=_relevance)
    if error is not None:
        where, cause = _describe(error, data)
        raise ManifestError(shown(path), where, cause, snippet=snippet)


def _load_yaml(path: Path, snippet: str | None) -> dict[str, Any]:
    """Parse one manifest: a YAML mapping, or a ``ManifestError`` that says what the file holds instead.

    Every manifest (``snippet.yml``, ``volume.yml``) is a mapping of keys. A file that is not UTF-8, not
    YAML, empty or another kind of value is a contributor's mistake (exit 2, naming the file), not a
    crash in the tool and not a schema message about ``None``.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestError(shown(path), "", f"cannot read: {exc.strerror}", snippet=snippet) from exc
    except UnicodeDecodeError as exc:
        cause = f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})"
        raise ManifestError(shown(path), "", cause, snippet=snippet) from exc
    try:
        data = yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader, libyaml's when there is one
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise ManifestError(shown(path), where, f"not valid YAML: {exc}", snippet=snippet) from exc
    if not isinstance(data, dict):
        found = "an empty file" if data is None else f"a YAML {_yaml_kind(data)}"
        cause = f"expected a mapping of keys (such as `title: ...`), found {found}"
        raise ManifestError(shown(path), "", cause, snippet=snippet)
    return data


def _yaml_kind(value: object) -> str:
    """Name a parsed YAML value's kind the way a contributor wrote it: a list, a string, a number."""
    kinds = {list: "list", str: "string", bool: "boolean", int: "number", float: "number"}
    return next((name for kind, name in kinds.items() if isinstance(value, kind)), type(value).__name__)


# --- snippet manifests ---------------------------------------------------------------------------


def _strings(value: dict[str, Any]) -> dict[str, str]:
    """Env and build-arg values as strings (YAML may give numbers or booleans)."""
    return {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in value.items()}


def _build(raw: dict[str, Any]) -> Build:
    return Build(
        dockerfile=raw.get("dockerfile", "Dockerfile"),
        context=raw.get("context", "."),
        target=raw.get("target"),
        args=_strings(raw.get("args", {})),
        stages=tuple(raw.get("stages", ())),
        payload=tuple(raw.get("payload", ())),
        replace_from=_strings(raw.get("replace_from", {})),
    )


def _run(raw: dict[str, Any]) -> Run:
    ready = raw.get("ready")
    command = raw.get("command")
    return Run(
        port=raw.get("port"),
        env=_strings(raw.get("env", {})),
        command=tuple(command) if command is not None else None,
        ready=Ready(http=ready.get("http"), log=ready.get("log")) if ready else None,
        timeout=raw.get("timeout", 30),
        network=raw.get("network"),
        options=run_options(raw.get("options")),
    )


def _probe(raw: dict[str, Any], index: int, path: Path, snippet: str) -> Probe:
    kinds = [kind for kind in PROBE_KINDS if kind in raw]
    if len(kinds) != 1:
        cause = f"needs exactly one of {', '.join(PROBE_KINDS)} (found {len(kinds)})"
        raise ManifestError(shown(path), f"probes[{index}]", cause, snippet=snippet)
    return Probe(name=raw["name"], spec=PROBE_PARSERS[kinds[0]](raw[kinds[0]]))


def _measurable(snippet: Snippet, where: Path) -> None:
    """Refuse a ``measure:`` item whose kind needs what the manifest lacks: said here, not in the engine."""
    for index, item in enumerate(snippet.measure):
        key = f"measure[{index}]"
        cause = None
        if snippet.build is None:
            cause = "needs a `build:` section (nothing to measure)"
        elif isinstance(item, StartupMeasure) and (snippet.run is None or not snippet.run.port):
            cause = "a startup measurement needs a container port (run.port)"
        elif (
            isinstance(item, StartupMeasure)
            and item.path is None
            and not (snippet.run and snippet.run.ready and snippet.run.ready.http)
        ):
            cause = "a startup measurement needs `path:` or run.ready.http to poll"
        elif isinstance(item, CompileMeasure) and item.stage not in snippet.build.stages:
            stages = ", ".join(snippet.build.stages) or "none"
            cause = f"stage {item.stage!r} is not one of build.stages ({stages})"
        if cause:
            raise ManifestError(shown(where), key, cause, snippet=snippet.id)


def _unique(names: list[str], key: str, path: Path, snippet: str) -> None:
    """Probe and check names become file names: two alike would overwrite each other."""
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            raise ManifestError(shown(path), f"{key}[{index}]", f"duplicate name {name!r}", snippet=snippet)
        seen.add(name)


def _requires_build(raw: dict[str, Any], path: Path, snippet: str) -> None:
    """Refuse run/probes without build: say so here instead of failing later in the engine step."""
    for key in ("run", "probes", "ship"):
        if raw.get(key) and "build" not in raw:
            cause = "needs a `build:` section (nothing to run)"
            raise ManifestError(shown(path), key, cause, snippet=snippet)
    if any("http" in probe for probe in raw.get("probes", [])) and not raw.get("run", {}).get("port"):
        raise ManifestError(shown(path), "run.port", "http probes need a container port", snippet=snippet)
    _live_needs_run(raw, path, snippet)


def _live_needs_run(raw: dict[str, Any], path: Path, snippet: str) -> None:
    """Refuse a live probe without ``run:`` (it starts the service), or a request without a port."""
    for index, probe in enumerate(raw.get("probes", [])):
        kind = next((k for k in LIVE_KINDS if k in probe), None)
        if kind is None:
            continue
        if "run" not in raw:
            cause = f"a {kind} probe starts the service: it needs a `run:` section"
            raise ManifestError(shown(path), f"probes[{index}].{kind}", cause, snippet=snippet)
        steps = probe[kind].get("steps", [])
        asks = "request" in probe[kind] or any("request" in step for step in steps)
        if asks and not raw["run"].get("port"):
            cause = "sends a request: the service needs a container port (run.port)"
            raise ManifestError(shown(path), f"probes[{index}].{kind}", cause, snippet=snippet)


def snippet_from_dict(raw: object, directory: Path, snippet_id: str, path: Path | None = None) -> Snippet:
    """Validate a parsed manifest and build the ``Snippet``; ``path`` only names the file in errors."""
    where = path or directory / MANIFEST_NAME
    _validate(raw, "manifest.schema.json", where, snippet_id)
    if not isinstance(raw, dict):  # the schema refused it already: this only tells mypy
        raise ManifestError(shown(where), "", "expected a mapping of keys", snippet=snippet_id)
    _requires_build(raw, where, snippet_id)
    if "ship" in raw:
        _validate(raw, "ship.schema.json", where, snippet_id)
    probes = tuple(_probe(p, i, where, snippet_id) for i, p in enumerate(raw.get("probes", [])))
    checks = tuple(check_spec.check(c) for c in raw.get("checks", []))
    measure = tuple(measurement(m) for m in raw.get("measure", []))
    _unique([p.name for p in probes], "probes", where, snippet_id)
    _unique([c.name for c in checks], "checks", where, snippet_id)
    _unique([m.name for m in measure], "measure", where, snippet_id)
    ship = parse_ship(raw["ship"]) if "ship" in raw else None
    for key, cause in ship_problems(ship) if ship else []:
        raise ManifestError(shown(where), key, cause, snippet=snippet_id)
    snippet = Snippet(
        id=snippet_id,
        dir=directory.resolve(),
        title=raw["title"],
        summary=raw.get("summary", ""),
        supporting=tuple(raw.get("supporting", ())),
        build=_build(raw["build"]) if "build" in raw else None,
        run=_run(raw["run"]) if "run" in raw else None,
        probes=probes,
        checks=checks,
        measure=measure,
        variant_of=raw.get("variant_of"),
        ship=ship,
    )
    _measurable(snippet, where)
    return snippet


def load_snippet(directory: Path, snippet_id: str | None = None) -> Snippet:
    """Load ``<directory>/snippet.yml``; the id defaults to ``<parent folder>/<folder>``.

    Every path it names, and every link in its folders, must stay in the ``snippets/`` tree it sits in
    (``snippets_tree``), checked before any file it names is read.
    """
    sid = snippet_id or f"{directory.resolve().parent.name}/{directory.resolve().name}"
    path = directory / MANIFEST_NAME
    tree = snippets_tree(directory)
    _check_manifest_inside(path, tree, sid)
    snippet = snippet_from_dict(_load_yaml(path, sid), directory, sid, path)
    _check_paths_inside(snippet, tree)
    _check_paths_exist(snippet)
    _check_files_exist(snippet)
    _check_strays(snippet, tree)
    _check_companion_images(snippet)
    return snippet


def _check_companion_images(snippet: Snippet) -> None:
    """Refuse a companion image that is not a base of the build: nothing would say it is here, or what."""
    bases = base_refs(snippet)
    for index, probe in enumerate(snippet.probes):
        companion = probe.of(CompanionProbe)
        if companion is not None and companion.image not in bases:
            cause = (
                f"image {companion.image!r} is not a base of the build "
                f"(one of: {', '.join(bases) or 'none'}), so nothing says it is here or what it is"
            )
            raise ManifestError(
                shown(snippet.manifest_path), f"probes[{index}].companion.image", cause, snippet=snippet.id
            )


def _check_paths_exist(snippet: Snippet) -> None:
    """Report a missing Dockerfile or context as a manifest error, not as a build failure."""
    if snippet.build is None or snippet.context_dir is None or snippet.dockerfile_path is None:
        return
    path = shown(snippet.manifest_path)
    if not snippet.context_dir.is_dir():
        cause = f"no such folder: {snippet.context_dir}"
        raise ManifestError(path, "build.context", cause, snippet=snippet.id)
    if not snippet.dockerfile_path.is_file():
        cause = f"no such file: {snippet.dockerfile_path}"
        raise ManifestError(path, "build.dockerfile", cause, snippet=snippet.id)
    for index, push in enumerate(snippet.ship.pushes if snippet.ship else ()):
        own = snippet.push_dockerfile(push)
        if push.dockerfile is not None and own is not None and not own.is_file():
            raise ManifestError(
                path, f"ship.pushes[{index}].dockerfile", f"no such file: {own}", snippet=snippet.id
            )


def _check_files_exist(snippet: Snippet) -> None:
    """Report a file or folder a check names that is not there, before any tool or engine runs.

    ``files:``, deploy-e2e's ``script:``, govulncheck's ``modfile:`` and the Go checks' ``dir:`` are
    relative to the snippet folder. Checked at load time, so ``journey check`` catches a typo as well as
    ``journey verify``.
    """
    path = shown(snippet.manifest_path)
    for index, item in enumerate(snippet.checks):
        for key, name in item.paths():
            if not (snippet.dir / name).is_file():
                cause = f"no such file in the snippet folder: {snippet.dir / name}"
                raise ManifestError(path, f"checks[{index}].{key}", cause, snippet=snippet.id)
        if item.folder is not None and not (snippet.dir / item.folder).is_dir():
            cause = f"no such folder: {snippet.dir / item.folder}"
            raise ManifestError(path, f"checks[{index}].dir", cause, snippet=snippet.id)


# --- paths stay in snippets/ ----------------------------------------------------------------------


def snippets_tree(directory: Path) -> Path:
    """Return the ``snippets/`` folder a snippet folder sits in (``snippets/<volume>/<snippet>``), resolved.

    It bounds every path a manifest names: Vol. 3 builds Vol. 1's service (``../../vol1/service``), but
    nothing a manifest names may reach past it, so a copied-in manifest cannot make the tool read, hash,
    publish or write a file elsewhere on the machine.
    """
    return absolute(directory).parent.parent.resolve()


def absolute(path: Path) -> Path:
    """Return ``path`` made absolute and ``..`` removed as written, without following any link."""
    return Path(os.path.normpath(Path.cwd() / path))


def resolved(path: Path) -> Path:
    """Return ``path`` with every link followed (a missing tail kept as written, a loop left as is)."""
    return Path(os.path.realpath(path))


def _outside(name: str, target: Path, bound: Path, what: str = "") -> str:
    """Say that ``name`` leads out of ``bound`` (the tree, or ``what`` it is) and where it really goes."""
    return f"{name!r} leads outside {what}{_as_written(bound)}/ (to {target})"


def _check_manifest_inside(path: Path, tree: Path, snippet: str | None = None) -> None:
    """Refuse a manifest (or its folder) that links out of ``tree``, or is no regular file, before reading.

    Reading one would parse someone else's file, and a YAML error quotes the line it failed on; a FIFO
    would never answer.
    """
    where = _as_written(path)
    for name, item in ((path.parent.name, path.parent), (path.name, path)):
        target = resolved(item)
        if not target.is_relative_to(tree):
            raise ManifestError(where, "", f"{_outside(name, target, tree)}: a link", snippet=snippet)
    if path.exists() and not path.is_file():
        raise ManifestError(where, "", "not a regular file", snippet=snippet)


def _as_written(path: Path) -> str:
    """Like ``shown``, without following links: a link out of the tree is named where it is."""
    full, here = absolute(path), Path.cwd()
    return str(full.relative_to(here) if full.is_relative_to(here) else full)


def _named_paths(snippet: Snippet) -> list[tuple[str, str]]:
    """Every (key, path) of the manifest that names a file or folder relative to the snippet folder."""
    named: list[tuple[str, str]] = []
    if snippet.build is not None:
        named += [("build.context", snippet.build.context), ("build.dockerfile", snippet.build.dockerfile)]
    for index, push in enumerate(snippet.ship.pushes if snippet.ship else ()):
        if push.dockerfile is not None:
            named.append((f"ship.pushes[{index}].dockerfile", push.dockerfile))
    for index, item in enumerate(snippet.checks):
        named += [(f"checks[{index}].{key}", name) for key, name in item.paths()]
        if item.folder is not None:
            named.append((f"checks[{index}].dir", item.folder))
    return named


def _check_paths_inside(snippet: Snippet, tree: Path) -> None:
    """Refuse a path that leaves ``snippets/`` once links are followed, naming its key.

    ``supporting:`` globs are only matched, never opened, so they are held to the tree as written.
    ``touch:`` files are written into a copy of the build context, so they must stay in the context.
    """
    where = shown(snippet.manifest_path)
    for key, name in _named_paths(snippet):
        target = resolved(snippet.dir / name)
        if not target.is_relative_to(tree):
            raise ManifestError(where, key, _outside(name, target, tree), snippet=snippet.id)
    for index, glob in enumerate(snippet.supporting):
        if not Path(os.path.normpath(snippet.dir / glob)).is_relative_to(tree):
            cause = f"{glob!r} is outside snippets/ (globs match files of the snippet folders only)"
            raise ManifestError(where, f"supporting[{index}]", cause, snippet=snippet.id)
    if snippet.context_dir is not None:
        _check_touch_inside(snippet, snippet.context_dir, where)


def _check_touch_inside(snippet: Snippet, context: Path, where: str) -> None:
    """Refuse a ``touch:`` file outside the build context: it is planted in a copy of the context."""
    for index, item in enumerate(snippet.measure):
        for number, name in enumerate(item.touch if isinstance(item, ContextMeasure) else ()):
            target = resolved(context / name)
            if not target.is_relative_to(context):
                cause = _outside(name, target, context, "the build context ")
                raise ManifestError(where, f"measure[{index}].touch[{number}]", cause, snippet=snippet.id)


def strays(folder: Path, tree: Path) -> list[str]:
    """Say what under ``folder`` the tool must not read: a symlink leading out of ``tree``, a special file.

    Links to folders are looked at, not walked into: ``shutil.copytree`` and the downloads would follow
    one, and a link to ``/`` would copy or publish the machine. A FIFO, socket or device is no snippet
    file, and opening a FIFO to hash it would wait forever.
    """
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in sorted([*dirnames, *filenames]):
            path = Path(dirpath, name)
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode) and not (target := resolved(path)).is_relative_to(tree):
                found.append(f"symlink {_as_written(path)} leads outside {_as_written(tree)}/ (to {target})")
            elif not (stat.S_ISLNK(mode) or stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                found.append(f"{_as_written(path)} is not a regular file (a FIFO, socket or device)")
    return found


def _stray_error(where: str, key: str, found: list[str], snippet: str | None) -> ManifestError:
    cause = f"{found[0]}; snippet files are read, hashed, copied and published: keep only files here"
    return ManifestError(where, key, cause, snippet=snippet)


def _check_strays(snippet: Snippet, tree: Path) -> None:
    """Refuse a stray (``strays``) in the snippet folder, or in its build context (named by that key)."""
    where = shown(snippet.manifest_path)
    if found := strays(snippet.dir, tree):
        raise _stray_error(where, "", found, snippet.id)
    context = snippet.context_dir
    if context is None or context.is_relative_to(snippet.dir):  # none, or scanned with the folder
        return
    if found := strays(context, tree):
        raise _stray_error(where, "build.context", found, snippet.id)


# --- volumes and discovery -----------------------------------------------------------------------


def _natural_key(name: str) -> list[int | str]:
    """Sort ``vol2`` before ``vol10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def load_volume(directory: Path) -> Volume:
    """Load ``volume.yml`` and its snippets, refusing snippet folders the volume does not list."""
    path = directory / VOLUME_NAME
    tree = absolute(directory).parent.resolve()
    _check_manifest_inside(path, tree)
    raw = _load_yaml(path, None)
    _validate(raw, "volume.schema.json", path, None)
    listed: list[str] = raw["snippets"]
    for index, name in enumerate(listed):
        if not (directory / name / MANIFEST_NAME).is_file():
            cause = f"lists {name!r} but {directory / name / MANIFEST_NAME} does not exist"
            raise ManifestError(shown(path), f"snippets[{index}]", cause)
    snippets = tuple(load_snippet(directory / name, f"{directory.name}/{name}") for name in listed)
    _refuse_unlisted(directory, listed, snippets, path)
    seed = _seed(raw.get("seed"), directory, path)
    pages = tuple(raw.get("pages", ()))
    _check_pages(pages, path)
    if found := strays(directory, tree):
        raise _stray_error(shown(path), "", found, None)
    snippets = _place(_check_variants(snippets), pages)
    references = tuple(Reference(r["label"], r["size"], r["source"]) for r in raw.get("references", ()))
    groups = _ship_groups(raw.get("ship_groups", {}), snippets, path)
    _check_compares(snippets, groups)
    return Volume(
        directory.name, directory.resolve(), raw["title"], pages, snippets, seed, references, groups
    )


def _ship_groups(
    raw: dict[str, list[str]], snippets: tuple[Snippet, ...], path: Path
) -> tuple[ShipGroup, ...]:
    """Read ``ship_groups:``: each member a snippet of this volume with ``ship:`` pushes, no push name twice.

    A group's table, chart and reading name pushes by name only, so two members' pushes of one name
    would be two rows nobody could tell apart.
    """
    by_name = {s.name: s for s in snippets}
    groups: list[ShipGroup] = []
    for group, members in raw.items():
        key = f"ship_groups.{group}"
        if group.endswith(SHIP_GROUP_SUFFIXES):
            endings = " or ".join(SHIP_GROUP_SUFFIXES)
            cause = f"a group's name may not end in {endings} (its own fragments' endings)"
            raise ManifestError(shown(path), key, cause)
        pushed: dict[str, str] = {}  # push name -> the member that pushes it
        for index, member in enumerate(members):
            cause = _group_member_problem(member, by_name, pushed)
            if cause:
                raise ManifestError(shown(path), f"{key}[{index}]", cause)
        groups.append(ShipGroup(group, tuple(by_name[m].id for m in members)))
    return tuple(groups)


def _check_compares(snippets: tuple[Snippet, ...], groups: tuple[ShipGroup, ...]) -> None:
    """Refuse a push's ``compare:`` that names no push of its snippet or of a snippet of its ship group.

    A comparison across snippets lets a slow pair of builds run as two fan-out jobs (issue 23) while the
    page still sets their times side by side (``ship_render.group_comparisons``).
    """
    pushes = {s.id: [p.name for p in s.ship.pushes] for s in snippets if s.ship is not None}
    for snippet in snippets:
        reach = [snippet.id, *(m for g in groups if snippet.id in g.snippets for m in g.snippets)]
        names = sorted({name for member in reach for name in pushes.get(member, [])})
        for index, push in enumerate(snippet.ship.pushes if snippet.ship else ()):
            if push.compare is not None and push.compare not in names:
                cause = (
                    f"{push.compare!r} is no push of this snippet or of its ship group ({', '.join(names)})"
                )
                where = shown(snippet.dir / MANIFEST_NAME)
                raise ManifestError(where, f"ship.pushes[{index}].compare", cause, snippet=snippet.id)


def _group_member_problem(member: str, by_name: dict[str, Snippet], pushed: dict[str, str]) -> str:
    """Say why ``member`` cannot be in a ship group, or nothing; note its pushes in ``pushed``."""
    snippet = by_name.get(member)
    shipping = ", ".join(name for name, s in by_name.items() if s.ship is not None) or "none"
    if snippet is None:
        return f"{member!r} is no snippet of this volume (those with `ship:` pushes: {shipping})"
    if snippet.ship is None:
        return f"{member!r} has no `ship:` pushes to show (those with: {shipping})"
    for push in snippet.ship.pushes:
        if push.name in pushed:
            return (
                f"{member!r} pushes {push.name!r}, as {pushed[push.name]!r} does: rows are told apart by it"
            )
        pushed[push.name] = member
    return ""


def _check_pages(pages: tuple[str, ...], path: Path) -> None:
    """Refuse a page that is not under ``docs/`` as written (pages are relative to it)."""
    for index, page in enumerate(pages):
        normal = posixpath.normpath(page)
        if posixpath.isabs(normal) or normal.split("/", 1)[0] == "..":
            cause = f"{page!r} is outside docs/ (pages are relative to it)"
            raise ManifestError(shown(path), f"pages[{index}]", cause)


def _seed(raw: dict[str, Any] | None, directory: Path, path: Path) -> Seed | None:
    """Read ``seed:``, refusing a file that is not in the volume (the seed itself may be absent)."""
    if raw is None:
        return None
    files = tuple(SeedFile(str(f["file"]), str(f["first"]), str(f["last"])) for f in raw["files"])
    tree = absolute(directory).parent.resolve()
    for index, entry in enumerate(files):
        target = resolved(directory / entry.file)
        if not target.is_relative_to(tree):
            cause = _outside(entry.file, target, tree)
            raise ManifestError(shown(path), f"seed.files[{index}].file", cause)
        if not (directory / entry.file).is_file():
            raise ManifestError(
                shown(path), f"seed.files[{index}].file", f"{entry.file} is not in the volume"
            )
    return Seed(str(raw["text"]), files)


def _place(snippets: list[tuple[Snippet, Path | None]], pages: tuple[str, ...]) -> tuple[Snippet, ...]:
    """Give each snippet what only its volume knows: the pages showing it, the Dockerfile it varies."""
    return tuple(replace(s, variant_dockerfile=other, pages=pages) for s, other in snippets)


def _check_variants(snippets: tuple[Snippet, ...]) -> list[tuple[Snippet, Path | None]]:
    """Check each ``variant_of`` names another snippet of the volume, and both build from a Dockerfile.

    Returns each snippet with the Dockerfile it varies (``None`` for one that varies nothing).
    """
    by_name = {s.name: s for s in snippets}
    varied: list[tuple[Snippet, Path | None]] = []
    for snippet in snippets:
        other = by_name.get(snippet.variant_of or "")
        if snippet.variant_of is None:
            varied.append((snippet, None))
            continue
        where = shown(snippet.manifest_path)
        if snippet.build is None:
            cause = "a variant is shown by its Dockerfile's difference, but this snippet has no `build:`"
        elif other is None or other is snippet:
            names = ", ".join(sorted(n for n in by_name if n != snippet.name and by_name[n].build))
            cause = f"{snippet.variant_of!r} is no other snippet of this volume (one of: {names})"
        elif other.build is None:
            cause = f"{snippet.variant_of!r} has no `build:`, so no Dockerfile to compare with"
        else:
            varied.append((snippet, other.dockerfile_path))
            continue
        raise ManifestError(where, "variant_of", cause, snippet=snippet.id)
    return varied


def _refuse_unlisted(directory: Path, listed: list[str], snippets: tuple[Snippet, ...], path: Path) -> None:
    """Every sub-folder is a listed snippet or the build context of one; anything else is forgotten."""
    contexts = {s.context_dir for s in snippets if s.context_dir is not None}
    for child in sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if child.name in listed or child.resolve() in contexts:
            continue
        if (child / MANIFEST_NAME).is_file():
            cause = f"snippet folder {child.name!r} is not listed (hint: add it to `snippets:`)"
        else:
            cause = f"folder {child.name!r} is neither a listed snippet nor a snippet's build context"
        raise ManifestError(shown(path), "snippets", cause)


def discover(root: Path) -> list[Volume]:
    """Every volume under ``<root>/snippets`` (natural order of folder names), snippets in volume order."""
    base = root / SNIPPETS_DIR
    if not base.is_dir():
        return []
    volumes: list[Volume] = []
    for child in sorted((p for p in base.iterdir() if p.is_dir()), key=lambda p: _natural_key(p.name)):
        if child.name.startswith("."):
            continue
        if not (child / VOLUME_NAME).is_file():
            raise ManifestError(shown(child / VOLUME_NAME), "", "missing (every volume folder needs one)")
        volumes.append(load_volume(child))
    # a link beside the volumes counts too: `journey check` reads every file under snippets/
    if found := strays(base, base.resolve()):
        raise _stray_error(shown(base), "", found, None)
    return volumes


def all_snippets(volumes: list[Volume]) -> list[Snippet]:
    """Snippets of every volume, in reading order."""
    return [snippet for volume in volumes for snippet in volume.snippets]


def select(volumes: list[Volume], ids: list[str]) -> list[Snippet]:
    """Pick snippets by id or volume name, in reading order; an unknown name is a usage error."""
    snippets = all_snippets(volumes)
    if not ids:
        return snippets
    known = {s.id for s in snippets} | {v.name for v in volumes}
    unknown = [i for i in ids if i.strip("/") not in known]
    if unknown:
        raise ManifestError("snippets/", "", f"no such snippet or volume: {', '.join(unknown)}")
    wanted = {i.strip("/") for i in ids}
    return [s for s in snippets if s.id in wanted or s.volume in wanted]


# --- base images named by a Dockerfile -----------------------------------------------------------

_ARG_RE = re.compile(r"^ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?", re.IGNORECASE)
_FROM_RE = re.compile(r"^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", re.IGNORECASE)
_PINNED_RE = re.compile(r"^FROM\s+--platform=", re.IGNORECASE)
_COPY_FROM_RE = re.compile(r"^(?:COPY|ADD)\s.*?--from=(\S+)", re.IGNORECASE)
_VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def dockerfile_instructions(text: str) -> list[str]:
    """Logical instructions: continuation lines joined, comments and blank lines dropped."""
    lines: list[str] = []
    current = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1].rstrip() + " "
            continue
        lines.append((current + stripped).strip())
        current = ""
    if current.strip():
        lines.append(current.strip())
    return lines


def _expand(value: str, variables: dict[str, str]) -> str:
    """Substitute ``$VAR``/``${VAR}``/``${VAR:-default}`` the way BuildKit does for FROM lines."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        return variables.get(name) or (match.group(2) or "")

    return _VAR_RE.sub(replace, value)


def base_refs_from_text(text: str, build_args: dict[str, str] | None = None) -> tuple[str, ...]:
    """External images a Dockerfile needs: FROM and COPY --from refs, minus stage names and scratch."""
    return tuple(dict.fromkeys(ref for ref, _ in _bases_and_lines(text, build_args)))


def _bases_and_lines(text: str, build_args: dict[str, str] | None) -> list[tuple[str, str]]:
    """Each external image a FROM or COPY --from line names (build args applied), with its line."""
    variables: dict[str, str] = {}
    stages: set[str] = set()
    refs: list[tuple[str, str]] = []
    seen_from = False
    for line in dockerfile_instructions(text):
        arg = _ARG_RE.match(line)
        if arg and not seen_from:
            variables[arg.group(1)] = (build_args or {}).get(arg.group(1), arg.group(2) or "")
        ref = _external_ref(line, variables, stages)
        if line.upper().startswith("FROM"):
            seen_from = True
            alias = _FROM_RE.match(line)
            if alias and alias.group(2):
                stages.add(alias.group(2).lower())
        if ref:
            refs.append((ref, line))
    return refs


def _external_ref(line: str, variables: dict[str, str], stages: set[str]) -> str | None:
    """Return the image a FROM/COPY --from line names, unless it is an earlier stage or scratch."""
    match = _FROM_RE.match(line) or _COPY_FROM_RE.match(line)
    if not match:
        return None
    ref = _expand(match.group(1), variables)
    if ref.lower() in stages or ref.lower() == "scratch" or ref.isdigit():
        return None
    return ref


def base_refs(snippet: Snippet) -> tuple[str, ...]:
    """List the base images the snippet's build uses, in order of appearance.

    They are the Dockerfile's (build args applied), each taken from its ``build.replace_from`` image
    when the manifest names one: that is the image the build really starts from.
    """
    if snippet.build is None or snippet.dockerfile_path is None:
        return ()
    named = [
        ref
        for dockerfile in snippet.dockerfiles()
        for ref in base_refs_from_text(dockerfile.read_text(encoding="utf-8"), snippet.build.args)
    ]
    refs = [snippet.build.replace_from.get(ref, ref) for ref in named]
    refs += [foreign_standin(ref, platform) for ref, platform in emulated_bases(snippet)]
    return tuple(dict.fromkeys(refs))


#: Where a stand-in of a foreign platform is tagged (``journey-standin/linux-arm64/golang:1.26-trixie``):
#: an image store of the classic kind holds one platform per tag, and the amd64 stand-in has the name.
FOREIGN_PREFIX = "journey-standin/"


def foreign_standin(ref: str, platform: str) -> str:
    """Return the local tag of ``ref``'s stand-in for ``platform`` (``linux/arm64``)."""
    return f"{FOREIGN_PREFIX}{platform.replace('/', '-')}/{ref}"


def foreign_of(tag: str) -> tuple[str, str] | None:
    """``(ref, platform)`` a foreign stand-in's tag stands in for, or None for any other image."""
    if not tag.startswith(FOREIGN_PREFIX) or tag.count("/") < 2:  # noqa: PLR2004 - prefix/platform/ref
        return None
    platform, ref = tag.removeprefix(FOREIGN_PREFIX).split("/", 1)
    return ref, platform.replace("-", "/")


#: The platform the build farm's BuildKit runs on: a stage of any other platform runs under QEMU.
NATIVE_PLATFORM = "linux/amd64"


def emulated_bases(snippet: Snippet) -> tuple[tuple[str, str], ...]:
    """``(ref, platform)`` of every base a ``ship:`` push runs under emulation, so needs for that platform.

    A ``FROM`` without ``--platform`` takes the platform being built: for a push to a platform other
    than the farm's own, that base image must exist for it (Vol. 3's emulated build). A ``FROM
    --platform=$BUILDPLATFORM`` stage (the cross-compiling one) needs only the native image.
    """
    if snippet.build is None or snippet.ship is None:
        return ()
    found: list[tuple[str, str]] = []
    for push in snippet.ship.pushes:
        dockerfile = snippet.push_dockerfile(push)
        foreign = [p for p in push.platforms if p != NATIVE_PLATFORM]
        if dockerfile is None or not foreign:
            continue
        for ref in unpinned_bases(dockerfile.read_text(encoding="utf-8"), snippet.build.args):
            found += [(snippet.build.replace_from.get(ref, ref), p) for p in foreign]
    return tuple(dict.fromkeys(found))


def unpinned_bases(text: str, build_args: dict[str, str] | None = None) -> tuple[str, ...]:
    """List the external images of ``FROM`` lines without ``--platform=``: they follow the target."""
    refs = [
        ref
        for ref, line in _bases_and_lines(text, build_args)
        if _FROM_RE.match(line) and not _PINNED_RE.match(line)
    ]
    return tuple(dict.fromkeys(refs))
