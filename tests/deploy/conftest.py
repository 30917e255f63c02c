"""Fixtures of the deploy tests: a real engine session, check contexts, and a leftovers audit."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from journey.engine.daemon import connect
from journey.engine.session import Deadline, Session
from journey.helpers.deploy_engine import TOOL_LABEL, TOOL_NAME
from journey.model.manifest import Snippet, load_snippet
from journey.verify.checks import CheckContext

if TYPE_CHECKING:
    from journey.model.check_spec import Check

ROOT = Path(__file__).resolve().parents[2]
SNIPPETS = ROOT / "snippets" / "vol1"
FIXTURES = ROOT / "tests" / "fixtures" / "snippets" / "deploy"
IMAGE = "journey-deploy-e2e"
#: What the check once edited as root, and now must leave alone: the host's resolver and the engine's CAs.
HOSTS_PATH = Path("/etc/hosts")
CERTS_D = Path("/etc/docker/certs.d")


@pytest.fixture(scope="module")
def session():
    return Session(connect())


@pytest.fixture
def context(session):
    """Make the check context of a snippet folder, as `journey verify` would."""

    def make(folder: Path, snippet_id: str) -> CheckContext:
        snippet = load_snippet(folder, snippet_id)
        return CheckContext(root=ROOT, snippet=snippet, session=session, deadline=Deadline(300), idle=300)

    return make


def check_named(snippet: Snippet, name: str) -> Check:
    return next(check for check in snippet.checks if check.name == name)


def our_processes() -> list[str]:
    """Command lines of live processes started for a deploy-e2e run (they name its temp folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().split(") ", 1)[1][:1]
        except OSError:
            continue
        if "journey-deploy-" in cmdline and state != "Z" and int(entry.name) != os.getpid():
            found.append(cmdline)
    return found


@pytest.fixture
def nothing_left(session):
    """After the test: no server, no private engine, no test image; /etc/hosts and certs.d as before."""
    hosts_before = HOSTS_PATH.read_bytes()
    certs_before = cert_dirs()
    engines_before = set(private_engines(session))
    yield
    assert our_processes() == []
    leftover = [tag for image in session.client.images.list() for tag in image.tags if IMAGE in tag]
    assert leftover == []
    assert set(private_engines(session)) - engines_before == set()
    assert HOSTS_PATH.read_bytes() == hosts_before
    assert cert_dirs() == certs_before


def cert_dirs() -> list[str]:
    """The registry folders dockerd reads CAs from."""
    return sorted(entry.name for entry in CERTS_D.iterdir()) if CERTS_D.is_dir() else []


def private_engines(session) -> list[str]:
    """Names of the deploy check's private-engine containers that still exist (running or not)."""
    found = session.client.containers.list(all=True, filters={"label": f"{TOOL_LABEL}={TOOL_NAME}"})
    return [container.name for container in found]
