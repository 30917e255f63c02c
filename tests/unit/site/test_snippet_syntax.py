"""The copied ``--8<--`` patterns are pymdownx.snippets' own, and ``journey check`` does not import it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pymdownx.snippets import SnippetPreprocessor

from journey.site import snippet_syntax


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (snippet_syntax.ALL_SNIPPETS, SnippetPreprocessor.RE_ALL_SNIPPETS),
        (snippet_syntax.SNIPPET_SECTION, SnippetPreprocessor.RE_SNIPPET_SECTION),
        (snippet_syntax.SNIPPET_FILE, SnippetPreprocessor.RE_SNIPPET_FILE),
    ],
)
def test_each_pattern_is_the_installed_pymdownx_snippets_own(ours, theirs):
    assert (ours.pattern, ours.flags) == (theirs.pattern, theirs.flags)


def test_journey_check_imports_neither_pymdownx_nor_markdown():
    code = "import journey.commands.check, sys; print(' '.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert not {"pymdownx.snippets", "markdown", "urllib.request"} & loaded
