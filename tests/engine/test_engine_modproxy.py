"""helpers.modproxy: modules fetched on the host reach a Go build inside the stand-in, over loopback."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import threading
import time

import pytest
from engine_helpers import FIXTURES, REPO

from journey.helpers import modproxy
from journey.model.manifest import discover
from journey.verify import bases

MODULES = FIXTURES / "modules"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_port_comes_from_the_standin_label():
    labels = bases.require({"golang:1.26-trixie": ()})["golang:1.26-trixie"].labels
    assert modproxy.port_from_labels(labels) == modproxy.DEFAULT_PORT
    assert modproxy.port_from_labels({}) is None
    with pytest.raises(modproxy.ModProxyError, match="loopback port"):
        modproxy.port_from_labels({modproxy.GOPROXY_LABEL: "https://proxy.golang.org"})


def test_serves_the_download_cache_over_plain_http(tmp_path):
    port = free_port()
    target = tmp_path / "cache" / "download" / "example.com" / "m" / "@v"
    target.mkdir(parents=True)
    (target / "list").write_text("v1.0.0\n")
    with modproxy.serve(tmp_path, port) as proxy:
        got = subprocess.run(
            ["curl", "-fsS", f"{proxy.url}/example.com/m/@v/list"],
            capture_output=True,
            text=True,
            check=False,
        )
        missing = subprocess.run(
            [
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                f"{proxy.url}/example.com/m/@v/v9.9.9.zip",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    assert got.stdout == "v1.0.0\n"
    assert missing.stdout == "404"
    assert proxy.served == ["/example.com/m/@v/list", "/example.com/m/@v/v9.9.9.zip"]
    with socket.socket() as again:  # the port is free again once the block ends (TIME_WAIT aside)
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))


def test_a_port_taken_by_something_else_is_a_clear_error(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        expected = rf"port {port} on 127.0.0.1 is held by pid {os.getpid()} \("
        with pytest.raises(modproxy.ModProxyError, match=expected), modproxy.serve(tmp_path, port):
            pass


def test_a_second_run_on_the_same_cache_shares_the_proxy(tmp_path):
    port = free_port()
    with modproxy.serve(tmp_path, port) as first, modproxy.serve(tmp_path, port) as second:
        assert not first.shared
        assert second.shared
        assert second.lease is None  # the same files: nothing to lease


def _module_file(cache, text):
    target = cache / "cache" / "download" / "example.com" / "m" / "@v"
    target.mkdir(parents=True)
    (target / "list").write_text(text)


def _get(url):
    argv = ["curl", "-s", "-w", " %{http_code}", url]
    return subprocess.run(argv, capture_output=True, text=True, check=False).stdout


def test_a_run_of_another_checkout_leases_the_proxy_and_gets_its_own_modules(tmp_path):
    """Two checkouts, two caches, one port: the second's files come through the first's server."""
    port = free_port()
    _module_file(tmp_path / "b", "v2.0.0\n")
    with modproxy.serve(tmp_path / "a", port) as first, modproxy.serve(tmp_path / "b", port) as second:
        assert not first.shared
        assert second.shared
        assert second.lease is not None
        assert modproxy.live_leases(port) == [tmp_path / "b" / "cache" / "download"]
        assert _get(f"{first.url}/example.com/m/@v/list") == "v2.0.0\n 200"
    # the lease went with the second run; the first one's files are no longer anyone's
    assert modproxy.live_leases(port) == []
    assert not list(modproxy.lease_dir(port).glob("*.lease"))


def test_the_first_run_keeps_serving_until_the_lease_ends(tmp_path):
    """The first checkout's verify finishes its own builds, then serves on while the second one builds."""
    port = free_port()
    _module_file(tmp_path / "b", "v3.0.0\n")
    started, leased, release, first_ended = (threading.Event() for _ in range(4))

    def first_run():
        with modproxy.serve(tmp_path / "a", port):
            started.set()
            leased.wait(30)
        first_ended.set()

    def second_run():
        with modproxy.serve(tmp_path / "b", port):
            leased.set()
            release.wait(30)

    runs = [threading.Thread(target=first_run), threading.Thread(target=second_run)]
    runs[0].start()
    assert started.wait(30)
    runs[1].start()
    assert leased.wait(30)
    time.sleep(2 * modproxy.RETRY_SECONDS)
    assert not first_ended.is_set()  # its block is over, but the lease keeps its server up
    assert _get(f"http://127.0.0.1:{port}/example.com/m/@v/list") == "v3.0.0\n 200"
    release.set()
    for run in runs:
        run.join(30)
    assert first_ended.is_set()


def test_a_lease_whose_run_died_is_ignored(tmp_path):
    port = free_port()
    folder = modproxy.lease_dir(port)
    folder.mkdir(exist_ok=True)
    stale = folder / "999999-dead.lease"
    stale.write_text(str(tmp_path))  # nobody holds its lock
    assert modproxy.live_leases(port) == []
    assert not stale.exists()


def test_failed_download_names_the_module_folder(tmp_path):
    (tmp_path / "go.mod").write_text(
        "module example.com/broken\n\ngo 1.26\n\nrequire example.invalid/nothing v0.0.1\n"
    )
    with pytest.raises(modproxy.ModProxyError, match=re.escape(str(tmp_path))):
        modproxy.download([tmp_path], tmp_path / "gomod")


@pytest.mark.engine
def test_go_build_in_the_standin_downloads_a_real_module_through_the_proxy(image_tags):
    tag = image_tags("modules")
    build = ["docker", "buildx", "build", "--progress=plain", "--no-cache", "-t", tag]
    with modproxy.serving_modules([MODULES], REPO) as proxy:
        done = subprocess.run(
            [*build, "--network", "host", str(MODULES)], capture_output=True, text=True, check=False
        )
        # Without the host's network the stand-in's GOPROXY (loopback) is unreachable: the module can
        # come from nowhere else, so the successful build above really went through the proxy.
        cut_off = subprocess.run([*build, str(MODULES)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "all modules verified" in done.stderr
    if not proxy.shared:  # another journey run on this repository may already serve the same cache
        assert "/github.com/google/uuid/@v/v1.6.0.zip" in proxy.served
    assert cut_off.returncode != 0
    assert f"127.0.0.1:{proxy.port}" in cut_off.stderr
    out = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", tag], capture_output=True, text=True, check=False
    )
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\n", out.stdout)


@pytest.mark.engine
def test_serving_for_snippets_follows_their_bases(fixture_root):
    # The repository's own module cache, as verify uses it (so a verify running meanwhile is shared).
    snippets = {s.name: s for s in discover(fixture_root)[0].snippets}
    with modproxy.serving_for([snippets["scratch"]], REPO) as nothing:
        assert nothing is None  # FROM scratch: no base asks for a module proxy
    with modproxy.serving_for([snippets["multistage"]], REPO) as nothing:
        assert nothing is None  # the Go stand-in, but no go.sum: nothing to download, the port stays free
    with modproxy.serving_for([snippets["modules"], snippets["scratch"]], REPO) as proxy:
        assert proxy is not None
        assert proxy.port == modproxy.DEFAULT_PORT
        cached = modproxy.cache_dir(REPO) / "cache" / "download" / "github.com" / "google" / "uuid"
        assert (cached / "@v" / "v1.6.0.zip").is_file()
