"""The ``journey`` command line: the only place errors become messages and exit codes.

``verify``, ``bases`` and ``new`` live in their own modules (engine work, base images, scaffolding);
they are imported only when their command runs, so ``journey check`` stays fast and engine-free,
and a module that is missing gives a clear message instead of a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journey import __version__
from journey.errors import ExitCode, JourneyError, StaleError, UsageError, VerificationError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from types import ModuleType

    from journey.manifest import Snippet
    from journey.record import Result

# command -> (module, function), imported lazily
DELEGATED = {
    "verify": ("journey.verify", "run_verify"),
    "bases": ("journey.bases", "run_bases"),
    "new": ("journey.new", "run_new"),
}
HELP = {
    "verify": "build, run, probe, measure and record snippets whose inputs changed",
    "check": "no engine: results fresh, fragments current, includes resolve, every file shown, nav complete",
    "list": "every snippet with its recorded measurements and provenance",
    "render": "re-make the page fragments from the recorded results",
    "bases": "every base image the snippets name: present, pulled, or built as a stand-in",
    "new": "scaffold a volume or a snippet",
}


#: Shown under ``journey --help``: scripts and CI branch on these (ARCHITECTURE.md has the same table).
EXIT_CODES_HELP = """exit codes:
  0    ok
  1    a snippet failed verification
  2    usage or manifest error (also: another journey verify holds the lock)
  3    no Docker engine answers
  4    stale or missing results, or a coverage gap (journey check)
  5    a base image cannot be had (not present, not pullable, no stand-in recipe)
  130  interrupted (Ctrl-C or SIGTERM): results untouched, containers and temp images removed"""

def find_root(start: Path | None = None) -> Path:
    """Return the nearest folder (from ``start`` up) holding ``mkdocs.yml`` or ``snippets/``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "mkdocs.yml").is_file() or (folder / "snippets").is_dir():
            return folder
    raise UsageError(f"no repository found from {here} upwards (no mkdocs.yml or snippets/)")


def _root(args: argparse.Namespace) -> Path:
    return Path(args.root).resolve() if getattr(args, "root", None) else find_root()


# --- built-in commands -------------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    """Run ``journey check``; each gap goes to stdout as ``path:line: problem (hint: …)``."""
    from journey.check import check  # noqa: PLC0415 - imported per command to keep start-up fast

    check(_root(args))
    sys.stderr.write("journey check: ok\n")
    return ExitCode.OK


def _snippet_entry(root: Path, snippet: Snippet) -> dict[str, Any]:
    """Describe one snippet for ``journey list --json``: manifest facts plus the recorded result."""
    from journey.digest import source_digest  # noqa: PLC0415
    from journey.record import read_result_quietly, result_path  # noqa: PLC0415

    result = read_result_quietly(result_path(root, snippet.id))
    where = snippet.dir.relative_to(root).as_posix() if snippet.dir.is_relative_to(root) else str(snippet.dir)
    return {
        "snippet": snippet.id,
        "title": snippet.title,
        "summary": snippet.summary,
        "dir": where,
        "status": result["status"] if result else "missing",
        "fresh": result is not None and result["source_digest"] == source_digest(snippet),
        "result": result,
    }


def _list_line(entry: dict[str, Any]) -> str:
    """Return one human-readable line of ``journey list``."""
    from journey.render import format_size  # noqa: PLC0415

    result: Result | None = entry["result"]
    final = next((i for i in (result or {"images": []})["images"] if i["role"] == "final"), None)
    sizes = ""
    if final:
        sizes = f"{format_size(final['size'])} ({format_size(final['compressed_size'])} compressed)"
    fresh = "" if entry["fresh"] or result is None else " STALE"
    return f"{entry['snippet']:<32} {entry['status']}{fresh:<6} {sizes}".rstrip()


def cmd_list(args: argparse.Namespace) -> int:
    """Run ``journey list``: one line per snippet, or everything as JSON with ``--json``."""
    from journey.manifest import all_snippets, discover  # noqa: PLC0415

    root = _root(args)
    entries = [_snippet_entry(root, s) for s in all_snippets(discover(root))]
    if args.json:
        sys.stdout.write(json.dumps(entries, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write("".join(_list_line(e) + "\n" for e in entries))
    return ExitCode.OK


def cmd_render(args: argparse.Namespace) -> int:
    """Run ``journey render``: rewrite fragments from recorded results (changed files only)."""
    from journey.manifest import discover, select  # noqa: PLC0415
    from journey.record import read_result, result_path  # noqa: PLC0415
    from journey.render import write_snippet_fragments, write_volume_fragments  # noqa: PLC0415

    root = _root(args)
    volumes = discover(root)
    wanted = {s.id for s in select(volumes, args.snippets)}
    changed: list[Path] = []
    for volume in volumes:
        results = {s.id: read_result(result_path(root, s.id)) for s in volume.snippets}
        for snippet in volume.snippets:
            result = results[snippet.id]
            if snippet.id in wanted and result is not None:
                changed += write_snippet_fragments(root, snippet, result)
            elif snippet.id in wanted:
                sys.stderr.write(f"{snippet.id}: no recorded result (run `journey verify {snippet.id}`)\n")
        changed += write_volume_fragments(root, volume, results)
    sys.stdout.write("".join(f"rendered {p.relative_to(root)}\n" for p in changed))
    return ExitCode.OK


BUILTIN: dict[str, Callable[[argparse.Namespace], int]] = {
    "check": cmd_check,
    "list": cmd_list,
    "render": cmd_render,
}


# --- delegated commands ------------------------------------------------------------------------------


def _import(command: str) -> ModuleType:
    """Import a delegated command's module, or say clearly that this build lacks it."""
    module_name, _ = DELEGATED[command]
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        cause = f"`journey {command}` is not available: cannot import {module_name} ({exc})"
        raise UsageError(cause, step=command) from exc


def run_delegated(args: argparse.Namespace) -> int:
    """Call the delegated command's ``run_*(args)`` and return its exit code."""
    module_name, function = DELEGATED[args.command]
    run = getattr(_import(args.command), function, None)
    if run is None:
        raise UsageError(f"`journey {args.command}` is not available: {module_name} has no {function}()")
    return int(run(args))


def _default_arguments(command: str, parser: argparse.ArgumentParser) -> None:
    """Declare the arguments a delegated command takes when its module declares none."""
    if command == "new":
        parser.add_argument("kind", choices=["volume", "snippet"], help="what to create")
        parser.add_argument("target", help="the volume's title, or the snippet id (vol2/hello)")
        parser.add_argument("--title", help="the snippet's title")
        return
    parser.add_argument("snippets", nargs="*", metavar="SNIPPET", help="snippet ids or volumes (default all)")
    parser.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    if command == "verify":
        parser.add_argument("--force", action="store_true", help="rebuild even if the inputs are unchanged")
        parser.add_argument("-j", "--jobs", type=int, default=2, help="snippets verified at once (default 2)")
        parser.add_argument("--timeout", type=int, help="seconds per snippet (default: from the manifest)")


def _delegated_arguments(command: str, parser: argparse.ArgumentParser, chosen: bool) -> None:
    """Let the command's module declare its arguments (``add_arguments``), but only if it runs now."""
    if chosen:
        try:
            module = _import(command)
        except UsageError:
            module = None
        declare = getattr(module, "add_arguments", None)
        if declare is not None:
            declare(parser)
            return
    _default_arguments(command, parser)


# --- parser and main ---------------------------------------------------------------------------------


def _chosen_command(argv: Sequence[str]) -> str | None:
    """Return the sub-command named on the command line (the first non-option word)."""
    return next((word for word in argv if not word.startswith("-")), None)


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """Build the parser; a delegated command's own arguments are loaded only when it is chosen."""
    parser = argparse.ArgumentParser(
        prog="journey",
        description="Build, run, measure and record every snippet; check the site against the results.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"journey {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = _chosen_command(argv)
    for command, text in HELP.items():
        child = sub.add_parser(command, help=text, description=text)
        child.add_argument("--root", help="repository root (default: found from the working folder up)")
        if command in DELEGATED:
            _delegated_arguments(command, child, chosen == command)
        elif command == "render":
            child.add_argument("snippets", nargs="*", metavar="SNIPPET", help="snippet ids or volumes")
        elif command == "list":
            child.add_argument("--json", action="store_true", help="everything recorded, as JSON")
    return parser


def report(error: JourneyError) -> None:
    """Print an error the way a reader can act on it: problems on stdout, the message on stderr."""
    if isinstance(error, StaleError):
        sys.stdout.write("".join(f"{problem}\n" for problem in error.problems))
    sys.stderr.write(f"journey: {error.message}\n")
    if isinstance(error, VerificationError) and error.log_tail:
        sys.stderr.write("".join(f"    {line}\n" for line in error.log_tail.splitlines()))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the journey command line and return its exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(words).parse_args(words)
    try:
        if args.command in DELEGATED:
            return run_delegated(args)
        return BUILTIN[args.command](args)
    except JourneyError as error:
        report(error)
        return int(error.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("journey: interrupted; results left as they were\n")
        return int(ExitCode.INTERRUPTED)
