"""The ``journey`` command line: every option declared here, and the only place errors become exit codes.

Each command is a plain function in its own module under ``journey.commands`` taking one typed options
object (``journey.core.options``); this module builds that object from the flags, with every cross-check in
:func:`options_for`, and imports a command's module only when that command runs (``COMMANDS``), so
``journey --help`` and ``journey check`` do not pay for the Docker SDK. No command imports this module.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import textwrap
import threading
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journey import __version__
from journey.core import options as opts
from journey.core.errors import MEANINGS, ExitCode, JourneyError, StaleError, UsageError, VerificationError
from journey.core.layout import crash_log, root_from

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

#: command -> (module, function, one-line help). The function takes the command's options object.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "verify": (
        "journey.commands.verify",
        "run_verify",
        "build, run, probe, measure and record snippets whose files changed (--all: every snippet)",
    ),
    "plan": (
        "journey.commands.plan",
        "run_plan",
        "no engine: which results are trusted as recorded, what to verify, the fan-out's matrix and cost",
    ),
    "merge": (
        "journey.commands.merge",
        "run_merge",
        "lay the fan-out's per-snippet results over this checkout, with one drift report and timings",
    ),
    "check": (
        "journey.commands.check",
        "run_check",
        "no engine: results fresh, fragments current, includes resolve, every file shown, nav complete",
    ),
    "list": (
        "journey.commands.listing",
        "run_list",
        "every snippet with its recorded measurements and provenance",
    ),
    "render": (
        "journey.commands.render",
        "run_render",
        "re-make the page fragments from the recorded results",
    ),
    "bases": (
        "journey.commands.bases",
        "run_bases",
        "every base image the snippets name: present, pulled, or built",
    ),
    "new": ("journey.commands.new", "run_new", "scaffold a volume or a snippet"),
    "clean": (
        "journey.commands.clean",
        "run_clean",
        "remove what killed runs left (containers, temp images, builders, /tmp folders); never a live run's",
    ),
}


def exit_codes_help() -> str:
    """Return the exit code table every ``--help`` ends with, from ``errors.MEANINGS`` (the one place)."""
    lines = ["exit codes:"]
    for code in ExitCode:
        text = MEANINGS[code].replace("`", "")
        lines += textwrap.wrap(text, width=100, initial_indent=f"  {int(code):<5}", subsequent_indent=" " * 7)
    return "\n".join(lines)


#: Shown under ``journey --help`` and each command's: scripts and CI branch on these.
EXIT_CODES_HELP = exit_codes_help()


def _at_least_one(text: str) -> int:
    """Parse a count or a number of seconds that must be at least 1 (argparse shows the message)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def _snippet_ids(parser: argparse.ArgumentParser, text: str) -> None:
    parser.add_argument("snippets", nargs="*", metavar="SNIPPET", help=text)


def _verify_flags(parser: argparse.ArgumentParser) -> None:
    _snippet_ids(parser, "snippet ids or volume names (default: all)")
    parser.add_argument(
        "--all",
        action="store_true",
        help="re-prove every selected snippet, not only those whose files changed (resumable: one this "
        "machine already verified with the same inputs is skipped)",
    )
    parser.add_argument(
        "--report",
        metavar="DIR",
        help="with --all: write drift.md, drift.json and timings.json there; exit 6 when a figure moved",
    )
    parser.add_argument("--force", action="store_true", help="verify even when the input digest is unchanged")
    parser.add_argument(
        "--jobs",
        "-j",
        type=_at_least_one,
        default=opts.DEFAULT_JOBS,
        help=f"snippets verified at once (default {opts.DEFAULT_JOBS})",
    )
    parser.add_argument(
        "--build-jobs",
        type=_at_least_one,
        default=opts.DEFAULT_BUILD_JOBS,
        help=f"builds and Go checks at once (default {opts.DEFAULT_BUILD_JOBS}: a quarter of the cores)",
    )
    parser.add_argument(
        "--idle-timeout",
        type=_at_least_one,
        default=opts.DEFAULT_IDLE_TIMEOUT,
        help="seconds a build or a check may go without output and without CPU progress before it is "
        f"stopped as hung (default {opts.DEFAULT_IDLE_TIMEOUT})",
    )
    parser.add_argument(
        "--timeout",
        type=_at_least_one,
        default=opts.DEFAULT_TIMEOUT,
        help="seconds per snippet for waits that do no work of their own: containers getting ready, probes, "
        f"loopback servers (default {opts.DEFAULT_TIMEOUT}); builds and checks are only ever stopped as hung",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="pass --no-cache to every docker buildx build (a truly cold build; the layer cache is not "
        "pruned); needs --force",
    )
    parser.add_argument(
        "--builder",
        metavar="NAME",
        help="build with this buildx builder (a remote BuildKit, a Kubernetes driver) instead of the "
        "engine's own; images are exported as docker tars and loaded into the engine to run and measure",
    )
    parser.add_argument(
        "--cache",
        metavar="SPEC",
        help="a BuildKit cache every build imports from and exports to (e.g. type=gha,scope=vol1-multistage "
        "in CI); needs a --builder that can export caches",
    )
    parser.add_argument("--json", action="store_true", help="the outcomes, with per-step seconds, as JSON")


def _bases_flags(parser: argparse.ArgumentParser) -> None:
    _snippet_ids(parser, "only the bases these snippets or volumes need")
    parser.add_argument("--offline", action="store_true", help="try no registry (also JOURNEY_OFFLINE=1)")
    parser.add_argument(
        "--rebuild", action="append", default=[], metavar="REF", help="rebuild this stand-in even if present"
    )
    parser.add_argument("--json", action="store_true", help="print the bases as JSON on stdout")
    parser.add_argument(
        "--no-record",
        action="store_true",
        help="do not write results/bases/ (bases.json, bases.md; only written when no SNIPPET is named)",
    )


def _new_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=["volume", "snippet"], help="what to create")
    parser.add_argument("target", help='the volume\'s title ("Tiny images"), or the snippet id (vol2/hello)')
    parser.add_argument("--title", help="the snippet's title (default: from its name)")


def _render_flags(parser: argparse.ArgumentParser) -> None:
    _snippet_ids(parser, "snippet ids or volumes (default all)")


def _plan_flags(parser: argparse.ArgumentParser) -> None:
    _snippet_ids(parser, "snippet ids or volumes (default all)")
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument(
        "--json", action="store_true", help="every snippet, the matrix, estimate, critical path"
    )
    shown.add_argument("--stale", action="store_true", help="only the ids a trusting verify would verify")
    shown.add_argument("--summary", action="store_true", help="the one line `make site` ends with")
    shown.add_argument(
        "--matrix", action="store_true", help="the fan-out's GitHub Actions matrix, on one line"
    )
    parser.add_argument(
        "--reverified", type=int, default=0, metavar="N", help="with --summary: snippets verified by this run"
    )


def _merge_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "parts", nargs="+", metavar="PART", help="a fan-out entry's folder (results/, build/report/)"
    )
    parser.add_argument(
        "--report", metavar="DIR", help="write the combined drift report there; exit 6 on drift"
    )


def _list_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="everything recorded, as JSON")


def _clean_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="say what would be removed, remove nothing")


def build_parser() -> argparse.ArgumentParser:
    """Declare every command and option of ``journey``."""
    parser = argparse.ArgumentParser(
        prog="journey",
        description="Build, run, measure and record every snippet; check the site against the results.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"journey {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    flags: dict[str, Callable[[argparse.ArgumentParser], None]] = {
        "verify": _verify_flags,
        "bases": _bases_flags,
        "new": _new_flags,
        "render": _render_flags,
        "list": _list_flags,
        "plan": _plan_flags,
        "merge": _merge_flags,
        "clean": _clean_flags,
    }
    for command, (_module, _function, text) in COMMANDS.items():
        child = sub.add_parser(
            command,
            help=text,
            description=text,
            epilog=EXIT_CODES_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        child.add_argument("--root", help="repository root (default: found from the working folder up)")
        if command in flags:
            flags[command](child)
    return parser


def _verify_options(args: argparse.Namespace, root: Path, ids: tuple[str, ...]) -> opts.VerifyOptions:
    if args.no_cache and not args.force:
        raise UsageError("--no-cache rebuilds only snippets that get verified: add --force for all of them")
    if args.cache and not args.builder:
        raise UsageError("--cache goes with --builder (a builder that exports caches, like the fan-out's)")
    if args.report and not (args.all or args.force):
        raise UsageError("--report describes a re-verification: add --all")
    return opts.VerifyOptions(
        root,
        ids,
        force=args.force,
        jobs=args.jobs,
        timeout=args.timeout,
        idle_timeout=args.idle_timeout,
        build_jobs=args.build_jobs,
        json=args.json,
        no_cache=args.no_cache,
        builder=args.builder,
        all=args.all,
        cache=args.cache,
        report=Path(args.report).resolve() if args.report else None,
    )


def _bases_options(args: argparse.Namespace, root: Path, ids: tuple[str, ...]) -> opts.BasesOptions:
    record = not args.no_record and not ids
    return opts.BasesOptions(
        root, ids, offline=args.offline, rebuild=tuple(args.rebuild), json=args.json, record=record
    )


def _plan_options(args: argparse.Namespace, root: Path, ids: tuple[str, ...]) -> opts.PlanOptions:
    if args.reverified and not args.summary:
        raise UsageError("--reverified only goes with --summary")
    return opts.PlanOptions(
        root,
        ids,
        json=args.json,
        stale=args.stale,
        summary=args.summary,
        reverified=args.reverified,
        matrix=args.matrix,
    )


def _merge_options(args: argparse.Namespace, root: Path, _ids: tuple[str, ...]) -> opts.MergeOptions:
    parts = tuple(Path(p).resolve() for p in args.parts)
    missing = [str(p) for p in parts if not p.is_dir()]
    if missing:
        raise UsageError(f"no such part folder: {', '.join(missing)}")
    return opts.MergeOptions(root, parts, Path(args.report).resolve() if args.report else None)


#: command -> how its flags become its options object (commands without flags of their own are inline)
_OPTIONS: dict[str, Callable[[argparse.Namespace, Path, tuple[str, ...]], object]] = {
    "verify": _verify_options,
    "bases": _bases_options,
    "plan": _plan_options,
    "merge": _merge_options,
    "new": lambda args, root, _ids: opts.NewOptions(root, args.kind, args.target, args.title),
    "list": lambda args, root, _ids: opts.ListOptions(root, json=args.json),
    "render": lambda _args, root, ids: opts.RenderOptions(root, ids),
    "check": lambda _args, root, _ids: opts.CheckOptions(root),
    "clean": lambda args, root, _ids: opts.CleanOptions(root, dry_run=args.dry_run),
}


def options_for(args: argparse.Namespace) -> Any:  # noqa: ANN401 - one of the journey.core.options classes
    """Turn parsed flags into the command's options object; every cross-check of options is here."""
    ids = tuple(getattr(args, "snippets", ()) or ())
    return _OPTIONS[args.command](args, root_from(args.root), ids)


def run(command: str, options: object) -> int:
    """Import the command's module (only now: start-up stays fast) and call its function."""
    module_name, function, _text = COMMANDS[command]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        cause = f"`journey {command}` is not available: cannot import {module_name} ({exc})"
        raise UsageError(cause) from exc
    return int(getattr(module, function)(options))


def report(error: JourneyError) -> None:
    """Print an error the way a reader can act on it: problems on stdout, the message on stderr."""
    if isinstance(error, StaleError):
        sys.stdout.write("".join(f"{problem}\n" for problem in error.problems))
    sys.stderr.write(f"journey: {error.message}\n")
    if isinstance(error, VerificationError) and error.log_tail:
        sys.stderr.write("".join(f"    {line}\n" for line in error.log_tail.splitlines()))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the journey command line and return its exit code.

    SIGTERM takes Ctrl-C's path from the first thing ``main`` does (exit 130, never the -15 of a process
    killed by the signal's default action); ``verify`` keeps it so for its whole run
    (``runner.signals_interrupt``). The handler set before is put back on the way out.
    """
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if main_thread else None
    try:
        args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
        return _dispatch(args)
    except KeyboardInterrupt:
        sys.stderr.write("journey: interrupted; results left as they were\n")
        return int(ExitCode.INTERRUPTED)
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


def _dispatch(args: argparse.Namespace) -> int:
    """Run the command; map the tool's errors to their codes and anything else to a bug (exit 70)."""
    try:
        return run(args.command, options_for(args))
    except JourneyError as error:
        report(error)
        return int(error.exit_code)
    except Exception as exc:  # noqa: BLE001 - the edge: any other exception is a bug of ours, said as one
        return _internal_error(args.command, exc)


def _interrupt(_signum: int, _frame: object) -> None:
    """Turn SIGTERM into the path Ctrl-C takes (``KeyboardInterrupt``)."""
    raise KeyboardInterrupt


def _internal_error(command: str, exc: Exception) -> int:
    """Keep the traceback in a file and say plainly that this is the tool's fault, not the snippet's.

    Exit 1 means "a snippet failed": a crash of the tool must not look like that to CI or a script.
    """
    name = crash_log(command, "".join(traceback.format_exception(exc)))
    sys.stderr.write(
        f"journey: a bug in journey {command}: {type(exc).__name__}: {exc}\n"
        f"journey: the traceback is in {name}; please report it with that file\n"
    )
    return int(ExitCode.INTERNAL)
