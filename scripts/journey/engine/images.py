"""The one place that asks the engine about an image, and says what a base image is.

Verify, bases and the benchmark all look images up here, through the Docker SDK, and read our labels
with the constants below. The provenance rule (``stand-in``, ``real``, ``local``, ``unavailable``) and
the identity that input digests use live here too, so no page calls one image two things.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

#: Every label the project sets starts with this.
LABEL_PREFIX = "org.golangjourney."
#: On every container (and network) a run creates: the run's id, so its cleanup finds them all.
RUN_LABEL = LABEL_PREFIX + "run"
#: Which snippet a container belongs to, so a test (or a person) can find exactly its leftovers.
SNIPPET_LABEL = LABEL_PREFIX + "snippet"
#: The process that made it (``sweep.Owner``: pid, start time, uid, host, boot), so a later run can tell
#: what a run that was killed left behind from what a live run is using.
OWNER_LABEL = LABEL_PREFIX + "owner"
#: Which of the tool's helpers a container is (``build-farm``, ``deploy-e2e-engine``, ``standin-helper``).
TOOL_LABEL = LABEL_PREFIX + "tool"
#: Repository prefix of every temporary image tag a run makes and removes again (``<repo>/<slug>:<run id>``).
TEMP_REPO = "journey-run"
#: A stand-in base's labels: what it stands in for, its recipe, the packages that matter…
STANDIN = LABEL_PREFIX + "standin."
GOPROXY_LABEL = STANDIN + "goproxy"
#: Labels that say where and when a stand-in was built, not what it is: a new machine builds the same
#: image with other values, so they stay out of recorded results and out of the input digest.
MACHINE_LABELS = frozenset({STANDIN + "built", STANDIN + "base-id", "org.opencontainers.image.created"})


def provenance_of(labels: Mapping[str, str], digest: str | None) -> str:
    """``stand-in`` (our label), ``real`` (pulled: it has a registry digest), else ``local``."""
    if any(key.startswith(STANDIN) for key in labels):
        return "stand-in"
    return "real" if digest else "local"


def stable_labels(labels: Mapping[str, str]) -> dict[str, str]:
    """Return our labels that say what an image is (recipe, recipe digest, packages), sorted."""
    return {k: v for k, v in sorted(labels.items()) if k.startswith(LABEL_PREFIX) and k not in MACHINE_LABELS}


def base_identity(image_id: str | None, digest: str | None, labels: Mapping[str, str]) -> str:
    """Name what a base image is, the same on every machine that has the same image.

    A pulled image is its registry digest. A stand-in is its stable labels: the recipe's digest and the
    Debian package versions that matter, so a machine that builds the same recipe from the same
    packages gets the same identity while its image ID (creation times) differs. Anything else is
    only known by its local ID. An absent base is ``absent``.
    """
    if image_id is None:
        return "absent"
    if digest:
        return digest
    stable = stable_labels(labels)
    if any(key.startswith(STANDIN) for key in stable):
        text = json.dumps(stable, sort_keys=True, separators=(",", ":"))
        return "stand-in:sha256:" + hashlib.sha256(text.encode()).hexdigest()
    return image_id


@dataclass(frozen=True)
class Image:
    """An image as the engine has it (``id`` None: the engine does not have it)."""

    ref: str
    id: str | None
    digest: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    env: tuple[str, ...] = ()
    size: int = 0

    @property
    def present(self) -> bool:
        """Tell whether the engine has it."""
        return self.id is not None

    @property
    def provenance(self) -> str:
        """Say where it came from (:func:`provenance_of`); ``unavailable`` when the engine lacks it."""
        return provenance_of(self.labels, self.digest) if self.present else "unavailable"

    @property
    def identity(self) -> str:
        """What it is, spelt the same on every machine (:func:`base_identity`)."""
        return base_identity(self.id, self.digest, self.labels)

    @property
    def goproxy(self) -> str | None:
        """The loopback GOPROXY a Go stand-in's builds expect, if it is one."""
        return self.labels.get(GOPROXY_LABEL)

    def as_result(self) -> dict[str, Any]:
        """Return the ``environment.bases[]`` entry of result.json: nothing that differs by machine."""
        return {
            "ref": self.ref,
            "digest": self.digest,
            "provenance": self.provenance,
            "labels": stable_labels(self.labels),
        }


def lookup(client: Any, ref: str) -> Image:  # noqa: ANN401 - docker.DockerClient is untyped
    """Look ``ref`` up in the engine; an image it does not have comes back with ``id`` None.

    The SDK is imported here, not at the top: the pages' renderer reads this module's labels, and
    ``journey check`` (no engine) must not pay for the SDK (about 0.15 s).
    """
    import docker.errors  # noqa: PLC0415 - start-up time of engine-free commands, not a cycle

    try:
        found = client.images.get(ref)
    except docker.errors.ImageNotFound:
        return Image(ref, None)
    attrs = found.attrs
    config = attrs.get("Config") or {}
    labels = dict(config.get("Labels") or {})
    # A stand-in is built here, never pulled: the containerd image store names every image `repo@<its own
    # digest>`, which is no registry's digest (the classic store lists RepoDigests of pulled images only).
    digests = [] if any(k.startswith(STANDIN) for k in labels) else attrs.get("RepoDigests") or []
    return Image(
        ref=ref,
        id=str(found.id),
        digest=str(digests[0]).split("@", 1)[1] if digests else None,
        labels=labels,
        env=tuple(config.get("Env") or ()),
        size=int(attrs.get("Size") or 0),
    )


def image_id(client: Any, ref: str) -> str | None:  # noqa: ANN401
    """Return the ID of the image ``ref`` names, or None when the engine has none."""
    return lookup(client, ref).id
