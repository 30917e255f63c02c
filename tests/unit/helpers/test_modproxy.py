"""The module proxy's small decisions: which port a stand-in names, which folders are modules, which paths
are requests at all, who listens on a port, and whether a server there is this repository's.

The leases and what a hostile neighbour can do with them are test_modproxy_leases.py; waiting for
another run's port is test_modproxy_port.py. Downloading modules with go needs the network.
"""

from __future__ import annotations

import functools
import http.server
import re
import socket
import threading

import pytest

from journey.engine.images import Image
from journey.helpers import modproxy
from journey.helpers.modproxy import (
    GOPROXY_LABEL,
    ModProxyError,
    _listening_inode,
    _request_words,
    module_dirs,
    port_from_labels,
    proxy_port,
    serves_same_directory,
)


@pytest.mark.parametrize(
    ("url", "port"),
    [("http://127.0.0.1:12601", 12601), ("http://localhost:9/", 9), ("", None)],
)
def test_a_stand_ins_goproxy_label_names_its_loopback_port(url, port):
    assert port_from_labels({GOPROXY_LABEL: url} if url else {}) == port


@pytest.mark.parametrize("url", ["https://proxy.golang.org", "http://10.0.0.1:12601", "http://127.0.0.1"])
def test_a_goproxy_label_that_names_no_loopback_port_is_refused_naming_it(url):
    with pytest.raises(
        ModProxyError, match=re.escape(f"label {GOPROXY_LABEL}='{url}' does not name a loopback port")
    ):
        port_from_labels({GOPROXY_LABEL: url})


def test_the_first_stand_in_with_a_port_names_it_and_real_images_name_none():
    real = Image("golang:1.26-trixie", "sha256:a")
    stand_in = Image("golang:1.26-trixie", "sha256:b", labels={GOPROXY_LABEL: "http://127.0.0.1:12601"})
    assert proxy_port([real, stand_in]) == 12601
    assert proxy_port([real]) is None
    assert proxy_port([]) is None


def test_module_folders_are_those_with_a_go_mod_each_once_in_the_order_given(tmp_path):
    for name in ("b", "a", "plain"):
        (tmp_path / name).mkdir()
    (tmp_path / "a" / "go.mod").write_text("module a\n", encoding="utf-8")
    (tmp_path / "b" / "go.mod").write_text("module b\n", encoding="utf-8")
    again = tmp_path / "plain" / ".." / "a"
    assert module_dirs([tmp_path / "b", tmp_path / "plain", tmp_path / "a", again]) == [
        (tmp_path / "b").resolve(),
        (tmp_path / "a").resolve(),
    ]


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("/example.com/m/@v/list", ["example.com", "m", "@v", "list"]),
        ("/example.com//m/@v/v1.0.0.zip?x=1#y", ["example.com", "m", "@v", "v1.0.0.zip"]),
        ("/github.com/%21azure/x/@v/list", ["github.com", "!azure", "x", "@v", "list"]),
        ("/a/../../etc/passwd", None),
        ("/a/%2e%2e/b", None),
        ("/a/./b", None),
        ("/a%00b", None),
        ("/%ff", None),
    ],
)
def test_a_request_path_is_words_and_never_a_dot_dot_a_nul_or_bad_utf8(target, words):
    assert _request_words(target) == words


def test_the_listening_socket_of_a_port_is_found_and_a_closed_port_has_none():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        assert _listening_inode(port) is None  # bound, not listening
        listener.listen()
        inode = _listening_inode(port)
        assert inode is not None
        assert inode.isdigit()
    assert _listening_inode(port) is None


@pytest.fixture
def file_server(tmp_path):
    """Serve a folder over loopback HTTP, as another journey run's proxy would; yield (url, folder)."""
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *_args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", served
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_of_the_same_folder_is_recognised_and_its_probe_file_removed(file_server):
    url, served = file_server
    assert serves_same_directory(url, served)
    assert list(served.iterdir()) == []


def test_a_server_of_another_folder_or_none_is_not_this_repositorys(file_server, tmp_path):
    url, _ = file_server
    other = tmp_path / "other"
    other.mkdir()
    assert not serves_same_directory(url, other)
    assert list(other.iterdir()) == []
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        nobody = free.getsockname()[1]
    assert not serves_same_directory(f"http://127.0.0.1:{nobody}", other)


def test_a_holder_that_never_answers_is_not_this_repositorys_after_the_look_times_out(tmp_path, monkeypatch):
    monkeypatch.setattr(modproxy, "LOOK_TIMEOUT", 0.3)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts the connection, never answers
        assert not serves_same_directory(f"http://127.0.0.1:{silent.getsockname()[1]}", tmp_path)
    assert list(tmp_path.iterdir()) == []  # the probe file is removed on the timeout too


def test_the_proxys_cache_is_the_checkouts_gomod_cache(tmp_path):
    assert modproxy.cache_dir(tmp_path) == tmp_path / ".cache" / "gomod"
