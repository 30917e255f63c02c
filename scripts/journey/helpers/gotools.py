"""Go programs the tool runs, each built once from the Go module proxy into ``.cache/tools``.

The build farm's buildkitd and Vol. 4's govulncheck are needed at versions no Debian suite carries, and
no registry can be reached to pull them. ``go install <package>@<version>`` can: it downloads through the
module proxy, checks every module against sum.golang.org, and builds the same program on every machine.
Each version gets a folder of its own (``.cache/tools/<name>-<version>``), so moving a pin builds anew
and never runs an older binary. ``go install`` writes its binary last, under its final name only when
the build succeeded: a folder holding the binary holds a whole one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from journey.core import layout

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


@dataclass(frozen=True)
class GoTool:
    """A main package at a pinned version: ``golang.org/x/vuln/cmd/govulncheck`` at ``v1.10.0``."""

    package: str
    version: str

    @property
    def name(self) -> str:
        """The binary's name, as ``go install`` names it: the package path's last element."""
        return self.package.rsplit("/", 1)[-1]

    def binary(self, root: Path) -> Path:
        """Where the binary of this version is (or will be) in the checkout's cache."""
        return layout.cache_dir(root, "tools", f"{self.name}-{self.version}") / self.name


class GoToolMissingError(RuntimeError):
    """``go install`` reported success and still left no binary (a GOBIN the environment overrode)."""


def install(root: Path, tool: GoTool, run: Callable[[list[str], dict[str, str]], object]) -> Path:
    """Return ``tool``'s binary, running ``go install`` first when this checkout has none yet.

    ``run`` is how the caller runs a process (argv, and the environment to add to its own): it raises
    the caller's error, naming its step, when ``go install`` fails.

    CGO is off (the programs are static, as their projects ship them); ``-mod=mod`` lets a module whose
    ``vendor/`` folder is not in its zip build from its ``go.mod``.
    """
    binary = tool.binary(root)
    if binary.is_file():
        return binary
    binary.parent.mkdir(parents=True, exist_ok=True)
    env = {"GOBIN": str(binary.parent), "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}
    run(["go", "install", f"{tool.package}@{tool.version}"], env)
    if not binary.is_file():
        msg = f"go install {tool.package}@{tool.version} succeeded but left no {binary}"
        raise GoToolMissingError(msg)
    return binary
