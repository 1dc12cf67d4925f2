"""Prometheus metrics, held by one object per process (no module-level registry)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector
from sqlalchemy import Engine, event


class Metrics:
    """Every counter notionhub exports, registered in its own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        # The process's CPU seconds, memory and open files (process_*): what one event costs
        # the process, and what it holds, read off /metrics (Linux only; absent elsewhere).
        ProcessCollector(registry=self.registry)
        self.notion_requests = Counter(
            "notionhub_notion_requests",
            "Requests sent to Notion, by operation and outcome.",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.notion_rate_limited = Counter(
            "notionhub_notion_rate_limited",
            "429 answers received from Notion.",
            registry=self.registry,
        )
        self.notion_budget_wait = Histogram(
            "notionhub_notion_budget_wait_seconds",
            "Time a request waited for its slot in the Notion budget.",
            buckets=(0, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
            registry=self.registry,
        )
        self.events_received = Counter(
            "notionhub_events_received",
            "Webhook requests, by provider and outcome (accepted, duplicate, reply, rejected,"
            " own_edit: Notion telling of the hub's own write, acknowledged and not kept).",
            ["provider", "outcome"],
            registry=self.registry,
        )
        self.events_finished = Counter(
            "notionhub_events_finished",
            "Event runs finished by this process, by status (processed, failed, ignored).",
            ["status"],
            registry=self.registry,
        )
        self.events_by_status = Gauge(
            "notionhub_events",
            "Events in the event log, by status.",
            ["status"],
            registry=self.registry,
        )
        self.queue_lag = Gauge(
            "notionhub_queue_lag_seconds",
            "Age of the oldest event not yet processed (0 when none).",
            registry=self.registry,
        )
        self.worker_children = Gauge(
            "notionhub_worker_children",
            "`serve --workers` only: its `notionhub worker` children, by state (running;"
            " waiting to start again; refused, not started again).",
            ["state"],
            registry=self.registry,
        )
        self.notion_changes = Counter(
            "notionhub_notion_changes",
            "Notion events (and polled pages) read, by outcome: a change for the packs, or none"
            " (the hub's own edit, already read, not a hub database, nothing changed).",
            ["outcome"],
            registry=self.registry,
        )
        self.notion_polls = Counter(
            "notionhub_notion_polls",
            "Looks of the polling fallback at a database for pages edited since the last one.",
            ["outcome"],
            registry=self.registry,
        )
        self.pack_runs = Counter(
            "notionhub_pack_runs",
            "Runs of one pack's part of an event, by pack and outcome (ok, retrying, failed).",
            ["pack", "outcome"],
            registry=self.registry,
        )
        self.agent_runs = Counter(
            "notionhub_agent_runs",
            "Runs of the packs' agents (flows and schedules), by pack, agent and outcome.",
            ["pack", "agent", "outcome"],
            registry=self.registry,
        )
        self.outbound_calls = Counter(
            "notionhub_outbound_calls",
            "Calls flows made to other APIs, by service and outcome (succeeded, replayed,"
            " rejected, unavailable, retry).",
            ["service", "outcome"],
            registry=self.registry,
        )

        self.database_commits = Counter(
            "notionhub_database_commits",
            "Transactions this process committed, by database: hub (event log, key index,"
            " packs' tables) and dbos (DBOS's queue and workflows, when the hub made its engine:"
            " SQLite).",
            ["database"],
            registry=self.registry,
        )

    def count_commits(self, engine: Engine, database: str) -> None:
        """Count the transactions committed on ``engine`` as ``database``."""
        counter = self.database_commits.labels(database=database)
        event.listen(engine, "commit", lambda _connection: counter.inc())

    def count_outbound(self, service: str, outcome: str) -> None:
        self.outbound_calls.labels(service=service, outcome=outcome).inc()
