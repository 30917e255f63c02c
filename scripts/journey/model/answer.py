"""Judge and record what a live probe's HTTP request got back.

A live probe's request may be answered or cut (the service was stopped or killed while answering);
both are outcomes worth recording. Anything else (no answer by the deadline, a refused connection, an
answer past the size cap, a broken exchange) is no outcome at all: it fails the probe whatever the
manifest expects, so it can never pass as one. Values that vary from run to run (a GC count) are taken
out of the recorded text and kept as measurements, so a re-verify of the same inputs changes nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from journey.model.runspec import Request

#: Shown instead of a number moved into the measurements.
MEASURED = "(measured)"

#: What became of a request: ``answered`` (a whole answer, within the cap and the deadline) and
#: ``cut`` (the server closed or reset the connection before answering whole) are outcomes; the
#: others say that the probe learnt nothing.
Fate = Literal["answered", "cut", "unanswered", "refused", "too large", "failed"]
#: The fates a probe may record and judge; any other fails it.
OUTCOMES: frozenset[str] = frozenset({"answered", "cut"})


@dataclass(frozen=True)
class Answer:
    """What a request got: the status (``None`` without a whole answer), the text recorded, its fate."""

    status: int | None
    text: str
    fate: Fate = "answered"


def judge(spec: Request, status: int | None, text: str) -> str | None:
    """Return why an answer is wrong for ``spec`` (``None`` when right, or when nothing was asked)."""
    if spec.status is not None and status != spec.status:
        got = f"answered {status}" if status is not None else text
        return f"{spec.line}: {got}, expected {spec.status}"
    if spec.body and re.search(spec.body, text) is None:
        return f"{spec.line}: body does not match /{spec.body}/"
    return None


def judge_answer(spec: Request, answer: Answer) -> str | None:
    """Return why ``answer`` fails the probe: no outcome at all (see ``OUTCOMES``), or a wrong one."""
    if answer.fate not in OUTCOMES:
        return f"{spec.line}: {answer.text}"
    return judge(spec, answer.status, answer.text)


def take_numbers(spec: Request, text: str) -> tuple[str, dict[str, Any]]:
    """Move ``spec.numbers`` out of a JSON answer: the text keeps ``(measured)`` in their place."""
    if not spec.numbers:
        return text, {}
    head, sep, body = text.partition("\n\n")
    try:
        data = json.loads(body)
    except ValueError:
        return text, {}
    if not isinstance(data, dict):
        return text, {}
    taken = {key: data[key] for key in spec.numbers if key in data}
    data.update(dict.fromkeys(taken, MEASURED))
    return head + sep + json.dumps(data, separators=(",", ":")), taken
