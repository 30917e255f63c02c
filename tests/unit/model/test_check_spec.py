"""The ``checks:`` items as one class per tool: what a manifest becomes, and how a bad one is refused."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import msgspec
import pytest

from journey.model.check_spec import (
    CHECK_TYPES,
    ENGINE_CHECKS,
    DeployE2ECheck,
    GoTestCheck,
    GovulncheckCheck,
    HadolintCheck,
    JsonschemaCheck,
    check,
)
from trees import write_tree

if TYPE_CHECKING:
    from pathlib import Path

DB = "v0.0.0-20261105234957-e22db6528018"


@pytest.mark.parametrize(
    ("raw", "made"),
    [
        ({"tool": "hadolint", "files": ["Dockerfile"]}, HadolintCheck(files=("Dockerfile",))),
        (
            {"tool": "jsonschema", "files": [".travis.yml"], "builtin": "vendor.travis", "name": "travis"},
            JsonschemaCheck(files=(".travis.yml",), builtin="vendor.travis", explicit_name="travis"),
        ),
        ({"tool": "go-test", "race": True}, GoTestCheck(race=True)),
        ({"tool": "govulncheck", "db": DB, "go": "1.24.2"}, GovulncheckCheck(db=DB, go="1.24.2")),
    ],
)
def test_a_valid_item_becomes_its_tools_class_with_the_defaults(raw, made):
    assert check(raw) == made
    assert type(check(raw)) is CHECK_TYPES[raw["tool"]]


def test_the_recorded_name_is_the_manifests_or_the_tool_and_its_files():
    assert HadolintCheck(files=("Dockerfile", "b.Dockerfile")).name == "hadolint Dockerfile b.Dockerfile"
    assert HadolintCheck(files=("Dockerfile",), explicit_name="lint").name == "lint"
    assert GoTestCheck().name == "go-test"


def test_each_check_names_the_paths_that_must_exist():
    assert HadolintCheck(files=("a", "b")).paths() == (("files[0]", "a"), ("files[1]", "b"))
    assert DeployE2ECheck(script="d.sh", env={}).paths() == (("script", "d.sh"),)
    assert GovulncheckCheck(db=DB, modfile="old.mod", dir="app").paths() == (("modfile", "old.mod"),)
    assert GovulncheckCheck(db=DB, dir="app").folder == "app"


def test_only_deploy_e2e_drives_the_engine():
    assert (DeployE2ECheck,) == ENGINE_CHECKS


def test_deploy_env_values_stay_as_yaml_gave_them_for_the_run_to_spell():
    made = check({"tool": "deploy-e2e", "script": "d.sh", "env": {"N": 3, "DEBUG": True, "R": "eu"}})
    assert isinstance(made, DeployE2ECheck)
    assert made.env == {"N": 3, "DEBUG": True, "R": "eu"}


def test_a_key_of_another_tool_is_refused_by_the_model_too():
    """The schema words the error a reader sees; the model refuses the same item on its own."""
    with pytest.raises(msgspec.ValidationError, match="unknown field `race`"):
        check({"tool": "go-vet", "race": True})


def _journey_check(tmp_path: Path, checks: str) -> subprocess.CompletedProcess[str]:
    """Run the real ``journey check`` in a fresh process on a one-snippet checkout with these checks."""
    write_tree(
        tmp_path,
        {
            "mkdocs.yml": "site_name: t\nnav: []\n",
            "snippets/vol1/volume.yml": "title: V\nsnippets: [lint]\n",
            "snippets/vol1/lint/snippet.yml": f"title: t\nchecks:\n{checks}",
            "snippets/vol1/lint/Dockerfile": "FROM scratch\n",
        },
    )
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    return subprocess.run(
        [sys.executable, "-m", "journey", "check", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("checks", "says"),
    [
        pytest.param(
            "  - {tool: hadolnit, files: [Dockerfile]}\n",
            "checks[0].tool: 'hadolnit' is not one of hadolint, shellcheck, yamllint, jsonschema, actionlint,"
            " go-vet, go-test, deploy-e2e, govulncheck (did you mean 'hadolint'?)",
            id="unknown tool",
        ),
        pytest.param(
            "  - {files: [Dockerfile]}\n",
            "checks[0].tool: 'tool' is a required property",
            id="no tool",
        ),
        pytest.param(
            "  - {tool: go-test, race: yes please}\n",
            "checks[0].race: 'yes please' is not of type 'boolean'",
            id="a key of the wrong type",
        ),
        pytest.param(
            "  - {tool: jsonschema, files: [Dockerfile]}\n",
            "checks[0].builtin: 'builtin' is a required property of a jsonschema check",
            id="a key the tool needs",
        ),
    ],
)
def test_a_bad_check_kind_ends_with_exit_2_naming_the_file_the_key_and_what_was_expected(
    tmp_path, checks, says
):
    done = _journey_check(tmp_path, checks)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"journey: vol1/lint: manifest: snippets/vol1/lint/snippet.yml: {says}")
    assert "Traceback" not in done.stderr
