"""Run options and the specs of the probes that watch a container live (Vol. 2's needs), parsed.

``manifest.py`` validates a manifest against the schema first; the functions here only turn the
already-valid dictionaries into frozen dataclasses. They are apart from ``manifest.py`` because they
are one topic (how a container runs and is watched: limits, stop, health, inspect, a companion),
and so that the schema part of each (``run-options``, ``probe-stop`` … in ``manifest.schema.json``)
stays next to one parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Literal

from journey.model.measure_spec import MIN_RUNS

#: What happened to a request in flight while the container stopped.
InFlight = Literal["completed", "cut"]
#: The health states ``docker inspect`` reports (``State.Health.Status``).
HEALTH_STATES = ("starting", "healthy", "unhealthy")
#: ``docker stop``'s own default grace before SIGKILL, in seconds.
DOCKER_STOP_GRACE = 10


def _strings(value: dict[str, Any]) -> dict[str, str]:
    """Env values as strings (YAML may give numbers or booleans)."""
    return {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in value.items()}


@dataclass(frozen=True)
class RunOptions:
    """How a container of the image is limited: the ``docker run`` flags Vol. 2 is about.

    ``None``/empty means the engine's default (no limit, the image's user, writable root).
    """

    cpus: float | None = None
    cpuset: str | None = None
    memory: str | None = None
    read_only: bool = False
    tmpfs: tuple[str, ...] = ()
    user: str | None = None
    env: dict[str, str] = field(default_factory=dict)

    def over(self, base: RunOptions) -> RunOptions:
        """Return ``base`` with every option this one sets laid over it (env merged key by key)."""
        return replace(
            base,
            cpus=self.cpus if self.cpus is not None else base.cpus,
            cpuset=self.cpuset or base.cpuset,
            memory=self.memory or base.memory,
            read_only=self.read_only or base.read_only,
            tmpfs=self.tmpfs or base.tmpfs,
            user=self.user or base.user,
            env={**base.env, **self.env},
        )

    def flags(self) -> list[str]:
        """Spell the options as ``docker run`` flags, for pages and error messages."""
        out = [f"--cpus={self.cpus:g}"] if self.cpus is not None else []
        out += [f"--cpuset-cpus={self.cpuset}"] if self.cpuset else []
        out += [f"--memory={self.memory}"] if self.memory else []
        out += ["--read-only"] if self.read_only else []
        out += [f"--tmpfs={t}" for t in self.tmpfs]
        out += [f"--user={self.user}"] if self.user else []
        out += [f"-e {k}={v}" for k, v in sorted(self.env.items())]
        return out


def run_options(raw: dict[str, Any] | None) -> RunOptions:
    """Parse a validated ``options:`` mapping (of ``run:`` or of a probe)."""
    if not raw:
        return RunOptions()
    cpus = raw.get("cpus")
    return RunOptions(
        cpus=float(cpus) if cpus is not None else None,
        cpuset=raw.get("cpuset"),
        memory=raw.get("memory"),
        read_only=bool(raw.get("read_only", False)),
        tmpfs=tuple(raw.get("tmpfs", ())),
        user=raw.get("user"),
        env=_strings(raw.get("env", {})),
    )


@dataclass(frozen=True)
class Request:
    """An HTTP request a live probe sends; ``status``/``body`` judge the answer when given.

    ``numbers`` name JSON keys of the answer that vary from run to run (a GC count): they are
    recorded as measurements, not as output, so a re-verify of the same inputs changes nothing.
    """

    path: str
    method: str = "GET"
    status: int | None = None
    body: str | None = None
    numbers: tuple[str, ...] = ()

    @property
    def line(self) -> str:
        """The request as a reader reads it: ``GET /v1/slow?ms=2000``."""
        return f"{self.method} {self.path}"


def request(raw: dict[str, Any] | None) -> Request | None:
    """Parse a validated ``request:`` mapping, if there is one."""
    return _request(raw) if raw is not None else None


def _request(raw: dict[str, Any]) -> Request:
    return Request(
        path=raw["path"],
        method=raw.get("method", "GET"),
        status=raw.get("status"),
        body=raw.get("body"),
        numbers=tuple(raw.get("numbers", ())),
    )


@dataclass(frozen=True)
class StopProbe:
    """Start the service, optionally hold a slow request, ``docker stop`` it; repeat ``runs`` times."""

    kind: ClassVar[Literal["stop"]] = "stop"
    #: the schema's definition of its keys (``journey.model.schema`` refers to it)
    schema_def: ClassVar[str | None] = "probe-stop"
    runs: int = MIN_RUNS
    grace: int = DOCKER_STOP_GRACE
    request: Request | None = None
    #: seconds between sending the request and ``docker stop``: the request is surely in flight
    delay: float = 0.5
    exit_code: int | None = None
    in_flight: InFlight | None = None
    max_seconds: float | None = None
    min_seconds: float | None = None
    options: RunOptions = field(default_factory=RunOptions)


def stop_probe(raw: dict[str, Any]) -> StopProbe:
    """Parse a validated ``stop:`` probe."""
    expect = raw.get("expect", {})
    return StopProbe(
        runs=int(raw.get("runs", MIN_RUNS)),
        grace=int(raw.get("grace", DOCKER_STOP_GRACE)),
        request=request(raw.get("request")),
        delay=float(raw.get("delay", 0.5)),
        exit_code=expect.get("exit_code"),
        in_flight=expect.get("in_flight"),
        max_seconds=expect.get("max_seconds"),
        min_seconds=expect.get("min_seconds"),
        options=run_options(raw.get("options")),
    )


@dataclass(frozen=True)
class WaitStep:
    """A health probe's step that waits for the container's health to reach a state."""

    wait: str


@dataclass(frozen=True)
class RequestStep:
    """A health probe's step that sends a request (the service needs a port: the manifest says so)."""

    request: Request


#: One step of a health probe (the schema allows exactly one key a step): wait for a state, or send a request.
HealthStep = WaitStep | RequestStep


@dataclass(frozen=True)
class HealthProbe:
    """Start the service and walk its health through ``steps``; record the states and the health log."""

    kind: ClassVar[Literal["health"]] = "health"
    #: the schema's definition of its keys (``journey.model.schema`` refers to it)
    schema_def: ClassVar[str | None] = "probe-health"
    steps: tuple[HealthStep, ...]
    timeout: int = 60
    options: RunOptions = field(default_factory=RunOptions)


def _health_step(raw: dict[str, Any]) -> HealthStep:
    if "wait" in raw:
        return WaitStep(raw["wait"])
    return RequestStep(_request(raw["request"]))


def health_probe(raw: dict[str, Any]) -> HealthProbe:
    """Parse a validated ``health:`` probe."""
    steps = tuple(_health_step(step) for step in raw["steps"])
    return HealthProbe(
        steps=steps, timeout=int(raw.get("timeout", 60)), options=run_options(raw.get("options"))
    )


@dataclass(frozen=True)
class InspectProbe:
    """Start the service, optionally send a request and wait for it to exit, compare inspect fields."""

    kind: ClassVar[Literal["inspect"]] = "inspect"
    #: the schema's definition of its keys (``journey.model.schema`` refers to it)
    schema_def: ClassVar[str | None] = "probe-inspect"
    fields: dict[str, Any]
    request: Request | None = None
    wait_exit: bool = False
    options: RunOptions = field(default_factory=RunOptions)


def inspect_probe(raw: dict[str, Any]) -> InspectProbe:
    """Parse a validated ``inspect:`` probe."""
    return InspectProbe(
        fields=dict(raw["fields"]),
        request=request(raw.get("request")),
        wait_exit=bool(raw.get("wait_exit", False)),
        options=run_options(raw.get("options")),
    )


@dataclass(frozen=True)
class CompanionStep:
    """``exec``: a command run inside the service itself (``docker exec``); ``run``: in the companion."""

    exec: tuple[str, ...] | None = None
    run: tuple[str, ...] | None = None

    @property
    def argv(self) -> tuple[str, ...]:
        """The command, whichever container it runs in."""
        return self.exec or self.run or ()


@dataclass(frozen=True)
class CompanionProbe:
    """A debugging container in the service's PID and network namespaces; records a transcript."""

    kind: ClassVar[Literal["companion"]] = "companion"
    #: the schema's definition of its keys (``journey.model.schema`` refers to it)
    schema_def: ClassVar[str | None] = "probe-companion"
    image: str
    steps: tuple[CompanionStep, ...]
    user: str | None = None
    output: str | None = None
    options: RunOptions = field(default_factory=RunOptions)


def companion_probe(raw: dict[str, Any]) -> CompanionProbe:
    """Parse a validated ``companion:`` probe."""
    steps = tuple(
        CompanionStep(
            exec=tuple(s["exec"]) if "exec" in s else None, run=tuple(s["run"]) if "run" in s else None
        )
        for s in raw["steps"]
    )
    return CompanionProbe(
        image=raw["image"],
        steps=steps,
        user=raw.get("user"),
        output=raw.get("output"),
        options=run_options(raw.get("options")),
    )
