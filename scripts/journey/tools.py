"""Every check tool a manifest can name, in one table, and the two ways a verify run runs them.

``TOOLS`` maps the ``tool:`` of ``snippet.yml`` to its runner and to what the run must know about
it. It is written out with plain imports instead of filled in by runners that register themselves
when their module is imported: a reader finds every tool here, and a tool cannot go missing because
nothing happened to import its module. Its names are the ``tool`` enum of ``manifest.schema.json``
(``tests/unit/test_tools.py`` holds the two together); the schema refuses a manifest with an unknown
tool or key when it is loaded, so by the time this runs every check is one of these.

Only the verify path imports this module: it pulls in the runners (and through ``deploy``, the
Docker SDK and cryptography), which ``journey check`` never needs.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from journey import checks, deploy
from journey.errors import VerificationError

if TYPE_CHECKING:
    from journey.checks import CheckContext, CheckRunner


@dataclass(frozen=True)
class Tool:
    """One check tool: its runner and what the run needs to know to schedule it."""

    run: CheckRunner
    #: reads only the snippet's files: still run (and recorded) when the image cannot be built, so a
    #: page shows what hadolint says about a Dockerfile whose base is out of reach
    files_only: bool = False
    #: compiles Go on the host: holds the run's compile slot, so it never competes with a build
    compiles: bool = False


TOOLS: dict[str, Tool] = {
    "hadolint": Tool(checks.hadolint, files_only=True),
    "shellcheck": Tool(checks.shellcheck, files_only=True),
    "yamllint": Tool(checks.yamllint, files_only=True),
    "jsonschema": Tool(checks.jsonschema, files_only=True),
    "actionlint": Tool(checks.actionlint, files_only=True),
    "go-vet": Tool(checks.go_vet, compiles=True),
    "go-test": Tool(checks.go_test, compiles=True),
    "deploy-e2e": Tool(deploy.deploy_e2e),
}


def run_checks(ctx: CheckContext) -> list[dict[str, Any]]:
    """Run every check of the snippet in manifest order; the first failure raises."""
    results = []
    for check in ctx.snippet.checks:
        tool = TOOLS.get(check.tool)
        if tool is None:  # only a Check made in code gets here: a manifest's schema knows these names
            raise VerificationError(
                f"unknown check tool {check.tool!r} (known: {', '.join(sorted(TOOLS))})",
                snippet=ctx.snippet.id,
                step=f"check {check.name}",
            )
        with ctx.compile_slot if tool.compiles else contextlib.nullcontext():
            results.append(tool.run(ctx, check))
    return results


def run_file_checks(ctx: CheckContext) -> list[dict[str, Any]]:
    """Run only the checks that need no image (linters), for a snippet recorded as not verified."""
    files_only = tuple(c for c in ctx.snippet.checks if c.tool in TOOLS and TOOLS[c.tool].files_only)
    return run_checks(replace(ctx, snippet=replace(ctx.snippet, checks=files_only)))
