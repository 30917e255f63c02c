"""helpers.gotools: one version, one folder; go install only when the binary is missing."""

from __future__ import annotations

import pytest

from journey.helpers import gotools
from journey.helpers.gotools import GoTool, GoToolMissingError

TOOL = GoTool("golang.org/x/vuln/cmd/govulncheck", "v1.10.0")


def test_the_binary_is_named_as_go_install_names_it_in_a_folder_per_version(tmp_path):
    assert TOOL.name == "govulncheck"
    assert TOOL.binary(tmp_path) == tmp_path / ".cache" / "tools" / "govulncheck-v1.10.0" / "govulncheck"
    assert GoTool(TOOL.package, "v1.11.0").binary(tmp_path).parent.name == "govulncheck-v1.11.0"


def test_a_missing_binary_is_built_with_go_install_into_its_folder(tmp_path):
    calls: list[tuple[list[str], dict[str, str]]] = []

    def run(argv: list[str], env: dict[str, str]) -> None:
        calls.append((argv, env))
        (tmp_path / env["GOBIN"] / "govulncheck").write_text("built")

    binary = gotools.install(tmp_path, TOOL, run)
    assert binary.read_text() == "built"
    assert calls == [
        (
            ["go", "install", "golang.org/x/vuln/cmd/govulncheck@v1.10.0"],
            {"GOBIN": str(binary.parent), "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"},
        )
    ]


def test_a_present_binary_is_reused_without_running_go(tmp_path):
    binary = TOOL.binary(tmp_path)
    binary.parent.mkdir(parents=True)
    binary.write_text("old")
    assert gotools.install(tmp_path, TOOL, lambda *_a: pytest.fail("go install ran again")) == binary


def test_a_go_install_that_leaves_no_binary_says_so(tmp_path):
    with pytest.raises(GoToolMissingError, match="left no"):
        gotools.install(tmp_path, TOOL, lambda *_a: None)


def test_the_callers_error_passes_through(tmp_path):
    class StepError(Exception):
        pass

    def failing(_argv: list[str], _env: dict[str, str]) -> None:
        raise StepError

    with pytest.raises(StepError):
        gotools.install(tmp_path, TOOL, failing)
