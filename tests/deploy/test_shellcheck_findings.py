"""The 2019 script is shown as it was: its shellcheck findings are recorded and expected."""

from __future__ import annotations

import pytest
from conftest import SNIPPETS, check_named

from journey.deploy import shellcheck_findings
from journey.errors import VerificationError
from journey.manifest import Check


def test_lazy_sh_findings_are_recorded(context):
    ctx = context(SNIPPETS / "deploy-2019", "vol1/deploy-2019")
    outcome = shellcheck_findings(ctx, check_named(ctx.snippet, "shellcheck"))
    assert outcome["ok"] is True
    assert "lazy.sh:7:1: warning: Remove surrounding $() to avoid executing output" in outcome["output"]


def test_a_clean_script_fails_the_expectation(context):
    ctx = context(SNIPPETS / "deploy", "vol1/deploy")
    check = Check(
        tool="shellcheck-findings", files=("deploy.sh",), explicit_name="x", extra={"expect": ["SC2091"]}
    )
    with pytest.raises(VerificationError, match="expected findings not reported: SC2091"):
        shellcheck_findings(ctx, check)
