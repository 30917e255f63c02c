"""The health probe's engine-free part: reading ``State.Health`` and watching it change."""

from __future__ import annotations

from journey.verify.live_health import _Watch, health_of, last_check


def test_the_health_log_keeps_the_last_checks_code_and_words_not_its_times():
    log = [
        {"Start": "t0", "End": "t1", "ExitCode": 0, "Output": "ok\n"},
        {
            "Start": "t2",
            "End": "t3",
            "ExitCode": 1,
            "Output": 'exec: "/bin/sh": stat /bin/sh: no such file\n',
        },
    ]
    assert health_of({"State": {"Health": {"Status": "unhealthy", "Log": log}}}) == ("unhealthy", log)
    assert health_of({"State": {}}) == (None, [])
    assert last_check(log) == 'exit code 1\nexec: "/bin/sh": stat /bin/sh: no such file'
    assert last_check([]) == "no health check has run yet"


class _FakeHealth:
    """A container whose health walks through given states, one per reload."""

    def __init__(self, states: list[str], status: str = "running") -> None:
        self.states, self.status, self.attrs = list(states), status, {}

    def reload(self) -> None:
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        self.attrs = {"State": {"Health": {"Status": state, "Log": [{"ExitCode": 0, "Output": "ok"}]}}}


def test_a_health_watch_records_each_state_once_in_order():
    watch = _Watch(_FakeHealth(["starting", "starting", "healthy", "healthy", "unhealthy"]))
    assert watch.until("healthy", 5)
    assert watch.until("unhealthy", 5)
    assert watch.seen == ["starting", "healthy", "unhealthy"]


def test_a_health_watch_gives_up_when_the_container_stopped():
    watch = _Watch(_FakeHealth(["starting"], status="exited"))
    assert not watch.until("healthy", 5)
    assert watch.seen == ["starting"]


def test_no_healthcheck_and_a_silent_check_read_as_a_reader_would_say_them():
    assert health_of({}) == (None, [])
    assert health_of({"State": None}) == (None, [])
    assert health_of({"State": {"Health": {"Status": "starting", "Log": None}}}) == ("starting", [])
    assert last_check([{"ExitCode": 0, "Output": ""}]) == "exit code 0"
    assert last_check([{"ExitCode": 1}, {"ExitCode": 0, "Output": None}]) == "exit code 0"
