"""One entity's events apply in arrival order, whichever process runs them.

One `serve` takes the webhooks and two `notionhub worker`s share its PostgreSQL: 180 signed
Stripe events about six customers, interleaved, posted from several threads. Notion, a process
of its own, says when it created each event's Event Log row (``created_time``, one clock); DBOS
says which process ran each event (``executor_id``, its WORKER_ID). Every customer's rows must
have been created in the order the hub received that customer's events (its ``seq``), and some
customer's events must have been run by more than one process.

It catches whatever lets two events of one entity run at once: with ``partition_concurrency``
above 1, or a partition key other than the entity, some thirty events are applied before one
that arrived earlier. It does not reliably provoke the narrower races (dispatchers of several
processes enqueueing without taking turns, a priority other than the arrival sequence): the
burst is dispatched once it has been taken in, and enqueue times seldom tie on PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import psycopg

from notionhub.notion.schema.convert import from_page
from notionhub.packs.echo.models import EventLogEntry
from tests.acceptance.hub_checks import event_summaries, pages_of, wait_for_drain
from tests.acceptance.hub_process import SharedHub
from tests.acceptance.test_crash_recovery import Sender
from tests.signing import stripe_event

CUSTOMERS = 6
EVENTS = CUSTOMERS * 30
WORKERS = 2


def executors(database_url: str) -> dict[str, str]:
    """Workflow id → the WORKER_ID of the process DBOS ran it in."""
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT workflow_uuid, executor_id FROM dbos.workflow_status"
        ).fetchall()
    return {workflow: executor for workflow, executor in rows}


def test_each_entity_applies_in_arrival_order_across_processes(
    tmp_path: Path, postgres_url: str
) -> None:
    deployment = SharedHub(tmp_path, postgres_url, WORKERS)
    try:
        deployment.start()
        hub, notion = deployment.hub, deployment.notion
        bodies = [stripe_event(n, f"customer{n % CUSTOMERS}@example.com") for n in range(EVENTS)]
        sender = Sender(hub.url + "/hooks/stripe", bodies)
        sender.run()
        assert len(sender.accepted) == EVENTS

        stats = wait_for_drain(hub.url, EVENTS, timeout=120)
        events = event_summaries(hub.url)
        assert {e["status"] for e in events.values()} == {"processed"}, stats
        created = {
            from_page(EventLogEntry, page).event_id: page["created_time"]
            for page in pages_of(notion.url, EventLogEntry)
        }
        ran_in = executors(postgres_url)
    finally:
        deployment.stop()

    arrived: dict[str, list[str]] = defaultdict(list)
    for event in sorted(events.values(), key=lambda e: e["seq"]):
        arrived[event["entity_key"]].append(event["id"])
    assert len(arrived) == CUSTOMERS, sorted(arrived)
    assert set(created) == set(events), set(events) ^ set(created)  # one row an event
    # Each row created after the row of the entity's event that arrived just before it (in a
    # later millisecond: between the two lie a commit, a dequeue and two Notion requests).
    overtaken = [
        f"{later} at {created[later]}, not after {earlier} at {created[earlier]}"
        for ids in arrived.values()
        for earlier, later in pairwise(ids)
        if created[later] <= created[earlier]
    ]
    assert not overtaken, f"{len(overtaken)} events applied out of arrival order: {overtaken}"
    processes = {entity: {ran_in[id_] for id_ in ids} for entity, ids in arrived.items()}
    assert any(len(ran) > 1 for ran in processes.values()), processes
