"""helpers.farm without starting anything: names, the buildkitd build's failure, a stop that never raises."""

from __future__ import annotations

import subprocess

import pytest

from journey.helpers import farm
from journey.helpers.farm import Farm, FarmError


def test_short_names_are_docker_hub_library_paths():
    """buildkitd asks its docker.io mirror for library/<name>: the bases are pushed under that path."""
    assert farm.library_path("golang:1.26-trixie") == "library/golang:1.26-trixie"
    assert farm.library_path("ko-build/ko:1") == "ko-build/ko:1"


def test_a_failed_buildkitd_build_is_a_farm_error_naming_the_module(tmp_path, monkeypatch):
    def failing(argv, **_kwargs):
        return subprocess.CompletedProcess(argv, 1, "", "go: module lookup disabled")

    monkeypatch.setattr(farm.process, "run", failing)
    said: list[str] = []
    with pytest.raises(FarmError) as caught:
        farm.buildkitd_binary(tmp_path, said.append)
    assert f"{farm.BUILDKIT.package}@{farm.BUILDKIT.version}" in caught.value.cause
    assert "module lookup disabled" in caught.value.cause
    assert caught.value.step == "farm"
    assert said  # progress was shown before the long build


def test_a_built_buildkitd_is_reused(tmp_path, monkeypatch):
    binary = tmp_path / ".cache" / "tools" / f"buildkitd-{farm.BUILDKIT.version}" / "buildkitd"
    binary.parent.mkdir(parents=True)
    binary.write_text("")
    monkeypatch.setattr(farm.process, "run", lambda *_a, **_k: pytest.fail("rebuilt"))
    assert farm.buildkitd_binary(tmp_path, print) == binary


def test_stopping_a_farm_that_never_started_removes_its_folder(tmp_path, monkeypatch):
    calls: list[list[str]] = []
    monkeypatch.setattr(
        farm.process, "run", lambda argv, **_k: calls.append(argv) or subprocess.CompletedProcess(argv, 0)
    )
    folder = tmp_path / "journey-farm-x"
    folder.mkdir()
    (folder / "registry.yml").write_text("")
    farm.stop(Farm(folder, builder="journey-farm-x", buildkit="buildkitd"))
    assert not folder.exists()
    assert calls == [["docker", "buildx", "rm", "journey-farm-x"]]  # no container to remove


def test_stopping_a_started_farm_removes_its_container_with_its_volume(tmp_path, monkeypatch):
    calls: list[list[str]] = []
    monkeypatch.setattr(
        farm.process, "run", lambda argv, **_k: calls.append(argv) or subprocess.CompletedProcess(argv, 0)
    )
    farm.stop(Farm(tmp_path / "gone", builder="b", buildkit="buildkitd", container="c0ffee"))
    assert ["docker", "rm", "--force", "--volumes", "c0ffee"] in calls


def _spec(tmp_path, modules=True):
    return farm.FarmSpec(
        buildkitd=tmp_path / "buildkitd",
        modules=tmp_path / "download" if modules else None,
        goproxy_port=12601 if modules else None,
        gid=1234,
        labels={"org.golangjourney.run": "r1"},
    )


def test_the_farm_container_needs_no_host_network_and_no_root(tmp_path):
    """Privileged for dockerd and buildkitd, but on no network: the farm's loopback is its own."""
    f = Farm(tmp_path / "f", builder="b", buildkit="buildkitd")
    argv = farm.container_argv(f, "journey-tools/farm:abc", _spec(tmp_path))
    assert argv[:2] == ["docker", "run"]
    assert argv[argv.index("--network") + 1] == "none"
    assert "--privileged" in argv
    assert argv[-1] == "journey-tools/farm:abc"
    assert "--label=org.golangjourney.run=r1" in argv  # the run's cleanup finds it after an interrupt
    assert f"--label={farm.TOOL_LABEL}={farm.TOOL_NAME}" in argv
    assert "--env=JOURNEY_GID=1234" in argv  # the sockets belong to the caller's group
    assert f"--env=DOCKER_HOST=unix://{f.docker_sock}" in argv
    assert f"--mount=type=bind,src={tmp_path / 'buildkitd'},dst={tmp_path / 'buildkitd'},readonly" in argv
    assert f"--mount=type=bind,src={f.folder},dst={f.folder}" in argv
    assert argv[argv.index("--volume") + 1] == "/farm"  # the servers' store: removed with the container
    assert "--env=JOURNEY_GOPROXY_PORT=12601" in argv


def test_without_a_goproxy_port_no_module_server_is_started(tmp_path):
    f = Farm(tmp_path / "f", builder="b", buildkit="buildkitd")
    argv = farm.container_argv(f, "img", _spec(tmp_path, modules=False))
    assert not [a for a in argv if "JOURNEY_MODULES" in a or "JOURNEY_GOPROXY_PORT" in a]


def test_the_image_tag_follows_the_recipe(tmp_path):
    for name in farm.RECIPE_FILES:
        (tmp_path / name).write_text(name)
    before = farm.image_tag(tmp_path)
    assert before.startswith(f"{farm.IMAGE_REPO}:")
    (tmp_path / "entrypoint.sh").write_text("changed")
    assert farm.image_tag(tmp_path) != before
    assert farm.image_tag() == f"{farm.IMAGE_REPO}:{farm.recipe_digest().removeprefix('sha256:')[:12]}"


def test_the_configs_keep_every_store_inside_the_container(tmp_path):
    f = Farm(tmp_path, builder="b", buildkit="buildkitd")
    farm.write_configs(f)
    assert "rootdirectory: /farm/registry" in (tmp_path / "registry.yml").read_text()
    assert f'mirrors = ["{farm.REGISTRY}"]' in (tmp_path / "buildkitd.toml").read_text()
    assert '"containerd-snapshotter": true' in (tmp_path / "daemon.json").read_text()
