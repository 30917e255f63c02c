"""The repository's own workflows: each action pinned to a release's commit, and only README make targets run.

actionlint, yamllint and the schemas (make lint) say a workflow is well formed; these say it is kept the way
this project promises: a pin that Dependabot can move (`@<sha>  # vX.Y.Z`), never a tag that moves by itself.
"""

from __future__ import annotations

import re

import pytest
import yaml

from trees import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<comment>.*)$", re.MULTILINE)
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"^\s+#\s+v\d+\.\d+\.\d+$")
MAKE = re.compile(r"\bmake\s+(?P<target>[a-z][a-z-]*)")


def test_there_are_workflows():
    assert WORKFLOWS, "no workflow under .github/workflows"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(workflow):
    uses = USES.findall(workflow.read_text(encoding="utf-8"))
    assert uses, f"{workflow.name} uses no action"
    for ref, comment in uses:
        if ref.startswith("./"):
            continue  # an action of this repository: its commit is the workflow's own
        assert PINNED.match(ref), f"{workflow.name}: {ref} is not pinned to a full commit SHA"
        assert VERSION_COMMENT.match(comment), f"{workflow.name}: {ref} has no `# vX.Y.Z` comment"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_run_only_make_targets_the_readme_documents(workflow):
    steps = [
        step.get("run", "")
        for job in yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"].values()
        for step in job.get("steps", [])
    ]
    targets = {match["target"] for run in steps for match in MAKE.finditer(run)}
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for target in targets:
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), f"{workflow.name}: no `make {target}`"
        assert f"make {target}" in readme, f"{workflow.name}: `make {target}` is not in the README"


def test_the_pin_rule_rejects_what_it_should():
    assert PINNED.match("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1")
    assert not PINNED.match("actions/checkout@v7")
    assert not PINNED.match("actions/checkout@3d3c42e")
    assert VERSION_COMMENT.match("  # v7.0.1")
    assert not VERSION_COMMENT.match("  # v7")
