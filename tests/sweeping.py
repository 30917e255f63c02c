"""What sweep tests stand on: owners that ended, marked folders, and an engine that only lists and records.

``machine_tmp`` (tests/unit/conftest.py) makes the machine's temporary folder the test's own; these write
into it. ``Engine`` answers the sweep's label and reference queries from what it was given and records what
was removed, so the tests judge the sweep's choices (tests/unit/engine/test_sweep.py) and what
``journey clean`` says of them (tests/unit/commands/test_clean_command.py), never a real engine.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from types import SimpleNamespace
from typing import TYPE_CHECKING

from journey.engine import sweep
from journey.engine.images import OWNER_LABEL
from journey.engine.sweep import MARKER, Owner

if TYPE_CHECKING:
    from pathlib import Path


def ended_owner() -> Owner:
    """An owner whose process ran here and has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.2)"])
    start = sweep.process_start(child.pid)
    assert start is not None
    child.wait()
    return dataclasses.replace(sweep.current(), pid=child.pid, start=start)


def marked(folder: Path, owner: Owner) -> Path:
    folder.mkdir()
    (folder / MARKER).write_text(f"{owner}\n", encoding="utf-8")
    (folder / "registry.key").write_text("secret\n", encoding="utf-8")
    return folder


class Listed(SimpleNamespace):
    def remove(self, **_how: object) -> None:
        self.removed = True


class Engine:
    """Lists what it was given, as the engine's label and reference filters would; records removals."""

    def __init__(self, containers: list[Listed], images: list[Listed]) -> None:
        self.made, self.images_made, self.untagged = containers, images, []
        self.containers = SimpleNamespace(list=self._containers)
        self.networks = SimpleNamespace(list=lambda **_f: [])
        self.images = SimpleNamespace(list=self._images, remove=lambda ref, **_k: self.untagged.append(ref))

    def close(self) -> None:
        """The SDK client's: nothing to close here."""

    def _containers(self, filters: dict[str, str], **_how: object) -> list[Listed]:
        key, _, value = filters["label"].partition("=")
        labelled = [c for c in self.made if key in c.labels and (not value or c.labels[key] == value)]
        return [c for c in labelled if not c.removed]

    def _images(self, filters: dict[str, str]) -> list[Listed]:
        if "reference" in filters:
            run = filters["reference"].rsplit(":", 1)[1]
            return [i for i in self.images_made if any(t.endswith(f":{run}") for t in i.tags)]
        return [i for i in self.images_made if OWNER_LABEL in i.labels]


def container(name: str, **labels: str) -> Listed:
    return Listed(id=name, name=name, labels=labels, removed=False)
