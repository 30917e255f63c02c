"""Engine-free tests of how a lint check reads finding codes and compares them with ``expect:``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from journey.verify.checks import HADOLINT_CODES, SHELLCHECK_CODES, expectation_gap, finding_codes, tool_env

HADOLINT = (
    "Dockerfile:3 DL3018 warning: Pin versions in apk add.\n"
    "Dockerfile:9 DL3059 info: Multiple consecutive `RUN` instructions. Consider consolidation.\n"
    "Dockerfile:11 SC2086 info: Double quote to prevent globbing and word splitting.\n"
)
SHELLCHECK = (
    "lazy.sh:5:34: note: Double quote to prevent globbing and word splitting. [SC2086]\n"
    "lazy.sh:7:1: warning: Remove surrounding $() to avoid executing output. [SC2091]\n"
)


def test_hadolint_codes_include_shellchecks_on_run_lines():
    assert finding_codes(HADOLINT_CODES, HADOLINT) == {"DL3018", "DL3059", "SC2086"}


def test_shellcheck_codes_are_read_from_the_gcc_format():
    assert finding_codes(SHELLCHECK_CODES, SHELLCHECK) == {"SC2086", "SC2091"}


def test_a_parse_error_has_no_codes():
    assert finding_codes(HADOLINT_CODES, "Dockerfile:1:1 unexpected 'X' expecting a new line\n") == set()


def test_equal_sets_leave_no_gap_whatever_the_order_or_repeats():
    assert expectation_gap(("DL3059", "DL3018"), {"DL3018", "DL3059"}) is None


def test_the_gap_names_missing_and_unexpected_codes():
    gap = expectation_gap(("DL3006", "DL3018"), {"DL3018", "DL3059"})
    assert gap == "expected but not reported: DL3006; reported but not expected: DL3059"


def test_go_tools_use_the_checkouts_module_cache_and_the_local_toolchain(tmp_path):
    env = tool_env(tmp_path)
    assert env["GOMODCACHE"] == str(tmp_path / ".cache" / "gomod")
    assert env["GOTOOLCHAIN"] == "local"
    assert "-modcacherw" in env["GOFLAGS"]
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
