"""What ``bench/enterprise.py`` reads of the local Notion: its request counts (less the bench's
own reads), and the rows the fleet's incidents call for, as they appear.

``Watch`` turns each incident into expectations when it begins and ends — an alert opened
(cause: the first heartbeat past the threshold; for a silent agent, its last heartbeat), the
alert resolved (cause: the first heartbeat back to normal), an agent page showing a change —
and after each collector tick reads the Alerts or AI Agent Management database while some are
not seen yet. An expectation is seen at the simulated time of that tick.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import httpx
from notion_client import Client

from bench.enterprise_fleet import CHANGE, CPU, PERFORMANCE, SILENT, Incident, SimulatedAgent
from notionhub.notion.schema import NotionModel, from_page
from notionhub.packs.enterprise.models import AgentRecord, AlertRecord

M = TypeVar("M", bound=NotionModel)


class RequestCounter:
    """The local Notion server's answered requests by route, less the bench's own reads."""

    def __init__(self, admin: httpx.Client) -> None:
        self.admin = admin
        self.own: Counter[str] = Counter()

    def snapshot(self) -> dict[str, Any]:
        stats: dict[str, Any] = self.admin.get("/_admin/stats").json()
        return stats

    def by_route(self) -> Counter[str]:
        return Counter(self.snapshot()["by_route"])

    @contextmanager
    def bench_reads(self) -> Iterator[None]:
        before = self.by_route()
        yield
        self.own += self.by_route() - before

    def hub(self) -> Counter[str]:
        return self.by_route() - self.own


# -- what the bench expects to read in Notion -------------------------------------------------


@dataclass
class Expectation:
    """A row the fleet's day calls for: an alert opened or resolved, or an agent page showing a
    change; ``seen_at`` is the simulated time of the tick after which the bench read it."""

    incident: Incident
    what: str  # "alert opened", "alert resolved", "page"
    cause_at: float  # the heartbeat that called for it (simulated Unix seconds)
    check: str = ""
    alert_type: str = ""
    status: str = ""  # the alert's Status, or the page's
    agent_type: str | None = None
    opened: Expectation | None = None  # the opening a resolution resolves
    page_id: str | None = None  # the Alerts row found
    seen_at: float | None = None

    @property
    def latency(self) -> float | None:
        return None if self.seen_at is None else self.seen_at - self.cause_at

    def to_json(self) -> dict[str, Any]:
        return {
            "incident": self.incident.label,
            "what": self.what,
            "check": self.check or None,
            "status": self.status,
            "latency_s": self.latency,
        }


ALERT_OF = {
    PERFORMANCE: ("performance", "Performance"),
    CPU: ("resources", "Resources"),
    SILENT: ("heartbeat", "Agent Unresponsive"),
}


class Watch:
    """Turns the fleet's incidents into expectations as they begin and end, and reads Notion
    for those not seen yet."""

    def __init__(self, notion: Client, sources: dict[str, str]) -> None:
        self.notion = notion
        self.sources = sources
        self.expected: list[Expectation] = []
        self.last_beat: dict[str, float] = {}
        self._began: set[Incident] = set()
        self._ended: set[Incident] = set()
        self._claimed: set[str] = set()

    def slot(self, agent: SimulatedAgent, at: float, offset: float, beat: bool) -> None:
        """The agent's beat time came (``beat``: and it beat)."""
        for incident in agent.incidents:
            if incident.covers(offset) and incident not in self._began:
                self._began.add(incident)
                self._begin(incident, at, agent.changed_type)
            elif offset >= incident.start + incident.seconds and incident not in self._ended:
                self._ended.add(incident)
                self._end(incident, at, agent.changed_type)
        if beat:
            self.last_beat[agent.name] = at

    def _begin(self, incident: Incident, at: float, changed_type: str) -> None:
        if incident.kind in ALERT_OF:
            prefix, alert_type = ALERT_OF[incident.kind]
            cause = self.last_beat[incident.agent] if incident.kind == SILENT else at
            self.expected.append(
                Expectation(
                    incident, "alert opened", cause, f"{prefix}:{incident.agent}", alert_type
                )
            )
            if incident.kind == SILENT:
                self.expected.append(Expectation(incident, "page", cause, status="Error"))
        else:  # a change of type, and Idle for a while
            self.expected.append(
                Expectation(incident, "page", at, status="Idle", agent_type=changed_type)
            )

    def _end(self, incident: Incident, at: float, changed_type: str) -> None:
        if incident.kind in ALERT_OF:
            opened = next(e for e in self.expected if e.incident == incident)
            self.expected.append(
                Expectation(
                    incident,
                    "alert resolved",
                    at,
                    opened.check,
                    opened.alert_type,
                    "Resolved",
                    opened=opened,
                )
            )
        if incident.kind in (SILENT, CHANGE):
            kind = changed_type if incident.kind == CHANGE else None
            self.expected.append(
                Expectation(incident, "page", at, status="Active", agent_type=kind)
            )

    def pending(self) -> list[Expectation]:
        return [e for e in self.expected if e.seen_at is None]

    def look(self, now: float) -> None:
        """Read what is pending in Notion; mark what is there as seen at ``now``."""
        pending = self.pending()
        if any(e.what != "page" for e in pending):
            alerts = self.rows(AlertRecord)
            for expectation in pending:
                if expectation.what != "page" and self._alert_found(expectation, alerts):
                    expectation.seen_at = now
        if any(e.what == "page" for e in pending):
            pages = {page.name: page for page in self.rows(AgentRecord)}
            for expectation in pending:
                page = pages.get(expectation.incident.agent)
                if expectation.what == "page" and page is not None and _shows(page, expectation):
                    expectation.seen_at = now

    def _alert_found(self, expectation: Expectation, rows: list[AlertRecord]) -> bool:
        if expectation.opened is not None:  # a resolution: the opened row, now Resolved
            found = [row for row in rows if row.page_id == expectation.opened.page_id]
            return bool(found) and found[0].status == expectation.status
        since = math.floor(expectation.cause_at)
        candidates = [
            row
            for row in rows
            if row.check_name == expectation.check
            and row.alert_type == expectation.alert_type
            and row.page_id not in self._claimed
            and row.timestamp is not None
            and _seconds(row.timestamp.start) >= since
        ]
        if not candidates:
            return False
        row = min(candidates, key=lambda r: _seconds(r.timestamp.start if r.timestamp else 0))
        assert row.page_id is not None
        self._claimed.add(row.page_id)
        expectation.page_id = row.page_id
        return True

    def rows(self, model: type[M]) -> list[M]:
        """Every row of the model's database, as Notion answers a query."""
        source, cursor, found = self.sources[model.__database__.name], None, []
        while True:
            extra: dict[str, Any] = {"start_cursor": cursor} if cursor else {}
            answer: Any = self.notion.data_sources.query(source, page_size=100, **extra)
            found += [from_page(model, page) for page in answer["results"]]
            if not answer["has_more"]:
                return found
            cursor = answer["next_cursor"]

    @property
    def claimed(self) -> set[str]:
        return set(self._claimed)


def _shows(page: AgentRecord, expectation: Expectation) -> bool:
    if page.status != expectation.status:
        return False
    return expectation.agent_type is None or page.agent_type == expectation.agent_type


def _seconds(moment: datetime | Any) -> float:
    return float(moment.timestamp()) if isinstance(moment, datetime) else 0.0
