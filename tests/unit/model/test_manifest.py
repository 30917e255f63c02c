from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from journey.core.errors import ExitCode, ManifestError
from journey.model.check_spec import CHECK_TYPES, DeployE2ECheck, GovulncheckCheck, HadolintCheck
from journey.model.manifest import (
    ExpectFailureProbe,
    base_refs,
    base_refs_from_text,
    discover,
    key_path,
    load_snippet,
    load_volume,
    select,
    snippet_from_dict,
)
from journey.model.measure_spec import (
    BinaryMeasure,
    CompileMeasure,
    ContextMeasure,
    FilesMeasure,
    StartupMeasure,
)
from trees import SNIPPET_FIXTURES, write_tree

DOCKERFILE = "FROM scratch\nCOPY app /app\n"


def write_snippet(folder: Path, manifest: str, files: dict[str, str] | None = None) -> Path:
    return write_tree(
        folder, {"snippet.yml": manifest, **(files if files is not None else {"Dockerfile": DOCKERFILE})}
    )


def error_of(raw: object) -> ManifestError:
    with pytest.raises(ManifestError) as caught:
        snippet_from_dict(raw, Path("/nowhere/vol/x"), "vol/x")
    return caught.value


def test_fixture_manifest_loads_into_typed_fields():
    snippet = load_volume(SNIPPET_FIXTURES / "golden").snippets[0]
    assert snippet.id == "golden/hello"
    assert (snippet.volume, snippet.name) == ("golden", "hello")
    assert snippet.build is not None
    assert snippet.build.stages == ("builder",)
    assert snippet.run is not None
    assert (snippet.run.port, snippet.run.timeout) == (8080, 30)
    assert [p.kind for p in snippet.probes] == ["http", "expect_failure"]
    expect_failure = snippet.probes[1].of(ExpectFailureProbe)
    assert expect_failure is not None
    assert expect_failure.command == ("/bin/sh", "-c", "true")
    assert [c.name for c in snippet.checks] == ["hadolint Dockerfile", "go-vet"]
    assert snippet.image_tag == "journey/golden-hello:verified"
    assert base_refs(snippet) == ("golang:1.26-trixie",)


def test_wrong_type_names_the_key_path():
    probes = [{"name": "a", "http": {"path": "/"}}, {"name": "b", "http": {"path": "/", "status": "x"}}]
    raw = {"title": "t", "build": {}, "run": {"port": 80}, "probes": probes}
    error = error_of(raw)
    assert error.key == "probes[1].http.status"
    assert "'x' is not of type 'integer'" in error.message
    assert error.exit_code == ExitCode.USAGE
    assert error.snippet == "vol/x"


def test_unknown_key_is_named_with_the_allowed_ones():
    error = error_of({"title": "t", "biuld": {}})
    assert "'biuld' was unexpected" in error.message
    assert "allowed: build, checks" in error.message


def test_missing_title():
    assert "'title' is a required property" in error_of({"summary": "s"}).message


def test_probe_needs_exactly_one_kind():
    raw = {
        "title": "t",
        "build": {},
        "probes": [{"name": "p", "exec": {"command": ["a"]}, "expect_failure": {"command": ["b"]}}],
    }
    error = error_of(raw)
    assert error.key == "probes[0]"
    assert "exactly one of http, exec, expect_failure" in error.message


def test_duplicate_probe_names_are_refused():
    raw = {"title": "t", "build": {}, "probes": [{"name": "p", "exec": {"command": ["a"]}}] * 2}
    assert error_of(raw).key == "probes[1]"


def test_http_probe_needs_a_port_and_run_needs_a_build():
    probes = [{"name": "p", "http": {"path": "/"}}]
    assert error_of({"title": "t", "build": {}, "probes": probes}).key == "run.port"
    assert error_of({"title": "t", "run": {"port": 80}}).key == "run"


def test_check_keeps_tool_specific_keys():
    env = {"AWS_REGION": "us-east-1", "IMAGE_NAME": "demo"}
    raw = {
        "title": "t",
        "checks": [{"tool": "deploy-e2e", "script": "deploy.sh", "env": env, "refuse_login": True}],
    }
    check = snippet_from_dict(raw, Path("/x/v/s"), "v/s").checks[0]
    assert check == DeployE2ECheck(script="deploy.sh", env=env, refuse_login=True)
    assert check.name == "deploy-e2e"


def test_env_values_become_strings():
    raw = {"title": "t", "build": {"args": {"N": 3}}, "run": {"env": {"DEBUG": True, "TZ": "Europe/Madrid"}}}
    snippet = snippet_from_dict(raw, Path("/x/v/s"), "v/s")
    assert snippet.build is not None
    assert snippet.run is not None
    assert snippet.build.args == {"N": "3"}
    assert snippet.run.env == {"DEBUG": "true", "TZ": "Europe/Madrid"}


def test_invalid_yaml_names_the_line(tmp_path):
    folder = write_snippet(tmp_path / "vol" / "x", "title: t\nbuild: [\n")
    with pytest.raises(ManifestError) as caught:
        load_snippet(folder)
    assert "line " in caught.value.key
    assert "not valid YAML" in caught.value.message
    assert caught.value.snippet == "vol/x"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"\xdf\x01\xff random bytes", "not UTF-8 text (byte 0xdf at offset 0)"),
        (b"", "expected a mapping of keys (such as `title: ...`), found an empty file"),
        (b"- a\n- b\n", "found a YAML list"),
        (b"just words\n", "found a YAML string"),
        (b"42\n", "found a YAML number"),
    ],
)
def test_a_manifest_that_is_not_a_mapping_says_what_it_holds(tmp_path, content, says):
    folder = write_snippet(tmp_path / "vol" / "x", "")
    (folder / "snippet.yml").write_bytes(content)
    with pytest.raises(ManifestError) as caught:
        load_snippet(folder)
    assert says in caught.value.message
    assert caught.value.snippet == "vol/x"
    assert caught.value.exit_code == ExitCode.USAGE  # a contributor's mistake (2), not a crash (70)


def test_missing_dockerfile_is_a_manifest_error(tmp_path):
    folder = write_snippet(tmp_path / "vol" / "x", "title: t\nbuild: {dockerfile: Nope}\n", files={})
    with pytest.raises(ManifestError) as caught:
        load_snippet(folder)
    assert caught.value.key == "build.dockerfile"
    assert "no such file" in caught.value.message


def make_volume(root: Path, name: str, listed: list[str], folders: list[str]) -> Path:
    volume = root / "snippets" / name
    volume.mkdir(parents=True)
    listing = ", ".join(listed)
    (volume / "volume.yml").write_text(f"title: {name}\npages: [{name}.md]\nsnippets: [{listing}]\n")
    for folder in folders:
        write_snippet(volume / folder, f"title: {folder}\nbuild: {{}}\n")
    return volume


def test_discover_orders_volumes_naturally_and_snippets_as_listed(tmp_path):
    make_volume(tmp_path, "vol10", ["a"], ["a"])
    make_volume(tmp_path, "vol2", ["b", "a"], ["a", "b"])
    volumes = discover(tmp_path)
    assert [v.name for v in volumes] == ["vol2", "vol10"]
    assert [s.id for s in volumes[0].snippets] == ["vol2/b", "vol2/a"]
    assert [s.id for s in select(volumes, ["vol10"])] == ["vol10/a"]
    with pytest.raises(ManifestError, match="no such snippet or volume: vol3/z"):
        select(volumes, ["vol3/z"])


def test_unlisted_snippet_folder_is_an_error(tmp_path):
    make_volume(tmp_path, "vol1", ["a"], ["a", "b"])
    with pytest.raises(ManifestError, match="snippet folder 'b' is not listed"):
        discover(tmp_path)


def test_listed_but_missing_snippet_is_an_error(tmp_path):
    make_volume(tmp_path, "vol1", ["a", "ghost"], ["a"])
    with pytest.raises(ManifestError) as caught:
        discover(tmp_path)
    assert caught.value.key == "snippets[1]"


def test_shared_build_context_folder_is_allowed_but_a_stray_folder_is_not(tmp_path):
    volume = make_volume(tmp_path, "vol1", ["a"], [])
    write_snippet(volume / "a", "title: a\nbuild: {context: ../service}\n")
    (volume / "service").mkdir()
    assert discover(tmp_path)[0].snippets[0].context_dir == (volume / "service").resolve()
    (volume / "stray").mkdir()
    with pytest.raises(ManifestError, match="neither a listed snippet nor a snippet's build context"):
        discover(tmp_path)


def test_volume_folder_without_volume_yml(tmp_path):
    (tmp_path / "snippets" / "vol1").mkdir(parents=True)
    with pytest.raises(ManifestError, match=r"volume\.yml: missing"):
        discover(tmp_path)


def test_base_refs_skip_stages_and_scratch_and_apply_args():
    text = """\
# comment
ARG GO_VERSION=1.12
ARG DISTRO
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine AS builder
FROM builder AS tested
RUN go test \\
    ./...
FROM debian:${DISTRO:-bookworm}-slim AS certs
FROM scratch
COPY --from=builder /app /app
COPY --from=certs /etc/ssl /etc/ssl
COPY --chown=65534 --from=alpine:3.24 /etc/passwd /etc/passwd
COPY --from=0 /x /x
"""
    assert base_refs_from_text(text) == ("golang:1.12-alpine", "debian:bookworm-slim", "alpine:3.24")
    assert base_refs_from_text(text, {"GO_VERSION": "1.26"})[0] == "golang:1.26-alpine"


def test_key_path_format():
    assert key_path(["probes", 1, "http", "status"]) == "probes[1].http.status"
    assert key_path([]) == ""


def test_expected_findings_are_read_into_the_check():
    lint = {"tool": "hadolint", "files": ["Dockerfile"], "expect": ["DL3006", "SC2086"]}
    raw = {"title": "t", "checks": [lint]}
    check = snippet_from_dict(raw, Path("/nowhere/vol/x"), "vol/x").checks[0]
    assert check == HadolintCheck(files=("Dockerfile",), expect=("DL3006", "SC2086"))


@pytest.mark.parametrize(
    ("check", "key", "cause"),
    [
        ({"tool": "yamllint", "files": ["a.yml"], "expect": ["SC2086"]}, "checks[0].expect", "unexpected"),
        ({"tool": "hadolint", "files": ["D"], "expect": ["DL30"]}, "checks[0].expect[0]", "does not match"),
        ({"tool": "shellcheck", "files": ["a.sh"], "expect": []}, "checks[0].expect", "should be non-empty"),
    ],
)
def test_expected_findings_only_for_linters_and_only_real_codes(check, key, cause):
    error = error_of({"title": "t", "checks": [check]})
    assert error.key == key
    assert cause in error.message


# --- every check is validated against its own tool's schema, and its files exist, at load time ---

DEPLOY_ENV = "env: {AWS_REGION: us-east-1, IMAGE_NAME: demo}"


@pytest.mark.parametrize(
    ("checks", "key", "cause"),
    [
        pytest.param(
            "  - {tool: go-tset}\n",
            "checks[0].tool",
            "'go-tset' is not one of hadolint, shellcheck, yamllint, jsonschema, actionlint, go-vet, go-test,"
            " deploy-e2e, govulncheck (did you mean 'go-test'?)",
            id="unknown tool",
        ),
        pytest.param(
            "  - {tool: hadolint, files: [Dockerfile]}\n"
            f"  - {{tool: deploy-e2e, scirpt: d.sh, {DEPLOY_ENV}}}\n",
            "checks[1].scirpt",
            "'scirpt' was unexpected (did you mean 'script'?) (allowed: also_show, command, env, missing,",
            id="misspelt key",
        ),
        pytest.param(
            "  - {tool: go-vet, race: true}\n",
            "checks[0].race",
            "'race' was unexpected (allowed: dir, name, tool)",
            id="key of another tool",
        ),
        pytest.param(
            "  - {tool: hadolint}\n",
            "checks[0].files",
            "'files' is a required property of a hadolint check",
            id="hadolint without files",
        ),
        pytest.param(
            "  - {tool: jsonschema, files: [Dockerfile]}\n",
            "checks[0].builtin",
            "'builtin' is a required property of a jsonschema check",
            id="jsonschema without builtin",
        ),
        pytest.param(
            "  - {tool: deploy-e2e, script: d.sh, env: {AWS_REGION: us-east-1}}\n",
            "checks[0].env.IMAGE_NAME",
            "'IMAGE_NAME' is a required property of a deploy-e2e check",
            id="deploy-e2e without IMAGE_NAME",
        ),
        pytest.param(
            f"  - {{tool: deploy-e2e, script: d.sh, registry: ecr-hostname, {DEPLOY_ENV}}}\n",
            "checks[0].env.AWS_ACCOUNT_ID",
            "'AWS_ACCOUNT_ID' is a required property of a deploy-e2e check",
            id="ECR hostname without an account",
        ),
        pytest.param(
            f"  - {{tool: deploy-e2e, script: d.sh, registry: ecr, {DEPLOY_ENV}}}\n",
            "checks[0].registry",
            "'ecr' is not one of override, ecr-hostname",
            id="unknown registry mode",
        ),
        pytest.param(
            "  - {tool: hadolint, files: [Dockerfile, Dockerfile.prod]}\n",
            "checks[0].files[1]",
            "no such file in the snippet folder: ",
            id="missing file",
        ),
        pytest.param(
            f"  - {{tool: deploy-e2e, script: deploy.sh, {DEPLOY_ENV}}}\n",
            "checks[0].script",
            "no such file in the snippet folder: ",
            id="missing script",
        ),
        pytest.param(
            "  - {tool: go-test, dir: module}\n",
            "checks[0].dir",
            "no such folder: ",
            id="missing Go folder",
        ),
    ],
)
def test_a_bad_check_is_a_manifest_error_naming_file_key_and_cause(tmp_path, checks, key, cause):
    folder = write_snippet(tmp_path / "vol" / "x", f"title: t\nchecks:\n{checks}", {"Dockerfile": DOCKERFILE})
    with pytest.raises(ManifestError) as caught:
        load_snippet(folder)
    error = caught.value
    assert error.exit_code == ExitCode.USAGE == 2
    assert error.path.endswith("vol/x/snippet.yml")
    assert error.key == key
    assert cause in error.message
    assert error.message.startswith(f"vol/x: manifest: {error.path}: {key}: ")


def test_every_tool_with_every_key_it_takes_loads(tmp_path):
    checks = """\
  - {tool: hadolint, name: lint, files: [Dockerfile], expect: [DL3006]}
  - {tool: shellcheck, files: [d.sh], expect: [SC2086]}
  - {tool: yamllint, files: [ci.yml]}
  - {tool: jsonschema, files: [ci.yml], builtin: vendor.travis}
  - {tool: actionlint, files: [ci.yml]}
  - {tool: go-vet, dir: .}
  - {tool: go-test, dir: ., race: true, cover: true}
  - tool: deploy-e2e
    script: d.sh
    command: [bash, d.sh]
    env: {AWS_ACCOUNT_ID: "123456789012", AWS_REGION: us-east-1, IMAGE_NAME: demo}
    registry: ecr-hostname
    refuse_login: false
    tags: [latest]
    also_show: [aws --version]
    missing: AWS_REGION
"""
    files = {"Dockerfile": DOCKERFILE, "d.sh": "#!/bin/sh\n", "ci.yml": "a: 1\n"}
    snippet = load_snippet(write_snippet(tmp_path / "vol" / "x", f"title: t\nchecks:\n{checks}", files))
    assert [c.tool for c in snippet.checks][-1] == "deploy-e2e"
    assert [type(c) for c in snippet.checks] == [CHECK_TYPES[c.tool] for c in snippet.checks]
    deploy = snippet.checks[-1]
    assert isinstance(deploy, DeployE2ECheck)
    assert (deploy.missing, deploy.registry, deploy.command) == (
        "AWS_REGION",
        "ecr-hostname",
        ("bash", "d.sh"),
    )


@pytest.mark.parametrize(
    ("volume", "key", "cause"),
    [
        ("title: V\npage: [v.md]\nsnippets: [a]\n", "page", "'page' was unexpected (did you mean 'pages'?)"),
        ("title: V\npages: [v.md]\n", "snippets", "'snippets' is a required property"),
        ("title: V\nsnippets: [a, A]\n", "snippets[1]", "'A' does not match"),
    ],
)
def test_a_bad_volume_yml_is_a_manifest_error_naming_file_and_key(tmp_path, volume, key, cause):
    folder = tmp_path / "snippets" / "vol1"
    write_snippet(folder / "a", "title: a\n", {})
    (folder / "volume.yml").write_text(volume)
    with pytest.raises(ManifestError) as caught:
        discover(tmp_path)
    assert caught.value.exit_code == ExitCode.USAGE
    assert caught.value.path.endswith("snippets/vol1/volume.yml")
    assert caught.value.key == key
    assert f"volume.yml: {key}: {cause}" in caught.value.message


@pytest.mark.parametrize("command", ["check", "verify"])
def test_check_and_verify_refuse_a_bad_manifest_with_exit_2_and_no_engine(tmp_path, command):
    """The real command line, in a fresh process: the manifest fails before anything else is looked at."""
    (tmp_path / "mkdocs.yml").write_text("site_name: t\nnav: []\n")
    (tmp_path / "snippets/vol1").mkdir(parents=True)
    (tmp_path / "snippets/vol1/volume.yml").write_text("title: V\nsnippets: [deploy]\n")
    manifest = f"title: t\nchecks:\n  - {{tool: deploy-e2e, scirpt: deploy.sh, {DEPLOY_ENV}}}\n"
    write_snippet(tmp_path / "snippets/vol1/deploy", manifest, {"deploy.sh": "#!/bin/sh\n"})
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    done = subprocess.run(
        [sys.executable, "-m", "journey", command, "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(
        "journey: vol1/deploy: manifest: snippets/vol1/deploy/snippet.yml: checks[0].scirpt: "
        "'scirpt' was unexpected (did you mean 'script'?)"
    )


def test_replace_from_names_the_image_a_from_line_is_built_from(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM golang:latest\nCOPY --from=debian:trixie /etc/os-release /x\n")
    raw = {"title": "t", "build": {"replace_from": {"golang:latest": "golang:1.26-trixie"}}}
    snippet = snippet_from_dict(raw, tmp_path, "vol/x")
    assert snippet.build is not None
    assert snippet.build.replace_from == {"golang:latest": "golang:1.26-trixie"}
    assert base_refs(snippet) == ("golang:1.26-trixie", "debian:trixie")


def test_replace_from_must_name_an_image(tmp_path):
    raw = {"title": "t", "build": {"replace_from": {"golang:latest": ""}}}
    with pytest.raises(ManifestError, match="replace_from"):
        snippet_from_dict(raw, tmp_path, "vol/x")


# --- measure: ------------------------------------------------------------------------------------

_RUN = {"port": 5000, "ready": {"http": "/healthz"}}


def test_measurements_load_typed_with_five_runs_by_default():
    raw = {
        "title": "t",
        "build": {"stages": ["builder"]},
        "run": _RUN,
        "measure": [
            {"name": "startup", "kind": "startup"},
            {"name": "compile", "kind": "compile", "stage": "builder", "runs": 7},
            {"name": "binary", "kind": "binary", "path": "/opt/server"},
            {"name": "files", "kind": "files", "paths": ["/etc/passwd", "/tmp"]},
            {"name": "ignore", "kind": "context", "touch": ["README.md", ".git"]},
        ],
    }
    measure = snippet_from_dict(raw, Path("/x/v/s"), "v/s").measure
    assert [m.kind for m in measure] == ["startup", "compile", "binary", "files", "context"]
    assert measure == (
        StartupMeasure(name="startup", runs=5),
        CompileMeasure(name="compile", stage="builder", runs=7),
        BinaryMeasure(name="binary", path="/opt/server"),
        FilesMeasure(name="files", paths=("/etc/passwd", "/tmp")),
        ContextMeasure(name="ignore", touch=("README.md", ".git")),
    )


def test_a_timing_over_fewer_than_five_runs_is_refused():
    raw = {"title": "t", "build": {}, "run": _RUN, "measure": [{"name": "s", "kind": "startup", "runs": 3}]}
    error = error_of(raw)
    assert error.key == "measure[0].runs"
    assert "less than the minimum of 5" in error.message


def test_a_key_of_another_kind_is_refused_with_the_allowed_ones():
    raw = {
        "title": "t",
        "build": {},
        "run": _RUN,
        "measure": [{"name": "s", "kind": "startup", "stage": "b"}],
    }
    error = error_of(raw)
    assert error.key == "measure[0].stage"
    assert "allowed: kind, name, path, runs" in error.message


def test_an_unknown_kind_is_refused():
    error = error_of({"title": "t", "build": {}, "measure": [{"name": "s", "kind": "stratup"}]})
    assert error.key == "measure[0].kind"
    assert "did you mean 'startup'?" in error.message


def test_a_compile_of_a_stage_that_is_not_built_is_refused():
    raw = {"title": "t", "build": {}, "measure": [{"name": "c", "kind": "compile", "stage": "builder"}]}
    error = error_of(raw)
    assert error.key == "measure[0]"
    assert "stage 'builder' is not one of build.stages (none)" in error.message


def test_a_startup_needs_a_port_and_something_to_poll():
    no_port = {"title": "t", "build": {}, "measure": [{"name": "s", "kind": "startup"}]}
    assert "needs a container port" in error_of(no_port).message
    no_path = {"title": "t", "build": {}, "run": {"port": 80}, "measure": [{"name": "s", "kind": "startup"}]}
    assert "needs `path:` or run.ready.http" in error_of(no_path).message


def test_measurements_need_a_build_and_unique_names():
    assert (
        "needs a `build:` section"
        in error_of({"title": "t", "measure": [{"name": "f", "kind": "files", "paths": ["/a"]}]}).message
    )
    twice = [{"name": "b", "kind": "binary", "path": "/a"}] * 2
    assert error_of({"title": "t", "build": {}, "measure": twice}).key == "measure[1]"


DB = "db: v0.0.0-20261105234957-e22db6528018"


@pytest.mark.parametrize(
    ("check", "says"),
    [
        ("{tool: govulncheck, go: 1.26.11}", "'db' is a required property"),
        ("{tool: govulncheck, db: v1.0.0, go: 1.26.11}", "does not match"),
        (f"{{tool: govulncheck, {DB}}}", "'go' is a required property"),
        (f"{{tool: govulncheck, {DB}, mode: binary}}", "'path' is a required"),
        (f"{{tool: govulncheck, {DB}, mode: binary, path: /s, go: 1.26.11}}", "should not be valid"),
        (f"{{tool: govulncheck, {DB}, go: 1.26.11, path: /server}}", "should not be valid"),
        (f"{{tool: govulncheck, {DB}, go: 1.26.11, expect: [CVE-1]}}", "does not match"),
    ],
)
def test_a_govulncheck_check_must_pin_its_database_and_say_what_it_scans(tmp_path, check, says):
    folder = write_snippet(tmp_path / "vol" / "x", f"title: t\nbuild: {{}}\nchecks:\n  - {check}\n")
    with pytest.raises(ManifestError) as caught:
        load_snippet(folder)
    assert says in caught.value.message


def test_a_govulncheck_check_keeps_its_own_keys(tmp_path):
    line = f"{{tool: govulncheck, {DB}, mode: binary, path: /opt/server}}"
    folder = write_snippet(tmp_path / "vol" / "x", f"title: t\nbuild: {{}}\nchecks:\n  - {line}\n")
    (check,) = load_snippet(folder).checks
    assert check == GovulncheckCheck(
        db="v0.0.0-20261105234957-e22db6528018", mode="binary", path="/opt/server"
    )


def test_a_govulncheck_modfile_must_exist_and_stay_in_snippets(tmp_path):
    snippets = tmp_path / "snippets"
    line = f"{{tool: govulncheck, {DB}, go: 1.26.11, dir: ., modfile: MODFILE}}"
    folder = write_snippet(
        snippets / "vol" / "x", f"title: t\nchecks:\n  - {line.replace('MODFILE', 'nope.mod')}\n", {}
    )
    with pytest.raises(ManifestError, match="no such file"):
        load_snippet(folder)
    (tmp_path / "outside.mod").write_text("module x\n")
    (folder / "snippet.yml").write_text(
        f"title: t\nchecks:\n  - {line.replace('MODFILE', '../../../outside.mod')}\n"
    )
    with pytest.raises(ManifestError) as caught:
        load_snippet(folder)
    assert caught.value.key == "checks[0].modfile"


# --- ship_groups: snippets whose pushes one table shows -----------------------------------------------


def _shipping(name: str, *pushes: str) -> str:
    listed = ", ".join(f"{{name: {p}}}" for p in pushes)
    return f"title: {name}\nbuild: {{dockerfile: Dockerfile}}\nship: {{pushes: [{listed}]}}\n"


def _group_volume(root: Path, groups: str) -> Path:
    folder = root / "snippets" / "vol3"
    write_snippet(folder / "gz", _shipping("gz", "gzip"))
    write_snippet(folder / "zs", _shipping("zs", "zstd", "zstd-19"))
    write_snippet(folder / "plain", "title: plain\nbuild: {dockerfile: Dockerfile}\n")
    (folder / "volume.yml").write_text(f"title: V\nsnippets: [gz, zs, plain]\nship_groups:\n{groups}")
    return folder


def test_a_ship_group_lists_its_snippets_by_id_in_the_order_written(tmp_path):
    volume = load_volume(_group_volume(tmp_path, "  naive: [zs, gz]\n"))
    assert [(g.name, g.snippets) for g in volume.ship_groups] == [("naive", ("vol3/zs", "vol3/gz"))]
    assert load_volume(SNIPPET_FIXTURES / "golden").ship_groups == ()


@pytest.mark.parametrize(
    ("groups", "key", "cause"),
    [
        ("  naive: [gz, nope]\n", "ship_groups.naive[1]", "'nope' is no snippet of this volume"),
        ("  naive: [plain]\n", "ship_groups.naive[0]", "'plain' has no `ship:` pushes to show"),
        ("  naive: []\n", "ship_groups.naive", "[] should be non-empty"),
        ("  naive: [gz, gz]\n", "ship_groups.naive", "has non-unique elements"),
        ("  Naive: [gz]\n", "ship_groups", "'Naive' does not match"),
        ("  naive-reading: [gz]\n", "ship_groups.naive-reading", "may not end in -reading or -sizes"),
    ],
)
def test_a_bad_ship_group_is_a_manifest_error_naming_its_key(tmp_path, groups, key, cause):
    _group_volume(tmp_path, groups)
    with pytest.raises(ManifestError) as caught:
        discover(tmp_path)
    assert caught.value.exit_code == ExitCode.USAGE
    assert caught.value.key == key
    assert f"volume.yml: {key}: " in caught.value.message
    assert cause in caught.value.message


def test_two_members_pushing_one_name_are_refused_rows_are_told_apart_by_it(tmp_path):
    folder = _group_volume(tmp_path, "  naive: [gz, zs, again]\n")
    write_snippet(folder / "again", _shipping("again", "zstd-19"))
    (folder / "volume.yml").write_text(
        "title: V\nsnippets: [gz, zs, plain, again]\nship_groups:\n  naive: [gz, zs, again]\n"
    )
    with pytest.raises(ManifestError) as caught:
        load_volume(folder)
    assert caught.value.key == "ship_groups.naive[2]"
    assert "'again' pushes 'zstd-19', as 'zs' does" in caught.value.message


def test_journey_check_refuses_a_bad_ship_group_with_exit_2_naming_the_key(tmp_path):
    """The command line, in a fresh process: the group is checked while volumes load, before anything else."""
    (tmp_path / "mkdocs.yml").write_text("site_name: t\nnav: []\n")
    _group_volume(tmp_path, "  naive: [gz, plain]\n")
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    done = subprocess.run(
        [sys.executable, "-m", "journey", "check", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(
        "journey: manifest: snippets/vol3/volume.yml: ship_groups.naive[1]: 'plain' has no `ship:` pushes"
    )
