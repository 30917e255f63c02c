"""What this machine verified itself: a fresh machine re-verifies, the same machine skips."""

from __future__ import annotations

from dataclasses import dataclass, field

import docker.errors
import pytest

from journey.engine.machine import remember, verified_here
from journey.model.manifest import load_volume
from trees import SNIPPET_FIXTURES


@dataclass
class _Images:
    """The one engine call machine.py makes: look an image up by tag."""

    ids: dict[str, str] = field(default_factory=dict)

    def get(self, ref: str) -> object:
        if ref not in self.ids:
            raise docker.errors.ImageNotFound(ref)
        return type("Image", (), {"id": self.ids[ref], "attrs": {}})()


@dataclass
class _Session:
    images: _Images = field(default_factory=_Images)

    @property
    def client(self) -> _Session:
        return self


@pytest.fixture
def snippet():
    return load_volume(SNIPPET_FIXTURES / "golden").snippets[0]


def test_a_fresh_machine_has_verified_nothing(tmp_path, snippet):
    assert not verified_here(tmp_path, _Session(), snippet, "sha256:in")


def test_the_same_inputs_with_the_same_image_count_as_verified_here(tmp_path, snippet):
    session = _Session(_Images({snippet.image_tag: "sha256:img"}))
    remember(tmp_path, session, snippet, "sha256:in")
    assert verified_here(tmp_path, session, snippet, "sha256:in")
    assert not verified_here(tmp_path, session, snippet, "sha256:other")  # inputs moved


def test_a_removed_or_replaced_image_means_verify_again(tmp_path, snippet):
    session = _Session(_Images({snippet.image_tag: "sha256:img"}))
    remember(tmp_path, session, snippet, "sha256:in")
    session.images.ids[snippet.image_tag] = "sha256:rebuilt-elsewhere"
    assert not verified_here(tmp_path, session, snippet, "sha256:in")
    del session.images.ids[snippet.image_tag]
    assert not verified_here(tmp_path, session, snippet, "sha256:in")
