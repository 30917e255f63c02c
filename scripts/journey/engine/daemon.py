"""The Docker engine the verifier talks to: a client, its versions and its platform.

The SDK is used for everything except building (docker-py cannot drive BuildKit: docker/docker-py#2230), so
every other module gets its client from here, and a dead daemon becomes one clear error (exit 3)
instead of a stack trace from deep inside a build.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import docker
import docker.errors

from journey.core import process
from journey.core.errors import EngineUnavailableError

#: The name engine users look for when no engine answers (exit 3); the class lives in errors.py.
NoEngineError = EngineUnavailableError

#: Seconds to wait for the daemon's answer: a live local engine answers in milliseconds.
PING_TIMEOUT = 10
#: Seconds for long API calls (image save, archive reads of big images).
API_TIMEOUT = 600
#: ``docker info --format`` template printing the buildx plugin's version and nothing else.
BUILDX_VERSION_FORMAT = '{{range .ClientInfo.Plugins}}{{if eq .Name "buildx"}}{{.Version}}{{end}}{{end}}'


@dataclass(frozen=True)
class EngineInfo:
    """What the results record about the engine, because measurements depend on it."""

    engine: str
    buildx: str
    platform: str


def connect() -> Any:  # noqa: ANN401  (docker.DockerClient is untyped)
    """Connect to the engine named by the environment (DOCKER_HOST), checked with a ping.

    Raises EngineUnavailableError so the CLI can exit 3 with the reason the daemon gave.
    """
    try:
        client = docker.from_env(timeout=API_TIMEOUT)
        client.api.timeout = PING_TIMEOUT
        client.ping()
    except (docker.errors.DockerException, OSError) as exc:
        raise EngineUnavailableError(
            f"no Docker engine answers ({_short(exc)}); start one with `make engine`", step="engine"
        ) from exc
    client.api.timeout = API_TIMEOUT
    return client


def buildx_version() -> str:
    """Return the buildx plugin's version (``0.13.1+ds1``): it is part of every input digest.

    Read from the CLI's plugin list with an explicit ``--format`` (``docker buildx version`` has no
    ``--format``, and its free text is not a promise): the same string ``buildx version`` prints.
    """
    try:
        out = process.run(
            ["docker", "info", "--format", BUILDX_VERSION_FORMAT],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        ).stdout.strip()
    except (OSError, process.SubprocessError) as exc:
        raise EngineUnavailableError(
            f"`docker buildx` does not answer ({_short(exc)}); BuildKit is required", step="engine"
        ) from exc
    if not out:
        cause = "the docker CLI lists no buildx plugin; BuildKit is required (install docker-buildx)"
        raise EngineUnavailableError(cause, step="engine")
    return out


def info(client: Any) -> EngineInfo:  # noqa: ANN401
    """Return engine and buildx versions and the platform images are built for (``linux/amd64``)."""
    version = client.version()
    platform = f"{version.get('Os', 'linux')}/{_oci_arch(version.get('Arch', ''))}"
    return EngineInfo(engine=str(version["Version"]), buildx=buildx_version(), platform=platform)


def _oci_arch(arch: str) -> str:
    """Docker reports Go's GOARCH already; keep the OCI spelling stable for odd engines."""
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(arch, arch)


def _short(exc: BaseException) -> str:
    """First line of an exception: daemon errors can be pages long."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
