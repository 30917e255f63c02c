"""Verify a snippet's ``ship:`` pushes on the build farm and measure them where a registry sees them.

Each push is built by the farm's BuildKit (``docker buildx build --builder <farm>``) for its platforms
and pushed to the farm's loopback registry with its exporter options. Everything recorded is read back
from the registry, not from the builder's own report: the index and manifests (per-platform layers and
their compressed sizes, as a pull moves them), the layer blobs (decompressed: uncompressed sizes, the
size of named files such as the binary), the attestation manifests. Then, as the manifest asks: the
same build repeated with ``--no-cache`` and the digests compared, ``docker buildx imagetools inspect``,
commands in a fresh container of a foreign platform (QEMU), pull times into the farm's clean engine,
and the same build through the ``docker`` exporter to show what it keeps.

Timings and digests that change on every build go under each push's ``volatile`` key, which the
result comparison ignores (``record._material``); a digest that must repeat is recorded as a fact.
"""

from __future__ import annotations

import base64
import io
import json
import re
import statistics
import tarfile
import tempfile
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from journey.core import process
from journey.core.errors import VerificationError
from journey.helpers.farm import REGISTRY, Farm, FarmError
from journey.verify.normalise import normalise

if TYPE_CHECKING:
    import threading
    from collections.abc import Mapping

    from journey.engine.session import Session
    from journey.model.manifest import Snippet
    from journey.model.ship_manifest import ForeignRun, Push, Repeat

INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
ATTESTATION = "attestation-manifest"
#: Provenance fields that differ on every build (times, the build's own ID): dropped from the record.
_VOLATILE_PREDICATE = ("buildStartedOn", "buildFinishedOn", "invocationID", "buildInvocationID")
MOBY_METADATA = "https://mobyproject.org/buildkit@v1#metadata"


class Source(NamedTuple):
    """What one push builds: the staged copy of its Dockerfile, and the build context it builds in."""

    dockerfile: Path
    context: Path


def ship_snippet(
    farm: Farm,
    session: Session,
    snippet: Snippet,
    sources: Mapping[str, Source],
    *,
    idle: float,
    slot: threading.BoundedSemaphore,
) -> dict[str, Any]:
    """Run every push of ``snippet``'s ``ship:`` on the farm; return the result's ``ship`` entry.

    ``sources`` maps each push's name to what it builds: the staged copy of its Dockerfile (its own
    ``dockerfile:``, else the build's) and the build context.
    """
    with session.hold(farm.exclusive, snippet.id):  # the wait for another snippet's pushes is not ours
        return _ship_all(farm, session, snippet, sources, idle=idle, slot=slot)


def _ship_all(
    farm: Farm,
    session: Session,
    snippet: Snippet,
    sources: Mapping[str, Source],
    *,
    idle: float,
    slot: threading.BoundedSemaphore,
) -> dict[str, Any]:
    pushes = [
        _one(farm, session, snippet, push, sources[push.name], idle=idle, slot=slot)
        for push in (snippet.ship.pushes if snippet.ship else ())
    ]
    return {"builder": builder_record(farm), "pushes": pushes}


def builder_record(farm: Farm) -> dict[str, str]:
    """Say which builder made the figures, and which engine pulled and ran them."""
    version = farm.docker("version", "--format", "{{.Server.Version}}").strip()
    return {
        "builder": f"{farm.buildkit} (buildx remote driver, OCI worker, runc)",
        "registry": "docker-registry (distribution) on loopback",
        "engine": f"dockerd {version}, containerd image store (private, clean)",
    }


def _one(
    farm: Farm,
    session: Session,
    snippet: Snippet,
    push: Push,
    source: Source,
    *,
    idle: float,
    slot: threading.BoundedSemaphore,
) -> dict[str, Any]:
    repo = f"{snippet.volume}/{snippet.name}-{push.name}"
    times = push.repeat.times if push.repeat else 1
    prune(farm)
    digests: list[str] = []
    seconds: list[float] = []
    for _ in range(times):
        with session.hold(slot, snippet.id):
            digest, took = _build(farm, session, snippet, push, source, repo=repo, idle=idle)
        digests.append(digest)
        seconds.append(round(took, 1))
    entry: dict[str, Any] = {
        "name": push.name,
        "platforms": list(push.platforms),
        **({"dockerfile": push.dockerfile} if push.dockerfile else {}),
        **({"compare": push.compare} if push.compare else {}),
        "exporter": push.exporter(),
        "provenance": push.provenance,
        "args": dict(sorted(push.args.items())),
    }
    volatile: dict[str, Any] = {"build_seconds": seconds}
    if push.repeat:
        entry["repeat"] = compare_digests(snippet.id, (push.name, push.repeat), digests)
    if push.repeat and push.repeat.expect == "same":
        entry["digest"] = digests[-1]
    else:
        volatile["digests"] = digests
    index = manifest_tree(farm, repo, digests[-1])
    entry["manifests"] = [_measure(farm, repo, m, push) for m in index["platforms"]]
    if push.provenance != "none":
        entry["attestations"] = [attestation(farm, repo, m) for m in index["attestations"]]
    if push.inspect:
        entry["inspect"] = normalise(_inspect(farm, f"{REGISTRY}/{repo}@{digests[-1]}"))
    entry["runs"] = [
        _foreign_run(farm, session, snippet, push, ref=f"{REGISTRY}/{repo}@{digests[-1]}", run=run)
        for run in push.runs
    ]
    if push.pulls:
        volatile["pull_seconds"] = pull_times(farm, f"{REGISTRY}/{repo}@{digests[-1]}", push.pulls)
    if push.load:
        with session.hold(slot, snippet.id):
            entry["loaded"] = _loaded(farm, session, snippet, push, source, idle=idle)
    entry["volatile"] = volatile
    return entry


def prune(farm: Farm) -> None:
    """Empty the farm's BuildKit cache before a push, so its layers are compressed for this push.

    BuildKit keeps one compressed blob per layer and compression type, and reuses it for a later export
    of that type whatever its ``compression-level`` (checked here: gzip and gzip level 9 pushed from one
    cache gave byte-identical layers). A cold cache makes each push's figures its own.
    """
    done = process.run(
        ["docker", "buildx", "prune", "--builder", farm.builder, "--all", "--force"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise FarmError(f"buildx prune: {done.stderr.strip()}", step="ship prune")


def buildx_argv(
    push: Push,
    dockerfile: Path,
    context: Path,
    builder: str,
    *,
    ref: str,
    metadata: Path,
    output: str | None = None,
    no_cache: bool = False,
) -> list[str]:
    """Spell the farm build of one push (``output`` replaces the push to the registry)."""
    argv = [
        "docker",
        "buildx",
        "build",
        "--builder",
        builder,
        "--progress=plain",
        "--network=host",
        "--platform",
        ",".join(push.platforms),
        "--file",
        str(dockerfile),
        "--metadata-file",
        str(metadata),
    ]
    argv += ["--provenance=false"] if push.provenance == "none" else [f"--provenance=mode={push.provenance}"]
    argv += ["--output", output or f"{push.exporter()},name={ref},push=true"]
    if push.target:
        argv += ["--target", push.target]
    if no_cache:
        argv.append("--no-cache")
    for key, value in sorted(push.args.items()):
        argv += ["--build-arg", f"{key}={value}"]
    return [*argv, str(context)]


def _build(
    farm: Farm, session: Session, snippet: Snippet, push: Push, source: Source, *, repo: str, idle: float
) -> tuple[str, float]:
    """Build and push once; return the pushed digest (from buildx's metadata) and the wall time."""
    step = f"ship {push.name}"
    with tempfile.TemporaryDirectory(prefix="journey-ship-") as tmp:
        metadata = Path(tmp) / "metadata.json"
        argv = buildx_argv(
            push,
            source.dockerfile,
            source.context,
            farm.builder,
            ref=f"{REGISTRY}/{repo}",
            metadata=metadata,
            no_cache=push.repeat is not None,
        )
        result = session.run_process(
            argv,
            idle=idle,
            cpu_of=farm.buildkitd_pid,
            what=VerificationError("", snippet=snippet.id, step=step),
        )
        if result.returncode != 0:
            lines = [ln for ln in result.output.splitlines() if ln.startswith("ERROR:")] or ["no ERROR line"]
            raise VerificationError(
                f"farm build exited {result.returncode}: {lines[-1]}",
                snippet=snippet.id,
                step=step,
                log_tail=result.output[-3000:],
            )
        data = json.loads(metadata.read_text(encoding="utf-8"))
    return str(data["containerimage.digest"]), result.seconds


def compare_digests(snippet: str, push: tuple[str, Repeat], digests: list[str]) -> dict[str, Any]:
    """Check that a push's repeated builds gave the same digest (or not, as its ``repeat`` expects).

    ``push`` is the push's name and its ``repeat:``; a digest that breaks the expectation fails the snippet.

    A reproducible build is only worth its record if a broken one fails: the ``same`` expectation is
    the check, and a planted time stamp in a layer makes it fail (tests/unit/verify/test_ship.py).
    """
    name, repeat = push
    same = len(set(digests)) == 1
    if same != (repeat.expect == "same"):
        listed = ", ".join(digests)
        want = "identical" if repeat.expect == "same" else "different"
        raise VerificationError(
            f"{len(digests)} builds from a cold cache were expected to give {want} digests, got {listed}",
            snippet=snippet,
            step=f"ship {name}",
        )
    return {"times": len(digests), "expect": repeat.expect, "identical": same}


def _json(farm: Farm, repo: str, ref: str, accept: tuple[str, ...]) -> dict[str, Any]:
    data = json.loads(farm.registry_get(f"/v2/{repo}/manifests/{ref}", accept))
    if not isinstance(data, dict):  # a registry manifest is an object: anything else is the registry's fault
        raise FarmError(f"the registry's manifest {repo}@{ref} is not a JSON object", step="ship inspect")
    return data


def manifest_tree(farm: Farm, repo: str, digest: str) -> dict[str, list[dict[str, Any]]]:
    """Split what the registry holds at ``digest`` into platform manifests and attestation manifests."""
    top = _json(farm, repo, digest, INDEX_TYPES + MANIFEST_TYPES)
    if top.get("mediaType") not in INDEX_TYPES:
        # one platform, no attestation: a bare manifest, whose platform only its config says
        platform = config_platform(farm, repo, top)
        return {"platforms": [{"digest": digest, "platform": platform, "manifest": top}], "attestations": []}
    platforms: list[dict[str, Any]] = []
    attestations: list[dict[str, Any]] = []
    for item in top.get("manifests", []):
        kind = item.get("annotations", {}).get("vnd.docker.reference.type")
        entry = {
            "digest": item["digest"],
            "platform": item.get("platform"),
            "manifest": _json(farm, repo, item["digest"], MANIFEST_TYPES),
        }
        (attestations if kind == ATTESTATION else platforms).append(entry)
    return {"platforms": platforms, "attestations": attestations}


def config_platform(farm: Farm, repo: str, manifest: dict[str, Any]) -> dict[str, str]:
    """Read a bare manifest's platform from its config blob (``os``, ``architecture``, ``variant``)."""
    config = json.loads(farm.registry_get(f"/v2/{repo}/blobs/{manifest['config']['digest']}"))
    return {key: str(config[key]) for key in ("os", "architecture", "variant") if config.get(key)}


def _platform(item: dict[str, Any]) -> str:
    plat = item.get("platform") or {}
    name = "/".join(p for p in (plat.get("os"), plat.get("architecture"), plat.get("variant")) if p)
    return name or "linux/amd64"


def _measure(farm: Farm, repo: str, item: dict[str, Any], push: Push) -> dict[str, Any]:
    """One platform's manifest: layer media types and sizes, and what the layers hold decompressed.

    Each layer is streamed from the registry through its decompressor (``measure_layer``): a layer of
    the naive image is hundreds of megabytes, and neither it nor its tar is ever held whole.
    """
    layers = []
    files: dict[str, int] = {}
    for layer in item["manifest"]["layers"]:
        with farm.registry_stream(f"/v2/{repo}/blobs/{layer['digest']}") as blob:
            size, found = measure_layer(blob, layer["mediaType"], push.files)
        layers.append({"media_type": layer["mediaType"], "compressed_size": int(layer["size"]), "size": size})
        files.update(found)
    return {
        "platform": _platform(item),
        "compressed_size": sum(layer["compressed_size"] for layer in layers),
        "size": sum(layer["size"] for layer in layers),
        "layers": layers,
        "files": files,
    }


#: How much of a layer's tar is read at a time (memory stays at this, whatever the layer's size).
CHUNK = 1 << 20


def measure_layer(blob: IO[bytes], media_type: str, wanted: tuple[str, ...]) -> tuple[int, dict[str, int]]:
    """Return a layer's decompressed size and the sizes of the ``wanted`` files in it, from a stream.

    Decompressed by Debian's ``zstd`` or ``gzip`` (eStargz is gzip too), not Python's ``gzip``: an
    eStargz layer is one gzip member per file chunk, and ``gzip.decompress`` copies the rest of the
    input for each member (quadratic: it never finished on a 900 MB image). ``blob`` must have a file
    descriptor (a pipe or a file): the decompressor reads it directly.
    """
    program = "zstd" if "zstd" in media_type else "gzip" if "gzip" in media_type else None
    if program is None:
        return tar_sizes(blob, wanted)
    child = process.start([program, "-dc"], stdin=blob, stdout=process.PIPE, stderr=process.PIPE)
    stdout = _piped(child)
    try:
        measured = tar_sizes(stdout, wanted)
    finally:
        stdout.close()
        child.wait(timeout=DECOMPRESS_SECONDS)
    if child.returncode != 0:
        error = child.stderr.read().decode(errors="replace").strip() if child.stderr else ""
        raise process.CalledProcessError(child.returncode, [program, "-dc"], stderr=error)
    return measured


def _piped(child: process.Popen[bytes]) -> IO[bytes]:
    """Return a child's piped stdout (always there with ``stdout=PIPE``; checked, not assumed)."""
    if child.stdout is None:
        raise process.SubprocessError("the decompressor has no stdout pipe")
    return child.stdout


#: Longest a decompressor may take to exit once its output has been read to the end.
DECOMPRESS_SECONDS = 60


def tar_sizes(stream: IO[bytes], wanted: tuple[str, ...]) -> tuple[int, dict[str, int]]:
    """Read a tar stream to its end: its length in bytes, and the sizes of the ``wanted`` files in it."""
    counting = _Counting(stream)
    found: dict[str, int] = {}
    with tarfile.open(fileobj=counting, mode="r|") as archive:
        for member in archive:
            path = "/" + member.name.lstrip("./")
            if path in wanted and member.isfile():
                found[path] = member.size
    while counting.read(CHUNK):  # the end-of-archive blocks and padding count too
        pass
    return counting.count, found


class _Counting(io.RawIOBase):
    """A read-only stream that counts the bytes read through it (``tarfile``'s stream mode reads it)."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size if size is not None and size >= 0 else CHUNK)
        self.count += len(data)
        return data


def attestation(farm: Farm, repo: str, item: dict[str, Any]) -> dict[str, Any]:
    """Read one attestation manifest's in-toto statements; keep what they reveal, drop what churns."""
    statements = []
    for layer in item["manifest"]["layers"]:
        blob = json.loads(farm.registry_get(f"/v2/{repo}/blobs/{layer['digest']}"))
        statements.append(normalise_statement(blob))
    # digests of a stand-in base, times: the same normalising as every recorded output
    return {"statements": json.loads(normalise(json.dumps(statements, sort_keys=True)))}


def normalise_statement(statement: dict[str, Any]) -> dict[str, Any]:
    """Keep an in-toto statement's type, the materials and the invocation; the rest summarised.

    ``buildConfig`` (mode=max: every LLB step) is long: its step count is kept; BuildKit's own metadata
    (mode=max: the Dockerfile itself, base64, and the layers per step) becomes what it holds and how
    much. Times and the build's ID change on every build and are dropped; digests are left for
    ``normalise`` (a stand-in base's digest differs from machine to machine).
    """
    predicate = dict(statement.get("predicate", {}))
    metadata = {
        k: (_moby_summary(v) if k == MOBY_METADATA else v)
        for k, v in dict(predicate.get("metadata", {})).items()
        if k not in _VOLATILE_PREDICATE
    }
    build_config = predicate.get("buildConfig") or {}
    return {
        "predicateType": statement.get("predicateType"),
        "subject": [s.get("name") for s in statement.get("subject", [])],
        "buildType": predicate.get("buildType"),
        "builder": predicate.get("builder"),
        "invocation": predicate.get("invocation"),
        "materials": predicate.get("materials"),
        "metadata": metadata,
        "buildConfig_steps": len(build_config.get("llbDefinition", [])) if build_config else None,
    }


def _moby_summary(value: dict[str, Any]) -> dict[str, Any]:
    """Say what BuildKit's metadata holds: each embedded source file (name, bytes) and layers per step."""
    infos = value.get("source", {}).get("infos", [])
    return {
        "source_files": [
            {"filename": i.get("filename"), "bytes": len(base64.b64decode(i.get("data", "")))} for i in infos
        ],
        "layers_of_steps": sorted(value.get("layers", {})),
    }


def _inspect(farm: Farm, ref: str) -> str:
    done = process.run(
        [*farm.netns(), "docker", "buildx", "imagetools", "inspect", ref],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise FarmError(f"imagetools inspect {ref}: {done.stderr.strip()}", step="ship inspect")
    return done.stdout


def _foreign_run(
    farm: Farm, session: Session, snippet: Snippet, push: Push, *, ref: str, run: ForeignRun
) -> dict[str, Any]:
    """Run a command in a fresh container of one platform's image (QEMU for a foreign one)."""
    if not qemu_registered(run.platform):
        cause = f"QEMU user emulation is not registered for {run.platform} (run `make host-deps` as root)"
        raise VerificationError(cause, snippet=snippet.id, step=f"ship {push.name} run {run.name}")
    labels = [f"--label={k}={v}" for k, v in session.labels_for(snippet.id).items()]
    farm.docker("pull", "--quiet", "--platform", run.platform, ref)  # only the container's output is recorded
    argv = ["docker", "run", "--rm", *labels, "--platform", run.platform, "--network=none", ref, *run.command]
    done = process.run(argv, env=farm.engine_env(), capture_output=True, text=True, timeout=300, check=False)
    output = normalise(done.stdout + done.stderr)
    ok = done.returncode == 0 and (run.output is None or re.search(run.output, output) is not None)
    if not ok:
        raise VerificationError(
            f"{run.platform} run {run.name!r} exited {done.returncode}: {output.strip()}",
            snippet=snippet.id,
            step=f"ship {push.name} run {run.name}",
        )
    return {"name": run.name, "platform": run.platform, "ok": True, "output": output}


#: Docker platform → the name qemu-user-static registers in binfmt_misc
QEMU_NAMES = {
    "linux/arm64": "aarch64",
    "linux/riscv64": "riscv64",
    "linux/arm/v7": "arm",
    "linux/ppc64le": "ppc64le",
    "linux/s390x": "s390x",
}


def qemu_registered(platform: str, binfmt: Path = Path("/proc/sys/fs/binfmt_misc")) -> bool:
    """Tell whether this machine can run ``platform``'s binaries: its own, or QEMU registered for it."""
    name = QEMU_NAMES.get(platform)
    return name is None or (binfmt / f"qemu-{name}").is_file()


def pull_times(farm: Farm, ref: str, times: int) -> dict[str, Any]:
    """Pull ``ref`` into the farm's engine ``times`` times, each into an engine holding no image at all.

    Everything in the farm's engine is the farm's own (the copied bases were pushed and can go), so
    every image is removed before each pull; a pull that still finds a layer ("Already exists") is not
    a clean pull and fails the step instead of giving a fast, wrong figure.
    """
    runs = []
    for _ in range(times):
        _empty(farm)
        start = time.monotonic()
        output = farm.docker("pull", ref, timeout=900)
        runs.append(round(time.monotonic() - start, 3))
        if "Already exists" in output:
            raise FarmError(f"a timed pull of {ref} found layers already there", step="ship pull")
    _empty(farm)
    return summary(runs)


def _empty(farm: Farm) -> None:
    """Remove every image from the farm's private engine, and check that none is left."""
    images = farm.docker("image", "ls", "--all", "--quiet", "--no-trunc").split()
    if images:
        farm.docker("image", "rm", "--force", *sorted(set(images)))
    left = farm.docker("image", "ls", "--all", "--quiet").split()
    if left:
        raise FarmError(
            f"the clean engine still holds {len(left)} images before a timed pull", step="ship pull"
        )


def summary(samples: list[float]) -> dict[str, Any]:
    """Median and spread of timed runs, as the tool records every timing."""
    return {
        "median": round(statistics.median(samples), 3),
        "min": min(samples),
        "max": max(samples),
        "runs": len(samples),
    }


def _loaded(
    farm: Farm, session: Session, snippet: Snippet, push: Push, source: Source, *, idle: float
) -> dict[str, Any]:
    """Export the same build to an engine and say what survives: the attestation goes, or the export fails.

    Two ways an image reaches an engine without a registry: the ``docker`` exporter (what ``--load``
    uses), whose outcome is recorded as it is (it may refuse an image with an attestation beside it),
    and the ``oci`` exporter's tar, loaded with ``docker load`` into the clean engine and saved back out
    with ``docker save``; the kinds of manifest in each tar are recorded, attestations included.
    """
    name = f"journey-ship/{snippet.name}:loaded"
    with tempfile.TemporaryDirectory(prefix="journey-ship-") as tmp:
        folder = Path(tmp)
        docker_tar, oci_tar, saved = folder / "docker.tar", folder / "oci.tar", folder / "saved.tar"
        docker_out = _export(
            farm,
            session,
            snippet,
            push,
            source,
            output=f"type=docker,dest={docker_tar},name={name}",
            idle=idle,
            must=False,
        )
        _export(
            farm,
            session,
            snippet,
            push,
            source,
            output=f"type=oci,dest={oci_tar},name={name}",
            idle=idle,
            must=True,
        )
        farm.docker("load", "--quiet", "--input", str(oci_tar))
        farm.docker("save", "--output", str(saved), name)
        farm.docker("image", "rm", "--force", name)
        return {
            "docker_exporter": docker_out,
            "oci_tar": tar_kinds(oci_tar),
            "loaded_then_saved": tar_kinds(saved),
        }


def _export(
    farm: Farm,
    session: Session,
    snippet: Snippet,
    push: Push,
    source: Source,
    *,
    output: str,
    idle: float,
    must: bool,
) -> str:
    """Build ``push`` through one exporter; return ``ok`` or BuildKit's ERROR line (fail if ``must``)."""
    step = f"ship {push.name} load"
    with tempfile.TemporaryDirectory(prefix="journey-ship-") as tmp:
        argv = buildx_argv(
            push,
            source.dockerfile,
            source.context,
            farm.builder,
            ref="",
            metadata=Path(tmp) / "m.json",
            output=output,
        )
        result = session.run_process(
            argv,
            idle=idle,
            cpu_of=farm.buildkitd_pid,
            what=VerificationError("", snippet=snippet.id, step=step),
        )
    if result.returncode == 0:
        return "ok"
    errors = [ln.strip() for ln in result.output.splitlines() if ln.startswith("ERROR:")] or ["no ERROR line"]
    if must:
        raise VerificationError(
            f"export exited {result.returncode}: {errors[-1]}",
            snippet=snippet.id,
            step=step,
            log_tail=result.output[-3000:],
        )
    return normalise(errors[-1])


def tar_kinds(path: Path) -> list[str]:
    """List the manifests an image tar holds (``image linux/amd64``, ``attestation-manifest``), nested too."""
    with tarfile.open(path) as archive:
        top = _tar_json(archive, "index.json")
        return _kinds(archive, top.get("manifests", []))


def _kinds(archive: tarfile.TarFile, entries: list[dict[str, Any]]) -> list[str]:
    kinds: list[str] = []
    for entry in entries:
        if entry.get("mediaType") in INDEX_TYPES:
            nested = _tar_json(archive, "blobs/" + entry["digest"].replace(":", "/"))
            kinds += _kinds(archive, nested.get("manifests", []))
            continue
        kind = entry.get("annotations", {}).get("vnd.docker.reference.type")
        kinds.append(kind or f"image {_platform(entry)}")
    return kinds


def _tar_json(archive: tarfile.TarFile, name: str) -> dict[str, Any]:
    try:
        member = archive.extractfile(name)
    except KeyError:  # a tar without that file (an older exporter writes only manifest.json)
        return {}
    if member is None:
        return {}
    data = json.loads(member.read())
    return data if isinstance(data, dict) else {}
