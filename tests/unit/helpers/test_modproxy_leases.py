"""The module proxy's leases, played by a hostile neighbour: nothing but this user's module caches is served.

Every test runs the proxy's HTTP server in this process on a free loopback port (no engine, no curl),
with its lease folders under the test's own tmp folder. What another local user could do is done
here as this user (a lease naming ``/``, a FIFO named ``*.lease``, a lock held for ever, a lease folder
made by someone else), or, where the kernel must tell the owners apart, with a real ``chown`` when the
suite runs as root.
"""

from __future__ import annotations

import fcntl
import http.client
import os
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from journey.helpers import modproxy

NOBODY = 65534
MODULE = "/example.com/m/@v/list"


@pytest.fixture(autouse=True)
def private_tmp(tmp_path, monkeypatch):
    """Lease folders under this test's tmp (no runtime folder), and every report said afresh."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.setattr(modproxy, "_REPORTED", set())
    return tmp


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def module_cache(root: Path, text: str = "v1.0.0\n") -> Path:
    """A GOMODCACHE with one module's version list; return its ``cache/download`` folder."""
    target = root / "cache" / "download" / "example.com" / "m" / "@v"
    target.mkdir(parents=True)
    (target / "list").write_text(text)
    return (root / "cache" / "download").resolve()


def get(port: int, target: str) -> tuple[int, bytes]:
    """GET ``target`` exactly as written (no client-side clean-up of ``..``), bounded in time."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", target)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def root_only() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root, to give a file to another user")


# --- the lease folder ----------------------------------------------------------------------------


def test_a_lease_is_a_0600_file_in_a_0700_folder_of_this_user(tmp_path, private_tmp):
    port = free_port()
    lease = modproxy.take_lease(port, module_cache(tmp_path / "b"))
    try:
        folder = private_tmp / f"journey-modproxy-{os.geteuid()}-{port}"
        assert lease.path.parent == folder
        assert folder.stat().st_mode & 0o777 == 0o700
        assert lease.path.stat().st_mode & 0o777 == 0o600
        assert folder.stat().st_uid == lease.path.stat().st_uid == os.geteuid()
    finally:
        lease.release()
    assert not lease.path.exists()


def test_a_private_runtime_folder_is_preferred_and_an_open_one_is_not(tmp_path, private_tmp, monkeypatch):
    port = free_port()
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    assert modproxy.lease_dirs(port) == [
        runtime / f"journey-modproxy-{port}",
        private_tmp / f"journey-modproxy-{os.geteuid()}-{port}",
    ]
    runtime.chmod(0o755)
    assert modproxy.lease_dirs(port) == [private_tmp / f"journey-modproxy-{os.geteuid()}-{port}"]


def test_a_lease_folder_open_to_others_is_refused_with_a_clear_error(tmp_path, private_tmp, capsys):
    port = free_port()
    folder = private_tmp / f"journey-modproxy-{os.geteuid()}-{port}"
    folder.mkdir()
    folder.chmod(0o777)  # as a neighbour would leave it, to plant leases
    with pytest.raises(
        modproxy.ModProxyError, match=r"has mode 0777, open to other users \(it must be 0700\)"
    ):
        modproxy.take_lease(port, module_cache(tmp_path / "b"))
    planted = folder / "planted.lease"
    planted.write_text(str(module_cache(tmp_path / "c")))
    with planted.open() as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # live, but in a folder anyone may write in
        assert modproxy.live_leases(port) == []
    assert planted.exists()  # the folder is not read at all
    why = "a lease folder that has mode 0777, open to other users (it must be 0700)"
    assert capsys.readouterr().err == f"modproxy: ignoring {folder}: {why}\n"


def test_a_lease_folder_of_another_user_is_refused_with_a_clear_error(tmp_path, private_tmp, monkeypatch):
    port = free_port()
    folder = private_tmp / f"journey-modproxy-{os.geteuid()}-{port}"
    folder.mkdir(mode=0o700)
    owner, me = NOBODY, os.geteuid()
    if me == 0:
        os.chown(folder, NOBODY, NOBODY)  # really another user's
    else:  # the same check, seen from a user the folder does not belong to
        owner, me = me, me + 1
        monkeypatch.setattr(modproxy, "_me", lambda: me)
    expected = rf"the lease folder {folder} is owned by uid {owner}, not by you \(uid {me}\)"
    with pytest.raises(modproxy.ModProxyError, match=expected):
        modproxy.take_lease(port, module_cache(tmp_path / "b"))


def test_a_link_in_place_of_the_lease_folder_is_refused(tmp_path, private_tmp):
    port = free_port()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (private_tmp / f"journey-modproxy-{os.geteuid()}-{port}").symlink_to(elsewhere)
    with pytest.raises(modproxy.ModProxyError, match=r"is not a folder \(a link or a file\)"):
        modproxy.take_lease(port, module_cache(tmp_path / "b"))
    assert not list(elsewhere.iterdir())


# --- what a lease may name -----------------------------------------------------------------------


def _hostile_targets(tmp_path: Path) -> dict[str, Path]:
    """Folders a neighbour's lease could name instead of a module cache: ``/``, or ``/`` behind a link."""
    disguised = tmp_path / "disguised" / "cache"
    disguised.mkdir(parents=True)
    (disguised / "download").symlink_to("/")
    return {"root": Path("/"), "root behind a cache-like link": disguised / "download"}


@pytest.mark.parametrize("target", ["root", "root behind a cache-like link"])
def test_a_lease_naming_the_root_folder_serves_nothing_of_it(tmp_path, capsys, target):
    port = free_port()
    named = _hostile_targets(tmp_path)[target]
    with modproxy.serve(tmp_path / "a", port):
        hostile = modproxy.take_lease(port, named)
        hostile.path.write_text(str(named))  # as written, not resolved: what a neighbour would write
        try:
            for path in ("/etc/hostname", "/etc/passwd", "/etc/hostname"):
                status, body = get(port, path)
                assert status == 404, body
        finally:
            hostile.release()
    said = capsys.readouterr().err
    assert said.count(f"modproxy: ignoring {hostile.path}: it names") == 1, said


def test_a_cache_of_another_user_is_not_served(tmp_path, capsys):
    root_only()
    port = free_port()
    theirs = module_cache(tmp_path / "theirs", "v6.6.6\n")
    os.chown(theirs, NOBODY, NOBODY)
    with modproxy.serve(tmp_path / "a", port):
        lease = modproxy.take_lease(port, theirs)
        try:
            assert get(port, MODULE)[0] == 404
        finally:
            lease.release()
    assert "which is not a folder of yours" in capsys.readouterr().err


def test_only_regular_files_under_the_caches_are_served(tmp_path):
    """No ``..``, no link out of the cache, no folder listing, no FIFO to hang a request on."""
    port = free_port()
    cache = module_cache(tmp_path / "a")
    (cache / "leak").symlink_to("/etc/hostname")
    (cache / "root").symlink_to("/")
    (cache / "again").symlink_to("example.com/m/@v/list")  # a link inside the cache is fine
    os.mkfifo(cache / "pipe")
    with modproxy.serve(tmp_path / "a", port):
        assert get(port, MODULE) == (200, b"v1.0.0\n")
        assert get(port, "/again") == (200, b"v1.0.0\n")
        for path in (
            "/leak",
            "/root/etc/hostname",
            "/../../../../../../etc/hostname",
            "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/hostname",
            "/example.com/../../../../../../etc/hostname",
            "/pipe",
            "/%ED%A0%80",
            "/%00/etc/hostname",
            "/",
            "/example.com/m/@v/",
        ):
            assert get(port, path)[0] == 404, path


def test_a_fifo_named_like_a_lease_hangs_nobody(tmp_path, capsys):
    port = free_port()
    folder = modproxy.lease_dir(port)
    os.mkfifo(folder / "a-fifo.lease")
    (folder / "b-link.lease").symlink_to(tmp_path / "nowhere.lease")
    found: list[list[Path]] = []
    looking = threading.Thread(target=lambda: found.append(modproxy.live_leases(port)), daemon=True)
    looking.start()
    looking.join(10)
    assert not looking.is_alive(), "live_leases waits on a FIFO"
    assert found == [[]]
    with modproxy.serve(tmp_path / "a", port):
        started = time.monotonic()
        assert get(port, MODULE)[0] == 404  # not in its own cache: it looks at the leases, and goes on
        assert time.monotonic() - started < 5
    said = capsys.readouterr().err
    assert f"ignoring {folder / 'a-fifo.lease'}: not a regular file of yours" in said
    assert f"ignoring {folder / 'b-link.lease'}: cannot be opened as a lease" in said


def test_a_lease_file_of_another_user_is_ignored(tmp_path, capsys):
    root_only()
    port = free_port()
    lease = modproxy.take_lease(port, module_cache(tmp_path / "b"))
    try:
        os.chown(lease.path, NOBODY, NOBODY)
        assert modproxy.live_leases(port) == []
    finally:
        lease.release()
    assert f"ignoring {lease.path}: not a regular file of yours" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "why"),
    [
        pytest.param("", "it names '.', not a module cache's", id="empty"),
        pytest.param("gomod/cache/download", "it names 'gomod/cache/download', not", id="relative"),
        pytest.param("/x\0/cache/download", "it names '/x\\x00/cache/download', not", id="NUL"),
        pytest.param("/" * (modproxy.LEASE_MAX_BYTES + 1), "it is longer than a path", id="too long"),
    ],
)
def test_a_lease_that_names_no_cache_is_ignored(tmp_path, capsys, text, why):
    port = free_port()
    lease = modproxy.take_lease(port, module_cache(tmp_path / "b"))
    try:
        lease.path.write_text(text)
        assert modproxy.live_leases(port) == []
    finally:
        lease.release()
    assert f"modproxy: ignoring {lease.path}: {why}" in capsys.readouterr().err


# --- leases expire -------------------------------------------------------------------------------


@pytest.fixture
def stuck(monkeypatch):
    """Leases taken now are not renewed within the test: their run holds the lock but is stuck."""
    monkeypatch.setattr(modproxy, "LEASE_RENEW_SECONDS", 3600.0)


@pytest.mark.usefixtures("stuck")
def test_a_lease_not_renewed_within_the_bound_is_ignored_and_said_once(tmp_path, capsys):
    """A lock held for ever (a stuck run, or `flock f sleep inf`) neither serves nor keeps the server up."""
    port = free_port()
    cache = module_cache(tmp_path / "b", "v2.0.0\n")
    started = time.monotonic()
    with modproxy.serve(tmp_path / "a", port):
        lease = modproxy.take_lease(port, cache)
        assert modproxy.live_leases(port) == [cache]
        assert get(port, MODULE) == (200, b"v2.0.0\n")
        old = time.time() - modproxy.LEASE_STALE_SECONDS - 60
        os.utime(lease.path, (old, old))
        assert modproxy.live_leases(port) == []
        assert get(port, MODULE)[0] == 404
    # the block ended at once: a stale lease is nobody to keep serving for
    assert time.monotonic() - started < 10
    lease.release()
    said = capsys.readouterr().err
    assert said.count(f"modproxy: ignoring {lease.path}: locked but not renewed for ") == 1, said


def test_a_lease_whose_run_lives_is_renewed(tmp_path, monkeypatch):
    monkeypatch.setattr(modproxy, "LEASE_RENEW_SECONDS", 0.05)
    port = free_port()
    cache = module_cache(tmp_path / "b")
    lease = modproxy.take_lease(port, cache)
    try:
        old = time.time() - modproxy.LEASE_STALE_SECONDS - 60
        os.utime(lease.path, (old, old))
        deadline = time.monotonic() + 5
        while modproxy.live_leases(port) != [cache] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert modproxy.live_leases(port) == [cache]
    finally:
        lease.release()


@pytest.mark.usefixtures("stuck")
def test_a_lease_dated_in_the_future_is_ignored(tmp_path):
    port = free_port()
    lease = modproxy.take_lease(port, module_cache(tmp_path / "b"))
    try:
        later = time.time() + modproxy.LEASE_STALE_SECONDS + 60
        os.utime(lease.path, (later, later))
        assert modproxy.live_leases(port) == []
    finally:
        lease.release()


# --- two runs of one user still share the port ---------------------------------------------------


def test_two_runs_of_one_user_share_the_port_through_a_lease(tmp_path):
    port = free_port()
    cache = module_cache(tmp_path / "b", "v3.0.0\n")
    with modproxy.serve(tmp_path / "a", port) as first, modproxy.serve(tmp_path / "b", port) as second:
        assert not first.shared
        assert second.shared
        assert second.lease is not None
        assert modproxy.live_leases(port) == [cache]
        assert get(port, MODULE) == (200, b"v3.0.0\n")
    assert modproxy.live_leases(port) == []
    assert not list(modproxy.lease_dir(port).glob("*.lease"))


def test_a_lease_whose_run_died_is_removed(tmp_path):
    port = free_port()
    dead = modproxy.lease_dir(port) / "999999-dead.lease"
    dead.write_text(str(module_cache(tmp_path / "b")))  # nobody holds its lock
    assert modproxy.live_leases(port) == []
    assert not dead.exists()
