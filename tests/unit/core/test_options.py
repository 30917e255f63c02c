"""What each command was asked to do: the defaults ``--help`` shows, frozen values, what ``trusting`` is."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from journey.core import options
from journey.core.options import (
    DEFAULT_BUILD_JOBS,
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_JOBS,
    DEFAULT_TIMEOUT,
    BasesOptions,
    PlanOptions,
    VerifyOptions,
)

ROOT = Path("/nowhere")


def test_a_verify_with_only_a_root_takes_the_documented_defaults():
    verify = VerifyOptions(ROOT)
    assert (verify.jobs, verify.timeout, verify.idle_timeout) == (
        DEFAULT_JOBS,
        DEFAULT_TIMEOUT,
        DEFAULT_IDLE_TIMEOUT,
    )
    assert (DEFAULT_JOBS, DEFAULT_TIMEOUT, DEFAULT_IDLE_TIMEOUT) == (2, 900, 600)
    assert verify.build_jobs == DEFAULT_BUILD_JOBS
    assert (verify.ids, verify.builder, verify.cache, verify.report) == ((), None, None, None)


@pytest.mark.parametrize(("cpus", "jobs"), [(None, 1), (1, 1), (4, 1), (7, 1), (8, 2), (64, 16)])
def test_builds_at_once_are_a_quarter_of_the_cores_and_never_none(monkeypatch, cpus, jobs):
    monkeypatch.setattr("os.cpu_count", lambda: cpus)
    namespace: dict[str, object] = {}
    exec(compile(Path(options.__file__).read_text(encoding="utf-8"), options.__file__, "exec"), namespace)  # noqa: S102
    assert namespace["DEFAULT_BUILD_JOBS"] == jobs


@pytest.mark.parametrize(
    ("changes", "trusting"),
    [({}, True), ({"all": True}, False), ({"force": True}, False), ({"all": True, "force": True}, False)],
)
def test_only_a_plain_verify_trusts_a_result_fresh_by_its_source_digest(changes, trusting):
    assert VerifyOptions(ROOT, **changes).trusting is trusting


def test_options_are_frozen_so_a_command_cannot_change_what_it_was_asked():
    verify = VerifyOptions(ROOT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        verify.jobs = 8  # type: ignore[misc]


def test_a_partial_bases_run_must_say_it_does_not_record_and_plan_reverified_nothing():
    assert BasesOptions(ROOT).record is True
    assert BasesOptions(ROOT, ids=("x",), record=False).record is False
    assert PlanOptions(ROOT).reverified == 0
