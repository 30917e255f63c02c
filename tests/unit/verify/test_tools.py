"""The table of check tools: it matches the manifest schema, it dispatches, `journey check` skips it."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import get_args

import msgspec
import pytest

from journey.model.check_spec import (
    CHECK_TYPES,
    ENGINE_CHECKS,
    Check,
    DeployE2ECheck,
    GoTestCheck,
    HadolintCheck,
    ShellcheckCheck,
)
from journey.model.manifest import Snippet
from journey.verify.checks import CheckContext
from journey.verify.tools import TOOLS, Tool, Version, program_version, run_checks, run_file_checks

SCHEMA = json.loads(resources.files("journey").joinpath("manifest.schema.json").read_text(encoding="utf-8"))
DEFS = SCHEMA["$defs"]


def test_the_table_runs_every_check_class_of_the_model_and_the_schema_names_the_same_tools():
    assert set(TOOLS) == set(get_args(Check)) == set(CHECK_TYPES.values())
    assert DEFS["check"]["properties"]["tool"]["enum"] == list(CHECK_TYPES)
    for tool, kind in CHECK_TYPES.items():
        assert kind.__struct_config__.tag == tool == kind.tool  # the tag msgspec reads is the tool


def test_every_tool_has_its_own_schema_and_only_that_one():
    branches = {
        DEFS[branch["if"]["$ref"].rsplit("/", 1)[1]]["properties"]["tool"]["const"]: branch["then"]["$ref"]
        for branch in DEFS["check"]["allOf"]
    }
    assert branches == {tool: f"#/$defs/check-{tool}" for tool in CHECK_TYPES}
    for tool in CHECK_TYPES:
        assert DEFS[f"check-{tool}"]["additionalProperties"] is False
        assert {"tool", "name"} <= set(DEFS[f"check-{tool}"]["properties"])


def test_deploy_e2e_takes_exactly_the_keys_its_schema_allows():
    fields = {f.encode_name for f in msgspec.structs.fields(DeployE2ECheck)}
    assert set(DEFS["check-deploy-e2e"]["properties"]) - {"tool"} == fields


def test_the_table_says_which_tools_only_read_files_and_which_compile():
    assert {kind.tool for kind, tool in TOOLS.items() if tool.files_only} == {
        "hadolint",
        "shellcheck",
        "yamllint",
        "jsonschema",
        "actionlint",
    }
    assert {kind.tool for kind, tool in TOOLS.items() if tool.compiles} == {
        "go-vet",
        "go-test",
        "govulncheck",
    }


class Slot(contextlib.AbstractContextManager[None]):
    """A compile slot that counts how often it was taken."""

    def __init__(self) -> None:
        self.taken = 0
        self.held = False

    def __enter__(self) -> None:
        self.taken += 1
        self.held = True

    def __exit__(self, *_exc: object) -> None:
        self.held = False


@pytest.fixture
def fake_tools(monkeypatch):
    """Replace the runners with ones that record whether the compile slot was held."""
    seen: list[tuple[str, bool]] = []

    def run(ctx, check):
        seen.append((check.name, ctx.compile_slot.held))
        return {"name": check.name, "ok": True, "output": ""}

    for kind, tool in TOOLS.items():
        monkeypatch.setitem(TOOLS, kind, Tool(run, tool.files_only, tool.compiles))
    return seen


def context(checks: tuple[Check, ...], slot: Slot) -> CheckContext:
    snippet = Snippet(id="vol/x", dir=Path("/nowhere/vol/x"), title="t", checks=checks)
    # The fake runners need neither a session nor a deadline.
    return CheckContext(Path("/nowhere"), snippet, session=None, deadline=None, idle=1.0, compile_slot=slot)


CHECKS = (
    HadolintCheck(files=("Dockerfile",)),
    GoTestCheck(race=True),
    DeployE2ECheck(explicit_name="push", script="d.sh", env={}),
    ShellcheckCheck(files=("d.sh",)),
)


def test_checks_run_in_manifest_order_and_only_go_holds_the_compile_slot(fake_tools):
    slot = Slot()
    outcomes = run_checks(context(CHECKS, slot))
    assert [o["name"] for o in outcomes] == ["hadolint Dockerfile", "go-test", "push", "shellcheck d.sh"]
    assert fake_tools == [
        ("hadolint Dockerfile", False),
        ("go-test", True),
        ("push", False),
        ("shellcheck d.sh", False),
    ]
    assert slot.taken == 1


@pytest.mark.usefixtures("fake_tools")
def test_a_not_verified_snippet_runs_only_the_tools_that_read_files():
    outcomes = run_file_checks(context(CHECKS, Slot()))
    assert [o["name"] for o in outcomes] == ["hadolint Dockerfile", "shellcheck d.sh"]


def test_a_check_made_in_code_has_a_tool_of_the_table_or_is_never_made():
    """No unknown tool reaches the run: a check is a class of the model, and an unknown key is refused."""
    with pytest.raises(msgspec.ValidationError, match="Invalid value 'go-tset'"):
        msgspec.convert({"tool": "go-tset"}, Check)
    with pytest.raises(TypeError, match="regsitry"):
        DeployE2ECheck(script="d.sh", env={}, regsitry="override")  # type: ignore[call-arg]


def journey_modules_after(statement: str) -> set[str]:
    """The journey modules a fresh interpreter holds after one import statement."""
    code = f"{statement}; import sys; print(' '.join(m for m in sys.modules if m.startswith('journey')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


RUNNERS = {"journey.verify.tools", "journey.verify.checks", "journey.verify.deploy"}


@pytest.mark.parametrize("module", ["journey.model.manifest", "journey.commands.check"])
def test_loading_manifests_and_journey_check_import_no_runner(module):
    assert not RUNNERS & journey_modules_after(f"import {module}")


def test_checks_imports_neither_the_table_nor_deploy():
    assert not {"journey.verify.tools", "journey.verify.deploy"} & journey_modules_after(
        "import journey.verify.checks"
    )


def test_the_tools_that_drive_the_engine_are_the_ones_the_manifest_knows():
    """`journey check` (no runners loaded) and the verify path agree on what makes a snippet "run"."""
    assert {kind for kind, tool in TOOLS.items() if tool.uses_engine} == set(ENGINE_CHECKS)


def test_every_tool_names_the_programs_whose_versions_results_record():
    for kind, tool in TOOLS.items():
        assert tool.versions, f"{kind.tool} records no program version"
    assert [v.program for v in TOOLS[CHECK_TYPES["actionlint"]].versions] == ["actionlint", "shellcheck"]


@pytest.mark.parametrize(
    ("answer", "version"),
    [
        ("Haskell Dockerfile Linter 2.15.1\n", "2.15.1"),
        (
            "ShellCheck - shell script analysis tool\nversion: 0.11.0\nlicense: GNU General Public License\n",
            "0.11.0",
        ),
        ("yamllint 1.38.0\n", "1.38.0"),
        ("check-jsonschema, version 0.39.0\n", "0.39.0"),
        ("1.7.7\ninstalled by building from source\nbuilt with go1.26.8 compiler for linux/amd64\n", "1.7.7"),
        ("go version go1.26.8 linux/amd64\n", "go1.26.8"),
        ("aws-cli/1.45.11 Python/3.11.2 Linux/6.1.0 botocore/1.39.11\n", "1.45.11"),
        ("no version here\n", "unknown"),
    ],
)
def test_a_program_version_is_the_first_version_in_its_own_answer(tmp_path, answer, version):
    """The version is what the program itself prints; a fake program on PATH stands in for each."""
    program = tmp_path / "fake-tool"
    program.write_text(f"#!/bin/sh\nprintf '%s' '{answer}'\n")
    program.chmod(0o755)
    assert program_version(tmp_path, Version("fake", (str(program), "--version"))) == version


def test_a_missing_program_has_an_unknown_version(tmp_path):
    assert program_version(tmp_path, Version("ghost", (str(tmp_path / "ghost"), "--version"))) == "unknown"


def test_check_table_holds_every_tool_including_other_modules():
    linters = {"hadolint", "shellcheck", "yamllint", "jsonschema", "actionlint"}
    assert {kind.tool for kind in TOOLS} == {*linters, "go-vet", "go-test", "deploy-e2e", "govulncheck"}
