"""The build farm started by a user who is not root: a real build on its buildkitd, pushed to its registry.

The farm used to need root (``unshare --net``, ``nsenter``); now it is a container on the shared engine,
which a member of the docker group may start. When the suite runs as root, this drops to
JOURNEY_TEST_USER with only the docker group (tests/unprivileged.py), and skips, saying why, where that
user cannot run this interpreter.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from verify_helpers import REPO, need_image

from journey.helpers import farm

#: Starts a farm, builds a two-line Dockerfile on it, pushes it there and reads its manifest back.
AS_USER = """
import json, os, subprocess, sys, tempfile, uuid
from pathlib import Path
from journey.helpers import farm
root, context = Path(sys.argv[1]), Path(sys.argv[2])
with farm.running(root, uuid.uuid4().hex[:12], (["debian:trixie"], [], None), print) as running:
    ref = f"{farm.REGISTRY}/journey-test/unprivileged:1"
    argv = ["docker", "buildx", "build", "--builder", running.builder, "--progress=plain",
            "--provenance=false", "--output", f"type=image,name={ref},push=true", str(context)]
    build = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    media = ["application/vnd.oci.image.manifest.v1+json",
             "application/vnd.docker.distribution.manifest.v2+json"]
    path = "/v2/journey-test/unprivileged/manifests/1"
    manifest = running.registry_get(path, accept=media) if build.returncode == 0 else b"{}"
    socket_gid = os.stat(running.docker_sock).st_gid
    print(json.dumps({"uid": os.getuid(), "build": build.returncode, "log": build.stderr[-2000:],
                      "manifest": json.loads(manifest), "container": running.container,
                      "folder": str(running.folder), "socket_gid": socket_gid, "gid": os.getgid()}))
"""


def test_a_user_who_is_not_root_builds_and_pushes_on_the_farm(unprivileged_user, client):
    need_image(client, "debian:trixie")
    farm.buildkitd_binary(REPO, print)  # built once into the checkout's cache, which the user only reads
    context = unprivileged_user.home / "context"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM debian:trixie\nRUN echo built-by-the-farm > /farm.txt\n")
    shutil.chown(context, *_owner(unprivileged_user.home))
    shutil.chown(context / "Dockerfile", *_owner(unprivileged_user.home))
    done = unprivileged_user.run("-c", AS_USER, str(REPO), str(context))
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["uid"] != 0
    assert outcome["build"] == 0, outcome["log"]
    assert outcome["socket_gid"] == outcome["gid"]  # the farm's sockets belong to the caller's group
    layers = outcome["manifest"]["layers"]
    assert len(layers) == 2  # debian's layer and the RUN's, read back from the farm's own registry
    # everything the farm started is gone: its container (with its volume) and its folder
    gone = subprocess.run(["docker", "inspect", outcome["container"]], capture_output=True, check=False)
    assert gone.returncode != 0
    assert not Path(outcome["folder"]).exists()


def _owner(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_uid, info.st_gid
