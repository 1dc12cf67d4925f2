"""The console with roles: any stored key signs in, the session names its key and role, an
analyst sees every page read-only (no replay or send-test button, and such POSTs refused 403),
a role lacking a page's permission gets 403, a revoked key's session ends, and the console's
writes are in the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from notionhub.hubdb.api_keys import ApiKeys
from notionhub.hubdb.audit_log import AuditLog
from tests.web.console.conftest import KEY, ConsoleHub
from tests.web.console.test_console_http import csrf_of

NAMES = ("console-analyst", "console-manager")


@pytest.fixture(scope="module")
def keys(console_hub: ConsoleHub) -> Iterator[dict[str, str]]:
    """An analyst's and a manager's key, revoked afterwards (the hub is the package's)."""
    store = ApiKeys(console_hub.store.engine, console_hub.store.clock)
    made = {"analyst": store.add(NAMES[0], "analyst"), "manager": store.add(NAMES[1], "manager")}
    yield made
    for name in NAMES:
        if store.named(name) is not None:
            store.revoke(name)


@contextmanager
def signed_in(console_hub: ConsoleHub, key: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=console_hub.url, timeout=30) as client:
        form = client.get("/login")
        answer = client.post("/login", data={"csrf_token": csrf_of(form), "api_key": key})
        assert answer.status_code == 303, answer.text
        yield client


def audit_after(console_hub: ConsoleHub, after: int) -> list[dict[str, object]]:
    log = AuditLog(console_hub.store.engine)
    return [entry.to_json() for entry in log.since(None, after_id=after, limit=1000)]


def last_audit_id(console_hub: ConsoleHub) -> int:
    entries = AuditLog(console_hub.store.engine).since(None, limit=100_000)
    return entries[-1].id if entries else 0


def test_an_analyst_sees_everything_read_only(
    console_hub: ConsoleHub, keys: dict[str, str]
) -> None:
    event_id = console_hub.post_stripe("evt_roles_analyst")
    console_hub.wait_for_status(event_id, "processed")
    after = last_audit_id(console_hub)
    with signed_in(console_hub, keys["analyst"]) as analyst:
        for path in ("/", "/console/events", "/console/workflows", "/console/agents"):
            assert analyst.get(path).status_code == 200, path
        events = analyst.get("/console/events")
        assert event_id in events.text and "Replay selected" not in events.text
        assert f"{NAMES[0]} (analyst)</span>" in events.text
        assert all(f'href="{path}"' in events.text for path in ("/console/workspace", "/"))
        event = analyst.get(f"/console/events/{event_id}")
        assert event.status_code == 200 and 'data-testid="replay"' not in event.text
        providers = analyst.get("/console/providers")
        assert providers.status_code == 200 and "Send test event" not in providers.text
        token = csrf_of(events)
        form = {"csrf_token": token, "event_id": event_id, "confirm": "yes"}
        replay = analyst.post("/console/replay", data=form)
        assert replay.status_code == 403
        assert "events:replay" in replay.text and "analyst" in replay.text
        sent = analyst.post("/console/providers/stripe/test", data={"csrf_token": token})
        assert sent.status_code == 403 and "providers:test" in sent.text
    # A script with the analyst's key as a bearer token is refused the same way.
    bearer = {"Authorization": f"Bearer {keys['analyst']}"}
    answer = httpx.post(f"{console_hub.url}/console/replay", data=form, headers=bearer)
    assert answer.status_code == 403
    assert console_hub.store.get(event_id).replays == 0
    rows = audit_after(console_hub, after)
    signs = [row for row in rows if row["action"] == "console.sign_in"]
    assert [(row["key_name"], row["role"]) for row in signs] == [(NAMES[0], "analyst")]
    denied = [row["details"] for row in rows if row["action"] == "denied"]
    assert denied == ["403 events:replay", "403 providers:test", "403 events:replay"]
    assert keys["analyst"] not in repr(rows)


def test_the_admin_buttons_are_there_and_their_writes_audited(
    console_hub: ConsoleHub, keys: dict[str, str]
) -> None:
    event_id = console_hub.post_stripe("evt_roles_admin")
    console_hub.wait_for_status(event_id, "processed")
    after = last_audit_id(console_hub)
    with signed_in(console_hub, KEY) as admin:
        event = admin.get(f"/console/events/{event_id}")
        assert 'data-testid="replay"' in event.text
        done = admin.post(
            "/console/replay",
            data={"csrf_token": csrf_of(event), "event_id": event_id, "confirm": "yes"},
        )
        assert done.status_code == 303
        providers = admin.get("/console/providers")
        assert "Send test event" in providers.text
        sent = admin.post("/console/providers/stripe/test", data={"csrf_token": csrf_of(event)})
        assert sent.status_code == 303
    rows = audit_after(console_hub, after)
    writes = {row["action"]: row for row in rows if row["action"] != "console.sign_in"}
    assert writes["events.replay"]["resource"] == f"events:{event_id}"
    assert writes["events.replay"]["key_name"] == "INTERNAL_API_KEY"
    assert writes["events.replay"]["success"] is True
    assert writes["providers.send_test"]["resource"] == "provider:stripe"
    assert writes["providers.send_test"]["success"] is True
    assert KEY not in repr(rows)


def test_a_role_without_the_page_permission_and_a_revoked_key(
    console_hub: ConsoleHub, keys: dict[str, str]
) -> None:
    with signed_in(console_hub, keys["manager"]) as manager:
        agents = manager.get("/console/agents")
        assert agents.status_code == 200
        assert 'href="/console/agents"' in agents.text
        assert 'href="/console/events"' not in agents.text  # no link to a page it may not open
        events = manager.get("/console/events")
        assert events.status_code == 403 and "events:read" in events.text
        assert "Not for your role" in events.text  # a console page, not JSON
        ApiKeys(console_hub.store.engine).revoke(NAMES[1])
        # The session names a key that is gone: sign in again.
        assert manager.get("/console/agents").status_code == 401
