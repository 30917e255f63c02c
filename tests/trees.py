"""Where the repository is, and small snippet trees written in one call: what many test modules need.

``REPO`` is the checkout the tests run from (``REPO / "snippets"`` are the real snippets), ``FIXTURES``
tests/fixtures (``SNIPPET_FIXTURES`` its snippets), ``GOLDEN`` the expected fragments. A test that needs
a repository of its own writes one with ``write_tree(root, {"path": "text"})`` (or the ``tree`` fixture of
tests/conftest.py, which writes under the test's ``tmp_path``): the files a test depends on are then
spelt in the test, a few lines each, instead of a copy of a fixture folder it would have to go and read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SNIPPET_FIXTURES = FIXTURES / "snippets"
GOLDEN = REPO / "tests" / "golden"


def write_tree(root: Path, files: Mapping[str, str], *, executable: tuple[str, ...] = ()) -> Path:
    """Write each ``relative/path: text`` under ``root`` (folders made as needed); return ``root``.

    ``executable`` names files to mark ``0755`` (a script a snippet runs), the rest keep the umask's mode.
    """
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for name in executable:
        (root / name).chmod(0o755)
    return root
