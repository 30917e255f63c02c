"""``journey new`` (commands.new): what it prints, where, its exit code; what it writes: site/test_new.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from journey.cli import main
from journey.commands.new import run_new
from journey.core.errors import ExitCode, UsageError
from journey.core.options import NewOptions

if TYPE_CHECKING:
    from pathlib import Path


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root with its bytes, to prove a refusal wrote nothing."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_run_new_prints_what_it_did_and_the_next_step(
    empty_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = empty_site
    assert run_new(NewOptions(repo, "volume", "Tiny images")) == 0
    assert run_new(NewOptions(repo, "snippet", "vol1/hello")) == 0
    out, err = capsys.readouterr()
    assert "created snippets/vol1/hello/Dockerfile\n" in out
    assert "edited  snippets/vol1/volume.yml\n" in out
    assert "edited  mkdocs.yml\n" in out
    assert "make verify SNIPPETS=vol1/hello" in err


def test_cli_scaffolds_and_refuses_with_exit_code_2(
    empty_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = empty_site
    assert main(["new", "volume", "Tiny images", "--root", str(repo)]) == 0
    assert main(["new", "snippet", "vol1/hello", "--title", "Hello, scratch", "--root", str(repo)]) == 0
    assert "## Hello, scratch\n" in (repo / "docs/vol1/index.md").read_text(encoding="utf-8")
    capsys.readouterr()
    before = tree(repo)
    for argv, message in [
        (
            ["new", "snippet", "vol1/hello"],
            "journey: vol1/hello: new snippet: snippets/vol1/hello already exists",
        ),
        (
            ["new", "snippet", "vol3/hello"],
            "journey: vol3/hello: new snippet: unknown volume 'vol3' (known: vol1)",
        ),
        (
            ["new", "snippet", "vol1/Bad_Name"],
            "journey: vol1/Bad_Name: new snippet: bad snippet name 'Bad_Name'",
        ),
    ]:
        assert main([*argv, "--root", str(repo)]) == ExitCode.USAGE
        assert capsys.readouterr().err.startswith(message)
    assert tree(repo) == before


def test_a_new_volume_prints_only_paths_on_stdout_and_the_next_step_on_stderr(empty_site, capsys):
    assert run_new(NewOptions(empty_site, "volume", "Tiny images")) == ExitCode.OK
    out, err = capsys.readouterr()
    assert out
    assert all(line.startswith(("created ", "edited  ")) for line in out.splitlines())
    assert "created snippets/vol1/volume.yml" in out
    assert err.strip()
    assert not err.startswith(("created ", "edited  "))


def test_a_refused_snippet_raises_before_printing_anything(empty_site, capsys):
    with pytest.raises(UsageError, match="unknown volume 'vol1'"):
        run_new(NewOptions(empty_site, "snippet", "vol1/hello"))
    assert capsys.readouterr().out == ""
