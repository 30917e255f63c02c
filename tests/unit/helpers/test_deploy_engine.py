"""The deploy check's private engine without an engine: its container, its recipe's tag, TLS on a socket."""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import threading
from typing import TYPE_CHECKING

import pytest

from journey.engine.session import RUN_LABEL, SNIPPET_LABEL
from journey.helpers import deploy_engine
from journey.helpers.deploy_engine import (
    TOOL_LABEL,
    TOOL_NAME,
    EngineSpec,
    container_kwargs,
    https_get,
    image_tag,
    label_format,
    only_loopback,
    recipe_digest,
    resolved_addresses,
)
from journey.verify.deploy import EPHEMERAL_PORTS, DeploySpec, registry_port, tls_files

if TYPE_CHECKING:
    from pathlib import Path

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def spec(tmp_path: Path, name: str | None = ECR) -> EngineSpec:
    config, sockets = tmp_path / "registry", tmp_path / "engine"
    return EngineSpec(
        image="journey-tools/deploy-engine:0123456789ab",
        registry_address=name or "[::1]:40000",
        registry_port=443 if name else 40000,
        config_dir=config,
        registry_config=config / "registry.yml",
        ca=config / "ca.crt",
        sockets=sockets,
        uid=1000,
        gid=1000,
        labels={RUN_LABEL: "abc", SNIPPET_LABEL: "vol1/deploy-2019"},
        loopback_name=name,
    )


def test_the_private_engine_is_privileged_with_loopback_only_and_labelled(tmp_path):
    kwargs = container_kwargs(spec(tmp_path))
    assert kwargs["privileged"] is True
    assert kwargs["network_mode"] == "none"
    assert kwargs["labels"] == {RUN_LABEL: "abc", SNIPPET_LABEL: "vol1/deploy-2019", TOOL_LABEL: TOOL_NAME}
    # the fixed name is the container's own mapping, to its own loopback: the host's /etc/hosts is not touched
    assert kwargs["extra_hosts"] == {ECR: "::1"}
    # images and blobs live on tmpfs: removing the container removes them
    assert set(kwargs["tmpfs"]) == {"/var/lib/docker", "/var/lib/registry"}


def test_the_mounts_are_the_config_read_only_and_the_socket_folder_at_the_hosts_paths(tmp_path):
    mounts = {m["Target"]: m for m in container_kwargs(spec(tmp_path))["mounts"]}
    config, sockets = str(tmp_path / "registry"), str(tmp_path / "engine")
    assert set(mounts) == {config, sockets}
    assert mounts[config]["Source"] == config
    assert mounts[config]["ReadOnly"] is True
    assert mounts[sockets]["Source"] == sockets
    assert not mounts[sockets]["ReadOnly"]
    assert all(m["Type"] == "bind" for m in mounts.values())


def test_the_entrypoint_gets_every_variable_it_requires(tmp_path):
    env = container_kwargs(spec(tmp_path))["environment"]
    script = (deploy_engine.RECIPE / "entrypoint.sh").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{(JOURNEY_\w+):\?\}", script))
    assert required == set(env)
    assert env["JOURNEY_REGISTRY_ADDRESS"] == ECR
    assert env["JOURNEY_REGISTRY_PORT"] == "443"
    assert env["JOURNEY_GID"] == "1000"
    assert all(isinstance(value, str) for value in env.values())


def test_todays_script_gets_no_name_mapping(tmp_path):
    kwargs = container_kwargs(spec(tmp_path, name=None))
    assert kwargs["extra_hosts"] == {}
    assert kwargs["environment"]["JOURNEY_REGISTRY_ADDRESS"] == "[::1]:40000"


def _spec(ecr: bool) -> DeploySpec:
    env = {"AWS_REGION": "us-east-1", "IMAGE_NAME": "x", "AWS_ACCOUNT_ID": "123456789012"}
    return DeploySpec("d.sh", ("./d.sh",), env, ecr_hostname=ecr, refuse_login=False, tags=(), also_show=())


def test_the_registry_port_is_443_for_the_fixed_name_and_ephemeral_otherwise():
    assert registry_port(_spec(ecr=True)) == 443
    ports = {registry_port(_spec(ecr=False)) for _ in range(50)}
    assert all(port in EPHEMERAL_PORTS for port in ports)
    assert len(ports) > 1


def test_the_image_tag_follows_the_recipe(tmp_path):
    for name in deploy_engine.RECIPE_FILES:
        shutil.copy2(deploy_engine.RECIPE / name, tmp_path / name)
    assert image_tag(tmp_path) == image_tag()
    assert image_tag().startswith("journey-tools/deploy-engine:")
    assert len(image_tag().rsplit(":", 1)[1]) == 12
    before = recipe_digest(tmp_path)
    with (tmp_path / "entrypoint.sh").open("a", encoding="utf-8") as script:
        script.write("# changed\n")
    assert recipe_digest(tmp_path) != before


def test_the_label_template_names_the_label():
    assert label_format("a.b") == '{{index .Config.Labels "a.b"}}'


def test_getent_output_is_read_and_only_loopback_passes():
    out = f"::1             STREAM {ECR}\n::1             DGRAM  \n::1             RAW    \n"
    assert resolved_addresses(out) == {"::1"}
    assert only_loopback({"::1", "127.0.0.1"})
    assert not only_loopback(set())
    assert not only_loopback({"::1", "52.94.1.1"})


@pytest.fixture
def tls_server(tmp_path):
    """A TLS server on a unix socket with the check's own certificate; answers every request with 401."""
    files = tls_files(tmp_path, [ECR])
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.cert, files.key)
    path = tmp_path / "registry.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen()
    seen: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    seen.append(tls.recv(4096))
                    tls.sendall(
                        b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\nX-Who: registry\r\n\r\nno"
                    )
            except (ssl.SSLError, OSError):
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield path, files, seen
    listener.close()


def test_https_over_the_unix_socket_checks_the_certificate_for_the_name(tls_server):
    path, files, seen = tls_server
    trust = ssl.create_default_context(cafile=str(files.ca))
    status, headers, body = https_get(path, ECR, trust, "/v2/", {"Accept": "x"})
    assert (status, headers["X-Who"], body) == (401, "registry", b"no")
    assert f"Host: {ECR}".encode() in seen[-1]
    status, _, _ = https_get(path, "::1", trust, "/v2/", {})  # the certificate holds ::1 as well
    assert status == 401


def test_https_over_the_unix_socket_refuses_another_name_or_another_ca(tls_server, tmp_path):
    path, _, _ = tls_server
    trust = ssl.create_default_context(cafile=str(tls_server[1].ca))
    with pytest.raises(ssl.SSLCertVerificationError):
        https_get(path, "registry.example.com", trust, "/v2/", {})
    other = tmp_path / "other"
    other.mkdir()
    stranger = ssl.create_default_context(cafile=str(tls_files(other, [ECR]).ca))
    with pytest.raises(ssl.SSLCertVerificationError):
        https_get(path, ECR, stranger, "/v2/", {})
