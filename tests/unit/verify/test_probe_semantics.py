"""A failure never passes as success: what each probe kind makes of an engine refusal, a cut, a silence.

Engine-free. The judging functions are pure; where a whole probe runs, the engine is a small fake of the
SDK that refuses to start exactly the containers the fault fixtures of ``tests/integration`` make the real
engine refuse (a command that does not exist, a tmpfs over ``/usr/bin``), so the logic around the
refusal is what is tested here, and the real refusal in ``test_verify_probe_faults.py``.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import docker.errors
import pytest

from journey.core.errors import ManifestError, VerificationError
from journey.engine.session import Deadline, Session
from journey.model.answer import Answer, judge_answer
from journey.model.manifest import ExecProbe, ExpectFailureProbe, snippet_from_dict
from journey.model.runspec import CompanionProbe, CompanionStep, Request
from journey.verify import live_companion
from journey.verify.live_companion import _exec
from journey.verify.live_stop import _InFlight, outcome
from journey.verify.probe import judge_command, run_probes

REFUSAL = (
    "failed to create task for container: failed to create shim task: OCI runtime create failed: "
    'runc create failed: unable to start container process: exec: "/no/such/tool": '
    "stat /no/such/tool: no such file or directory: unknown"
)


# --- exec and expect_failure: an engine refusal is never the failure a probe expects by accident ---


def test_an_exec_probe_fails_on_an_engine_refusal_in_the_engines_words():
    why = judge_command(ExecProbe(("/no/such/tool",), output="."), None, REFUSAL)
    assert why == f"the engine could not start the container: {REFUSAL}"


def test_an_expect_failure_probe_passes_a_refusal_only_when_its_output_names_it():
    words = "unable to find user nobody: no matching entries in passwd file\n"
    named = ExpectFailureProbe(("-version",), output="unable to find user nobody")
    assert judge_command(named, None, words) is None  # vol1/username, as recorded
    other = ExpectFailureProbe(("/no/such/tool",), output="unknown time zone")
    assert judge_command(other, None, REFUSAL) == (
        f"the engine could not start the container: {REFUSAL} "
        "(expected a failure whose output matches /unknown time zone/)"
    )


def test_an_exit_code_is_never_met_by_a_container_that_did_not_start():
    spec = ExpectFailureProbe(("/no/such/tool",), exit_code=2)
    assert judge_command(spec, None, REFUSAL) == (
        f"the engine could not start the container: {REFUSAL} (expected the command to exit 2)"
    )
    # an output that happens to match the refusal does not help: the exit code is what was asked for
    both = ExpectFailureProbe(("/no/such/tool",), output="no such file", exit_code=2)
    assert judge_command(both, None, REFUSAL) is not None


@pytest.mark.parametrize(
    ("spec", "code", "output", "why"),
    [
        (ExpectFailureProbe(("x",), exit_code=2), 2, "", None),
        (ExpectFailureProbe(("x",), exit_code=2), 1, "", "the command exited 1, expected 2"),
        (
            ExpectFailureProbe(("x",), output="boom"),
            0,
            "boom",
            "expected a failure, but the command succeeded",
        ),
        (ExpectFailureProbe(("x",), output="boom"), 3, "fine", "output does not match /boom/"),
        (ExpectFailureProbe(("x",), output="boom", exit_code=3), 3, "boom!", None),
    ],
)
def test_an_expected_failure_is_judged_by_its_exit_code_and_its_output(spec, code, output, why):
    assert judge_command(spec, code, output) == why


def test_an_exec_probe_must_exit_zero():
    assert judge_command(ExecProbe(("x",)), 1, "") == "the command exited 1"
    assert judge_command(ExecProbe(("x",)), 0, "") is None


def _manifest(probe: dict[str, Any]) -> dict[str, Any]:
    return {"title": "t", "build": {}, "probes": [{"name": "p", **probe}]}


def test_an_expect_failure_probe_without_output_or_exit_code_does_not_load():
    with pytest.raises(ManifestError) as caught:
        snippet_from_dict(_manifest({"expect_failure": {"command": ["x"]}}), Path("/nowhere/v/x"), "v/x")
    assert caught.value.key == "probes[0].expect_failure"
    assert "needs `output` or `exit_code`: without either, any failure would pass" in caught.value.message
    raw = _manifest({"expect_failure": {"command": ["x"], "output": ""}})
    with pytest.raises(ManifestError) as empty:
        snippet_from_dict(raw, Path("/nowhere/v/x"), "v/x")
    assert empty.value.key == "probes[0].expect_failure.output"


def test_an_expect_failure_probe_may_name_only_its_exit_code():
    raw = _manifest({"expect_failure": {"command": ["x"], "exit_code": 2}})
    probe = snippet_from_dict(raw, Path("/nowhere/v/x"), "v/x").probes[0]
    assert probe.spec == ExpectFailureProbe(("x",), exit_code=2)
    with pytest.raises(ManifestError) as caught:  # an exec probe's code is 0, always
        snippet_from_dict(_manifest({"exec": {"command": ["x"], "exit_code": 2}}), Path("/n/v/x"), "v/x")
    assert caught.value.key == "probes[0].exec.exit_code"


def test_a_probe_still_needs_exactly_one_kind():
    for probe, found in (({}, 0), ({"exec": {"command": ["a"]}, "http": {"path": "/"}}, 2)):
        with pytest.raises(ManifestError) as caught:
            snippet_from_dict(_manifest(probe), Path("/nowhere/v/x"), "v/x")
        assert caught.value.key == "probes[0]"
        kinds = "http, exec, expect_failure, stop, health, inspect, companion"
        assert f"needs exactly one of {kinds} (found {found})" in caught.value.message


# --- live requests: answered or cut are outcomes; anything else fails ---


def test_a_request_without_an_outcome_fails_even_when_nothing_was_asked_of_it():
    spec = Request("/alloc")  # no status, no body: any outcome is recorded
    assert judge_answer(spec, Answer(None, "no answer: connection reset by the server", "cut")) is None
    assert judge_answer(spec, Answer(200, "HTTP/1.1 200 OK\n\n{}")) is None
    for fate, text in (
        ("unanswered", "no answer: no whole answer within 10 s"),
        ("refused", "no answer: connection refused"),
        ("too large", "no answer: the answer is larger than 1 MiB (the probe reads no more)"),
        ("failed", "no answer: LineTooLong"),
    ):
        assert judge_answer(spec, Answer(None, text, fate)) == f"GET /alloc: {text}"


def test_a_stop_request_ends_completed_cut_or_in_a_failing_way_of_its_own():
    spec = Request("/slow", status=200)
    assert outcome(spec, Answer(200, "HTTP/1.1 200 OK")) == "completed"
    assert outcome(spec, Answer(503, "HTTP/1.1 503 Service Unavailable")) == "answered wrongly"
    assert outcome(spec, Answer(None, "no answer: connection reset by the server", "cut")) == "cut"
    assert outcome(spec, Answer(None, "no answer: timed out", "unanswered")) == "unanswered"
    assert outcome(spec, Answer(None, "no answer: connection refused", "refused")) == "refused"


def test_an_unanswered_request_in_flight_is_not_a_cut():
    # A service that accepts the connection and says nothing, not even a close: the client gives up.
    with _Silent() as port:
        flight = _InFlight(port, Request("/slow", status=200), wait=30)
        assert flight.result(0.3) == ("unanswered", "no answer: still waiting 0.3 s after the stop")
        deadline = _InFlight(port, Request("/slow", status=200), wait=0.3)
        end, text = deadline.result(5)
        assert (end, text) == ("unanswered", "no answer: no whole answer within 0.3 s")


class _Silent:
    """A loopback listener that accepts connections and never answers (nor closes them)."""

    def __enter__(self) -> int:
        import socket  # noqa: PLC0415 - only this helper listens

        self.sock = socket.create_server(("127.0.0.1", 0))
        self.held: list[Any] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()
        return int(self.sock.getsockname()[1])

    def _accept(self) -> None:
        try:
            while True:
                self.held.append(self.sock.accept()[0])
        except OSError:
            return

    def __exit__(self, *_exc: object) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


# --- every probe kind, when the engine refuses to start its container ---


class _Container:
    """A container of the fake engine: it starts, unless the engine refuses it, and runs until removed."""

    def __init__(self, refused: str | None) -> None:
        self.refused, self.id, self.status = refused, f"c{id(self)}", "created"
        self.attrs: dict[str, Any] = {"State": {"ExitCode": 0}, "NetworkSettings": {"Ports": {}}}
        self.removed = False

    def start(self) -> None:
        if self.refused:
            raise docker.errors.APIError("400 Client Error", explanation=self.refused)
        self.status = "running"

    def reload(self) -> None:
        pass

    def logs(self, **_how: object) -> Any:
        return iter(()) if _how.get("stream") else b""

    def attach(self, **_how: object) -> Any:
        return iter(())

    def wait(self, timeout: float) -> dict[str, int]:
        time.sleep(timeout)
        raise ConnectionError("Read timed out.")

    def stop(self, timeout: int) -> None:
        assert timeout >= 0
        self.status = "exited"

    def remove(self, **_how: object) -> None:
        self.removed = True


class _Engine:
    """Refuses to start what the fault fixtures make the real engine refuse; records every container."""

    def __init__(self) -> None:
        self.made: list[_Container] = []
        self.containers = self

    def create(self, image: str, **kwargs: Any) -> _Container:
        assert image
        command = kwargs.get("command") or []
        refused = None
        if command and str(command[0]).startswith("/no/such/"):
            refused = REFUSAL.replace("/no/such/tool", str(command[0]))
        elif "/usr/bin" in (kwargs.get("tmpfs") or {}):
            refused = REFUSAL.replace("/no/such/tool", "/usr/bin/sleep")
        self.made.append(_Container(refused))
        return self.made[-1]


def _snippet(run: dict[str, Any], probe: dict[str, Any]) -> Any:
    raw = {"title": "t", "build": {}, "run": run, "probes": [{"name": "p", **probe}]}
    return snippet_from_dict(raw, Path("/nowhere/faults/x"), "faults/x")


TMPFS = {"options": {"tmpfs": ["/usr/bin"]}}
ENGINE = "the engine could not start the container: "


@pytest.mark.parametrize(
    ("run", "probe", "message"),
    [
        (
            {"port": 8080, "command": ["/no/such/server"]},
            {"http": {"path": "/"}},
            f"faults/x: run: {ENGINE}{REFUSAL.replace('/no/such/tool', '/no/such/server')}",
        ),
        (
            {},
            {"exec": {"command": ["/no/such/tool"], "output": "."}},
            f"faults/x: probe p: {ENGINE}{REFUSAL}",
        ),
        (
            {},
            {"expect_failure": {"command": ["/no/such/tool"], "output": "unknown time zone"}},
            f"faults/x: probe p: {ENGINE}{REFUSAL} (expected a failure whose output matches /unknown time",
        ),
        (
            {},
            {"expect_failure": {"command": ["/no/such/tool"], "exit_code": 2}},
            f"faults/x: probe p: {ENGINE}{REFUSAL} (expected the command to exit 2)",
        ),
        ({}, {"stop": {"expect": {"exit_code": 0}, **TMPFS}}, f"faults/x: probe p: {ENGINE}"),
        ({}, {"health": {"steps": [{"wait": "healthy"}], **TMPFS}}, f"faults/x: probe p: {ENGINE}"),
        ({}, {"inspect": {"fields": {"State.Running": True}, **TMPFS}}, f"faults/x: probe p: {ENGINE}"),
        (
            {},
            {"companion": {"image": "debian:trixie", "steps": [{"run": ["true"]}], "output": ".", **TMPFS}},
            f"faults/x: probe p: {ENGINE}",
        ),
        (
            {},
            {
                "companion": {
                    "image": "debian:trixie",
                    "steps": [{"run": ["/no/such/tool"]}],
                    "output": "docker",
                }
            },
            "faults/x: probe p: /no/such/tool: the engine could not start the companion container: ",
        ),
    ],
    ids=[
        "http",
        "exec",
        "expect-output",
        "expect-code",
        "stop",
        "health",
        "inspect",
        "companion",
        "companion-run",
    ],
)
def test_every_probe_kind_fails_clearly_when_the_engine_refuses_its_container(run, probe, message):
    engine = _Engine()
    with pytest.raises(VerificationError) as caught:
        run_probes(Session(client=engine), _snippet(run, probe), "sha256:image", Deadline(20))
    assert caught.value.message.startswith(message)
    assert "exec:" in caught.value.message  # the engine's own words are there
    assert all(container.removed for container in engine.made)


# --- companion: decisive with or without output ---


def _transcript(monkeypatch: pytest.MonkeyPatch, codes: list[int]) -> None:
    monkeypatch.setattr(live_companion, "running_service", lambda *_a, **_k: (_Container(None), None))
    outputs = iter(codes)
    monkeypatch.setattr(live_companion, "_companion", lambda *_a: (next(outputs), "out"))


def _companion(output: str | None) -> CompanionProbe:
    steps = (CompanionStep(run=("grep", "x", "/proc/1/status")), CompanionStep(run=("true",)))
    return CompanionProbe(image="debian:trixie", steps=steps, output=output)


def test_a_companion_without_output_fails_on_a_step_that_exits_non_zero(monkeypatch):
    _transcript(monkeypatch, [1, 0])
    snippet = _snippet({}, {"exec": {"command": ["x"]}})
    with pytest.raises(VerificationError) as caught:
        live_companion.run(Session(client=None), snippet, "i", ("inside", _companion(None)), Deadline(5))
    assert caught.value.message == (
        "faults/x: probe inside: grep x /proc/1/status exited 1 (without `output`, every step must exit 0)"
    )


def test_a_companion_with_output_records_a_non_zero_step_and_judges_the_transcript(monkeypatch):
    _transcript(monkeypatch, [1, 0])
    snippet = _snippet({}, {"exec": {"command": ["x"]}})
    done = live_companion.run(Session(client=None), snippet, "i", ("inside", _companion("out")), Deadline(5))
    assert "(exit code 1)" in done["output"]


def test_an_exec_the_engine_refuses_is_no_outcome():
    class Api:
        def exec_create(self, *_a: object) -> dict[str, str]:
            raise docker.errors.APIError("409 Client Error", explanation="container c0 is not running")

    container = _Container(None)
    container.client = type("Client", (), {"api": Api()})()  # type: ignore[attr-defined]
    with pytest.raises(VerificationError) as caught:
        _exec(container, ("sh",), ("faults/x", "probe inside"), Deadline(5))
    assert caught.value.message == (
        "faults/x: probe inside: docker exec sh: the engine refused the exec: container c0 is not running"
    )


def test_an_exec_the_runtime_cannot_start_is_an_outcome_with_its_exit_code():
    words = (
        b'OCI runtime exec failed: exec failed: unable to start container process: exec: "sh": not found\r\n'
    )

    class Api:
        def __init__(self) -> None:
            self.inspected = 0

        def exec_create(self, container_id: str, cmd: list[str]) -> dict[str, str]:
            assert (container_id, cmd) == ("svc", ["sh"])
            return {"Id": "e1"}

        def exec_start(self, exec_id: str, *, stream: bool) -> Any:
            assert (exec_id, stream) == ("e1", True)
            return iter([words])

        def exec_inspect(self, exec_id: str) -> dict[str, Any]:
            assert exec_id == "e1"
            self.inspected += 1  # the output ended a moment before the engine has the code
            return {"Running": self.inspected < 3, "ExitCode": None if self.inspected < 3 else 126}

    container = _Container(None)
    container.id = "svc"
    container.client = type("Client", (), {"api": Api()})()  # type: ignore[attr-defined]
    assert _exec(container, ("sh",), ("faults/x", "probe inside"), Deadline(5)) == (126, words.decode())


def test_an_exec_with_no_exit_code_by_the_budget_fails_rather_than_record_one():
    class Api:
        def exec_create(self, *_a: object) -> dict[str, str]:
            return {"Id": "e1"}

        def exec_start(self, *_a: object, **_k: object) -> Any:
            return iter([b"partial\n"])

        def exec_inspect(self, _exec_id: str) -> dict[str, Any]:
            return {"Running": True, "ExitCode": None}  # its output ended, the process did not

    container = _Container(None)
    container.client = type("Client", (), {"api": Api()})()  # type: ignore[attr-defined]
    with pytest.raises(VerificationError) as caught:
        _exec(container, ("sleep", "9"), ("faults/x", "probe inside"), Deadline(0.2))
    assert caught.value.message == (
        "faults/x: probe inside: docker exec sleep 9: no exit code from the engine within 0.2 s"
    )
