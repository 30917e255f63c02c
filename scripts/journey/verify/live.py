"""Live probes: each starts a service container of its own and watches what happens to it.

One module per kind (``live_stop``, ``live_health``, ``live_inspect``, ``live_companion``); this one
only picks the module. A live probe's outcome may carry ``measured`` (timings as median and spread,
numbers that vary per run): results keep them, but two runs that differ only there are the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from journey.verify import live_companion, live_health, live_inspect, live_stop

if TYPE_CHECKING:
    from journey.engine.session import Deadline, Session
    from journey.model.manifest import Probe, Snippet


def run_live_probe(
    session: Session, snippet: Snippet, image_id: str, probe: Probe, budget: Deadline
) -> dict[str, Any]:
    """Run one stop, health, inspect or companion probe; raise ``VerificationError`` when it is wrong."""
    if probe.stop is not None:
        return live_stop.run(session, snippet, image_id, probe.name, probe.stop)
    if probe.health is not None:
        return live_health.run(session, snippet, image_id, probe.name, probe.health)
    if probe.inspect is not None:
        return live_inspect.run(session, snippet, image_id, (probe.name, probe.inspect), budget)
    assert probe.companion is not None  # noqa: S101 - the manifest guarantees one kind
    return live_companion.run(session, snippet, image_id, (probe.name, probe.companion), budget)
