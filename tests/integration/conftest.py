"""Fixtures of the real-engine integration tests (helpers live in verify_helpers.py)."""

from __future__ import annotations

import contextlib

import docker
import pytest
from verify_helpers import engine_client


@pytest.fixture
def client():
    return engine_client()


@pytest.fixture
def cleanup_verified(client):
    """Remove the `:verified` tags successful runs left (verify keeps them on purpose)."""
    made: list[str] = []
    yield made
    for snippet in made:
        with contextlib.suppress(docker.errors.NotFound):
            client.images.remove(f"journey/{snippet.replace('/', '-')}:verified")
