"""Connecting without an engine: no answer is exit 3 in one line; versions and platform are read right.

``connect`` is tried against a socket that does not exist (as ``make test-unit`` sets DOCKER_HOST); the
docker CLI and the SDK client are stood in for where a test needs an answer.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from journey.core.errors import EngineUnavailableError, ExitCode
from journey.engine import daemon
from journey.engine.daemon import (
    BUILDX_VERSION_FORMAT,
    EngineInfo,
    _oci_arch,
    _short,
    buildx_version,
    connect,
    info,
)


def test_no_engine_at_docker_host_is_exit_3_with_how_to_start_one(monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    with pytest.raises(EngineUnavailableError) as caught:
        connect()
    assert caught.value.exit_code == ExitCode.NO_ENGINE == 3
    assert caught.value.step == "engine"
    assert caught.value.cause.startswith("no Docker engine answers (")
    assert caught.value.cause.endswith("); start one with `make engine`")
    assert "\n" not in caught.value.cause


def _cli(monkeypatch, stdout: str = "", error: Exception | None = None) -> list[list[str]]:
    calls: list[list[str]] = []

    def run(argv, **_kwargs):
        calls.append(argv)
        if error is not None:
            raise error
        return subprocess.CompletedProcess(argv, 0, stdout=stdout, stderr="")

    monkeypatch.setattr(daemon.process, "run", run)
    return calls


def test_buildx_version_is_read_from_the_plugin_list_with_an_explicit_format(monkeypatch):
    calls = _cli(monkeypatch, "0.13.1+ds1\n")
    assert buildx_version() == "0.13.1+ds1"
    assert calls == [["docker", "info", "--format", BUILDX_VERSION_FORMAT]]


@pytest.mark.parametrize(
    ("stdout", "error", "words"),
    [
        ("", None, "the docker CLI lists no buildx plugin; BuildKit is required (install docker-buildx)"),
        ("\n", None, "the docker CLI lists no buildx plugin"),
        (
            "",
            FileNotFoundError("[Errno 2] No such file or directory: 'docker'"),
            "`docker buildx` does not answer",
        ),
        ("", subprocess.TimeoutExpired(["docker"], 30), "`docker buildx` does not answer"),
    ],
)
def test_no_buildx_is_exit_3_naming_what_is_missing(monkeypatch, stdout, error, words):
    _cli(monkeypatch, stdout, error)
    with pytest.raises(EngineUnavailableError, match=re.escape(words)) as caught:
        buildx_version()
    assert caught.value.exit_code == ExitCode.NO_ENGINE


class _Client:
    def __init__(self, version: dict[str, str]) -> None:
        self._version = version

    def version(self) -> dict[str, str]:
        return self._version


@pytest.mark.parametrize(
    ("version", "platform"),
    [
        ({"Version": "28.5.1", "Os": "linux", "Arch": "amd64"}, "linux/amd64"),
        ({"Version": "28.5.1", "Os": "linux", "Arch": "x86_64"}, "linux/amd64"),
        ({"Version": "28.5.1", "Os": "linux", "Arch": "aarch64"}, "linux/arm64"),
        ({"Version": "28.5.1", "Arch": "riscv64"}, "linux/riscv64"),
    ],
)
def test_the_recorded_engine_is_its_version_buildx_and_oci_platform(monkeypatch, version, platform):
    _cli(monkeypatch, "0.29.1\n")
    assert info(_Client(version)) == EngineInfo(engine="28.5.1", buildx="0.29.1", platform=platform)


def test_an_odd_architecture_keeps_its_own_name():
    assert _oci_arch("s390x") == "s390x"
    assert _oci_arch("") == ""


def test_a_long_daemon_error_is_cut_to_its_first_line_and_an_empty_one_is_named_by_type():
    assert _short(RuntimeError("  first line\nsecond line\nthird\n")) == "first line"
    assert _short(ConnectionError()) == "ConnectionError"
    assert _short(OSError("   ")) == "OSError"
