"""Build a snippet's image with BuildKit, through ``docker buildx build``.

docker-py cannot build with BuildKit (docker/docker-py#2230, open), so the build is a subprocess:
``--load`` puts the image into the engine's store for the SDK to measure and run, ``--metadata-file``
gives its ID without parsing progress output, and ``--network host`` lets RUN steps reach the module
proxy the tool serves on 127.0.0.1 (ARCHITECTURE.md, "Base images without a registry").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path  # noqa: TC003 - dataclass field types are read at run time
from typing import TYPE_CHECKING

from journey.core.errors import VerificationError
from journey.core.layout import cache_dir, write_if_changed
from journey.engine import sweep
from journey.engine.session import Session, tail

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True)
class BuildRequest:
    """One image to build: a snippet's final image or one of its stages (``--target``)."""

    snippet: str
    context: Path
    dockerfile: Path
    slug: str
    target: str | None = None
    args: Mapping[str, str] = field(default_factory=dict)
    no_cache: bool = False
    #: ``FROM`` name → image it is built from (``build.replace_from``), as ``--build-context`` arguments
    replace_from: Mapping[str, str] = field(default_factory=dict)
    #: a buildx builder other than the engine's own (``journey verify --builder``); its image comes back
    #: as a docker tar, loaded into the engine
    builder: str | None = None
    #: a BuildKit cache to import from and export to (``journey verify --cache``: ``type=gha,scope=…`` in
    #: CI's fan-out, so each entry's warm layers outlive its runner); needs a builder that exports caches
    cache: str | None = None

    @property
    def step(self) -> str:
        """Name the step in error messages: ``build`` or ``build --target builder``."""
        return f"build --target {self.target}" if self.target else "build"


@dataclass(frozen=True)
class Built:
    """A built image: its ID, the run's temporary tag, the build's wall time and its log."""

    image_id: str
    tag: str
    seconds: float
    log: str


def build(session: Session, request: BuildRequest, idle: float) -> Built:
    """Build ``request`` and load it into the engine under a temporary tag of this run.

    A build is stopped only when it hangs: ``idle`` seconds with no output from buildx and no CPU used
    by the engine's build containers (a cold compile is silent for minutes, and is not hung).
    Raises VerificationError naming the snippet, the step and the last log lines on failure.
    """
    tag = session.temp_tag(request.slug)
    with sweep.marked_temporary_directory("journey-build-") as tmp:
        metadata = tmp / "metadata.json"
        tar = tmp / "image.tar" if request.builder else None
        result = session.run_process(
            buildx_argv(request, tag, metadata, tar),
            idle=idle,
            engine_cpu=True,
            what=VerificationError("", snippet=request.snippet, step=request.step),
        )
        if result.returncode != 0:
            raise VerificationError(
                f"docker buildx build exited {result.returncode}: {_cause(result.output)}",
                snippet=request.snippet,
                step=request.step,
                log_tail=tail(result.output),
            )
        if tar is not None:
            _load(session, request, tar)
        image_id = _image_id(metadata, request)
    return Built(image_id=image_id, tag=tag, seconds=round(result.seconds, 1), log=result.output)


#: Files of the tool that sit in build contexts (a snippet's manifest) and must never reach a build.
TOOL_FILES = ("snippet.yml",)


def stage_dockerfile(root: Path, snippet_id: str, dockerfile: Path, context: Path) -> Path:
    """Return a copy of ``dockerfile`` under ``.cache/`` with an ignore file of its own beside it.

    BuildKit reads ``<Dockerfile>.dockerignore`` next to the Dockerfile instead of the context's
    ``.dockerignore``: the staged one holds the context's own rules plus the tool's files, so a
    ``snippet.yml`` in the context (the service folder's) is not sent, and an edit to it changes no
    layer. The Dockerfile's bytes are the reader's, so the image is the one the reader builds.
    """
    folder = cache_dir(root, "dockerfiles", *snippet_id.split("/"))
    folder.mkdir(parents=True, exist_ok=True)
    staged = folder / dockerfile.name
    rules = ""
    own = context / ".dockerignore"
    if own.is_file():
        rules = own.read_text(encoding="utf-8").rstrip("\n") + "\n"
    rules += "# added by journey: the tool's own files are not part of any build\n"
    rules += "".join(f"{name}\n" for name in TOOL_FILES)
    write_if_changed(staged, dockerfile.read_text(encoding="utf-8"))
    write_if_changed(folder / f"{dockerfile.name}.dockerignore", rules)
    return staged


def buildx_argv(request: BuildRequest, tag: str, metadata: Path, tar: Path | None = None) -> list[str]:
    """Spell the ``docker buildx build`` command line (the benchmark reuses it as the baseline).

    ``no_cache`` adds ``--no-cache``: every step runs again, so a benchmark's cold build is really cold
    without pruning the shared engine's layer cache. With ``request.builder`` the build goes to that
    builder and its image to ``tar`` (the ``docker`` exporter: what ``--load`` would send), which
    :func:`build` loads into the engine: ``--load`` would load into the builder's own Docker context.
    """
    output = ["--load"]
    if request.builder is not None:
        if tar is None:  # build() passes one with a builder: the image comes back as a tar
            raise ValueError(f"{request.step}: a build on builder {request.builder} needs a tar to export to")
        output = ["--builder", request.builder, "--output", f"type=docker,dest={tar},name={tag}"]
    argv = [
        "docker",
        "buildx",
        "build",
        *output,
        "--progress=plain",
        "--network=host",
        "--metadata-file",
        str(metadata),
        "--tag",
        tag,
        "--file",
        str(request.dockerfile),
    ]
    if request.target:
        argv += ["--target", request.target]
    if request.no_cache:
        argv.append("--no-cache")
    if request.cache:
        argv += ["--cache-from", request.cache, "--cache-to", f"{request.cache},mode=max"]
    for key, value in sorted(request.args.items()):
        argv += ["--build-arg", f"{key}={value}"]
    for name, image in sorted(request.replace_from.items()):
        argv += ["--build-context", f"{name}=docker-image://{image}"]
    return [*argv, str(request.context)]


def _load(session: Session, request: BuildRequest, tar: Path) -> None:
    """Load a builder's docker tar into the engine (``docker load``), so it is run and measured there."""
    argv = ["docker", "load", "--quiet", "--input", str(tar)]
    what = VerificationError("", snippet=request.snippet, step=f"{request.step} (load)")
    result = session.run_process(argv, idle=120, what=what)
    if result.returncode != 0:
        raise VerificationError(
            f"docker load of the builder's image exited {result.returncode}: {_cause(result.output)}",
            snippet=request.snippet,
            step=f"{request.step} (load)",
            log_tail=tail(result.output),
        )


def _image_id(metadata: Path, request: BuildRequest) -> str:
    """Read the loaded image's ID from buildx's metadata file.

    The classic image store names an image by its config's digest; the containerd store by the digest of
    what it stores (an index, BuildKit's attestations beside the image); buildx then writes only that.
    """
    try:
        data = json.loads(metadata.read_text(encoding="utf-8"))
        return str(data.get("containerimage.config.digest") or data["containerimage.digest"])
    except (OSError, ValueError, KeyError) as exc:
        raise VerificationError(
            f"buildx wrote no image ID to its metadata file ({exc})",
            snippet=request.snippet,
            step=request.step,
        ) from exc


def _cause(log: str) -> str:
    """Pick the line that says why a build failed (BuildKit prints ``ERROR: …`` last)."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("ERROR:"):
            return line.removeprefix("ERROR:").strip()
    return lines[-1] if lines else "no output"
