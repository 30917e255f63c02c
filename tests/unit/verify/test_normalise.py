from __future__ import annotations

from pathlib import Path

import pytest

from journey.verify.normalise import normalise, normalise_table

HEX64 = "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("raw", "stable"),
    [
        (f"sha256:{HEX64}", "sha256:<id>"),
        (f"container {HEX64} exited", "container <id> exited"),
        ("image 3f4e5d6c7b8a built", "image <id> built"),
        ("ok  \texample.org/hello\t0.123s", "ok  \texample.org/hello\t<dur>"),
        ("ok  \texample.org/hello\t(cached)", "ok  \texample.org/hello\t<dur>"),
        ("--- PASS: TestRoot (0.00s)", "--- PASS: TestRoot (<dur>)"),
        ("took 1m2.5s and 12ms and 3.4µs", "took <dur> and <dur> and <dur>"),
        ("Created 3 minutes ago", "Created <time> ago"),
        ("About an hour ago", "<time> ago"),
        ("Up 5 seconds", "Up <time>"),
        ("Date: Sat, 28 Nov 2026 22:58:56 GMT", "Date: <date>"),
        ("2026-11-28T22:58:56.123456789Z level=info", "<timestamp> level=info"),
        ("2026/11/28 22:58:56 listening", "<timestamp> listening"),
        (
            "[GIN] 2026/11/28 - 22:58:56 | 200 |     123.456µs |      172.17.0.1 | GET",
            "[GIN] <timestamp> | 200 | <dur> | <bridge-ip> | GET",
        ),
        ("GET from 192.168.65.1 and 172.18.0.2", "GET from <bridge-ip> and <bridge-ip>"),
        ("proxy http://127.0.0.1:43127/", "proxy http://127.0.0.1:<port>/"),
        ("wrote /tmp/journey-x1y2z3/out.txt", "wrote /tmp/<tmp>/out.txt"),
        ("\x1b[32mPASS\x1b[0m\r\n", "PASS\n"),
    ],
)
def test_churn_is_replaced(raw, stable):
    assert normalise(raw).rstrip("\n") == stable.rstrip("\n")


@pytest.mark.parametrize(
    "real",
    [
        "listening on :5000",
        "http://127.0.0.1:5000/v1/location",
        "timeout 30s",
        "go1.26.8 linux/amd64",
        "v0.0.0-20190825153000-b32c91d12345",
        "coverage: 80.0% of statements",
        "unknown time zone Europe/Madrid",
        "SIZE 7.12MB",
        "x509: certificate signed by unknown authority",
    ],
)
def test_real_content_is_left_alone(real):
    assert normalise(real) == real + "\n"


def test_same_meaning_gives_same_bytes():
    one = "2026/11/28 10:00:01 started in 1.2s on 127.0.0.1:40001\n\n"
    two = "2026/11/29 23:59:59 started in 0.9s on 127.0.0.1:51234"
    assert normalise(one) == normalise(two)


def test_repo_root_becomes_a_placeholder(tmp_path):
    assert normalise(f"open {tmp_path}/main.go: denied", root=tmp_path) == "open <repo>/main.go: denied\n"


def test_empty_output_stays_empty():
    assert normalise("") == ""
    assert normalise("\n \n") == ""


def test_table_is_realigned_after_normalising():
    first = """REPOSITORY        TAG        IMAGE ID       CREATED          SIZE
journey/v1-ms     verified   3f4e5d6c7b8a   2 minutes ago    7.12MB
golang            1.26       abcdef123456   About an hour ago   874MB"""
    second = first.replace("2 minutes ago   ", "10 days ago     ").replace("3f4e5d6c7b8a", "99887766aabb")
    assert normalise_table(first) == normalise_table(second)
    row = normalise_table(first).splitlines()[1]
    assert row == "journey/v1-ms   verified   <id>       <time> ago   7.12MB"


def test_module_has_no_hidden_state():
    text = Path(__file__).read_text(encoding="utf-8")
    assert normalise(text) == normalise(text)


def test_a_path_in_a_runs_scratch_folder_reads_as_the_folder_alone_did():
    # deploy's HOME was /tmp/journey-deploy-*/home before temporary folders moved into the scratch folder
    said = "WARNING! Your credentials are stored unencrypted in '{}/home/.docker/config.json'."
    inner = said.format("/tmp/journey-run-ab_9xyz0/journey-deploy-k2j3h4")
    before = said.format("/tmp/journey-deploy-k2j3h4")
    assert normalise(inner) == normalise(before)
    assert "'/tmp/<tmp>/home/.docker/config.json'" in normalise(inner)
    assert normalise("open /tmp/journey-run-ab_9xyz0: gone") == "open /tmp/<tmp>: gone\n"
