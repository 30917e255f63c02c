"""Judging what a live probe's request got back, and moving run-to-run numbers out of the recorded text."""

from __future__ import annotations

import pytest

from journey.model.answer import MEASURED, OUTCOMES, Answer, judge, judge_answer, take_numbers
from journey.model.runspec import Request

ANSWER = 'HTTP/1.1 200 OK\nContent-Type: application/json\n\n{"allocated_mb":400,"gc_cycles":37}'


def test_an_answer_is_judged_by_status_and_body_and_a_cut_is_no_status():
    spec = Request("/alloc", status=200, body='"gc_cycles"')
    assert judge(spec, 200, ANSWER) is None
    assert judge(spec, None, "no answer: connection reset by the server") == (
        "GET /alloc: no answer: connection reset by the server, expected 200"
    )
    assert judge(spec, 500, ANSWER) == "GET /alloc: answered 500, expected 200"
    assert judge(Request("/alloc", body="nope"), 200, ANSWER) == "GET /alloc: body does not match /nope/"
    assert judge(Request("/alloc"), None, "no answer") is None  # nothing asked: any outcome is recorded


def test_numbers_that_vary_per_run_leave_the_text_for_the_measurements():
    text, numbers = take_numbers(Request("/alloc", numbers=("gc_cycles",)), ANSWER)
    assert numbers == {"gc_cycles": 37}
    assert text.endswith('{"allocated_mb":400,"gc_cycles":"(measured)"}')
    assert take_numbers(Request("/alloc", numbers=("gc_cycles",)), "no answer: timed out") == (
        "no answer: timed out",
        {},
    )


def test_a_status_is_judged_before_the_body_and_the_body_is_a_search_not_a_full_match():
    spec = Request("/x", status=200, body="gc_[a-z]+")
    assert judge(spec, 503, "HTTP/1.1 503\n\nno gc here") == "GET /x: answered 503, expected 200"
    assert judge(spec, 200, "...gc_cycles...") is None
    assert judge(Request("/x", method="POST", body="^ok$"), 200, "HTTP/1.1 200\n\nok") == (
        "POST /x: body does not match /^ok$/"
    )


@pytest.mark.parametrize("fate", ["unanswered", "refused", "too large", "failed"])
def test_an_answer_with_no_outcome_fails_even_a_probe_that_asks_nothing(fate):
    assert fate not in OUTCOMES
    assert judge_answer(Request("/x"), Answer(None, "no answer: why", fate)) == "GET /x: no answer: why"


def test_a_cut_is_an_outcome_judged_like_an_answer():
    assert judge_answer(Request("/x"), Answer(None, "no answer: cut", "cut")) is None
    assert judge_answer(Request("/x", status=200), Answer(None, "no answer: cut", "cut")) == (
        "GET /x: no answer: cut, expected 200"
    )


@pytest.mark.parametrize(
    "text",
    [
        "HTTP/1.1 200 OK\n\nnot json",
        "HTTP/1.1 200 OK\n\n[1, 2]",  # JSON, but no object to take keys from
        "HTTP/1.1 200 OK\n\n37",
    ],
)
def test_an_answer_that_is_not_a_json_object_keeps_its_text_and_measures_nothing(text):
    assert take_numbers(Request("/x", numbers=("gc_cycles",)), text) == (text, {})


def test_only_the_named_keys_that_are_there_are_taken_and_nothing_is_taken_unasked():
    spec = Request("/x", numbers=("gc_cycles", "absent"))
    text, taken = take_numbers(spec, ANSWER)
    assert taken == {"gc_cycles": 37}
    assert f'"gc_cycles":"{MEASURED}"' in text
    assert '"absent"' not in text
    assert text.startswith("HTTP/1.1 200 OK\nContent-Type: application/json\n\n")
    assert take_numbers(Request("/x"), ANSWER) == (ANSWER, {})
