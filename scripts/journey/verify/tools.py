"""Every check tool a manifest can name, in one table, and the two ways a verify run runs them.

``TOOLS`` maps each check class of ``journey.model.check_spec`` (the ``tool:`` of ``snippet.yml``) to its
runner and to what the run must know about it; a run looks a check's class up, no ``tool`` string is
compared. It is written out with plain imports instead of filled in by runners that register themselves
when their module is imported: a reader finds every tool here, and a tool cannot go missing because
nothing happened to import its module. Each row is made by ``_row``, so mypy holds each runner to the
class it is keyed by, and ``tests/unit/verify/test_tools.py`` holds the keys to ``check_spec.Check``.

Only the verify path imports this module: it pulls in the runners (and through ``deploy``, the
Docker SDK and cryptography), which ``journey check`` never needs.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from journey.core import process
from journey.engine import images
from journey.helpers import deploy_engine
from journey.model.check_spec import (
    ActionlintCheck,
    CheckBase,
    DeployE2ECheck,
    GoTestCheck,
    GoVetCheck,
    GovulncheckCheck,
    HadolintCheck,
    JsonschemaCheck,
    ShellcheckCheck,
    YamllintCheck,
)
from journey.verify import checks, deploy, vulncheck

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from journey.model.manifest import Snippet
    from journey.verify.checks import CheckContext

#: One check class, and the runner that takes it.
CheckT = TypeVar("CheckT", bound=CheckBase)


@dataclass(frozen=True)
class Version:
    """How a program a check runs says its own version: ``argv``, and the first version-like word."""

    program: str
    argv: tuple[str, ...]


#: The first word that looks like a version: ``2.15.1`` (also from ``v2.15.1``), ``2.8.2+ds1``, ``go1.26.8``.
_VERSION_RE = re.compile(r"(?<![\w.])v?((?:go)?\d+(?:\.\d+)+[^\s,;)]*)")
HADOLINT = Version("hadolint", ("hadolint", "--version"))
SHELLCHECK = Version("shellcheck", ("shellcheck", "--version"))
GO = Version("go", ("go", "version"))


@dataclass(frozen=True)
class Tool(Generic[CheckT]):
    """One check tool: its runner and what the run needs to know to schedule it."""

    #: returns the recorded outcome ``{"name", "ok", "output"}``, or raises
    run: Callable[[CheckContext, CheckT], dict[str, Any]]
    #: reads only the snippet's files: still run (and recorded) when the image cannot be built, so a
    #: page shows what hadolint says about a Dockerfile whose base is out of reach
    files_only: bool = False
    #: compiles Go on the host: holds the run's compile slot, so it never competes with a build
    compiles: bool = False
    #: drives the Docker engine (a snippet with such a check is "run", not only "checked"):
    #: ``check_spec.ENGINE_CHECKS`` names the same tools for the engine-free ``journey check``
    uses_engine: bool = False
    #: the programs it runs, each asked for its version, which results record (``environment.tools``)
    versions: tuple[Version, ...] = ()


def _engine_label(program: str, label: str) -> Version:
    """Return how to read the version of a program of the deploy engine's image: from its label."""
    return Version(
        program, images.cli_inspect_argv(deploy_engine.image_tag(), deploy_engine.label_format(label))
    )


def _row(kind: type[CheckT], tool: Tool[CheckT]) -> tuple[type[CheckBase], Tool[Any]]:
    """One row of ``TOOLS``: mypy holds the runner to the class the row is keyed by."""
    return kind, tool


TOOLS: dict[type[CheckBase], Tool[Any]] = dict(
    (
        _row(HadolintCheck, Tool(checks.hadolint, files_only=True, versions=(HADOLINT,))),
        _row(ShellcheckCheck, Tool(checks.shellcheck, files_only=True, versions=(SHELLCHECK,))),
        _row(
            YamllintCheck,
            Tool(
                checks.yamllint, files_only=True, versions=(Version("yamllint", ("yamllint", "--version")),)
            ),
        ),
        _row(
            JsonschemaCheck,
            Tool(
                checks.jsonschema,
                files_only=True,
                versions=(Version("check-jsonschema", ("check-jsonschema", "--version")),),
            ),
        ),
        # actionlint runs shellcheck over the workflow's run: scripts
        _row(
            ActionlintCheck,
            Tool(
                checks.actionlint,
                files_only=True,
                versions=(Version("actionlint", ("actionlint", "-version")), SHELLCHECK),
            ),
        ),
        _row(GoVetCheck, Tool(checks.go_vet, compiles=True, versions=(GO,))),
        _row(GoTestCheck, Tool(checks.go_test, compiles=True, versions=(GO,))),
        # the host's Go: a source scan judges the standard library of the Go that runs it
        _row(GovulncheckCheck, Tool(vulncheck.govulncheck, compiles=True, versions=(GO,))),
        _row(
            DeployE2ECheck,
            Tool(
                deploy.deploy_e2e,
                uses_engine=True,
                versions=(
                    Version("aws-cli", ("aws", "--version")),
                    # moto_server has no --version: the package says its own
                    Version("moto", ("python", "-c", "import moto; print(moto.__version__)")),
                    # the registry and the engine the scripts push through run in the private engine's
                    # image (journey.helpers.deploy_engine); its labels hold what they said they were
                    _engine_label("docker-registry", deploy_engine.LABEL_REGISTRY),
                    _engine_label("dockerd", deploy_engine.LABEL_DOCKERD),
                ),
            ),
        ),
    )
)


@cache
def program_version(root: Path, version: Version) -> str:
    """Ask a program for its version (once a run); ``unknown`` if it does not answer with one."""
    try:
        argv = [checks.tool_path(version.argv[0]), *version.argv[1:]]
        answer = process.run(
            argv, capture_output=True, text=True, timeout=60, check=False, env=checks.tool_env(root)
        )
    except (OSError, process.SubprocessError):
        return "unknown"
    found = _VERSION_RE.search(answer.stdout + answer.stderr)
    return found.group(1) if found else "unknown"


def tool_versions(root: Path, snippet: Snippet, *, files_only: bool = False) -> dict[str, str]:
    """Return the version of every program the snippet's checks run (``files_only``: file checks only)."""
    wanted = [
        version
        for check in snippet.checks
        if TOOLS[type(check)].files_only or not files_only
        for version in TOOLS[type(check)].versions
    ]
    return {version.program: program_version(root, version) for version in wanted}


def run_checks(ctx: CheckContext) -> list[dict[str, Any]]:
    """Run every check of the snippet in manifest order; the first failure raises."""
    results = []
    for check in ctx.snippet.checks:
        tool = TOOLS[type(check)]
        with ctx.compile_slot if tool.compiles else contextlib.nullcontext():
            results.append(tool.run(ctx, check))
    return results


def run_file_checks(ctx: CheckContext) -> list[dict[str, Any]]:
    """Run only the checks that need no image (linters), for a snippet recorded as not verified."""
    files_only = tuple(c for c in ctx.snippet.checks if TOOLS[type(c)].files_only)
    return run_checks(replace(ctx, snippet=replace(ctx.snippet, checks=files_only)))
