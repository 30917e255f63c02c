"""ARCHITECTURE.md names only what exists, and the tests are shaped like the code it describes.

Every `module.name` the document writes is in that module of the tool: a newcomer follows those names into
the code, and one left behind by a move (``bases.base_identity`` after it moved to ``images``) sends them
nowhere. Checked by importing, not by grepping, so a name re-exported or assigned at module level counts.
Every module has its unit-test module where the document says (``tests/unit/<package>/test_<module>.py``).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections import Counter

import pytest

from trees import REPO

TEXT = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
PACKAGE = REPO / "scripts" / "journey"
#: Every module and package of the tool, as written from the package down: `cli`, `site`, `site.render`.
QUALIFIED = {
    info.name.removeprefix("journey.")
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="journey.")
    if not info.name.endswith("__main__")
}
_LEAVES = Counter(name.rsplit(".", 1)[-1] for name in QUALIFIED)
#: How the document may write a module: qualified (`site.render`), or by its own name where that is unique
#: among the modules and packages (`manifest`); `render` is both `site.render` and `commands.render`.
WRITTEN = {name: name for name in QUALIFIED} | {
    name.rsplit(".", 1)[-1]: name for name in QUALIFIED if _LEAVES[name.rsplit(".", 1)[-1]] == 1
}
#: A dotted name in backticks, `journey.` optional, optionally called: `a.b`, `site.render.x`, `a.b()`.
REFERENCE = re.compile(r"`(?:journey\.)?([a-z_]\w*(?:\.\w+)+)(?:\(\))?`")
#: Dotted names that are keys of a manifest or a result, not Python: they share a module's name.
KEYS = {"build.stages", "ship.builder"}
#: File names written in backticks (`manifest.py`, `ship.schema.json`), not references.
FILE_SUFFIXES = {"py", "md", "json", "yml", "txt", "svg", "sh"}


def references() -> list[tuple[str, list[str]]]:
    """Each reference as (the module's qualified name, the attribute path under it)."""
    found = []
    for written in REFERENCE.findall(TEXT):
        parts = written.split(".")
        if parts[-1] in FILE_SUFFIXES or written in KEYS:
            continue
        # The longest leading part that names a module: `site.render.x` is site.render's x, not site's,
        # and `commands.render` is that module itself.
        for cut in range(len(parts), 0, -1):
            module = WRITTEN.get(".".join(parts[:cut]))
            if module is not None:
                found.append((module, parts[cut:]))
                break
    return found


def test_a_module_two_packages_share_is_written_with_its_package():
    """`render.x` could be site.render's or commands.render's: the document says which."""
    shared = {leaf for leaf, count in _LEAVES.items() if count > 1} - QUALIFIED
    names = [w for w in REFERENCE.findall(TEXT) if w not in KEYS]
    written = [w for w in names if w.rsplit(".", 1)[-1] not in FILE_SUFFIXES]
    bare = sorted({w for w in written if w.split(".")[0] in shared})
    assert not bare, f"write these with their package (`site.render.x`, not `render.x`): {bare}"


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


#: Every module of the tool (no package, no ``__main__``), qualified from the package down: `site.render`.
MODULES = sorted(
    info.name.removeprefix("journey.")
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="journey.")
    if not info.ispkg and not info.name.endswith("__main__")
)


def test_every_module_has_its_own_unit_test_module():
    """``cli``: tests/unit/test_cli.py; a command: ``test_<module>_command.py``; others ``test_<module>``."""
    unit = REPO / "tests" / "unit"
    missing = []
    for module in MODULES:
        *package, name = module.split(".")
        folder = unit.joinpath(*package)
        own = [folder / f"test_{name}.py", folder / f"test_{name}_command.py"]
        if not any(path.is_file() for path in own):
            missing.append(f"{module}: {own[0].relative_to(REPO)}")
    assert "cli" in MODULES
    assert "commands.merge" in MODULES
    assert missing == []
