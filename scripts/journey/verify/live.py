"""Live probes: each starts a service container of its own and watches what happens to it.

One module per kind (``live_stop``, ``live_health``, ``live_inspect``, ``live_companion``); this one
only picks the module. A live probe's outcome may carry ``measured`` (timings as median and spread,
numbers that vary per run): results keep them, but two runs that differ only there are the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, assert_never

from journey.model.manifest import ExecProbe, ExpectFailureProbe, HttpProbe
from journey.model.runspec import CompanionProbe, HealthProbe, InspectProbe, StopProbe
from journey.verify import live_companion, live_health, live_inspect, live_stop

if TYPE_CHECKING:
    from journey.engine.session import Deadline, Session
    from journey.model.manifest import Probe, Snippet


def run_live_probe(
    session: Session, snippet: Snippet, image_id: str, probe: Probe, budget: Deadline
) -> dict[str, Any]:
    """Run one stop, health, inspect or companion probe; raise ``VerificationError`` when it is wrong.

    The one table of live probe kinds: each spec class goes to its module. A kind this ``match`` misses
    fails mypy (``assert_never``); ``journey.verify.probe`` sends only live kinds here.
    """
    spec = probe.spec
    match spec:
        case StopProbe():
            return live_stop.run(session, snippet, image_id, probe.name, spec)
        case HealthProbe():
            return live_health.run(session, snippet, image_id, probe.name, spec)
        case InspectProbe():
            return live_inspect.run(session, snippet, image_id, (probe.name, spec), budget)
        case CompanionProbe():
            return live_companion.run(session, snippet, image_id, (probe.name, spec), budget)
        case HttpProbe() | ExecProbe() | ExpectFailureProbe():
            raise ValueError(f"probe {probe.name!r}: {probe.kind} is not a live probe")
        case _:
            assert_never(spec)
