"""journey.farm without starting anything: names, the buildkitd build's failure, a stop that never raises."""

from __future__ import annotations

import subprocess

import pytest

from journey import farm
from journey.farm import Farm, FarmError


def test_short_names_are_docker_hub_library_paths():
    """buildkitd asks its docker.io mirror for library/<name>: the bases are pushed under that path."""
    assert farm.library_path("golang:1.26-trixie") == "library/golang:1.26-trixie"
    assert farm.library_path("ko-build/ko:1") == "ko-build/ko:1"


def test_a_failed_buildkitd_build_is_a_farm_error_naming_the_module(tmp_path, monkeypatch):
    def failing(argv, **_kwargs):
        return subprocess.CompletedProcess(argv, 1, "", "go: module lookup disabled")

    monkeypatch.setattr(farm.subprocess, "run", failing)
    said: list[str] = []
    with pytest.raises(FarmError) as caught:
        farm.buildkitd_binary(tmp_path, said.append)
    assert f"{farm.BUILDKIT_MODULE}@{farm.BUILDKIT_VERSION}" in caught.value.cause
    assert "module lookup disabled" in caught.value.cause
    assert caught.value.step == "farm"
    assert said  # progress was shown before the long build


def test_a_built_buildkitd_is_reused(tmp_path, monkeypatch):
    binary = tmp_path / ".cache" / "tools" / f"buildkitd-{farm.BUILDKIT_VERSION}" / "buildkitd"
    binary.parent.mkdir(parents=True)
    binary.write_text("")
    monkeypatch.setattr(farm.subprocess, "run", lambda *_a, **_k: pytest.fail("rebuilt"))
    assert farm.buildkitd_binary(tmp_path, print) == binary


def test_stopping_a_farm_that_never_started_removes_its_folder(tmp_path, monkeypatch):
    calls: list[list[str]] = []
    monkeypatch.setattr(
        farm.subprocess, "run", lambda argv, **_k: calls.append(argv) or subprocess.CompletedProcess(argv, 0)
    )
    folder = tmp_path / "journey-farm-x"
    folder.mkdir()
    (folder / "registry.yml").write_text("")
    farm.stop(Farm(folder, builder="journey-farm-x", buildkit="buildkitd"))
    assert not folder.exists()
    assert ["docker", "buildx", "rm", "journey-farm-x"] in calls
