"""The ``--8<--`` syntax of pymdownx.snippets, as its own patterns spell it, without importing it.

Pages include snippet files and fragments with pymdownx.snippets' block-level ``--8<--`` lines, and
``journey check`` reads them as it does. Importing ``pymdownx.snippets`` for its three patterns brings
Markdown and ``urllib.request`` with it: a tenth of ``journey check``'s start-up. So the patterns are
copied here from the pinned pymdown-extensions, and ``tests/unit/site/test_snippet_syntax.py`` holds each
to the installed module's own (pattern and flags), so an upgrade that changes one fails the tests.
"""

from __future__ import annotations

import re

#: ``SnippetPreprocessor.RE_ALL_SNIPPETS``: an include line (one file inline, or the start of a block).
ALL_SNIPPETS: re.Pattern[str] = re.compile(
    "(?x)\n"
    "        ^(?P<space>[ \\t]*)\n"
    "        (?P<escape>;*)\n"
    "        (?P<all>\n"
    "            (?P<inline_marker>-{1,}8<-{1,}[ \\t]+)\n"
    '            (?P<snippet>(?:"(?:\\\\"|[^"\\n\\r])+?"|'
    "'(?:\\\\'|[^'\\n\\r])+?'))(?![ \\t]) |\n"
    "            (?P<block_marker>-{1,}8<-{1,})(?![ \\t])\n"
    "        )\\r?$\n"
    "        "
)
#: ``SnippetPreprocessor.RE_SNIPPET_SECTION``: a ``--8<-- [start:name]`` or ``[end:name]`` marker line.
SNIPPET_SECTION: re.Pattern[str] = re.compile(
    "(?xi)\n"
    "        ^(?P<pre>.*?)\n"
    "        (?<!;)(?!(?<=-)-)\n"
    "        (?P<escape>;*)\n"
    "        (?P<inline_marker>-{1,}8<-{1,}[ \\t]+)\n"
    "        (?P<section>\\[[ \\t]*(?P<type>start|end)[ \\t]*:[ \\t]*"
    "(?P<name>[a-z][-_0-9a-z]*)[ \\t]*\\])\n"
    "        (?P<post>.*?)$\n"
    "        "
)
#: ``SnippetPreprocessor.RE_SNIPPET_FILE``: an include's target, its lines (``:1:5``) or section (``:name``).
SNIPPET_FILE: re.Pattern[str] = re.compile(
    "(?i)(.*?)(?:((?::-?[0-9]*){1,2}(?:(?:,(?=[-0-9:])-?[0-9]*)(?::-?[0-9]*)?)*)|(:[a-z][-_0-9a-z]*))?$"
)
