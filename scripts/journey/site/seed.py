"""Diffs of the reconstructed 2019 files against the copy of the article this site started from.

The seed (``../shared/seed/…``, outside the checkout and absent on most machines) is a plain-text copy
of the 2019 article that lost lines; the snippets hold the files with those lines put back from the
article's source. A reader should see exactly which lines were put back, so for each file the volume's
``seed:`` names, ``journey render`` cuts the file's block out of the seed (from its ``first`` line to its
``last``), runs GNU ``diff -u`` between that block and the snippet file, and records what diff printed
as ``results/<volume>/diff-<snippet>-<file>.txt``. That is a captured output, shown under its command.

Without the seed the recorded diffs are kept. ``journey check`` needs no seed: a diff's new side (its
context and ``+`` lines) must equal the snippet file as it is now, so an edited file with a stale diff
fails the check.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from typing import TYPE_CHECKING

from journey.core import process
from journey.core.layout import write_text_atomic
from journey.model.record import RESULTS_DIR

if TYPE_CHECKING:
    from pathlib import Path

    from journey.model.manifest import SeedFile, Volume

#: Lines of context: more than any 2019 file has, so the diff holds the whole file.
CONTEXT = 1000
DIFF_PREFIX = "diff-"


class SeedError(Exception):
    """The seed does not hold a block the volume names: the markers must be fixed."""


def diff_name(entry: SeedFile) -> str:
    """Return the fragment file name of one entry (``diff-original-2019-Dockerfile.txt``)."""
    slug = re.sub(r"[^A-Za-z0-9_]+", "-", entry.file).strip("-")
    return f"{DIFF_PREFIX}{slug}.txt"


def diff_path(root: Path, volume: Volume, entry: SeedFile) -> Path:
    """Where an entry's diff is recorded."""
    return root / RESULTS_DIR / volume.name / diff_name(entry)


def block(text: str, entry: SeedFile) -> tuple[int, list[str]]:
    """Return the 1-based first line number and the lines of the seed from ``first`` to ``last``."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.rstrip("\n") == entry.first]
    if len(starts) != 1:
        raise SeedError(f"{entry.file}: the seed has {len(starts)} lines equal to first: {entry.first!r}")
    ends = [i for i in range(starts[0], len(lines)) if entry.last in lines[i]]
    if not ends:
        raise SeedError(f"{entry.file}: no line holding last: {entry.last!r} after {entry.first!r}")
    chunk = lines[starts[0] : ends[0] + 1]
    # The seed lost line breaks too: a file's last line may run into the next paragraph.
    chunk[-1] = chunk[-1][: chunk[-1].index(entry.last) + len(entry.last)] + "\n"
    return starts[0] + 1, chunk


def run_diff(seed_label: str, old: list[str], new: Path, new_label: str) -> str:
    """Run GNU diff -u on the seed's block and the snippet file and return what it printed."""
    diff = shutil.which("diff")
    if diff is None:
        raise SeedError("GNU diff is not installed (diffutils)")
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".seed") as handle:
        handle.writelines(old)
        handle.flush()
        argv = [diff, f"-U{CONTEXT}", "--label", seed_label, "--label", new_label, handle.name, str(new)]
        done = process.run(argv, capture_output=True, text=True, timeout=30, check=False)
    if done.returncode > 1:
        raise SeedError(f"diff failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def render_seed_diffs(root: Path, volume: Volume) -> list[Path]:
    """Re-make the volume's diffs when the seed is here; return the paths that changed."""
    if volume.seed is None:
        return []
    seed = (root / volume.seed.text).resolve()
    if not seed.is_file():
        return []
    text = seed.read_text(encoding="utf-8")
    changed = []
    for entry in volume.seed.files:
        start, old = block(text, entry)
        label = f"{volume.seed.text} (lines {start}-{start + len(old) - 1})"
        new_label = f"snippets/{volume.name}/{entry.file}"
        out = run_diff(label, old, volume.dir / entry.file, new_label)
        path = diff_path(root, volume, entry)
        if not path.is_file() or path.read_text(encoding="utf-8") != out:
            write_text_atomic(path, out)
            changed.append(path)
    return changed


def new_side(diff: str) -> str:
    """Return the file a unified diff leads to: its context and added lines, in order."""
    body = diff.splitlines(keepends=True)[2:]  # the ---/+++ labels
    kept = [line[1:] for line in body if line[:1] in {" ", "+"}]
    return "".join(kept)


def stale_diffs(root: Path, volume: Volume) -> list[tuple[Path, str]]:
    """Return (diff, cause) for each recorded diff that is missing or no longer leads to its file."""
    if volume.seed is None:
        return []
    found = []
    for entry in volume.seed.files:
        path = diff_path(root, volume, entry)
        current = (volume.dir / entry.file).read_text(encoding="utf-8")
        if not path.is_file():
            found.append((path, "diff against the seed missing"))
        elif new_side(path.read_text(encoding="utf-8")) != current:
            found.append(
                (path, f"diff against the seed no longer leads to snippets/{volume.name}/{entry.file}")
            )
    return found
