"""The enterprise pack on PostgreSQL (its upserts, subqueries and marks are dialect-specific):
heartbeats, alerts, a paid sale dispatched and completed, a project posted, the audit copy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from notion_client import Client

from notionhub.packs.enterprise.audit_trail import copy_audit_log
from notionhub.queue.processor import EventProcessor
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
