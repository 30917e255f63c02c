"""Every docker CLI call under scripts/ whose output is read names its output format.

A newer CLI changes its default views (Engine 29's `docker image ls` prints a tree unless `--format` is
given), so a call whose output the tool reads or records must say `--format` (or, for a build, `--progress=`).
A call whose stdout is thrown away (`>/dev/null`) needs none. The few calls that have no `--format` at all are
listed in EXEMPT with the reason their output is safe; an entry nobody uses any more fails too.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

import pytest

from journey.verify.normalise import normalise_table
from journey.verify.pipeline import docker_size, hide_image_ids, in_listing_order
from trees import REPO

if TYPE_CHECKING:
    from pathlib import Path

SCRIPTS = REPO / "scripts"

#: Docker subcommands (their leading words) that take no --format, and why reading them is safe.
EXEMPT: dict[tuple[str, ...], str] = {
    ("pull",): "no --format flag; --quiet, stdout unread, only stderr's error line is shown",
    ("run",): "prints the container's own output (the recipe's dpkg-query, go env), or with --detach its ID",
    ("exec",): "prints its command's own output (curl, imagetools, in the farm's container)",
    ("image", "rm"): "output (removed IDs) is never read",
    ("image", "tag"): "prints nothing",
    ("buildx", "create"): "prints the new builder's name, never read (the name is the tool's own)",
    ("buildx", "rm"): "prints a confirmation, never read",
    ("buildx", "prune"): "prints the space it reclaimed, never read",
    ("save",): "writes an image archive (piped into docker load), not a view",
    ("load",): "no --format flag; --quiet, output unread (the image ID comes from buildx's metadata file)",
    ("import",): "prints the new image's ID, never read (the stand-in helper's tag is the tool's own)",
    ("create",): "prints the new container's ID, never read (the stand-in helper's name is the tool's own)",
    ("start",): "--attach passes the recipe's own stderr through; stdout is discarded",
    ("kill",): "prints the container's name, never read",
    ("rm",): "prints the removed container's name or ID, never read",
}
#: Subcommands whose first word groups a second one (`docker image inspect`, `docker buildx build`).
GROUPS = {"image", "buildx", "container", "system", "builder", "network", "volume"}
SHELL_CALL = re.compile(r"(?:^|(?<=[\s(|;&!]))docker\s+(?P<rest>[^\n]*)")
SHELL_END = re.compile(r"\|\|?|;|&&")
STDOUT_DISCARDED = re.compile(r"(?:^|\s)(?:1?>|&>)\s*/dev/null")


def _command(words: list[str]) -> tuple[str, ...]:
    """The subcommand words of a docker argv (after `docker`): `("image", "inspect")`, `("pull",)`."""
    if not words:
        return ()
    return tuple(words[:2]) if words[0] in GROUPS and len(words) > 1 else (words[0],)


def _names_format(args: list[str], command: tuple[str, ...]) -> bool:
    """`--format` (`-f` means other things to other subcommands), or a build's `--progress=`."""
    if any(a.strip("'\"") == "--format" or a.startswith("--format=") for a in args):
        return True
    return command == ("buildx", "build") and any(a.startswith("--progress=") for a in args)


def python_calls(source: str, where: str) -> list[tuple[str, tuple[str, ...], list[str]]]:
    """Every docker argv of a Python source: `["docker", ...]` literals and `_docker(...)` helper calls."""
    found = []
    for node in ast.walk(ast.parse(source)):
        items: list[ast.expr] | None = None
        if isinstance(node, (ast.List, ast.Tuple)) and node.elts:
            first = node.elts[0]
            if isinstance(first, ast.Constant) and first.value == "docker":
                items = node.elts[1:]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_docker":
            items = list(node.args)
        if items is None:
            continue
        if items and all(isinstance(item, ast.Starred) for item in items):
            continue  # a forwarding helper (`["docker", *argv]`): its callers are the calls checked
        args = [i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)]
        words = [a for a in args if not a.startswith("-")]
        found.append((f"{where}:{node.lineno}", _command(words[:2]), args))
    return found


def shell_calls(source: str, where: str) -> list[tuple[str, tuple[str, ...], list[str], bool]]:
    """Every docker command of a shell script, with whether its stdout goes to /dev/null."""
    joined = re.sub(r"\\\n", " ", source)
    found = []
    for number, line in enumerate(joined.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        for match in SHELL_CALL.finditer(line):
            segment = SHELL_END.split(match["rest"], maxsplit=1)[0]
            args = segment.split()
            words = [a for a in args if re.fullmatch(r"[a-z][a-z-]*", a)]
            discarded = STDOUT_DISCARDED.search(segment) is not None
            found.append((f"{where}:{number}", _command(words[:2]), args, discarded))
    return found


def _python_sources() -> list[Path]:
    return sorted(SCRIPTS.rglob("*.py"))


def _shell_sources() -> list[Path]:
    return sorted(SCRIPTS.rglob("*.sh"))


def problems() -> tuple[list[str], set[tuple[str, ...]]]:
    """The calls that read an unnamed format, and the EXEMPT entries that were used."""
    bad: list[str] = []
    used: set[tuple[str, ...]] = set()
    for path in _python_sources():
        where_file = str(path.relative_to(REPO))
        for where, command, args in python_calls(path.read_text(encoding="utf-8"), where_file):
            if command in EXEMPT:
                used.add(command)
            elif not _names_format(args, command):
                bad.append(f"{where}: docker {' '.join(command)} without --format")
    for path in _shell_sources():
        for where, command, args, discarded in shell_calls(
            path.read_text(encoding="utf-8"), str(path.relative_to(REPO))
        ):
            if command in EXEMPT:
                used.add(command)
            elif not discarded and not _names_format(args, command):
                bad.append(f"{where}: docker {' '.join(command)} without --format (and its output is read)")
    return bad, used


def test_every_docker_call_whose_output_is_read_names_its_format():
    bad, _ = problems()
    assert not bad, "\n".join(bad)


def test_every_exemption_is_still_needed():
    _, used = problems()
    assert set(EXEMPT) <= used, f"EXEMPT entries no call uses any more: {sorted(set(EXEMPT) - used)}"


def test_the_scan_finds_the_calls_it_must():
    # The scanner itself: the pieces it must see, so the tests above cannot pass by seeing nothing.
    # engine/images.py holds the recorded `docker images` listing and the CLI's image inspect and rm.
    images = SCRIPTS / "journey" / "engine" / "images.py"
    assert len(python_calls(images.read_text(encoding="utf-8"), "i")) >= 3
    assert len(shell_calls((SCRIPTS / "engine.sh").read_text(), "e")) >= 4


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ('process.run(["docker", "images"], capture_output=True)', True),
        ('process.run(["docker", "images", "--format", "{{.ID}}"])', False),
        ('process.run(["docker", "image", "inspect", ref])', True),
        ('process.run(["docker", "buildx", "build", "--progress=plain", "."])', False),
        ('_docker("version")', True),
        ('_docker("pull", "--quiet", ref)', False),
    ],
)
def test_a_python_call_without_format_is_caught(source, flagged):
    [(_, command, args)] = python_calls(source, "x.py")
    assert (command not in EXEMPT and not _names_format(args, command)) is flagged


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("ids=$(docker ps -aq)", True),
        ("docker ps -aq | xargs -r docker rm -f >/dev/null", True),
        ("ids=$(docker ps --all --format '{{.ID}}')", False),
        ("docker info >/dev/null 2>&1", False),
        ("v=$(docker buildx version 2>/dev/null | awk '{print $2}')", True),
        ('say "docker import as x"', None),
    ],
)
def test_a_shell_call_without_format_is_caught(source, flagged):
    calls = shell_calls(source, "x.sh")
    if flagged is None:
        assert calls == []
        return
    first = calls[0]
    _, command, args, discarded = first
    assert (command not in EXEMPT and not discarded and not _names_format(args, command)) is flagged


@pytest.mark.parametrize(
    ("size", "shown"),
    [(21, "21B"), (16053995, "16.1MB"), (120112466, "120MB"), (868123456, "868MB"), (1234567890, "1.23GB")],
)
def test_sizes_are_spelt_as_docker_images_spells_them(size, shown):
    # The containerd store's SIZE column is replaced by the measured size, spelt the classic store's way.
    assert docker_size(size) == shown


def test_docker_images_rows_come_in_the_articles_order_whatever_the_engine_printed():
    # The engine sorts by creation time, hidden as <time>: final and builder came out both ways round.
    printed = (
        "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\n"
        "journey/vol1-x\tbuilder\tabc\t1 minute ago\t1.07GB\n"
        "journey/vol1-x\tverified\tdef\t1 minute ago\t16MB\n"
        "golang\t1.26-trixie\tghi\t2 hours ago\t868MB\n"
        "golang\tother\tjkl\t3 hours ago\t1GB\n"
    )
    order = ["journey/vol1-x:verified", "journey/vol1-x:builder", "golang:1.26-trixie"]
    rows = in_listing_order(printed, order).splitlines()
    assert [row.split("\t")[1] for row in rows] == ["TAG", "verified", "builder", "1.26-trixie", "other"]
    # A space-aligned table (the classic store's `table` format) is read the same way.
    aligned = printed.replace("\t", "   ")
    assert in_listing_order(aligned, order).splitlines()[1].startswith("journey/vol1-x   verified")


def test_every_image_id_of_a_listing_is_hidden_even_one_of_decimal_digits_only():
    table = (
        "REPOSITORY\tTAG\tIMAGE ID\tCREATED\tSIZE\n"
        "journey/engine-quick\tverified\t030259811876\t2 seconds ago\t120MB\n"
        "debian\ttrixie\t6730ba5a66f5\t3 hours ago\t120MB\n"
    )
    rows = normalise_table(hide_image_ids(table)).splitlines()
    assert [row.split()[2] for row in rows[1:]] == ["<id>", "<id>"]
    assert rows[1].split()[-1] == "120MB"  # the other columns as they were
