"""The simulated fleet of ``bench/enterprise.py``: agents whose figures are seeded random walks,
and the incidents planned into their day.

Every agent beats every 30 s at its own phase (0–30 s into each half minute). Between
incidents its figures wander around their means and stay inside bands that raise no alert
(performance 0.82–0.99 around 0.9, CPU 0.10–0.85 around 0.5, memory 0.30–0.85 around 0.6),
so that every alert of the run is one an incident calls for. Incidents (``plan_incidents``):

- ``performance``: an agent's performance falls to ~0.70 for 10 minutes (below 0.8);
- ``cpu``: an agent's CPU climbs to 0.93–0.97 for 4 minutes (above 0.9);
- ``silent``: an agent sends nothing for 5 minutes (the hub's timeout is 2);
- ``change``: an agent changes its type for good and is Idle for 15 minutes.

A performance drop and a CPU spike every ``ROUND_HOURS`` hours (at least one of each), one
silence half-way through the run and one change a little later; each on another agent where
there are enough of them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from notionhub.packs.enterprise.fleet import Heartbeat
from notionhub.packs.enterprise.models import AGENT_TYPES

BEAT_SECONDS = 30.0
ROUND_HOURS = 4
PERFORMANCE, CPU, SILENT, CHANGE = "performance", "cpu", "silent", "change"
KINDS = (PERFORMANCE, CPU, SILENT, CHANGE)
ACTIVE, IDLE = "Active", "Idle"


@dataclass(frozen=True)
class Incident:
    """Something that happens to one agent from ``start`` for ``seconds`` (seconds from the
    start of the run)."""

    kind: str
    agent: str
    start: float
    seconds: float

    def covers(self, offset: float) -> bool:
        return self.start <= offset < self.start + self.seconds

    @property
    def label(self) -> str:
        minute = int(self.start // 60)
        return f"{self.kind} {self.agent} at {minute // 60:02d}:{minute % 60:02d}"


def agent_names(count: int) -> list[str]:
    return [f"agent-{number:02d}" for number in range(1, count + 1)]


def plan_incidents(names: list[str], hours: int) -> list[Incident]:
    """The run's incidents, in time order (see the module's account)."""
    span = hours * 3600.0
    rounds = max(1, hours // ROUND_HOURS)
    length = span / rounds
    count = len(names)
    planned = []
    for number in range(rounds):
        base = number * length
        planned.append(Incident(PERFORMANCE, names[(2 * number) % count], base + 1200, 600))
        planned.append(Incident(CPU, names[(2 * number + 1) % count], base + 2700, 240))
    planned.append(Incident(SILENT, names[count // 2], 0.5 * span, 300))
    planned.append(Incident(CHANGE, names[-1], 0.6 * span, 900))
    return sorted(planned, key=lambda incident: incident.start)


@dataclass
class SimulatedAgent:
    """One agent: its phase in each half minute and its figures' random walks."""

    name: str
    agent_type: str
    phase: float
    rng: random.Random
    performance: float = 0.9
    cpu: float = 0.5
    memory: float = 0.6
    tasks: int = 0
    incidents: list[Incident] = field(default_factory=list)

    @property
    def changed_type(self) -> str:
        """The type it reports once a ``change`` incident began."""
        return _next_type(self.agent_type)

    def step(self) -> None:
        """One beat's move of each figure: back towards its mean, plus noise."""
        self.performance = _clip(
            self.performance + 0.05 * (0.9 - self.performance) + self.rng.gauss(0, 0.008),
            0.82,
            0.99,
        )
        self.cpu = _clip(self.cpu + 0.1 * (0.5 - self.cpu) + self.rng.gauss(0, 0.03), 0.10, 0.85)
        self.memory = _clip(
            self.memory + 0.05 * (0.6 - self.memory) + self.rng.gauss(0, 0.01), 0.30, 0.85
        )
        self.tasks += self.rng.randint(0, 3)

    def beat(self, offset: float) -> Heartbeat | None:
        """What the agent reports ``offset`` seconds into the run (None: it is silent)."""
        self.step()
        performance, cpu, status, kind = self.performance, self.cpu, ACTIVE, self.agent_type
        for incident in self.incidents:
            if incident.kind == CHANGE and offset >= incident.start:
                kind = self.changed_type
            if not incident.covers(offset):
                continue
            if incident.kind == SILENT:
                return None
            if incident.kind == PERFORMANCE:
                performance = _clip(0.70 + self.rng.gauss(0, 0.02), 0.60, 0.78)
            elif incident.kind == CPU:
                cpu = self.rng.uniform(0.93, 0.97)
            elif incident.kind == CHANGE:
                status = IDLE
        return Heartbeat(
            status=status,
            performance=round(performance, 4),
            cpu=round(cpu, 4),
            memory=round(self.memory, 4),
            metrics={"tasks_done": self.tasks},
            agent_type=kind,
        )


def build_fleet(count: int, hours: int, seed: int) -> tuple[list[SimulatedAgent], list[Incident]]:
    """``count`` agents (sorted by phase: the order they beat in) and the run's incidents."""
    names = agent_names(count)
    incidents = plan_incidents(names, hours)
    rng = random.Random(seed)
    agents = []
    for index, name in enumerate(names):
        own = random.Random(f"{seed}:{name}")
        agents.append(
            SimulatedAgent(
                name=name,
                agent_type=AGENT_TYPES[index % len(AGENT_TYPES)],
                phase=rng.uniform(0.5, BEAT_SECONDS - 0.5),
                rng=own,
                performance=_clip(own.gauss(0.9, 0.02), 0.82, 0.99),
                cpu=_clip(own.gauss(0.5, 0.1), 0.10, 0.85),
                memory=_clip(own.gauss(0.6, 0.05), 0.30, 0.85),
                incidents=[incident for incident in incidents if incident.agent == name],
            )
        )
    return sorted(agents, key=lambda agent: agent.phase), incidents


def _next_type(kind: str) -> str:
    return AGENT_TYPES[(AGENT_TYPES.index(kind) + 1) % len(AGENT_TYPES)]


def _clip(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))
