"""A green repository in a few files: one volume, one snippet, recorded as ``journey verify`` would.

``FILES`` is the tree (mkdocs.yml, a page that includes the snippet's files and a fragment, one snippet);
``record(root)`` writes a result for every snippet and renders its fragments and downloads, so
``journey check`` passes on it. tests/unit/conftest.py's ``green_repo`` fixture writes and records it in the
test's own folder; site and command tests then break it one thing at a time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from journey.model.digest import source_digest
from journey.model.manifest import discover
from journey.model.record import result_path, write_result
from journey.site.downloads import write_downloads
from journey.site.render import write_snippet_fragments, write_volume_fragments

if TYPE_CHECKING:
    from pathlib import Path

MKDOCS = """\
site_name: fixture
docs_dir: docs
nav:
  - Home: index.md
  - Volume 1: vol1.md
markdown_extensions:
  - pymdownx.snippets:
      base_path: [!relative $config_dir]
      check_paths: true
"""
PAGE = """\
# Volume 1

A sentence that mentions --8<-- "snippets/vol1/hello/ghost.txt" stays literal text.

```dockerfile
--8<-- "snippets/vol1/hello/Dockerfile"
```

```go
--8<-- "snippets/vol1/hello/main.go:handler"
```

--8<--
results/vol1/hello/sizes.md
--8<--

;--8<-- "snippets/vol1/hello/escaped-and-ignored.txt"
"""
MAIN_GO = """\
package main

import "net/http"

// --8<-- [start:handler]
func handler(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("hi")) }
// --8<-- [end:handler]

func main() { http.HandleFunc("/", handler); _ = http.ListenAndServe(":8080", nil) }
"""
FILES = {
    "mkdocs.yml": MKDOCS,
    "docs/index.md": "# Home\n",
    "docs/vol1.md": PAGE,
    "snippets/vol1/volume.yml": "title: Volume 1\npages: [vol1.md]\nsnippets: [hello]\n",
    "snippets/vol1/hello/snippet.yml": (
        "title: Hello\nsupporting: [go.mod]\nbuild: {stages: [builder]}\n"
        "checks: [{tool: hadolint, files: [Dockerfile]}]\n"
    ),
    "snippets/vol1/hello/Dockerfile": "FROM golang:1.26-trixie AS builder\nFROM scratch\n",
    "snippets/vol1/hello/main.go": MAIN_GO,
    "snippets/vol1/hello/go.mod": "module example.org/hello\n\ngo 1.26\n",
}

ENGINE_ENV = {
    "engine": "26.1.5",
    "buildx": "0.13.1",
    "platform": "linux/amd64",
    "go": "go1.26.8",
    "bases": [],
}
CHECKED_ENV = {
    "engine": None,
    "buildx": None,
    "platform": None,
    "go": None,
    "bases": [],
    "tools": {"yamllint": "1.38.0"},
}


def record(root: Path) -> None:
    """Record a result for every snippet as `journey verify` would, then render its fragments."""
    for volume in discover(root):
        results = {}
        for snippet in volume.snippets:
            result = {
                "results_version": 1,
                "snippet": snippet.id,
                "status": "verified",
                "done": snippet.done,
                "reason": None,
                "source_digest": source_digest(snippet),
                "input_digest": "sha256:0",
                "verified_on": "2026-11-28",
                "environment": ENGINE_ENV if snippet.done != "checked" else CHECKED_ENV,
                "images": [{"role": "final", "size": 7_120_000, "compressed_size": 3_010_000, "layers": []}]
                if snippet.build
                else [],
                "probes": [],
                "checks": [],
                "outputs": {},
            }
            write_result(result_path(root, snippet.id), result)
            write_snippet_fragments(root, snippet, result)
            results[snippet.id] = result
        write_volume_fragments(root, volume, results)
    write_downloads(root, discover(root))


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in a file with ``new``, which must be there (the test's premise)."""
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
