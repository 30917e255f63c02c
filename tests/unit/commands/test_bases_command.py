"""``journey bases`` (commands.bases) up to the engine: refusals, exit 3 without one, and what it reports.

Providing a base (look up, pull, build a stand-in) needs the engine: tests/engine/. Here DOCKER_HOST points
nowhere, or ``provide`` is replaced by what it would have found, to hold the report, the record and exit 5.
"""

from __future__ import annotations

import json

import pytest

from journey.cli import main
from journey.commands import bases
from journey.core.errors import ExitCode
from journey.core.options import BasesOptions
from journey.verify.bases import Base, Provision

GOLANG = "golang:1.26-trixie"  # the green repository's builder stage (tests/green.py)


@pytest.fixture(autouse=True)
def _no_engine(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/journey-bases-command.sock")


def _found(monkeypatch, provision: Provision) -> list[dict[str, tuple[str, ...]]]:
    """Make ``provide`` answer ``provision``; return the needs it is asked for."""
    asked: list[dict[str, tuple[str, ...]]] = []

    def provide(needs, **_how):
        asked.append(dict(needs))
        return provision

    monkeypatch.setattr(bases, "provide", provide)
    return asked


def test_without_an_engine_it_exits_3_saying_so(green_repo, capsys):
    assert main(["bases", "--root", str(green_repo)]) == ExitCode.NO_ENGINE
    assert "journey: engine: no Docker engine answers" in capsys.readouterr().err
    assert not (green_repo / "results/bases").exists()


def test_a_rebuild_without_a_recipe_is_refused_before_the_engine_is_asked(green_repo, capsys):
    assert main(["bases", "--root", str(green_repo), "--rebuild", "alpine:3"]) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "no stand-in recipe for alpine:3; recipes: debian:trixie" in err
    assert "engine" not in err


def test_an_unknown_snippet_is_refused(green_repo, capsys):
    assert main(["bases", "--root", str(green_repo), "vol1/nosuch"]) == ExitCode.USAGE
    assert "no such snippet or volume: vol1/nosuch" in capsys.readouterr().err


def test_the_bases_the_snippets_name_and_each_rebuild_are_asked_for(green_repo, monkeypatch):
    asked = _found(monkeypatch, Provision())
    options = BasesOptions(green_repo, rebuild=("debian:trixie",), record=False)
    assert bases.run_bases(options) == ExitCode.OK
    assert asked == [{GOLANG: ("vol1/hello",), "debian:trixie": ()}]


def test_a_base_nobody_can_have_is_reported_with_its_snippets_and_exits_5(green_repo, monkeypatch, capsys):
    _found(monkeypatch, Provision(unavailable={GOLANG: (("vol1/hello",), "offline")}))
    assert main(["bases", "--root", str(green_repo), "--offline", "vol1/hello"]) == ExitCode.BASE_UNAVAILABLE
    out, err = capsys.readouterr()
    assert out == f"{GOLANG}\tunavailable\t-\t-\tneeded by vol1/hello\n"
    assert f"cannot have {GOLANG} (offline); needed by vol1/hello" in err
    assert not (green_repo / "results/bases").exists()  # a snippet named: nothing recorded


def test_each_base_is_a_line_or_a_json_entry_and_all_of_them_are_recorded(green_repo, monkeypatch, capsys):
    base = Base(GOLANG, "sha256:" + "ab" * 32, size=300_000_000, action="pulled")
    _found(monkeypatch, Provision(available={GOLANG: base}))
    assert bases.run_bases(BasesOptions(green_repo)) == ExitCode.OK
    (line,) = capsys.readouterr().out.splitlines()
    assert line.split("\t") == [GOLANG, base.provenance, "abababababab", "300 MB", "pulled"]
    assert (green_repo / "results/bases/bases.json").is_file()
    assert bases.run_bases(BasesOptions(green_repo, json=True, record=False)) == ExitCode.OK
    (entry,) = json.loads(capsys.readouterr().out)
    assert (entry["ref"], entry["size"], entry["action"], entry["snippets"]) == (
        GOLANG,
        300_000_000,
        "pulled",
        ["vol1/hello"],
    )
