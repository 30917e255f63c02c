"""The stand-ins behave like the official images, and BuildKit builds scratch and multistage images."""

from __future__ import annotations

import re
import subprocess

import pytest
from engine_helpers import FIXTURES, image_inspect

pytestmark = pytest.mark.engine

GO = "golang:1.26-trixie"


def run(image, *command, env=(), user="65534:65534"):
    env_args = [arg for pair in env for arg in ("-e", pair)]
    argv = ["docker", "run", "--rm", "--network", "none", "--user", user, *env_args, image, *command]
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=600)


def buildx(context, tag, *extra):
    argv = ["docker", "buildx", "build", "--progress=plain", *extra, "-t", tag, str(context)]
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=900)


def test_go_standin_compiles_offline_with_its_own_toolchain():
    script = (
        "set -e; mkdir -p /go/src/hello && cd /go/src/hello; "
        'printf \'package main\\n/*\\n#include <stdio.h>\\n*/\\nimport "C"\\nimport "fmt"\\n'
        'func main() { fmt.Println("hello", C.BUFSIZ > 0) }\\n\' > main.go; '
        "go mod init example.com/hello 2>/dev/null; go build -o hello . && ./hello; "
        'go env GOTOOLCHAIN GOROOT GOPATH GOVERSION; echo "GOLANG_VERSION=$GOLANG_VERSION"; pwd'
    )
    done = run(GO, "bash", "-c", script, env=("GOPROXY=off", "HOME=/tmp"))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "hello true", "cgo (gcc, libc6-dev) must work as in the official image"
    assert lines[1] == "local"
    assert lines[2] == "/usr/local/go"
    assert lines[3] == "/go"
    version = lines[4].removeprefix("go")
    assert re.fullmatch(r"1\.26\.\d+", version)
    assert lines[5] == f"GOLANG_VERSION={version}"


def test_go_standin_workdir_and_world_writable_gopath():
    done = run(GO, "bash", "-c", "pwd; stat -c '%a %n' /go /go/src /go/bin", user="0:0")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["/go", "1777 /go", "1777 /go/src", "1777 /go/bin"]


def test_debian_standin_has_zoneinfo_but_no_ca_bundle_like_the_official_image():
    done = run(
        "debian:trixie", "bash", "-c", "ls /usr/share/zoneinfo/Europe/Madrid; ls /etc/ssl/certs 2>&1; true"
    )
    assert "/usr/share/zoneinfo/Europe/Madrid" in done.stdout
    assert "No such file or directory" in done.stdout
    lists = run("debian:trixie", "bash", "-c", "ls /var/lib/apt/lists | wc -l; ls /var/cache/apt/archives")
    assert lists.stdout.split()[0] in ("0", "1")  # only lock/partial, no package lists shipped


def test_buildx_builds_a_from_scratch_image(image_tags):
    tag = image_tags("scratch")
    done = buildx(FIXTURES / "scratch", tag)
    assert done.returncode == 0, done.stderr
    layers = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{len .RootFS.Layers}} {{.Config.User}}", tag],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert layers == ["1", "65534:65534"]


def test_buildx_multistage_go_build_to_scratch_runs(image_tags):
    tag = image_tags("multistage")
    done = buildx(FIXTURES / "multistage", tag)
    assert done.returncode == 0, done.stderr
    out = run(tag)
    assert out.returncode == 0, out.stderr
    assert re.fullmatch(r"hello from scratch, built by go1\.26\.\d+\n", out.stdout)
    size = image_inspect(tag, "{{.Size}}")
    assert int(size) < 5_000_000, "only the static binary should be in the final image"
