"""Health checks (a database lost opens an alert, its return resolves it) and the audit log
copied to the Audit Trail database (writes and refusals, each once, never lost)."""

from __future__ import annotations

from typing import Any

from notionhub.hubdb.api_keys import ApiKeys
from notionhub.hubdb.audit_log import AuditLog
from notionhub.packs.enterprise.audit_trail import copied_up_to, copy_audit_log
from notionhub.packs.enterprise.health import run_health_checks
from tests.packs.coaching.test_hub_end_to_end import plain
from tests.packs.enterprise.conftest import EnterpriseHub


def test_a_database_that_goes_away_opens_an_alert_and_its_return_resolves_it(
    enterprise: EnterpriseHub,
) -> None:
    context = enterprise.context()
    summary = run_health_checks(context)
    assert summary.startswith("10/10 checks pass"), summary

    report = enterprise.runtime.provision_report
    assert report is not None
    [reports_db] = [d for d in report.databases if d.name == "Reports"]
    enterprise.person.databases.update(reports_db.database_id, in_trash=True)
    summary = run_health_checks(context)
    assert "failing: database:Reports" in summary and "database:Reports opened" in summary
    opened = enterprise.client.get("/api/alerts", params={"open": "true"}).json()["alerts"]
    [alert] = [a for a in opened if a["check"] == "database:Reports"]
    assert alert["severity"] == "Critical" and "Reports" in alert["message"]
    alerts = enterprise.rows("Alerts", "Check Name")
    assert plain(alerts["database:Reports"], "Status") == "Open"

    enterprise.person.databases.update(reports_db.database_id, in_trash=False)
    summary = run_health_checks(context)
    assert summary.startswith("10/10 checks pass") and "database:Reports resolved" in summary
    assert plain(enterprise.rows("Alerts", "Check Name")["database:Reports"], "Status") == (
        "Resolved"
    )


def test_writes_and_refusals_reach_the_audit_trail_once(enterprise: EnterpriseHub) -> None:
    context = enterprise.context()
    copy_audit_log(context)  # what came before this test
    store = enterprise.runtime.store
    assert store is not None
    keys = ApiKeys(store.engine, store.clock)
    manager = keys.add("pm-audit", "manager")
    analyst = keys.add("bi-audit", "analyst")
    try:  # with keys, only keys get in (for this test only: the module's hub goes on without)
        posted = enterprise.client.post(
            "/api/projects", json={"name": "Gamma"}, headers=bearer(manager)
        )
        assert posted.status_code == 202, posted.text
        refused = enterprise.client.post(
            "/api/projects", json={"name": "Delta"}, headers=bearer(analyst)
        )
        assert refused.status_code == 403
    finally:
        keys.revoke("pm-audit")
        keys.revoke("bi-audit")
    copy_audit_log(context)  # the schedule may have copied some already: no matter
    [last] = AuditLog(store.engine).since(None, after_id=copied_up_to(context) - 1, limit=1)
    assert last.id == max(e.id for e in AuditLog(store.engine).since(None, limit=1000))
    assert copy_audit_log(context) == "0 audit entries copied to the Audit Trail"
    pages: Any = enterprise.person.data_sources.query(enterprise.source("Audit Trail"))
    titles = [plain(page, "Entry") for page in pages["results"]]
    assert len(titles) == len(set(titles))  # each entry once
    trail = list(enterprise.rows("Audit Trail", "Entry").values())
    created = [p for p in trail if plain(p, "Action") == "project.create"]
    assert [plain(p, "Resource") for p in created] == ["project Gamma"]
    assert created[0]["properties"]["Success"]["checkbox"] is True
    assert plain(created[0], "User ID") == "pm-audit (manager)"
    denied = [p for p in trail if plain(p, "User ID") == "bi-audit (analyst)"]
    assert [(plain(p, "Action"), plain(p, "Resource")) for p in denied] == [
        ("denied", "POST /api/projects")
    ]
    assert denied[0]["properties"]["Success"]["checkbox"] is False
    assert plain(denied[0], "Details") == "403 projects:write"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
