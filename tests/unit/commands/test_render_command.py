"""``journey render`` (commands.render): fragments re-made from recorded results, only changed files named."""

from __future__ import annotations

from green import edit
from journey.cli import main
from journey.commands.render import run_render
from journey.core.errors import ExitCode
from journey.core.options import RenderOptions


def test_cli_render_repairs_a_hand_edited_fragment(green_repo, capsys):
    repo = green_repo
    edit(repo / "results/vol1/hello/sizes.md", "7.12 MB", "7.00 MB")
    assert main(["render", "--root", str(repo)]) == ExitCode.OK
    assert "rendered results/vol1/hello/sizes.md" in capsys.readouterr().out
    assert "7.12 MB" in (repo / "results/vol1/hello/sizes.md").read_text()
    assert main(["check", "--root", str(repo)]) == ExitCode.OK


def test_rendering_a_current_repository_rewrites_and_names_nothing(green_repo, capsys):
    before = {p: p.stat().st_mtime_ns for p in (green_repo / "results").rglob("*") if p.is_file()}
    assert run_render(RenderOptions(green_repo)) == ExitCode.OK
    assert capsys.readouterr().out == ""
    assert {p: p.stat().st_mtime_ns for p in (green_repo / "results").rglob("*") if p.is_file()} == before


def test_a_snippet_without_a_result_is_named_with_the_command_that_records_it(green_repo, capsys):
    (green_repo / "results/vol1/hello/result.json").unlink()
    assert run_render(RenderOptions(green_repo, ("vol1/hello",))) == ExitCode.OK
    err = capsys.readouterr().err
    assert "vol1/hello: no recorded result (run `journey verify vol1/hello`)" in err


def test_an_unknown_snippet_is_a_usage_error_that_writes_nothing(green_repo, capsys):
    edit(green_repo / "results/vol1/hello/sizes.md", "7.12 MB", "7.00 MB")
    assert main(["render", "--root", str(green_repo), "vol1/nosuch"]) == ExitCode.USAGE
    assert "no such snippet or volume: vol1/nosuch" in capsys.readouterr().err
    assert "7.00 MB" in (green_repo / "results/vol1/hello/sizes.md").read_text()
