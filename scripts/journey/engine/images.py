"""The one place that asks the engine about an image, and says what a base image is.

Verify, bases, the helpers and the benchmark all look images up here, through the Docker SDK, and read
our labels with the constants below. The provenance rule (``stand-in``, ``real``, ``local``,
``unavailable``) and the identity that input digests use live here too, so no page calls one image two
things. The few image calls that go through the docker CLI (where a helper has no SDK client, or where the
CLI's own table is what is recorded) are here as well, through ``core.process``: outside ``engine/``
nothing says ``images.get(`` or ``["docker", "image", …]`` (``tests/unit/engine/test_images_boundary.py``).

The SDK hands back untyped objects; :class:`ImageAttrs` and :class:`Inspected` are the parts the tool
reads, typed, so its ``Any`` stops here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict, cast

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from journey.core.process import CompletedProcess

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


# --- inspecting, tagging and removing one image (SDK) ---------------------------------------------------


class ImageConfig(TypedDict, total=False):
    """The parts of an image's ``Config`` the tool reads (``docker image inspect``'s ``.Config``)."""

    User: str | None
    Labels: dict[str, str] | None
    Env: list[str] | None


class ImageRootFS(TypedDict, total=False):
    """An image's ``RootFS``: its layers' diff-ids, oldest first."""

    Type: str
    Layers: list[str] | None


class ImageAttrs(TypedDict, total=False):
    """The parts of an image's inspect document the tool reads; the engine leaves any of them out at will."""

    Id: str
    RepoTags: list[str] | None
    RepoDigests: list[str] | None
    Size: int
    Os: str
    Architecture: str
    Config: ImageConfig
    RootFS: ImageRootFS


class HistoryEntry(TypedDict, total=False):
    """One row of an image's history (``docker history``), newest first as the engine gives them."""

    Id: str
    Created: int
    CreatedBy: str
    Size: int
    Tags: list[str] | None
    Comment: str


class Inspected:
    """An image the engine has, as the SDK found it: its ID, its inspect document, its history.

    A thin typed face on the SDK's ``Image``, so callers outside ``engine/`` never hold the untyped
    object, and what they read of it is named in :class:`ImageAttrs`.
    """

    def __init__(self, found: Any) -> None:  # noqa: ANN401 - docker.models.images.Image is untyped
        """Wrap the SDK's image ``found``."""
        self._found = found

    @property
    def id(self) -> str:
        """The image's ID (``sha256:…``)."""
        return str(self._found.id)

    @property
    def attrs(self) -> ImageAttrs:
        """The inspect document, as the SDK read it when the image was looked up."""
        return cast("ImageAttrs", self._found.attrs)

    def history(self) -> list[HistoryEntry]:
        """Ask the engine for the image's history (one API call; newest entry first)."""
        return cast("list[HistoryEntry]", list(self._found.history()))

    def tag(self, repository: str, tag: str) -> None:
        """Give the image the name ``repository:tag`` (the SDK's ``Image.tag``; its errors surface)."""
        self._found.tag(repository, tag)


def inspect(client: Any, ref: str) -> Inspected:  # noqa: ANN401 - docker.DockerClient is untyped
    """Look ``ref`` (a name or an ID) up; unlike :func:`lookup`, an image the engine lacks is an error.

    For callers that have just built, imported or been handed the image: its absence is a fault, and the
    SDK's own ``docker.errors.ImageNotFound`` (an ``APIError``, a ``DockerException``) says so unchanged,
    as does any other engine error.
    """
    return Inspected(client.images.get(ref))


def image_attrs(client: Any, ref: str) -> ImageAttrs:  # noqa: ANN401
    """Return the inspect document of ``ref``; raises ``docker.errors.ImageNotFound`` like :func:`inspect`."""
    return inspect(client, ref).attrs


def repo_digests(client: Any, ref: str) -> list[str]:  # noqa: ANN401
    """Return ``ref``'s ``RepoDigests`` (``<repo>@sha256:…``: one per registry it went to or came from).

    Empty when it has none; raises ``docker.errors.ImageNotFound`` when the engine lacks the image.
    """
    return list(image_attrs(client, ref).get("RepoDigests") or [])


def config_user(client: Any, ref: str) -> str:  # noqa: ANN401
    """Return the ``USER`` the image's config names; ``""`` when none (its containers run as root)."""
    return str(image_attrs(client, ref)["Config"].get("User") or "")


def image_present(client: Any, ref: str) -> bool:  # noqa: ANN401
    """Tell whether the engine has ``ref``; other engine errors than its absence surface."""
    import docker.errors  # noqa: PLC0415 - start-up time of engine-free commands, not a cycle

    try:
        client.images.get(ref)
    except docker.errors.ImageNotFound:
        return False
    return True


def tag_image(client: Any, ref: str, repository: str, tag: str) -> None:  # noqa: ANN401
    """Name the image ``ref`` also ``repository:tag``; ``docker.errors.ImageNotFound`` if it is gone."""
    inspect(client, ref).tag(repository, tag)


def remove_image(client: Any, ref: str, *, noprune: bool) -> None:  # noqa: ANN401
    """Remove the name (or image) ``ref``; the SDK's errors (``ImageNotFound``, a conflict) surface.

    ``noprune`` is always stated: True keeps the untagged parents (a build's cache the next build wants),
    False lets the engine drop what only this name held.
    """
    client.images.remove(ref, noprune=noprune)


# --- the docker CLI's image commands --------------------------------------------------------------------


def cli_inspect_argv(ref: str, fmt: str) -> tuple[str, ...]:
    """Return the ``docker image inspect --format <fmt> <ref>`` command, for a caller that runs it itself.

    A check tool's version is read this way from its image's label (``verify.tools``: the deploy engine's
    dockerd and registry), run where every tool's version command runs.
    """
    return ("docker", "image", "inspect", "--format", fmt, ref)


def cli_present(ref: str, *, timeout: float) -> bool:
    """Tell whether the shared engine has ``ref``, asking the docker CLI (for helpers with no SDK client).

    ``docker image inspect`` exits non-zero when the image is absent; a missing CLI (``OSError``) or no
    answer within ``timeout`` (``process.TimeoutExpired``) surface to the caller.
    """
    from journey.core import process  # noqa: PLC0415 - start-up time of engine-free commands

    argv = cli_inspect_argv(ref, "{{.Id}}")
    return process.run(argv, capture_output=True, timeout=timeout, check=False).returncode == 0


def cli_remove(ref: str, *, timeout: float) -> CompletedProcess[bytes]:
    """Run ``docker image rm ref`` and return what it did; the caller reads its exit code and stderr.

    Never checked: a cleanup decides itself whether ``No such image`` counts as gone. A missing CLI
    (``OSError``) or a timeout (``process.SubprocessError``) surface to the caller.
    """
    from journey.core import process  # noqa: PLC0415 - start-up time of engine-free commands

    return process.run(["docker", "image", "rm", ref], capture_output=True, timeout=timeout, check=False)


def cli_listing(fmt: str, filters: Sequence[str], *, timeout: float = 60) -> str:
    """Return what ``docker images --format <fmt> <filters>`` prints (the recorded table is the CLI's own).

    The format is always named: a newer CLI's default view (Engine 29's tree) must not change a
    recording. A failing CLI raises ``process.CalledProcessError``.
    """
    from journey.core import process  # noqa: PLC0415 - start-up time of engine-free commands

    argv = ["docker", "images", "--format", fmt, *filters]
    return process.run(argv, capture_output=True, text=True, check=True, timeout=timeout).stdout
