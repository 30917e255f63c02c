from __future__ import annotations

from pathlib import Path

import pytest

from journey.errors import ExitCode, ManifestError
from journey.manifest import (
    base_refs,
    base_refs_from_text,
    discover,
    key_path,
    load_snippet,
    load_volume,
    select,
    snippet_from_dict,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "snippets"
DOCKERFILE = "FROM scratch\nCOPY app /app\n"


def write_snippet(folder: Path, manifest: str, files: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "snippet.yml").write_text(manifest)
    for name, text in (files if files is not None else {"Dockerfile": DOCKERFILE}).items():
        (folder / name).write_text(text)
    return folder


def error_of(raw: object) -> ManifestError:
    with pytest.raises(ManifestError) as caught:
        snippet_from_dict(raw, Path("/nowhere/vol/x"), "vol/x")
    return caught.value


def test_fixture_manifest_loads_into_typed_fields():
    snippet = load_volume(FIXTURES / "golden").snippets[0]
    assert snippet.id == "golden/hello"
    assert (snippet.volume, snippet.name) == ("golden", "hello")
    assert snippet.build is not None
    assert snippet.build.stages == ("builder",)
    assert snippet.run is not None
    assert (snippet.run.port, snippet.run.timeout) == (8080, 30)
    assert [p.kind for p in snippet.probes] == ["http", "expect_failure"]
    assert snippet.probes[1].expect_failure is not None
    assert snippet.probes[1].expect_failure.command == ("/bin/sh", "-c", "true")
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
    raw = {"title": "t", "checks": [{"tool": "deploy-test", "script": "deploy.sh", "registry": True}]}
    check = snippet_from_dict(raw, Path("/x/v/s"), "v/s").checks[0]
    assert check.extra == {"script": "deploy.sh", "registry": True}
    assert check.name == "deploy-test"


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
    assert check.expect == ("DL3006", "SC2086")
    assert check.extra == {}


@pytest.mark.parametrize(
    ("check", "key", "cause"),
    [
        ({"tool": "yamllint", "files": ["a.yml"], "expect": ["SC2086"]}, "checks[0].tool", "is not one of"),
        ({"tool": "hadolint", "files": ["D"], "expect": ["DL30"]}, "checks[0].expect[0]", "does not match"),
        ({"tool": "shellcheck", "files": ["a.sh"], "expect": []}, "checks[0].expect", "should be non-empty"),
    ],
)
def test_expected_findings_only_for_linters_and_only_real_codes(check, key, cause):
    error = error_of({"title": "t", "checks": [check]})
    assert error.key == key
    assert cause in error.message
