"""Files kept wrong on purpose are still linted: their findings are recorded and exactly expected.

The 2019 deploy script (shellcheck) and the 2019 Dockerfile (hadolint) are shown as they were; their
checks pass only while the linter reports exactly the codes of ``expect:``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
import pytest

from journey.core.errors import VerificationError
from journey.engine.session import Deadline, Session
from journey.model.manifest import Snippet, load_snippet
from journey.verify.checks import CheckContext, hadolint, shellcheck
from trees import REPO

if TYPE_CHECKING:
    from pathlib import Path

    from journey.model.check_spec import Check

SNIPPETS = REPO / "snippets" / "vol1"


def check_named(snippet: Snippet, name: str) -> Check:
    return next(check for check in snippet.checks if check.name == name)


@pytest.fixture
def context():
    """Make a snippet's check context as `journey verify` would; linters need no engine (no client)."""

    def make(folder: Path, snippet_id: str) -> CheckContext:
        snippet = load_snippet(folder, snippet_id)
        return CheckContext(REPO, snippet, Session(client=None), Deadline(300), idle=300)

    return make


def test_lazy_sh_findings_are_recorded(context):
    ctx = context(SNIPPETS / "deploy-2019", "vol1/deploy-2019")
    outcome = shellcheck(ctx, check_named(ctx.snippet, "shellcheck"))
    assert outcome["ok"] is True
    assert "lazy.sh:7:1: warning: Remove surrounding $() to avoid executing output" in outcome["output"]


def test_the_2019_dockerfile_findings_are_recorded(context):
    ctx = context(SNIPPETS / "original-2019", "vol1/original-2019")
    outcome = hadolint(ctx, check_named(ctx.snippet, "hadolint Dockerfile"))
    assert outcome["ok"] is True
    assert "Dockerfile:3 DL3018 warning: Pin versions in apk add" in outcome["output"]


def test_a_clean_script_fails_the_expectation_naming_the_missing_code(context):
    ctx = context(SNIPPETS / "deploy", "vol1/deploy")
    check = msgspec.structs.replace(check_named(ctx.snippet, "shellcheck deploy.sh"), expect=("SC2091",))
    with pytest.raises(VerificationError, match="exited 0; expected but not reported: SC2091"):
        shellcheck(ctx, check)


def test_a_finding_not_expected_fails_naming_it(context):
    ctx = context(SNIPPETS / "original-2019", "vol1/original-2019")
    check = msgspec.structs.replace(
        check_named(ctx.snippet, "hadolint Dockerfile"), expect=("DL3018", "DL3007")
    )
    with pytest.raises(VerificationError) as caught:
        hadolint(ctx, check)
    assert "expected but not reported: DL3007; reported but not expected: DL3059" in caught.value.cause
    assert "DL3059" in caught.value.log_tail


def test_without_expect_any_finding_fails(context):
    ctx = context(SNIPPETS / "original-2019", "vol1/original-2019")
    check = msgspec.structs.replace(check_named(ctx.snippet, "hadolint Dockerfile"), expect=())
    with pytest.raises(VerificationError, match="hadolint exited 1"):
        hadolint(ctx, check)
