"""``refuse_login`` passes only on a registry the check could read: a catalog it cannot read is an error.

Engine-free: the registry's answer is given in place of ``https_get`` (the TLS socket of the private engine).
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import pytest

from journey.verify import deploy
from journey.verify.deploy import DeploySpec, Registry, ScriptRun, Stack, catalog, verdict

REGISTRY = Registry("[::1]:5000", Path("/nowhere/registry.sock"), "::1", ssl.create_default_context(), "pw")


def _answers(monkeypatch: pytest.MonkeyPatch, status: int, body: bytes) -> list[str]:
    asked: list[str] = []

    def https_get(_sock: Path, _name: str, _ca: ssl.SSLContext, target: str, _headers: dict[str, str]) -> Any:
        asked.append(target)
        return status, {}, body

    monkeypatch.setattr(deploy, "https_get", https_get)
    return asked


def test_an_empty_registry_holds_no_repository(monkeypatch):
    asked = _answers(monkeypatch, 200, b'{"repositories":[]}')
    assert catalog(REGISTRY) == []
    assert asked == ["/v2/_catalog"]
    _answers(monkeypatch, 200, b'{"repositories":null}')
    assert catalog(REGISTRY) == []
    _answers(monkeypatch, 200, b'{"repositories":["journey-deploy-e2e"]}')
    assert catalog(REGISTRY) == ["journey-deploy-e2e"]


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (404, b"404 page not found", "the registry answered 404 to GET /v2/_catalog"),
        (401, b"", "the registry answered 401 to GET /v2/_catalog"),
        (200, b"<html>", "the registry's catalog is not a list of repositories"),
        (200, b'{"errors":[]}', "the registry's catalog is not a list of repositories"),
        (200, b'{"repositories":"all"}', "the registry's catalog is not a list of repositories"),
    ],
)
def test_a_catalog_that_cannot_be_read_is_an_error_not_an_empty_registry(monkeypatch, status, body, words):
    _answers(monkeypatch, status, body)
    with pytest.raises(OSError, match=words):
        catalog(REGISTRY)


def test_a_refused_login_does_not_pass_on_a_catalog_404(monkeypatch):
    _answers(monkeypatch, 404, b"404 page not found")
    spec = DeploySpec("d.sh", ("./d.sh",), {}, ecr_hostname=False, refuse_login=True, tags=(), also_show=())
    stack = Stack(Path("/nowhere"), 0, REGISTRY, [], engine=None)  # type: ignore[arg-type]
    with pytest.raises(OSError, match="404"):  # deploy_e2e turns it into the check's failure
        verdict(spec, ScriptRun(1, "401 Unauthorized"), stack, "sha256:image", client=None)
