"""The run around the snippets: one writer at a time, workers in parallel, Ctrl-C and SIGTERM.

One run holds a file lock (``.cache/verify.lock``) so two runs never race on results; each snippet
is verified in a worker thread (bounded by ``--jobs``). Ctrl-C or SIGTERM stops everything, removes
what the run created, and leaves results untouched. What a run killed outright (SIGKILL, out of
memory) left is removed by the sweep at the start of the next one (``journey.engine.sweep``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING

from journey.core import locks
from journey.core.errors import InterruptedRunError, UsageError
from journey.core.layout import cache_dir
from journey.engine import sweep

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from journey.core.progress import Outcome
    from journey.model.manifest import Snippet
    from journey.verify.pipeline import Context, Plan


#: Seconds between two sweeps while interrupted workers stop: each sweep signals the children and removes
#: the containers a worker started after the last one (it was already creating them when the signal came).
SWEEP_SECONDS = 1.0
#: After this long, say which snippets are still stopping: a silent wait looks like a hang.
SLOW_STOP_SECONDS = 10.0


class BusyError(UsageError):
    """Another ``journey verify`` holds the lock (exit 2): results must have one writer."""


@contextlib.contextmanager
def verify_lock(root: Path) -> Iterator[None]:
    """Hold ``.cache/verify.lock`` for the run, sweep what ended runs left, and give the run a scratch folder.

    Refuses at once (exit 2) if another run holds the lock. Then, before the run creates anything, the
    sweep removes what runs killed outright left (``sweep.at_start``: never a live run's), and every
    temporary folder of this run goes into one marked scratch folder (``sweep.scratch``), removed at the
    end, or by a later sweep if this run is killed. This process's run records are dropped at the end
    when their runs cleaned up after themselves.
    """
    path = cache_dir(root, "verify.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as lock:  # leaving it closes the lock file, which releases the lock
        try:
            lock.enter_context(
                locks.held(
                    path, locks.TRY_ONCE, stamp=f"{os.getpid()}\n", permissions=0o644, follow_symlinks=True
                )
            )
        except locks.LockTaken as taken:
            holder = taken.written[:32].decode(errors="replace").strip() or "unknown"
            raise BusyError(
                f"another `journey verify` (pid {holder}) is running in {root}; "
                "wait for it to finish, then run again",
                step="lock",
            ) from None
        sweep.at_start(_say)
        try:
            with sweep.scratch():
                yield
        finally:
            sweep.drop_finished()  # after an interrupt too: the run's cleanup marked its record clean


def _say(line: str) -> None:
    """Tell what the sweep did, before the run's own progress view starts."""
    sys.stderr.write(f"journey: {line}\n")


def run_all(ctx: Context, snippets: list[Plan], work: Callable[[Context, Plan], Outcome]) -> list[Outcome]:
    """Verify snippets in parallel; on Ctrl-C/SIGTERM stop, clean up and raise InterruptedRunError.

    First the engine is swept too (``sweep.sweep``): a run that works on the engine removes what ended
    runs left there, even when no record of theirs was waiting (it looked for those at the start).
    """
    if ctx.session.client is not None:
        swept = sweep.sweep(ctx.session.client)
        for line in swept.removed:
            ctx.reporter.note(f"sweep: removed {line}")
        for line in swept.problems:
            ctx.reporter.warn(f"sweep: could not remove {line}")
    pool = ThreadPoolExecutor(max_workers=ctx.options.jobs, thread_name_prefix="verify")
    finished: dict[str, Outcome] = {}
    futures: dict[Future[Outcome], Snippet] = {}
    try:
        futures.update((pool.submit(work, ctx, p), p.snippet) for p in snippets)
        _collect(ctx, futures, finished)
    except KeyboardInterrupt:
        _stop(ctx, pool, futures)
        raise InterruptedRunError(
            "interrupted: containers and temporary images of this run removed, results untouched",
            step="verify",
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for problem in ctx.session.cleanup():
            ctx.reporter.warn(f"cleanup: {problem}")
    return [finished[p.snippet.id] for p in snippets if p.snippet.id in finished]


@contextlib.contextmanager
def signals_interrupt() -> Iterator[None]:
    """Make SIGTERM take Ctrl-C's path for the whole run; restore both handlers afterwards."""
    previous = signal.signal(signal.SIGTERM, _raise_interrupt), signal.getsignal(signal.SIGINT)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1] or signal.default_int_handler)


def _raise_interrupt(_signum: int, _frame: object) -> None:
    """Turn SIGTERM into the same path as Ctrl-C."""
    raise KeyboardInterrupt


def _collect(ctx: Context, futures: dict[Future[Outcome], Snippet], finished: dict[str, Outcome]) -> None:
    """Wait for workers in short slices, so a signal is handled at once, reporting each as it ends."""
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
        for future in done:
            outcome = future.result()
            finished[outcome.snippet] = outcome
            ctx.reporter.done(outcome)


def _stop(ctx: Context, pool: ThreadPoolExecutor, futures: dict[Future[Outcome], Snippet]) -> None:
    """Stop workers and remove what they made; further signals are ignored until cleanup is done.

    One cleanup is not enough: a worker that was inside ``containers.create`` when the signal came makes
    its container after that cleanup looked, and would wait on it. So until every worker has returned,
    each sweep cancels again (children started since) and removes the run's containers again, which
    also ends any engine call waiting on one of them.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    ctx.session.cancel()  # before the line below: a step announced after it never began (tests rely on it)
    ctx.reporter.warn("interrupted: stopping builds and containers")
    pool.shutdown(wait=False, cancel_futures=True)  # snippets not started yet never start
    pending = {future for future in futures if not future.done()}
    started, warned = time.monotonic(), False
    while pending:
        ctx.session.cleanup()
        _, pending = wait(pending, timeout=SWEEP_SECONDS)
        ctx.session.cancel()  # again: a child started since the last sweep
        if pending and not warned and time.monotonic() - started >= SLOW_STOP_SECONDS:
            names = ", ".join(sorted(futures[future].id for future in pending))
            ctx.reporter.warn(f"interrupted: still stopping {names}")
            warned = True
    pool.shutdown(wait=True)
