"""ARCHITECTURE.md names only what exists: every `module.name` it writes is in that module of the tool.

A newcomer follows those names into the code; one left behind by a move (``bases.base_identity`` after
it moved to ``images``) sends them nowhere. Checked by importing, not by grepping, so a name re-exported
or assigned at module level counts.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEXT = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
MODULES = {info.name for info in pkgutil.iter_modules([str(REPO / "scripts" / "journey")])}
#: `a.b` or `journey.a.b` (optionally `a.b.c`, or called: `a.b()`) in backticks.
REFERENCE = re.compile(r"`(?:journey\.)?([a-z_]+)\.([A-Za-z_]\w*)((?:\.\w+)*)(?:\(\))?`")
#: Dotted names that are keys of a manifest or a result, not Python: they share a module's name.
KEYS = {"build.stages", "ship.builder"}
#: File names written in backticks (`manifest.py`, `ship.schema.json`), not references.
FILE_SUFFIXES = {"py", "md", "json", "yml", "txt", "svg", "sh"}


def references() -> list[tuple[str, list[str]]]:
    found = []
    for module, name, rest in REFERENCE.findall(TEXT):
        written = f"{module}.{name}{rest}"
        if module in MODULES and written.rsplit(".", 1)[-1] not in FILE_SUFFIXES and written not in KEYS:
            found.append((module, [name, *filter(None, rest.split("."))]))
    return found


def test_the_document_names_some_of_the_tool():
    assert len(references()) > 20  # the pattern still finds what the document writes


@pytest.mark.parametrize(
    ("module", "path"), references(), ids=lambda v: v if isinstance(v, str) else ".".join(v)
)
def test_every_module_name_written_in_architecture_md_exists(module: str, path: list[str]) -> None:
    target: object = importlib.import_module(f"journey.{module}")
    for part in path:
        assert hasattr(target, part), (
            f"ARCHITECTURE.md names `{module}.{'.'.join(path)}`, which does not exist"
        )
        target = getattr(target, part)
