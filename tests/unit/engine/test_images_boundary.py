"""engine.images is the one place that asks the engine about an image: the rule, and its functions.

The rule: outside ``engine/`` no module calls the SDK's image collection (``client.images.get(``, and
its ``remove``, ``list``…) or runs ``docker image …`` / ``docker images …``; they call ``engine.images``.
The functions are tried against a fake client and a fake ``process.run``: no engine.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker.errors
import pytest

from journey.core import process
from journey.engine import images

TOOL = Path(__file__).resolve().parents[3] / "scripts" / "journey"
ENGINE = TOOL / "engine"
#: An SDK call on an image collection: ``client.images.get(``, ``session.client.images.remove(``…
SDK_CALL = re.compile(r"\.images\.\w+\(")


# --- the rule --------------------------------------------------------------------------------------------


def _image_argv(source: str) -> list[int]:
    """Lines of ``source`` with a ``["docker", "image", …]`` or ``("docker", "images", …)`` literal."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.List, ast.Tuple)) and len(node.elts) >= 2:
            first, second = node.elts[:2]
            words = [e.value if isinstance(e, ast.Constant) else None for e in (first, second)]
            if words[0] == "docker" and words[1] in {"image", "images"}:
                lines.append(node.lineno)
    return lines


def _sdk_calls(source: str) -> list[int]:
    """Lines of ``source`` that call a method of an SDK image collection."""
    return [n for n, text in enumerate(source.splitlines(), start=1) if SDK_CALL.search(text)]


def test_outside_engine_no_module_looks_an_image_up_or_runs_docker_image():
    # The issue's rule: `grep -rn 'images.get\|"docker", "image' scripts/journey` finds only engine/.
    sources = sorted(TOOL.rglob("*.py"))
    outside = [path for path in sources if ENGINE not in path.parents]
    assert TOOL / "verify" / "pipeline.py" in outside
    bad = [
        f"{path.relative_to(TOOL)}:{line}"
        for path in outside
        for finder in (_image_argv, _sdk_calls)
        for line in finder(path.read_text(encoding="utf-8"))
    ]
    assert not bad, "image calls belong in journey.engine.images, call its functions:\n" + "\n".join(bad)


def test_the_rule_finds_what_engine_images_holds():
    # The scan itself, on the module that keeps these calls: it cannot pass by seeing nothing.
    source = (ENGINE / "images.py").read_text(encoding="utf-8")
    assert len(_image_argv(source)) >= 3
    assert len(_sdk_calls(source)) >= 3


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('client.images.get(ref).attrs["Config"]', True),
        ("session.client.images.get(image).attrs", True),
        ("client.images.remove(tag, noprune=False)", True),
        ('argv = ["docker", "image", "inspect", "--format", "{{.Id}}", ref]', True),
        ('process.run(["docker", "image", "rm", ref], timeout=60)', True),
        ('argv = ("docker", "images", "--format", fmt)', True),
        ('["docker", "inspect", "--format", "{{.State.Running}}", name]', False),
        # The farm's forwarder runs the CLI against the farm's own private engine (verify.ship empties it):
        # not the shared engine this rule is about, and the grep does not match it either.
        ('farm.docker("image", "ls", "--quiet")', False),
        ("images.image_attrs(client, ref)", False),
        ("self.images / 'x.json'", False),
    ],
)
def test_the_rule_sees_sdk_calls_and_image_argv(source, found):
    assert bool(_image_argv(source) or _sdk_calls(source)) is found


# --- the functions, against a fake client ----------------------------------------------------------------

ATTRS: dict[str, Any] = {
    "Id": "sha256:1111",
    "RepoDigests": ["127.0.0.1:5000/app@sha256:feed", "other/app@sha256:beef"],
    "Size": 1234,
    "Os": "linux",
    "Architecture": "arm64",
    "Config": {"User": "65532", "Labels": None, "Env": ["PATH=/bin"]},
    "RootFS": {"Type": "layers", "Layers": ["sha256:aa", "sha256:bb"]},
}
HISTORY = [
    {"Id": "sha256:1111", "CreatedBy": "COPY app /", "Size": 10},
    {"CreatedBy": "ADD rootfs", "Size": 5},
]


@dataclass
class _Image:
    id: str
    attrs: dict[str, Any]
    tags: list[tuple[str, str]] = field(default_factory=list)

    def history(self) -> list[dict[str, Any]]:
        return HISTORY

    def tag(self, repository: str, tag: str) -> bool:
        self.tags.append((repository, tag))
        return True


@dataclass
class _Images:
    known: dict[str, _Image] = field(default_factory=dict)
    removed: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def get(self, ref: str) -> _Image:
        if ref not in self.known:
            raise docker.errors.ImageNotFound(f"No such image: {ref}")
        return self.known[ref]

    def remove(self, ref: str, **how: Any) -> None:
        if ref not in self.known:
            raise docker.errors.ImageNotFound(f"No such image: {ref}")
        self.removed.append((ref, how))


@dataclass
class _Client:
    images: _Images


@pytest.fixture
def client() -> _Client:
    image = _Image("sha256:1111", ATTRS)
    return _Client(_Images({"app:latest": image, "sha256:1111": image, "bare": _Image("sha256:2222", {})}))


def test_inspect_gives_the_id_attrs_and_history_typed(client):
    found = images.inspect(client, "app:latest")
    assert found.id == "sha256:1111"
    assert found.attrs["RootFS"]["Layers"] == ["sha256:aa", "sha256:bb"]
    assert found.history() == HISTORY
    assert images.image_attrs(client, "app:latest") is ATTRS


def test_an_absent_image_is_the_sdks_image_not_found_everywhere_but_in_the_yes_no_questions(client):
    # Callers catch docker.errors.ImageNotFound (or DockerException): it surfaces unchanged.
    for call in (
        images.inspect,
        images.image_attrs,
        images.repo_digests,
        images.config_user,
        lambda c, ref: images.tag_image(c, ref, "repo", "tag"),
        lambda c, ref: images.remove_image(c, ref, noprune=False),
    ):
        with pytest.raises(docker.errors.ImageNotFound, match="No such image: gone"):
            call(client, "gone")
    assert images.image_present(client, "gone") is False
    assert images.image_id(client, "gone") is None
    assert images.image_present(client, "app:latest") is True


def test_repo_digests_and_the_config_user(client):
    assert images.repo_digests(client, "sha256:1111") == ATTRS["RepoDigests"]
    assert images.config_user(client, "app:latest") == "65532"
    client.images.known["root"] = _Image("sha256:3333", {"Config": {"User": ""}})
    client.images.known["none"] = _Image("sha256:4444", {"Config": {"User": None}, "RepoDigests": None})
    assert images.config_user(client, "root") == ""
    assert images.config_user(client, "none") == ""
    assert images.repo_digests(client, "none") == []
    assert images.repo_digests(client, "bare") == []


def test_tag_and_remove_pass_the_call_on_as_the_sdk_takes_it(client):
    images.tag_image(client, "sha256:1111", "journey/vol1-x", "verified")
    assert client.images.known["sha256:1111"].tags == [("journey/vol1-x", "verified")]
    images.remove_image(client, "app:latest", noprune=True)
    images.remove_image(client, "bare", noprune=False)
    assert client.images.removed == [("app:latest", {"noprune": True}), ("bare", {"noprune": False})]


# --- the CLI's image commands, against a fake process.run ------------------------------------------------


@pytest.fixture
def ran(monkeypatch) -> list[tuple[list[str], dict[str, Any]]]:
    calls: list[tuple[list[str], dict[str, Any]]] = []

    def fake_run(argv, **kwargs):
        calls.append((list(argv), kwargs))
        code = 1 if argv[-1] == "gone" else 0
        out = "REPOSITORY\tTAG\n" if kwargs.get("text") else b""
        return process.CompletedProcess(argv, code, out, b"Error: No such image: gone" if code else b"")

    monkeypatch.setattr(process, "run", fake_run)
    return calls


def test_cli_present_asks_image_inspect_with_its_format_and_reads_the_exit_code(ran):
    assert images.cli_present("debian:trixie", timeout=60) is True
    assert images.cli_present("gone", timeout=60) is False
    argv, kwargs = ran[0]
    assert argv == ["docker", "image", "inspect", "--format", "{{.Id}}", "debian:trixie"]
    assert kwargs == {"capture_output": True, "timeout": 60, "check": False}


def test_cli_remove_hands_back_the_unchecked_result(ran):
    done = images.cli_remove("gone", timeout=30)
    assert done.returncode == 1
    assert b"No such" in done.stderr
    assert ran == [
        (["docker", "image", "rm", "gone"], {"capture_output": True, "timeout": 30, "check": False})
    ]


def test_cli_inspect_argv_is_the_command_a_tools_version_runs():
    fmt = '{{index .Config.Labels "org.golangjourney.deploy-engine.dockerd"}}'
    assert images.cli_inspect_argv("journey-tools/deploy-engine:abc", fmt) == (
        "docker",
        "image",
        "inspect",
        "--format",
        fmt,
        "journey-tools/deploy-engine:abc",
    )


def test_cli_listing_names_its_format_and_passes_the_filters(ran):
    filters = ["--filter", "reference=journey/vol1-x", "--filter", "reference=debian:trixie"]
    assert images.cli_listing("{{.Repository}}\t{{.Tag}}", filters) == "REPOSITORY\tTAG\n"
    argv, kwargs = ran[0]
    assert argv == ["docker", "images", "--format", "{{.Repository}}\t{{.Tag}}", *filters]
    assert kwargs == {"capture_output": True, "text": True, "check": True, "timeout": 60}


def test_a_missing_cli_surfaces_as_the_oserror_callers_catch(monkeypatch):
    def missing(*_args: object, **_kwargs: object) -> None:
        raise FileNotFoundError("docker")

    monkeypatch.setattr(process, "run", missing)
    with pytest.raises(FileNotFoundError):
        images.cli_present("x", timeout=1)
    with pytest.raises(FileNotFoundError):
        images.cli_remove("x", timeout=1)
