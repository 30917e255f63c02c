"""What the tool reads from ``mkdocs.yml``: the nav (for ``journey check``) and where the repository is.

The file is read, never built: tags such as ``!ENV`` are left unconstructed, so the tool sees the same
settings whatever the environment of the machine (a fragment must not change with an environment variable,
or ``journey check`` would call it stale on one machine and fresh on another).
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

import yaml

from journey.core.errors import ManifestError
from journey.core.layout import MKDOCS_YML

if TYPE_CHECKING:
    from pathlib import Path

#: ``edit_uri`` as GitHub spells it: ``edit/<branch>/docs/`` (the editor) or ``blob/<branch>/docs/``.
_EDIT_URI = re.compile(r"^(?:edit|blob)/(?P<branch>[^/]+)/")


class _MkdocsLoader(yaml.SafeLoader):
    """Read ``mkdocs.yml`` without constructing its tags (``!ENV``, ``!relative``, ``!!python/name:``)."""


def _ignore_tag(_loader: yaml.SafeLoader, _suffix: str, _node: yaml.Node) -> None:
    return None


_MkdocsLoader.add_multi_constructor("", _ignore_tag)


@functools.lru_cache(maxsize=8)
def _parse(text: str) -> object:
    """Parse once per text: rendering reads the config for every snippet, and PyYAML is slow."""
    return yaml.load(text, Loader=_MkdocsLoader)  # noqa: S506


def load_mkdocs(path: Path) -> object:
    """Parse ``mkdocs.yml``; a syntax error is a usage error naming the line, not a traceback.

    Callers must not change what it returns: the same object serves every read of the same text.
    """
    try:
        return _parse(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise ManifestError(MKDOCS_YML, where, f"not valid YAML: {exc}") from exc


def source_tree_url(root: Path) -> str | None:
    """Return the web address of the published branch's files (``…/tree/main/``), or ``None``.

    Derived from ``repo_url`` and the branch in ``edit_uri``, the two settings that already make each page's
    source link, so a snippet's link and its page's link can never name different repositories or branches.
    ``None`` when the site names no repository (a fixture, a fork that dropped ``repo_url``).
    """
    path = root / MKDOCS_YML
    config = load_mkdocs(path) if path.is_file() else None
    if not isinstance(config, dict) or not isinstance(config.get("repo_url"), str):
        return None
    edit_uri = config.get("edit_uri")
    match = _EDIT_URI.match(edit_uri) if isinstance(edit_uri, str) else None
    if match is None:
        cause = (
            f"edit_uri {edit_uri!r} names no branch: snippet source links need the form "
            "`edit/<branch>/docs/` (or `blob/<branch>/docs/`)"
        )
        raise ManifestError(MKDOCS_YML, "edit_uri", cause)
    return f"{config['repo_url'].rstrip('/')}/tree/{match['branch']}/"
