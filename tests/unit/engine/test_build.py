"""The ``docker buildx build`` command line (``--no-cache`` and ``--builder`` as flags: unit/test_cli.py)."""

from __future__ import annotations

from pathlib import Path

from journey.engine.build import BuildRequest, _cause, buildx_argv, stage_dockerfile

CONTEXT = Path("/repo/snippets/vol1/multistage")


def _request(*, no_cache: bool = False) -> BuildRequest:
    """Return a stage build with one build argument, as verify asks for a multistage snippet."""
    return BuildRequest(
        "vol1/multistage",
        CONTEXT,
        CONTEXT / "Dockerfile",
        "vol1-multistage-builder",
        target="builder",
        args={"GOFLAGS": "-trimpath"},
        no_cache=no_cache,
    )


def test_argv_without_no_cache_lets_buildkit_reuse_layers() -> None:
    argv = buildx_argv(_request(), "journey-tmp/x:1", Path("/tmp/meta.json"))
    assert "--no-cache" not in argv
    assert argv[:6] == ["docker", "buildx", "build", "--load", "--progress=plain", "--network=host"]
    assert argv[-1] == str(CONTEXT)


def test_argv_with_no_cache_passes_it_before_the_context() -> None:
    argv = buildx_argv(_request(no_cache=True), "journey-tmp/x:1", Path("/tmp/meta.json"))
    assert argv.count("--no-cache") == 1
    assert argv.index("--no-cache") < len(argv) - 1
    assert argv[argv.index("--target") + 1] == "builder"
    assert argv[argv.index("--build-arg") + 1] == "GOFLAGS=-trimpath"
    assert argv[-1] == str(CONTEXT)


def test_staged_dockerfile_keeps_the_tools_manifest_out_of_the_context(tmp_path: Path) -> None:
    context = tmp_path / "snippets" / "vol1" / "service"
    context.mkdir(parents=True)
    (context / ".dockerignore").write_text("README.md\n")
    dockerfile = tmp_path / "snippets" / "vol1" / "multistage" / "Dockerfile"
    dockerfile.parent.mkdir(parents=True)
    dockerfile.write_text("FROM scratch\nCOPY . /src\n")
    staged = stage_dockerfile(tmp_path, "vol1/multistage", dockerfile, context)
    assert staged == tmp_path / ".cache" / "dockerfiles" / "vol1" / "multistage" / "Dockerfile"
    assert staged.read_bytes() == dockerfile.read_bytes()  # the reader's file, byte for byte
    rules = (staged.parent / "Dockerfile.dockerignore").read_text().splitlines()
    assert rules[0] == "README.md"  # the context's own rules still apply
    assert "snippet.yml" in rules


def test_staging_again_leaves_unchanged_files_alone(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM scratch\n")
    staged = stage_dockerfile(tmp_path, "vol1/x", dockerfile, tmp_path)
    before = staged.stat().st_mtime_ns
    assert stage_dockerfile(tmp_path, "vol1/x", dockerfile, tmp_path).stat().st_mtime_ns == before
    dockerfile.write_text("FROM scratch\nUSER 65534\n")
    assert stage_dockerfile(tmp_path, "vol1/x", dockerfile, tmp_path).read_text().endswith("USER 65534\n")


def test_replace_from_becomes_a_named_build_context_per_from_name() -> None:
    """`FROM golang:latest` stays in the file; BuildKit takes that name from the image the manifest says."""
    request = BuildRequest(
        "vol1/naive-2019",
        CONTEXT,
        CONTEXT / "Dockerfile",
        "vol1-naive-2019",
        replace_from={"golang:latest": "golang:1.26-trixie"},
    )
    argv = buildx_argv(request, "journey-tmp/x:1", Path("/tmp/meta.json"))
    assert argv[argv.index("--build-context") + 1] == "golang:latest=docker-image://golang:1.26-trixie"
    assert argv[-1] == str(CONTEXT)
    assert "--build-context" not in buildx_argv(_request(), "journey-tmp/x:1", Path("/tmp/meta.json"))


def test_a_named_builder_exports_a_docker_tar_instead_of_loading() -> None:
    """`--load` on another builder loads into that builder's Docker context, not the engine measured."""
    request = BuildRequest(
        "vol1/multistage", CONTEXT, CONTEXT / "Dockerfile", "vol1-multistage", builder="farm"
    )
    argv = buildx_argv(request, "journey-tmp/x:1", Path("/tmp/meta.json"), Path("/tmp/image.tar"))
    assert "--load" not in argv
    assert argv[argv.index("--builder") + 1] == "farm"
    assert argv[argv.index("--output") + 1] == "type=docker,dest=/tmp/image.tar,name=journey-tmp/x:1"


def test_buildx_argv_loads_names_a_temp_tag_and_uses_the_host_network():
    request = BuildRequest(
        "vol1/x", Path("/ctx"), Path("/ctx/Dockerfile"), "vol1-x", "builder", {"B": "2", "A": "1"}
    )
    argv = buildx_argv(request, "journey-run/vol1-x:abc", Path("/tmp/m.json"))
    assert argv[:3] == ["docker", "buildx", "build"]
    assert {"--load", "--network=host"} <= set(argv)
    assert argv[argv.index("--tag") + 1] == "journey-run/vol1-x:abc"
    assert argv[argv.index("--target") + 1] == "builder"
    assert argv[argv.index("--metadata-file") + 1] == "/tmp/m.json"
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "--build-arg"] == ["A=1", "B=2"]
    assert argv[-1] == "/ctx"
    assert request.step == "build --target builder"


def test_build_cause_is_buildkits_error_line():
    log = "#5 [2/2] RUN false\n#5 ERROR: process did not complete\n------\n"
    log += "ERROR: failed to solve: exit code: 1\n"
    assert _cause(log) == "failed to solve: exit code: 1"
    assert _cause("just one line\n") == "just one line"
    assert _cause("") == "no output"
