"""The enterprise pack on PostgreSQL (its upserts, subqueries and marks are dialect-specific):
heartbeats, alerts, a paid sale dispatched and completed, a project posted, the audit copy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from notion_client import Client
from sqlalchemy import Connection, Engine, insert, select, update

from notionhub.hubdb.engine import create_tables
from notionhub.hubdb.tables import audit_log
from notionhub.ingest.event import Event
from notionhub.packs.enterprise.alerts import Check, settle
from notionhub.packs.enterprise.audit_trail import GAP_WAIT_SECONDS, copy_audit_log
from notionhub.packs.enterprise.fleet import _time_out
from notionhub.packs.enterprise.revenue import _keep, dispatch, read_sale
from notionhub.packs.enterprise.settings import EnterpriseSettings
from notionhub.packs.enterprise.tables import (
    enterprise_agents,
    enterprise_alerts,
    enterprise_assignments,
    enterprise_revenue,
)
from notionhub.packs.enterprise.tables import metadata as enterprise_metadata
from notionhub.queue.processor import EventProcessor
from tests.first_rows import write_behind_an_uncommitted_row
from tests.hub_server import serve_hub
from tests.packs.coaching.test_hub_end_to_end import eventually, plain
from tests.packs.enterprise.conftest import (
    NOW,
    PERSON_TOKEN,
    EnterpriseHub,
    MovableClock,
    start_enterprise_hub,
)
from tests.packs.enterprise.test_revenue import intent


@pytest.fixture
def on_postgresql(
    tmp_path: Path, processor: EventProcessor, postgres_url: str
) -> Iterator[EnterpriseHub]:
    clock = MovableClock(NOW)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ENTERPRISE_WRITE_INTERVAL_SECONDS", "0")
        runtime = start_enterprise_hub(
            tmp_path / ".notionhub", processor, clock, database_url=postgres_url
        )
        with serve_hub(runtime) as client:
            person = Client(auth=PERSON_TOKEN, base_url=f"{client.base_url}/notion")
            yield EnterpriseHub(client, person, clock)
            person.close()


def test_the_pack_on_postgresql(on_postgresql: EnterpriseHub) -> None:
    hub = on_postgresql
    assert hub.runtime.notion is not None
    assert hub.runtime.notion.engine.dialect.name == "postgresql"
    hub.beat("pg-resume", status="Active", agent_type="Resume Generator", performance=0.9)
    assert hub.beat("pg-resume", status="Active", performance=0.5)["alerts"] == {
        "performance:pg-resume": "opened"
    }
    hub.stripe("payment_intent.succeeded", intent("pi_pg", 4200, "Resume Generation"),
               event_id="evt_pg")  # fmt: skip
    assert hub.beat("pg-resume", status="Active", performance=0.9, completed=["service:pi_pg"])[
        "completed"
    ] == ["service:pi_pg"]
    posted = hub.client.post("/api/projects", json={"name": "Pg", "project_type": "Resume Service"})
    assert posted.status_code == 202
    hub.collect()
    assert plain(hub.rows("Revenue Operations", "Transaction ID")["pi_pg"], "Status") == "Completed"
    assert plain(hub.rows("Alerts", "Check Name")["performance:pg-resume"], "Status") == "Resolved"
    page = eventually(lambda: hub.rows("AI Project Pipeline", "Project Name").get("Pg"))
    assert [o["name"] for o in page["properties"]["Assigned Agents"]["multi_select"]] == [
        "pg-resume"
    ]
    copy_audit_log(hub.context())
    assert any(
        plain(p, "Action") == "project.create" for p in hub.rows("Audit Trail", "Entry").values()
    )


@pytest.fixture
def enterprise_tables(postgres_hub_engine: Engine) -> Engine:
    create_tables(postgres_hub_engine, enterprise_metadata)
    return postgres_hub_engine


def sale_row(transaction_id: str, status: str) -> Any:
    return insert(enterprise_revenue).values(
        transaction_id=transaction_id,
        service_type="Resume Generation",
        amount=42.0,
        currency="USD",
        status=status,
        created_at=1.0,
        details="",
    )


def test_two_events_of_one_payment_at_once_move_it_forward(enterprise_tables: Engine) -> None:
    """``payment_intent.created`` and ``.succeeded`` of one intent can run at once (one of them
    without the customer's email is in another partition): the later one finds the row the
    other inserted meanwhile and moves the sale on, instead of failing on its key."""
    created = sale_row("pi_race", "Pending")
    succeeded = read_sale(
        Event(
            provider="stripe",
            type="payment_intent.succeeded",
            idempotency_key="stripe:evt_race",
            occurred_at=NOW,
            data={"data": {"object": intent("pi_race", 4200, "Resume Generation")}},
        )
    )

    def keep() -> None:
        with enterprise_tables.begin() as connection:
            _keep(connection, succeeded, 2.0)

    assert write_behind_an_uncommitted_row(enterprise_tables, created, keep) is None
    with enterprise_tables.connect() as connection:
        row = connection.execute(select(enterprise_revenue)).one()
    assert (row.status, row.client_email) == ("Processing", "ana@example.com")


def test_a_check_failing_on_two_ticks_at_once_opens_one_alert(enterprise_tables: Engine) -> None:
    """Two overlapping ticks of the health schedule (on two processes) settle one check in
    turn: the second finds the alert the first opened."""
    check = Check("queue_lag", ok=False, message="The queue is 40 minutes behind.")
    outcomes: list[str | None] = []

    def tick() -> None:
        with enterprise_tables.begin() as connection:
            outcomes.append(settle(connection, 2.0, check))

    def first_tick(connection: Connection) -> None:
        outcomes.append(settle(connection, 2.0, check))

    assert write_behind_an_uncommitted_row(enterprise_tables, first_tick, tick) is None
    assert outcomes == ["opened", None]
    with enterprise_tables.connect() as connection:
        assert len(connection.execute(select(enterprise_alerts)).all()) == 1


def agent_row(name: str, *, last_heartbeat: float) -> Any:
    return insert(enterprise_agents).values(
        name=name,
        agent_type="Resume Generator",
        status="Active",
        metrics="{}",
        first_seen=0.0,
        last_heartbeat=last_heartbeat,
        heartbeats=1,
        configuration="{}",
    )


def test_a_sale_dispatched_twice_at_once_keeps_the_first_agent(enterprise_tables: Engine) -> None:
    """A collect tick and a payment event dispatching one sale take turns on its row: the
    second finds the agent the first chose, and hands it to nobody else."""
    with enterprise_tables.begin() as connection:
        connection.execute(agent_row("resume-1", last_heartbeat=1.0))
        connection.execute(agent_row("resume-2", last_heartbeat=1.0))
        connection.execute(sale_row("pi_twice", "Processing"))
    chosen: list[str | None] = []

    def first(connection: Connection) -> None:
        chosen.append(dispatch(connection, "pi_twice", 2.0))
        # Committed meanwhile: more work for that agent, so that the other one is now the
        # least busy for a second dispatch that does not wait for this one.
        with enterprise_tables.begin() as other:
            other.execute(
                insert(enterprise_assignments).values(
                    assignment_id="project:other",
                    agent=chosen[0],
                    kind="project",
                    reference="other",
                    detail="other work",
                    created_at=1.0,
                )
            )

    def second() -> None:
        with enterprise_tables.begin() as connection:
            chosen.append(dispatch(connection, "pi_twice", 2.0))

    assert write_behind_an_uncommitted_row(enterprise_tables, first, second) is None
    assert chosen[0] is not None and chosen == [chosen[0], chosen[0]]
    with enterprise_tables.connect() as connection:
        services = connection.execute(
            select(enterprise_assignments.c.agent).where(enterprise_assignments.c.kind == "service")
        ).all()
        agent = connection.execute(select(enterprise_revenue.c.agent)).scalar_one()
    assert [row.agent for row in services] == [chosen[0]] and agent == chosen[0]


def test_a_heartbeat_arriving_as_the_timeout_runs_keeps_its_agent_active(
    enterprise_tables: Engine,
) -> None:
    """The collector's timeout waits for a heartbeat being written to the agent's row, then
    sees it: no Error status, no Agent Unresponsive alert."""
    settings = EnterpriseSettings(_env_file=None)  # type: ignore[call-arg]
    now = 10_000.0
    with enterprise_tables.begin() as connection:
        connection.execute(agent_row("resume-1", last_heartbeat=1.0))
    beat = (
        update(enterprise_agents)
        .where(enterprise_agents.c.name == "resume-1")
        .values(last_heartbeat=now, heartbeats=2)
    )
    opened: list[int] = []
    raised = write_behind_an_uncommitted_row(
        enterprise_tables, beat, lambda: opened.append(_time_out(enterprise_tables, settings, now))
    )
    assert raised is None
    assert opened == [0]
    with enterprise_tables.connect() as connection:
        status = connection.execute(select(enterprise_agents.c.status)).scalar_one()
        assert status == "Active"
        assert connection.execute(select(enterprise_alerts)).all() == []


def test_an_audit_entry_committed_after_a_later_one_still_reaches_the_audit_trail(
    on_postgresql: EnterpriseHub,
) -> None:
    """On PostgreSQL an entry's id is taken at its insert: an entry committed after a later id
    was copied used to be skipped for good. The copy now waits at the gap; a gap left by an
    insert undone is passed over once it is old."""
    hub = on_postgresql
    context = hub.context()
    engine = context.engine
    copy_audit_log(context)  # what the hub wrote while starting

    def entry(resource: str) -> Any:
        return insert(audit_log).values(
            at=hub.clock().timestamp(),
            key_name="pm",
            role="manager",
            action="project.create",
            resource=resource,
            success=True,
            details="",
        )

    def committed(resource: str) -> None:
        with engine.begin() as connection:
            connection.execute(entry(resource))

    with engine.connect() as slow:
        transaction = slow.begin()
        slow.execute(entry("project Slow"))  # its id is taken; its commit comes later
        committed("project Fast")
        assert copy_audit_log(context) == "0 audit entries copied to the Audit Trail"
        transaction.commit()
    assert copy_audit_log(context) == "2 audit entries copied to the Audit Trail"
    with engine.connect() as undone:
        transaction = undone.begin()
        undone.execute(entry("project Undone"))
        transaction.rollback()  # its id is never used
    committed("project After")
    assert copy_audit_log(context) == "0 audit entries copied to the Audit Trail"
    hub.clock.advance(GAP_WAIT_SECONDS + 1)
    assert copy_audit_log(context) == "1 audit entries copied to the Audit Trail"
    resources = {plain(p, "Resource") for p in hub.rows("Audit Trail", "Entry").values()}
    assert {"project Slow", "project Fast", "project After"} <= resources
    assert "project Undone" not in resources
