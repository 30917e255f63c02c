"""The ``govulncheck`` check: Go vulnerabilities a snippet's code calls, against a pinned database.

Two modes, as govulncheck has them. ``source`` (the default) scans the Go module in ``dir:`` (or the
build context): it follows the call graph, so it tells a vulnerability the code *calls* from one it
only imports or requires. The standard library it judges is that of the Go release ``go:`` pins
(``GOTOOLCHAIN``, fetched through the module proxy), not whichever Go the machine has. ``binary``
scans the program the build put at ``path:`` in the final image: the Go release and the module
versions compiled into it, which is what ships, judged by the symbols it holds.

The database is ``golang.org/x/vulndb`` at the version the check's ``db:`` pins (``helpers.vulndb``
makes it from the Go module proxy); the first line of the recorded output names it and its date.
``expect:`` lists the vulnerability IDs the scan must report as called, exactly: one more (a new entry
in a newer database, a dependency that moved) or one fewer fails verification, naming them. A scan that
cannot run (exit 1: no module, a build error) fails as any check does.
"""

from __future__ import annotations

import contextlib
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import docker.errors

from journey.core.errors import VerificationError
from journey.engine.session import tail
from journey.helpers import vulndb
from journey.helpers.vulndb import found
from journey.verify.checks import execute, expectation_gap, go_workdir, tool_env

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from journey.model.check_spec import GovulncheckCheck
    from journey.verify.checks import CheckContext

#: govulncheck's exit codes in text mode: 0 nothing called, 3 something called; anything else failed.
SCANNED = {0, 3}


def govulncheck(ctx: CheckContext, check: GovulncheckCheck) -> dict[str, Any]:
    """Scan the snippet's module or its built binary; exactly the ``expect:`` IDs must be called."""
    step = f"check {check.name}"
    run = _runner(ctx, step)
    database = vulndb.database(ctx.root, check.db, run)
    scanner = vulndb.govulncheck(ctx.root, run)
    with _target(ctx, check, step) as (args, cwd):  # the tools' runner holds the compile slot
        argv = [str(scanner), "-db", database.url, *args]
        returncode, output = execute(ctx, check, argv, cwd, _toolchain(check))
    judged = f", the standard library of go{check.go}" if check.go is not None else ""
    judged += f", requirements from {check.modfile}" if check.modfile is not None else ""
    header = f"govulncheck {vulndb.GOVULNCHECK.version}, database {database.describe()}{judged}\n\n"
    if returncode not in SCANNED:
        raise VerificationError(
            f"govulncheck exited {returncode}", snippet=ctx.snippet.id, step=step, log_tail=tail(output)
        )
    gap = expectation_gap(check.expect, found(output))
    if gap is not None:
        raise VerificationError(gap, snippet=ctx.snippet.id, step=step, log_tail=tail(output))
    return {"name": check.name, "ok": True, "output": header + output}


def _toolchain(check: GovulncheckCheck) -> dict[str, str]:
    """Pin the Go a source scan asks (``go:``): its standard library is what is judged, on any machine."""
    return {"GOTOOLCHAIN": f"go{check.go}"} if check.go is not None else {}


@contextlib.contextmanager
def _target(ctx: CheckContext, check: GovulncheckCheck, step: str) -> Iterator[tuple[list[str], Path]]:
    """Yield govulncheck's arguments and folder: the module (or its copy with ``modfile:``), or the binary."""
    binary = check.path if check.mode == "binary" else None
    if check.mode == "binary" and binary is None:  # only a check made in code: the schema needs `path:`
        raise VerificationError("binary mode needs `path:`", snippet=ctx.snippet.id, step=step)
    if binary is None and check.modfile is None:
        yield ["./..."], go_workdir(ctx, check)
        return
    with tempfile.TemporaryDirectory(prefix="journey-vulncheck-") as tmp:
        if binary is not None:
            program = _copy_out(ctx, binary, Path(tmp), step)
            yield ["-mode", "binary", program.name], Path(tmp)
        elif check.modfile is not None:
            yield ["./..."], _with_modfile(go_workdir(ctx, check), ctx.snippet.dir / check.modfile, Path(tmp))


def _with_modfile(module: Path, modfile: Path, folder: Path) -> Path:
    """Copy the module's files into ``folder`` with ``modfile`` (and its ``.sum``) as its go.mod and go.sum.

    The same code with other requirements: what a ``go get`` would leave. A copy rather than go's
    ``-modfile`` flag, which govulncheck passes to go commands it runs outside the module, where go
    refuses it. Only regular files of the module's own folder are copied (no links, no subfolders).
    """
    copy = folder / module.name
    copy.mkdir()
    for item in module.iterdir():
        if item.is_file() and not item.is_symlink():
            shutil.copyfile(item, copy / item.name)
    shutil.copyfile(modfile, copy / "go.mod")
    shutil.copyfile(modfile.with_suffix(".sum"), copy / "go.sum")
    return copy


def _copy_out(ctx: CheckContext, path: str, folder: Path, step: str) -> Path:
    """Copy one file out of the built image (a created, never started container), into ``folder``."""
    if ctx.image_id is None:
        raise VerificationError("binary mode needs a built image", snippet=ctx.snippet.id, step=step)
    labels = ctx.session.labels_for(ctx.snippet.id)
    try:
        container = ctx.session.client.containers.create(ctx.image_id, labels=labels)
    except docker.errors.APIError as exc:
        cause = f"cannot create a container of the image: {exc}"
        raise VerificationError(cause, snippet=ctx.snippet.id, step=step) from exc
    archive = folder / "file.tar"
    try:
        chunks, _ = container.get_archive(path)
        with archive.open("wb") as out:
            for chunk in chunks:
                out.write(chunk)
    except docker.errors.NotFound as exc:
        raise VerificationError(f"{path} is not in the image", snippet=ctx.snippet.id, step=step) from exc
    finally:
        with contextlib.suppress(docker.errors.DockerException):
            container.remove(force=True)
    try:
        return _extract(archive, folder / Path(path).name, f"{path} is not a regular file in the image")
    except ValueError as exc:
        raise VerificationError(str(exc), snippet=ctx.snippet.id, step=step) from exc
    finally:
        archive.unlink()


def _extract(archive: Path, target: Path, refusal: str) -> Path:
    """Write the one regular file of ``archive`` (what ``docker cp`` gives) to ``target``, by content only.

    Only the file's bytes are copied (no name, link or mode from the archive), so nothing in it can
    write outside ``target``; anything but one regular file raises ``ValueError(refusal)``.
    """
    with tarfile.open(archive) as opened:
        member = next((m for m in opened.getmembers() if m.isfile()), None)
        source = opened.extractfile(member) if member is not None else None
        if source is None:
            raise ValueError(refusal)
        with source, target.open("wb") as copy:
            shutil.copyfileobj(source, copy)
    return target


def _runner(ctx: CheckContext, step: str) -> Callable[[list[str], dict[str, str]], str]:
    """Return how ``helpers.vulndb`` runs ``go`` here: the one runner, its watchdog, the tools' env."""

    def run(argv: list[str], extra: dict[str, str]) -> str:
        what = VerificationError("", snippet=ctx.snippet.id, step=step)
        result = ctx.session.run_process(argv, idle=ctx.idle, env={**tool_env(ctx.root), **extra}, what=what)
        if result.returncode != 0:
            cause = f"{' '.join(argv[:3])} exited {result.returncode}"
            raise VerificationError(cause, snippet=ctx.snippet.id, step=step, log_tail=tail(result.output))
        return result.output

    return run
