"""What a base image is, independent of the machine that holds it (images.base_identity)."""

from __future__ import annotations

from journey.engine.images import MACHINE_LABELS, base_identity, stable_labels

STANDIN = {
    "org.golangjourney.standin.for": "docker.io/library/golang:1.26-trixie",
    "org.golangjourney.standin.recipe-digest": "sha256:aaaa",
    "org.golangjourney.standin.packages": "golang-1.26-go=1.26.11-1~bpo13+1",
    "org.golangjourney.standin.built": "2026-11-28T23:26:30Z",
    "org.golangjourney.standin.base-id": "sha256:bbbb",
    "org.opencontainers.image.title": "golang (stand-in)",
}


def test_a_standin_rebuilt_on_another_machine_has_the_same_identity():
    other_machine = {
        **STANDIN,
        "org.golangjourney.standin.built": "2026-12-01T22:45:00Z",
        "org.golangjourney.standin.base-id": "sha256:cccc",
    }
    assert base_identity("sha256:1111", None, STANDIN) == base_identity("sha256:2222", None, other_machine)
    assert base_identity("sha256:1111", None, STANDIN).startswith("stand-in:sha256:")


def test_new_packages_or_a_new_recipe_make_another_base():
    identity = base_identity("sha256:1111", None, STANDIN)
    newer_go = {**STANDIN, "org.golangjourney.standin.packages": "golang-1.26-go=1.26.12-1~bpo13+1"}
    new_recipe = {**STANDIN, "org.golangjourney.standin.recipe-digest": "sha256:dddd"}
    assert base_identity("sha256:1111", None, newer_go) != identity
    assert base_identity("sha256:1111", None, new_recipe) != identity


def test_pulled_local_and_absent_bases():
    assert base_identity("sha256:1111", "sha256:feed", {}) == "sha256:feed"  # the registry digest
    assert base_identity("sha256:1111", None, {}) == "sha256:1111"  # only its local ID is known
    assert base_identity(None, None, STANDIN) == "absent"


def test_stable_labels_drop_where_and_when_and_keep_only_ours():
    kept = stable_labels(STANDIN)
    assert not set(kept) & MACHINE_LABELS
    assert list(kept) == sorted(kept)
    assert set(kept) == {
        "org.golangjourney.standin.for",
        "org.golangjourney.standin.recipe-digest",
        "org.golangjourney.standin.packages",
    }
