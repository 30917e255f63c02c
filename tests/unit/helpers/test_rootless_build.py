"""The stand-in helper without an engine: its image, its arguments, its cleanup, and how bases uses it."""

from __future__ import annotations

import io
import subprocess
import tarfile
from typing import TYPE_CHECKING

import pytest

from journey.core.errors import EngineUnavailableError
from journey.engine import sweep
from journey.engine.images import OWNER_LABEL
from journey.engine.session import RUN_LABEL
from journey.helpers import rootless_build
from journey.helpers.rootless_build import (
    ENTRY,
    SOCKET_IN_CONTAINER,
    TOOL_LABEL,
    TOOL_NAME,
    HelperError,
    HelperSpec,
    create_argv,
    engine_endpoint,
    import_argv,
    skeleton_tar,
)
from journey.verify import bases

if TYPE_CHECKING:
    from pathlib import Path

SCRIPT = bases.RECIPES_DIR / "debian.sh"


def spec(docker_host: str | None = None, environ: dict[str, str] | None = None) -> HelperSpec:
    environ = environ or {}
    return HelperSpec("debian:trixie", SCRIPT, ("trixie",), docker_host, environ, build_id="0123456789ab")


def test_only_a_caller_who_is_not_root_needs_the_helper():
    assert rootless_build.needed(0) is False
    assert rootless_build.needed(1001) is True


def test_the_helper_image_holds_only_merged_usr_symlinks_and_empty_folders():
    with tarfile.open(fileobj=io.BytesIO(skeleton_tar())) as tar:
        members = {m.name: m for m in tar.getmembers()}
    links = {name: m.linkname for name, m in members.items() if m.issym()}
    assert links == {"bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib", "lib64": "usr/lib64"}
    folders = {name for name, m in members.items() if m.isdir()}
    assert {"usr", "etc", "var/tmp", "tmp", "run", "root", "proc", "sys", "dev"} <= folders
    assert not [m for m in members.values() if m.isfile()]
    assert members["var/tmp"].mode == members["tmp"].mode == 0o1777
    assert all(m.uid == 0 and m.gid == 0 and m.mtime == 0 for m in members.values())
    assert skeleton_tar() == skeleton_tar()


@pytest.mark.parametrize(
    ("docker_host", "socket", "inner"),
    [
        (None, "/var/run/docker.sock", f"unix://{SOCKET_IN_CONTAINER}"),
        ("", "/var/run/docker.sock", f"unix://{SOCKET_IN_CONTAINER}"),
        ("unix:///srv/engine/docker.sock", "/srv/engine/docker.sock", f"unix://{SOCKET_IN_CONTAINER}"),
        ("tcp://127.0.0.1:2375", None, "tcp://127.0.0.1:2375"),
    ],
)
def test_the_engine_is_reached_through_its_socket_or_its_address(docker_host, socket, inner):
    assert engine_endpoint(docker_host) == (socket, inner)


def test_the_container_runs_the_recipe_as_root_privileged_on_the_hosts_programs():
    argv = create_argv(spec())
    assert argv[:4] == ["docker", "create", "--name", "journey-standin-helper-0123456789ab"]
    for flag in ("--privileged", "--network=host", "--user=0:0"):
        assert flag in argv
    recipes = str(bases.RECIPES_DIR)
    for src in ("/usr", "/etc", recipes, str(ENTRY.parent)):
        assert f"--mount=type=bind,source={src},target={src},readonly" in argv
    # the socket is the only writable bind mount: nothing the recipe writes lands on the host
    writable = [a for a in argv if a.startswith("--mount=") and not a.endswith(",readonly")]
    assert writable == [f"--mount=type=bind,source=/var/run/docker.sock,target={SOCKET_IN_CONTAINER}"]
    assert "--tmpfs=/tmp:mode=1777" in argv
    assert "--tmpfs=/run:mode=0755" in argv
    # debootstrap makes device nodes under /var/tmp: Docker's tmpfs is nodev, so it is the writable layer
    assert not [a for a in argv if a.startswith("--tmpfs=/var")]
    assert f"--env=DOCKER_HOST=unix://{SOCKET_IN_CONTAINER}" in argv
    image = "journey-tools/standin-helper:0123456789ab"
    assert argv[-5:] == [image, "bash", str(ENTRY), str(SCRIPT), "trixie"]


def test_container_and_image_carry_the_tool_the_build_id_and_the_owner():
    owner = str(sweep.current())
    assert f"--label={TOOL_LABEL}={TOOL_NAME}" in create_argv(spec())
    assert f"--label={RUN_LABEL}=0123456789ab" in create_argv(spec())
    assert f"--label={OWNER_LABEL}={owner}" in create_argv(spec())
    assert import_argv(spec()) == [
        "docker",
        "import",
        f"--change=LABEL {TOOL_LABEL}={TOOL_NAME}",
        f"--change=LABEL {RUN_LABEL}=0123456789ab",
        f"--change=LABEL {OWNER_LABEL}={owner}",
        "-",
        "journey-tools/standin-helper:0123456789ab",
    ]
    assert " " not in owner  # one word of a Dockerfile LABEL line, unquoted


def test_the_recipes_variables_and_the_proxies_are_passed_by_name_and_nothing_else():
    environ = {
        "JOURNEY_DEBIAN_MIRROR": "http://mirror.example/debian",
        "http_proxy": "http://user:s3cret@proxy:3128",
        "HOME": "/home/someone",
        "DOCKER_CONFIG": "/home/someone/.docker",
        "SECRET_TOKEN": "x",
    }
    argv = create_argv(spec(environ=environ))
    envs = [a for a in argv if a.startswith("--env=")]
    assert envs == [
        f"--env=DOCKER_HOST=unix://{SOCKET_IN_CONTAINER}",
        "--env=HOME=/root",
        "--env=JOURNEY_DEBIAN_MIRROR",
        "--env=http_proxy",
    ]
    assert not [a for a in argv if "s3cret" in a or "mirror.example" in a]  # values never on argv
    env = rootless_build.create_environment(spec(environ=environ))
    assert env["http_proxy"] == "http://user:s3cret@proxy:3128"  # the CLI reads them from here
    assert env["JOURNEY_DEBIAN_MIRROR"] == "http://mirror.example/debian"
    assert env.get("SECRET_TOKEN") != "x"


@pytest.mark.usefixtures("fake_docker")
def test_a_proxy_with_credentials_never_reaches_the_docker_cli_command_line(monkeypatch, tmp_path):
    monkeypatch.setenv("https_proxy", "http://user:s3cret@proxy:3128")
    assert run() == 0
    log = (tmp_path / "docker.log").read_text(encoding="utf-8")
    assert "s3cret" not in log
    assert "--env=https_proxy" in log


@pytest.mark.usefixtures("fake_docker")
def test_a_recipe_run_leaves_no_record_once_it_cleaned_up():
    assert run() == 0
    assert list(sweep.records_dir().iterdir()) == []


def test_a_tcp_engine_is_passed_on_and_no_socket_is_mounted():
    argv = create_argv(spec("tcp://127.0.0.1:2375"))
    assert "--env=DOCKER_HOST=tcp://127.0.0.1:2375" in argv
    assert not [a for a in argv if "docker.sock" in a or SOCKET_IN_CONTAINER in a]


# --- run_recipe against a fake docker CLI: the steps, their errors, the cleanup ---------------------------


FAKE_DOCKER = """#!/usr/bin/env bash
printf '%s\\n' "$*" >>"$FAKE_LOG"
case $1 in
  import) cat >/dev/null; [ -z "${FAIL_IMPORT:-}" ] || { echo "$FAIL_IMPORT" >&2; exit 1; } ;;
  create) [ -z "${FAIL_CREATE:-}" ] || { echo "$FAIL_CREATE" >&2; exit 125; } ;;
  start) exit "${RECIPE_EXIT:-0}" ;;
  inspect) printf '%s\\t%s\\t%s\\n' "${STATE:-exited}" "${RECIPE_EXIT:-0}" "${START_ERROR:-}" ;;
esac
"""


@pytest.fixture
def fake_docker(tmp_path, monkeypatch):
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "docker").write_text(FAKE_DOCKER, encoding="utf-8")
    (folder / "docker").chmod(0o755)
    log = tmp_path / "docker.log"
    monkeypatch.setenv("PATH", f"{folder}:/usr/bin:/bin")
    monkeypatch.setenv("FAKE_LOG", str(log))
    monkeypatch.delenv("DOCKER_HOST", raising=False)

    def calls() -> list[str]:
        return [line.split()[0] for line in log.read_text(encoding="utf-8").splitlines()]

    return calls


def run() -> int:
    return rootless_build.run_recipe("debian:trixie", SCRIPT, ("trixie",), timeout=60)


def test_a_recipe_run_removes_container_and_image_afterwards(fake_docker):
    assert run() == 0
    assert fake_docker() == ["import", "create", "start", "inspect", "rm", "image"]


def test_a_failing_recipe_returns_its_code_and_still_cleans_up(fake_docker, monkeypatch):
    monkeypatch.setenv("RECIPE_EXIT", "5")
    assert run() == 5
    assert fake_docker()[-2:] == ["rm", "image"]


def test_a_helper_that_cannot_be_created_names_the_step_and_cleans_up(fake_docker, monkeypatch):
    monkeypatch.setenv("FAIL_CREATE", "Error response from daemon: invalid mount config")
    with pytest.raises(HelperError, match=r"cannot create the helper container: .*invalid mount config"):
        run()
    assert fake_docker() == ["import", "create", "rm", "image"]


def test_a_helper_that_does_not_start_is_an_error_not_a_recipe_exit_code(fake_docker, monkeypatch):
    monkeypatch.setenv("STATE", "created")
    monkeypatch.setenv("START_ERROR", "OCI runtime create failed")
    with pytest.raises(HelperError, match="did not start: OCI runtime create failed"):
        run()
    assert fake_docker()[-2:] == ["rm", "image"]


@pytest.mark.usefixtures("fake_docker")
def test_no_engine_is_exit_3_naming_the_base(monkeypatch):
    monkeypatch.setenv("FAIL_IMPORT", "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.")
    with pytest.raises(EngineUnavailableError) as caught:
        run()
    assert caught.value.exit_code == 3
    step = "bases: debian:trixie: cannot make the helper image"
    assert caught.value.message.startswith(f"{step}: no Docker engine")


def test_no_docker_cli_is_exit_3(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EngineUnavailableError, match="docker CLI is not installed"):
        run()


# --- bases: as root exactly as before; otherwise through the helper, its errors recorded per base ----------


def test_as_root_the_recipe_runs_on_the_host_as_before(monkeypatch):
    seen: list[list[str]] = []

    def fake_run(argv, **kwargs):
        seen.append(argv)
        assert kwargs == {"stdout": subprocess.DEVNULL, "stderr": None, "timeout": 1200, "check": False}
        return subprocess.CompletedProcess(argv, 0)

    monkeypatch.setattr(rootless_build, "needed", lambda: False)
    monkeypatch.setattr(rootless_build, "run_recipe", pytest.fail)
    monkeypatch.setattr(bases.process, "run", fake_run)
    assert bases.run_recipe("debian:trixie", bases.RECIPES["debian:trixie"]) == 0
    assert seen == [["bash", str(SCRIPT), "trixie"]]


def test_not_root_the_recipe_runs_in_the_helper(monkeypatch):
    seen: list[tuple[str, Path, tuple[str, ...], float]] = []

    def fake_helper(ref, script, args, *, timeout):
        seen.append((ref, script, tuple(args), timeout))
        return 0

    monkeypatch.setattr(rootless_build, "needed", lambda: True)
    monkeypatch.setattr(rootless_build, "run_recipe", fake_helper)
    assert bases.run_recipe("debian:trixie", bases.RECIPES["debian:trixie"]) == 0
    assert seen == [("debian:trixie", SCRIPT, ("trixie",), 1200)]


def test_a_helper_error_is_recorded_as_the_bases_cause(monkeypatch):
    def broken(*_args, **_kwargs):
        raise HelperError("cannot create the helper container: no such image")

    monkeypatch.setattr(rootless_build, "needed", lambda: True)
    monkeypatch.setattr(rootless_build, "run_recipe", broken)
    monkeypatch.setattr(bases, "inspect", lambda *_a: None)
    resolver = bases.Resolver(client=object(), offline=True)
    assert resolver.resolve("debian:trixie") is None
    assert resolver.failed["debian:trixie"] == (
        "its stand-in recipe `scripts/bases/debian.sh trixie` could not run in the helper: "
        "cannot create the helper container: no such image"
    )


def test_a_failing_recipe_in_the_helper_says_where_it_ran(monkeypatch):
    monkeypatch.setattr(rootless_build, "needed", lambda: True)
    monkeypatch.setattr(rootless_build, "run_recipe", lambda *_a, **_k: 5)
    monkeypatch.setattr(bases, "inspect", lambda *_a: None)
    resolver = bases.Resolver(client=object(), offline=True)
    assert resolver.resolve("debian:trixie") is None
    assert "failed in the helper container (exit 5)" in resolver.failed["debian:trixie"]
