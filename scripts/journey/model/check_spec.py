"""The ``checks:`` items of a snippet.yml, one typed class per tool (a union tagged on ``tool``).

Each class holds only the keys its tool takes, already narrow (a ``jsonschema`` check's ``builtin`` is a
``str``, a ``deploy-e2e`` check's ``script`` is never missing), and is the source of its part of
``manifest.schema.json``: ``journey.model.schema`` generates the ``check``, ``tool-*``, ``check-*``,
``files``, ``expect`` and ``go-dir`` definitions from these classes, and a test holds the committed schema
to them. ``msgspec`` turns a validated mapping into its class (``check``); the schema, validated first,
gives the reader the worded error.

Adding a tool: its class here (and in ``Check``), its runner and its row in ``journey.verify.tools.TOOLS``
(keyed by the class; a test holds the table to ``Check``), and the regenerated schema part.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import msgspec
from msgspec import Meta

#: The name a check is recorded under when the manifest gives one (the schema's shared ``name``).
CheckName = Annotated[str, Meta(pattern="^[a-z0-9][a-z0-9._-]*$")]
#: Files of the snippet folder a tool reads (the schema's ``files``).
Files = Annotated[
    tuple[Annotated[str, Meta(min_length=1)], ...],
    Meta(
        min_length=1,
        description="files of the snippet folder (relative to it) the tool reads; each must exist",
        extra_json_schema={"uniqueItems": True},
    ),
]
#: The finding codes a linter must report in a file kept wrong on purpose (the schema's ``expect``).
LintCodes = Annotated[
    tuple[Annotated[str, Meta(pattern="^(DL|SC)[0-9]{4}$")], ...],
    Meta(
        min_length=1,
        description="the exact set of finding codes a file kept wrong on purpose yields",
        extra_json_schema={"uniqueItems": True},
    ),
]
#: A Go check's module folder (the schema's ``go-dir``).
GoDir = Annotated[
    str,
    Meta(
        min_length=1,
        description="the Go module's folder, relative to the snippet folder; default: the build context",
    ),
]
#: Vulnerability IDs a govulncheck scan must report as called.
VulnIds = Annotated[
    tuple[Annotated[str, Meta(pattern="^GO-[0-9]{4}-[0-9]+$")], ...],
    Meta(
        min_length=1,
        description=(
            "the exact set of vulnerability IDs the scan must report as called; none called: leave it out"
        ),
        extra_json_schema={"uniqueItems": True},
    ),
]
_BUILTIN = "a schema check-jsonschema ships (vendor.travis, vendor.github-workflows): no network"
_DB = "golang.org/x/vulndb at this pseudo-version is the database: a snippet input, as its files are"
_MODE = "source: the module in dir (the default); binary: the program at path in the final image"
_GO = "source mode: the Go release whose standard library is judged (GOTOOLCHAIN, from the module proxy)"
_PSEUDO_VERSION = "^v[0-9]+\\.[0-9]+\\.[0-9]+-(0\\.|pre\\.0\\.)?[0-9]{14}-[0-9a-f]{12}$"
_MODFILE = (
    "source mode: another go.mod for the same code (its go.sum beside it as .sum), relative to the snippet "
    "folder: dir is scanned as a copy with these as its go.mod and go.sum"
)
#: An environment value as YAML gives it (``deploy-e2e`` passes it on as a string).
EnvValue = str | int | float | bool


class CheckBase(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field="tool"):
    """What every check has: its tool (the tag) and the name it may be recorded under."""

    #: the ``tool:`` it is written with (each class's tag)
    tool: ClassVar[str]
    #: what the schema says the tool does (``check-<tool>``'s description), if it says anything
    description: ClassVar[str | None] = None
    #: what the schema adds to the generated keys (``if``/``then`` of one tool's rules)
    schema: ClassVar[dict[str, Any]] = {}
    #: keys whose schema points at a shared definition written by hand (with what the use adds)
    shared: ClassVar[dict[str, dict[str, Any]]] = {}
    #: the manifest's ``name:``; ``name`` is what the result records
    explicit_name: CheckName | None = msgspec.field(default=None, name="name")

    @property
    def name(self) -> str:
        """The name recorded in the result: ``hadolint Dockerfile``, or the manifest's ``name``."""
        if self.explicit_name:
            return self.explicit_name
        return " ".join([self.tool, *self.named_files])

    @property
    def named_files(self) -> tuple[str, ...]:
        """The files the tool reads (``files:``), relative to the snippet folder."""
        return ()

    def paths(self) -> tuple[tuple[str, str], ...]:
        """Each (key, file) the check names, relative to the snippet folder: each must exist there."""
        return tuple((f"files[{n}]", name) for n, name in enumerate(self.named_files))

    @property
    def folder(self) -> str | None:
        """The folder the check runs in (``dir:``), relative to the snippet folder, if it names one."""
        return None


class FilesCheck(CheckBase, frozen=True, kw_only=True):
    """A linter over the snippet's own files."""

    files: Files

    @property
    def named_files(self) -> tuple[str, ...]:
        """The files the linter reads."""
        return self.files


class HadolintCheck(FilesCheck, frozen=True, kw_only=True, tag="hadolint"):
    """Lint Dockerfiles: clean, or exactly the ``expect:`` codes."""

    tool: ClassVar[Literal["hadolint"]] = "hadolint"
    expect: LintCodes = ()


class ShellcheckCheck(FilesCheck, frozen=True, kw_only=True, tag="shellcheck"):
    """Lint shell scripts a reader copies: clean, or exactly the ``expect:`` codes."""

    tool: ClassVar[Literal["shellcheck"]] = "shellcheck"
    expect: LintCodes = ()


class YamllintCheck(FilesCheck, frozen=True, kw_only=True, tag="yamllint"):
    """Lint pipeline YAML."""

    tool: ClassVar[Literal["yamllint"]] = "yamllint"


class JsonschemaCheck(FilesCheck, frozen=True, kw_only=True, tag="jsonschema"):
    """Validate files against a schema check-jsonschema ships."""

    tool: ClassVar[Literal["jsonschema"]] = "jsonschema"
    builtin: Annotated[
        str,
        Meta(
            pattern="^[a-z0-9][a-z0-9._-]*$",
            description=_BUILTIN,
        ),
    ]


class ActionlintCheck(FilesCheck, frozen=True, kw_only=True, tag="actionlint"):
    """Lint GitHub Actions workflows."""

    tool: ClassVar[Literal["actionlint"]] = "actionlint"


class GoCheck(CheckBase, frozen=True, kw_only=True):
    """A Go check on the host, in the module of ``dir`` (default: the build context)."""

    dir: GoDir | None = None

    @property
    def folder(self) -> str | None:
        """The module's folder, if the manifest names one."""
        return self.dir


class GoVetCheck(GoCheck, frozen=True, kw_only=True, tag="go-vet"):
    """``go vet ./...``."""

    tool: ClassVar[Literal["go-vet"]] = "go-vet"


class GoTestCheck(GoCheck, frozen=True, kw_only=True, tag="go-test"):
    """``go test ./...``, with ``-race`` and ``-cover`` as asked."""

    tool: ClassVar[Literal["go-test"]] = "go-test"
    race: bool = False
    cover: bool = False


class GovulncheckCheck(GoCheck, frozen=True, kw_only=True, tag="govulncheck"):
    """Scan the module (or the built binary) against a pinned vulnerability database."""

    tool: ClassVar[Literal["govulncheck"]] = "govulncheck"
    description: ClassVar[str | None] = (
        "scan for Go vulnerabilities the code calls, against a pinned database "
        "(scripts/journey/verify/vulncheck.py)"
    )
    schema: ClassVar[dict[str, Any]] = {
        "if": {"required": ["mode"], "properties": {"mode": {"const": "binary"}}},
        "then": {
            "required": ["path"],
            "not": {"anyOf": [{"required": ["dir"]}, {"required": ["go"]}, {"required": ["modfile"]}]},
        },
        "else": {"required": ["go"], "not": {"required": ["path"]}},
    }
    db: Annotated[
        str,
        Meta(
            pattern=_PSEUDO_VERSION,
            description=_DB,
        ),
    ]
    mode: Annotated[
        Literal["source", "binary"],
        Meta(description=_MODE),
    ] = "source"
    path: (
        Annotated[
            str, Meta(pattern="^/", description="binary mode: the program's absolute path in the final image")
        ]
        | None
    ) = None
    modfile: Annotated[str, Meta(pattern="\\.mod$", description=_MODFILE)] | None = None
    go: (
        Annotated[
            str,
            Meta(
                pattern="^1\\.[0-9]+\\.[0-9]+$",
                description=_GO,
            ),
        ]
        | None
    ) = None
    expect: VulnIds = ()

    def paths(self) -> tuple[tuple[str, str], ...]:
        """Name the other go.mod a source scan reads (``modfile:``), if any."""
        return (("modfile", self.modfile),) if self.modfile is not None else ()


class DeployE2ECheck(CheckBase, frozen=True, kw_only=True, tag="deploy-e2e"):
    """Run a deploy script against a loopback ECR emulator and registry (``journey.verify.deploy``)."""

    tool: ClassVar[Literal["deploy-e2e"]] = "deploy-e2e"
    description: ClassVar[str | None] = (
        "run a deploy script against a loopback ECR emulator and registry (scripts/journey/verify/deploy.py)"
    )
    schema: ClassVar[dict[str, Any]] = {
        "if": {"required": ["registry"], "properties": {"registry": {"const": "ecr-hostname"}}},
        "then": {"properties": {"env": {"required": ["AWS_ACCOUNT_ID"]}}},
    }
    shared: ClassVar[dict[str, dict[str, Any]]] = {
        "command": {"description": "how to call it; default: ./<script>", "$ref": "#/$defs/command"},
        "env": {
            "description": "the script's variables; the check needs the region and the image to push",
            "$ref": "#/$defs/env",
            "required": ["AWS_REGION", "IMAGE_NAME"],
        },
        "tags": {
            "description": "tags that must reach the registry; default: latest",
            "$ref": "#/$defs/strings",
        },
        "also_show": {
            "description": "commands whose output the page shows beside the script's",
            "$ref": "#/$defs/strings",
        },
    }
    script: Annotated[str, Meta(min_length=1, description="the script, a file of the snippet folder")]
    command: tuple[str, ...] | None = None
    env: dict[str, EnvValue]
    registry: Annotated[
        Literal["override", "ecr-hostname"],
        Meta(
            description=(
                "override: REGISTRY_URL points at the registry; ecr-hostname: the real ECR name, "
                "mapped to loopback (root)"
            )
        ),
    ] = "override"
    refuse_login: Annotated[
        bool, Meta(description="the registry refuses the password: the script must fail, push nothing")
    ] = False
    tags: tuple[str, ...] = ()
    also_show: tuple[str, ...] = ()
    missing: (
        Annotated[
            str,
            Meta(
                pattern="^[A-Za-z_][A-Za-z0-9_]*$",
                description="run without this variable: the script must stop at once, naming it",
            ),
        ]
        | None
    ) = None

    def paths(self) -> tuple[tuple[str, str], ...]:
        """Name the script it runs."""
        return (("script", self.script),)


#: One ``checks:`` item: the class is the tool (``journey.verify.tools.TOOLS`` runs each).
Check = (
    HadolintCheck
    | ShellcheckCheck
    | YamllintCheck
    | JsonschemaCheck
    | ActionlintCheck
    | GoVetCheck
    | GoTestCheck
    | DeployE2ECheck
    | GovulncheckCheck
)
#: Every tool, in the schema's order: the tag each class is written with, and the class.
CHECK_TYPES: dict[str, type[Check]] = {
    kind.tool: kind
    for kind in (
        HadolintCheck,
        ShellcheckCheck,
        YamllintCheck,
        JsonschemaCheck,
        ActionlintCheck,
        GoVetCheck,
        GoTestCheck,
        DeployE2ECheck,
        GovulncheckCheck,
    )
}
#: Tools that drive the Docker engine (``journey.verify.tools`` marks the same ones ``uses_engine``).
ENGINE_CHECKS: tuple[type[Check], ...] = (DeployE2ECheck,)


def check(raw: dict[str, Any]) -> Check:
    """Turn one ``checks:`` mapping that ``manifest.schema.json`` accepted into its tool's class."""
    item: Check = msgspec.convert(raw, Check)
    return item
