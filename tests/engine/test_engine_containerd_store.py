"""The same snippet verified on the classic image store and on the containerd image store agrees.

The containerd store (Engine 29's default for new installs) is switched on in a second, private dockerd
(`"features": {"containerd-snapshotter": true}`), the stand-in bases are copied into it with
`docker save | docker load` (nothing can be pulled here), and `journey verify` runs once against each
engine: the quick fixture, and by default vol1/distroless (Go modules through the loopback proxy, a
distroless stand-in base, a published port, HTTP probes, a files and a start-up measurement; one cold
compile per engine). vol1/multistage adds five timed cold compiles and took 964 s of a 39-minute
`make test` in CI, most of it compiling: JOURNEY_CONTAINERD_SNIPPETS picks it, or ``all``. Sizes must agree
within 1 % (uncompressed), and compressed sizes within what the tool itself counts as unchanged (0.1 %
or 8 KB, record.SIZE_TOLERANCE/SIZE_SLACK): both stores record the same gzip figure of each layer tar,
so a re-verify on the other store must not rewrite a result. The registry blobs are only the
measuring step's cross-check. Probes, checks, outputs and digests must be equal.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
from engine_helpers import ENGINE_SH, REPO, run_engine_sh

from journey.model import record
from journey.model.record import SIZE_SLACK, SIZE_TOLERANCE
from journey.verify import drift
from unprivileged import user_env

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

FIXTURES = REPO / "tests" / "fixtures" / "snippets"
JOURNEY = [sys.executable, "-m", "journey"]
BASES = ("debian:trixie",)
UNCOMPRESSED = 0.01


def _docker(env: dict[str, str], *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", *argv], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _shared_env() -> dict[str, str]:
    """The environment of the shared engine (DOCKER_HOST unset)."""
    return {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}


def _copy_images(client_env: dict[str, str], refs: list[str], *, timeout: float) -> None:
    """Copy images from the shared engine into the private one: ``docker save | docker load``."""
    save = subprocess.Popen(["docker", "save", *refs], env=_shared_env(), stdout=subprocess.PIPE)
    load = subprocess.run(
        ["docker", "load", "--quiet"],
        env=client_env,
        stdin=save.stdout,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert save.stdout is not None
    save.stdout.close()
    assert save.wait(timeout=timeout) == 0
    assert load.returncode == 0, load.stderr


@pytest.fixture
def containerd_engine(private_engine):
    """A private dockerd with the containerd image store, holding copies of the shared engine's bases."""
    config = private_engine.folder / "daemon.json"
    config.write_text(json.dumps({"features": {"containerd-snapshotter": True}}) + "\n", encoding="utf-8")
    env = private_engine.env()
    env["JOURNEY_DOCKERD_ARGS"] += f" --config-file={config}"
    started = run_engine_sh(env, own_netns=True)
    assert started.returncode == 0, started.stderr
    client_env = private_engine.client_env()
    status = _docker(client_env, "info", "--format", "{{json .DriverStatus}}")
    assert "io.containerd.snapshotter" in status.stdout, status.stdout + status.stderr
    for ref in BASES:
        shared = _shared_env()
        assert _docker(shared, "image", "inspect", "--format", "{{.Id}}", ref).returncode == 0, (
            f"{ref} is not in the shared engine (run `make bases`)"
        )
        _copy_images(client_env, [ref], timeout=300)
    return private_engine


def _repo(root: Path, volume: str, names: list[str]) -> Path:
    """A repository holding only these fixture snippets, with caches of its own (nothing measured twice)."""
    target = root / "snippets" / volume
    target.mkdir(parents=True)
    for name in names:
        shutil.copytree(FIXTURES / volume / name, target / name)
    (target / "volume.yml").write_text(f"title: {volume}\nsnippets: [{', '.join(names)}]\n", encoding="utf-8")
    return root


def _verify(root: Path, env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run(
        [*JOURNEY, "verify", "--root", str(root), "--json"],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, object] = json.loads((root / "results/engine/quick/result.json").read_text())
    return result


def _without_timings(probes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The probes as the tool compares them: each live probe's ``measured`` timings left out."""
    return [{k: v for k, v in probe.items() if k != "measured"} for probe in probes]


def _near(a: int, b: int, tolerance: float) -> bool:
    return abs(a - b) <= tolerance * max(a, b)


def _unchanged(a: int, b: int) -> bool:
    """The tool's own rule for a re-measured byte count that has not changed."""
    return abs(a - b) <= max(SIZE_SLACK, SIZE_TOLERANCE * max(a, b))


def size_table(classic: dict[str, object], containerd: dict[str, object]) -> list[str]:
    """One line per image: the two stores' sizes side by side (kept in the test's output)."""
    lines = []
    for one, two in zip(classic["images"], containerd["images"], strict=True):  # type: ignore[call-overload]
        lines.append(
            f"{one['role']}: size {one['size']} / {two['size']}, "
            f"compressed {one['compressed_size']} / {two['compressed_size']}"
        )
    return lines


def test_quick_fixture_agrees_on_the_classic_and_the_containerd_store(
    containerd_engine, tmp_path, record_property
):
    shared_env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    try:
        classic = _verify(_repo(tmp_path / "classic", "engine", ["quick"]), shared_env)
    finally:
        _docker(shared_env, "image", "rm", "journey/engine-quick:verified")
    containerd = _verify(_repo(tmp_path / "containerd", "engine", ["quick"]), containerd_engine.client_env())

    record_property("sizes_classic_vs_containerd", "; ".join(size_table(classic, containerd)))
    assert classic["input_digest"] == containerd["input_digest"]
    assert classic["environment"] == containerd["environment"]
    assert [i["role"] for i in classic["images"]] == [i["role"] for i in containerd["images"]]  # type: ignore[attr-defined]
    for one, two in zip(classic["images"], containerd["images"], strict=True):  # type: ignore[call-overload]
        assert _near(one["size"], two["size"], UNCOMPRESSED), (one, two)
        assert _unchanged(one["compressed_size"], two["compressed_size"]), (one, two)
        assert one.get("payload_size") == two.get("payload_size")
        assert [layer["created_by"] for layer in one["layers"]] == [
            layer["created_by"] for layer in two["layers"]
        ]
        for a, b in zip(one["layers"], two["layers"], strict=True):
            assert _near(a["size"], b["size"], UNCOMPRESSED), (a, b)
    assert classic["probes"] == containerd["probes"]
    assert classic["checks"] == containerd["checks"]
    assert classic["outputs"] == containerd["outputs"]  # the docker images table, SIZE column included


# --- a Vol. 1 image snippet: Go modules, a published port, HTTP probes -----------------------------------


def _tracked_copy(root: Path) -> Path:
    """A copy of the checkout's tracked files (snippets, results, docs, mkdocs.yml), caches of its own."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True, timeout=60
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = REPO / name.decode()
        if source.is_file():
            target = root / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return root


@pytest.fixture
def containerd_engine_in_netns(private_engine):
    """A containerd-store dockerd in a network namespace of its own, with a bridge there and loopback up.

    The tool runs in that namespace too (nsenter): its module proxy on 127.0.0.1, the builds on the
    engine's host network and the ports it publishes are all in one namespace, nothing in the host's.
    A masqueraded veth gives the namespace the way out a build's apt needs (``_way_out``).
    """
    config = private_engine.folder / "daemon.json"
    config.write_text(json.dumps({"features": {"containerd-snapshotter": True}}) + "\n", encoding="utf-8")
    env = {**os.environ, **private_engine.env()}
    env["JOURNEY_DOCKERD_ARGS"] = f"--iptables=false --ip6tables=false --config-file={config}"
    started = subprocess.run(
        ["unshare", "--net", "--", "bash", "-c", 'ip link set lo up && exec bash "$0"', str(ENGINE_SH)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert started.returncode == 0, started.stderr
    client_env = private_engine.client_env()
    _copy_images(client_env, vol1_bases(VOL1_SNIPPETS), timeout=600)
    pid = int(private_engine.pidfile.read_text().strip())
    with _way_out(pid):
        yield private_engine, ["nsenter", f"--net=/proc/{pid}/ns/net", "--"]


#: The namespace's way out: a veth pair on a /30 of its own, masqueraded by the host.
WAY_OUT = ("10.231.77.1", "10.231.77.2", "10.231.77.0/30")


@contextlib.contextmanager
def _way_out(pid: int) -> Iterator[None]:
    """A route from the namespace to the host's network, for plain-HTTP apt in a build (vol1/upx's).

    The engine there has no iptables of its own; the host masquerades the namespace's /30, as a bridge
    network's containers are. The module proxy still is the namespace's own loopback: nothing else is
    reached that way. Removed afterwards (the peer goes with the host's end).
    """
    host_ip, ns_ip, subnet = WAY_OUT
    name = f"jrn{pid % 100000}"
    in_ns = ["nsenter", f"--net=/proc/{pid}/ns/net", "--"]
    rules = [
        ["-t", "nat", "POSTROUTING", "-s", subnet, "-j", "MASQUERADE"],
        ["FORWARD", "-i", name, "-j", "ACCEPT"],
        ["FORWARD", "-o", name, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"],
    ]
    steps = [
        ["ip", "link", "add", name, "type", "veth", "peer", "name", "eth0", "netns", str(pid)],
        ["ip", "addr", "add", f"{host_ip}/30", "dev", name],
        ["ip", "link", "set", name, "up"],
        [*in_ns, "ip", "addr", "add", f"{ns_ip}/30", "dev", "eth0"],
        [*in_ns, "ip", "link", "set", "eth0", "up"],
        [*in_ns, "ip", "route", "add", "default", "via", host_ip],
        *(_iptables("-I", rule) for rule in rules),
    ]
    try:
        for argv in steps:
            subprocess.run(argv, check=True, capture_output=True, timeout=30)
        yield
    finally:
        for rule in rules:
            subprocess.run(_iptables("-D", rule), check=False, capture_output=True, timeout=30)
        subprocess.run(["ip", "link", "del", name], check=False, capture_output=True, timeout=30)


def _iptables(action: str, rule: list[str]) -> list[str]:
    """iptables' argv for ``rule`` (``[-t table] CHAIN match...``): ``-I`` first in its chain, ``-D`` out."""
    table, (chain, *match) = (rule[:2], rule[2:]) if rule[0] == "-t" else ([], rule)
    return ["iptables", *table, action, chain, *match]


def vol1_image_snippets() -> list[str]:
    """Every Vol. 1 snippet whose recorded result holds images (built and run), in the volume's order."""
    order = json.loads(
        subprocess.run(
            [*JOURNEY, "list", "--json", "--root", str(REPO)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
    )
    return [
        s["snippet"] for s in order if s["snippet"].startswith("vol1/") and (s["result"] or {}).get("images")
    ]


def _chosen() -> list[str]:
    """JOURNEY_CONTAINERD_SNIPPETS: ``all`` (every Vol. 1 image snippet) or snippet ids; one by default.

    The default is the Vol. 1 image snippet that exercises the most of the measuring code (modules, a
    second base, a port, HTTP and exec probes, files and start-up) for one compile per engine, so that
    ``make test`` fits the cache issue's 35 minutes from the cold state; ``all`` is the full comparison
    (about an hour here), run by hand when the measuring code or an engine changes.
    """
    named = os.environ.get("JOURNEY_CONTAINERD_SNIPPETS", "vol1/distroless").split()
    return vol1_image_snippets() if named == ["all"] else named


def vol1_bases(snippets: list[str]) -> list[str]:
    """The bases these snippets' recorded results name (the private engine gets copies of just those)."""
    refs: dict[str, None] = dict.fromkeys(BASES)  # debian too, as before: cheap, and any helper may want it
    for snippet in snippets:
        recorded = json.loads((REPO / "results" / snippet / "result.json").read_text(encoding="utf-8"))
        refs |= dict.fromkeys(base["ref"] for base in recorded["environment"]["bases"])
    return list(refs)


VOL1_SNIPPETS = _chosen()
#: A hang guard per snippet, not a speed limit: vol1/multistage (five cold compiles) took 875 s for both
#: stores in a clean-clone CI run on 2 cores; a hung step is stopped by the tool's own watchdog first.
PER_SNIPPET_S = 1200


def _verify_snippets(
    root: Path, argv: list[str], env: dict[str, str], cwd: Path
) -> dict[str, dict[str, Any]]:
    """One ``journey verify --force`` of all chosen snippets; their result files, read back."""
    done = subprocess.run(
        [*argv, "verify", "--root", str(root), "--force", "--json", *VOL1_SNIPPETS],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=PER_SNIPPET_S * len(VOL1_SNIPPETS),
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return {s: json.loads((root / "results" / s / "result.json").read_text()) for s in VOL1_SNIPPETS}


def _classic_caller(tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Path, list[str], dict[str, str]]:
    """Where and as whom the classic verify runs: the caller, or (JOURNEY_CLASSIC_AS_USER=1) a non-root user.

    As that user, the same run also shows item 5 of the engines issue for these snippets: a docker-group
    member verifies them with nothing else. It needs this very interpreter (the venv's hadolint with it),
    so it is opt-in rather than CI's default, where the venv may be out of that user's reach.
    """
    shared_env = _shared_env()
    if os.environ.get("JOURNEY_CLASSIC_AS_USER") != "1":
        return tmp_path, list(JOURNEY), shared_env
    user = request.getfixturevalue("unprivileged_user")
    if not user.same_interpreter:
        pytest.skip("JOURNEY_CLASSIC_AS_USER=1 needs a JOURNEY_TEST_USER who can run this interpreter")
    return user.home, user.python_argv("-m", "journey"), user_env(user.home)


def _hand_over(folder: Path, like: Path) -> None:
    """Give a folder tree to the owner of ``like`` (the unprivileged user's home), when they differ."""
    owner = like.stat()
    if folder.stat().st_uid == owner.st_uid:
        return
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, owner.st_uid, owner.st_gid, follow_symlinks=False)


def size_rows(snippet: str, result: dict[str, Any]) -> list[str]:
    """The closing note's table rows of one store: snippet, image role, size, compressed size."""
    return [
        f"| {snippet} | {image['role']} | {image['size']:,} | {image['compressed_size']:,} |"
        for image in result["images"]
    ]


@pytest.mark.timeout(PER_SNIPPET_S * 2 * len(VOL1_SNIPPETS))
def test_vol1_image_snippets_agree_on_the_classic_and_the_containerd_store(
    containerd_engine_in_netns, tmp_path, record_property, request
):
    engine, in_netns = containerd_engine_in_netns
    base, classic_argv, classic_env = _classic_caller(tmp_path, request)
    classic_root = _tracked_copy(base / "classic")
    containerd_root = _tracked_copy(tmp_path / "containerd")
    # One module cache: the classic run fills it on the host; the namespace's run reads it from there.
    gomod = base / "gomod"
    gomod.mkdir()
    for root in (classic_root, containerd_root):
        (root / ".cache").mkdir()
        (root / ".cache" / "gomod").symlink_to(gomod, target_is_directory=True)
    # Each store writes what it measured: a result file materially equal to the recorded one would be
    # left as it was, and then the comparison below would compare the record with itself.
    recorded = {}
    for snippet in VOL1_SNIPPETS:
        recorded[snippet] = record.read_result(REPO / "results" / snippet / "result.json")
        for root in (classic_root, containerd_root):
            (root / "results" / snippet / "result.json").unlink()
    _hand_over(classic_root, base)
    _hand_over(gomod, base)

    classic = _verify_snippets(classic_root, classic_argv, classic_env, base)
    containerd = _verify_snippets(
        containerd_root, [*in_netns, *JOURNEY], engine.client_env(), containerd_root
    )

    for store, results in (("classic", classic), ("containerd", containerd)):
        rows = [row for s in VOL1_SNIPPETS for row in size_rows(s, results[s])]
        record_property(f"sizes_{store}", "\n".join(rows))
    for snippet in VOL1_SNIPPETS:
        one_run, two_run = classic[snippet], containerd[snippet]
        # Whether the record still holds is the full proof's question (Debian's packages move under the
        # stand-ins: drift, reported by `make verify-all`), not this test's: it is kept as a property only.
        moved = drift.compare(snippet, recorded[snippet], one_run)
        record_property(f"drift_{snippet}", drift.report_markdown([moved] if moved else [], [snippet], "now"))
        assert one_run["input_digest"] == two_run["input_digest"], snippet
        assert one_run["environment"] == two_run["environment"], snippet
        for one, two in zip(one_run["images"], two_run["images"], strict=True):
            what = (snippet, one["role"])
            assert one["role"] == two["role"], what
            assert _near(one["size"], two["size"], UNCOMPRESSED), (*what, one["size"], two["size"])
            assert _unchanged(one["compressed_size"], two["compressed_size"]), (
                *what,
                one["compressed_size"],
                two["compressed_size"],
            )
            assert one.get("payload_size") == two.get("payload_size"), what
        # A live probe's timings (``measured``) move from run to run; the tool never compares them either.
        assert _without_timings(one_run["probes"]) == _without_timings(two_run["probes"]), snippet
        assert one_run["checks"] == two_run["checks"], snippet
        assert one_run["outputs"] == two_run["outputs"], snippet
