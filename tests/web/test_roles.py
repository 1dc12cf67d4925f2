"""Roles on every route: each route of the hub (its packs' and the embedded Notion's admin API
included) is asked with a key of each role, with ``INTERNAL_API_KEY`` and with an unknown key.
A role granting the route's permission gets in; one that does not gets 403 naming the
permission and the role; an unknown key gets 401. Every refusal and every write is in the audit
log, which only admins read.

Routes are enumerated from ``app.routes`` (``tests/web/test_access.py``): a route added later
without an entry in ``ROUTE_PERMISSIONS`` fails here until its permission is declared (and
written in docs/roles.md). One hub serves the whole module.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from notionhub.hubdb.api_keys import ApiKeys
from notionhub.hubdb.tables import api_keys
from notionhub.ingest.event import Event
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from notionhub.roles import ROLE_PERMISSIONS, Role
from notionhub.web.authorization import UNAUTHORIZED
from tests.hub_server import Hub
from tests.queue.conftest import FAST_SCHEDULE, hub_settings
from tests.web.test_access import (
    NOTION_MOUNT,
    PROVIDER_ROUTES,
    PUBLIC,
    SIGN_IN,
    concrete,
    routes,
    served,
)

INTERNAL_KEY = "internal-key-of-the-roles-test"
PACKS = "coaching,network,echo,enterprise"

# The permission each route needs (docs/roles.md has the same table).
ROUTE_PERMISSIONS = {
    ("GET", "/api/events"): "events:read",
    ("GET", "/api/events/{event_id:path}"): "events:read",
    ("POST", "/api/events/{event_id:path}/replay"): "events:replay",
    ("GET", "/api/stats"): "stats:read",
    ("GET", "/api/agents"): "agents:read",
    ("POST", "/api/agents/{name}/heartbeat"): "agents:write",
    ("GET", "/api/agents/{name}/config"): "agents:read",
    ("GET", "/api/alerts"): "alerts:read",
    ("POST", "/api/projects"): "projects:write",
    ("GET", "/api/enterprise/outbox"): "packs:admin",
    ("GET", "/api/enterprise/stream"): "agents:read",
    ("GET", "/api/audit"): "audit:read",
    ("GET", "/workflows"): "workflows:read",
    ("GET", "/workflows/{instance_id:path}"): "workflows:read",
    ("GET", "/"): "stats:read",
    ("GET", "/console/stream"): "stats:read",
    ("GET", "/console/events"): "events:read",
    ("GET", "/console/events/{event_id:path}"): "events:read",
    ("POST", "/console/replay"): "events:replay",
    ("GET", "/console/workflows"): "workflows:read",
    ("GET", "/console/workflows/{instance_id:path}"): "workflows:read",
    ("GET", "/console/agents"): "agents:read",
    ("GET", "/console/workspace"): "workspace:read",
    ("GET", "/console/workspace/{name}"): "workspace:read",
    ("GET", "/console/providers"): "providers:read",
    ("POST", "/console/providers/{provider}/test"): "providers:test",
    ("GET", "/notion/_admin/stats"): "notion:admin",
    ("POST", "/notion/_admin/reset-stats"): "notion:admin",
    ("POST", "/notion/_admin/faults"): "notion:admin",
    ("POST", "/notion/_admin/rate-limit"): "notion:admin",
    ("GET", "/notion/_admin/webhooks"): "notion:admin",
    ("POST", "/notion/_admin/webhooks"): "notion:admin",
    ("DELETE", "/notion/_admin/webhooks/{subscription_id}"): "notion:admin",
}
# The embedded Notion's file URLs are the local Notion's own (an upload's random id, an hour's
# expiry, like Notion's signed file URLs), behind the loopback rule of the mount: no role.
NOT_ROLE_ROUTES = {"/notion/_files/{upload_id}/{filename:path}"}


@dataclass
class RolesHub:
    client: Hub
    app: FastAPI
    runtime: Runtime
    keys: dict[Role, str]

    @property
    def engine(self) -> object:
        assert self.runtime.store is not None
        return self.runtime.store.engine

    def audit(self, **params: str | int) -> list[dict[str, object]]:
        answer = self.client.get("/api/audit", params=params, headers=bearer(INTERNAL_KEY))
        assert answer.status_code == 200, answer.text
        entries: list[dict[str, object]] = answer.json()["entries"]
        return entries


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, processor: EventProcessor) -> Iterator[RolesHub]:
    settings = hub_settings(
        tmp_path_factory.mktemp("roles") / ".notionhub",
        notionhub_packs=PACKS,
        internal_api_key=INTERNAL_KEY,
        notionhub_notion_webhooks=False,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SNOVIO_WEBHOOK_SECRET", "snovio-secret-of-the-roles-test")
        with served(Runtime(settings, processor, schedule=FAST_SCHEDULE)) as (client, app):
            runtime = client.runtime
            assert runtime.store is not None
            store = ApiKeys(runtime.store.engine, runtime.store.clock)
            keys = {role: store.add(f"{role.value}-key", role.value) for role in Role}
            yield RolesHub(client, app, runtime, keys)


def status_of(client: Hub, method: str, url: str, key: str) -> tuple[int, str]:
    """The status (and, for a refusal, the body) without reading a stream to its end."""
    with client.stream(method, url, headers=bearer(key)) as answer:
        body = answer.read().decode() if answer.status_code in (401, 403) else ""
        return answer.status_code, body


def test_every_role_on_every_route(hub: RolesHub) -> None:
    walked = set()
    for method, path in routes(hub.app):
        if (
            path in PUBLIC
            or path in PROVIDER_ROUTES
            or path in SIGN_IN
            or path in NOT_ROLE_ROUTES
            or path.startswith(NOTION_MOUNT + "/v1/")
        ):
            continue
        permission = ROUTE_PERMISSIONS.get((method, path))
        assert permission is not None, f"{method} {path}: declare its permission here and in docs"
        walked.add((method, path))
        url = concrete(path)
        status, body = status_of(hub.client, method, url, "nhk_not-a-key-of-this-hub")
        assert status == 401, f"{method} {path} let an unknown key in"
        assert "Bearer" in body or 'name="api_key"' in body  # the API's / the console's
        status, _ = status_of(hub.client, method, url, INTERNAL_KEY)
        assert status not in (401, 403), f"{method} {path} refused INTERNAL_API_KEY"
        for role, key in hub.keys.items():
            status, body = status_of(hub.client, method, url, key)
            if permission in ROLE_PERMISSIONS[role]:
                assert status not in (401, 403), f"{method} {path} refused {role}: {body}"
            else:
                assert status == 403, f"{method} {path} let {role} in ({status})"
                assert permission in body and role.value in body and f"{role.value}-key" in body
    assert walked == set(ROUTE_PERMISSIONS), "a declared route is not served any more"


def test_the_four_roles_as_the_issue_defines_them() -> None:
    reads = {"events:read", "workflows:read", "agents:read", "workspace:read", "providers:read"}
    assert reads | {"reports:read", "reports:write"} <= ROLE_PERMISSIONS[Role.ANALYST]
    assert not {"events:replay", "providers:test", "audit:read"} & ROLE_PERMISSIONS[Role.ANALYST]
    assert {"projects:write", "agents:write"} <= ROLE_PERMISSIONS[Role.MANAGER]
    assert "events:read" not in ROLE_PERMISSIONS[Role.MANAGER]
    assert ROLE_PERMISSIONS[Role.OPERATOR] == {
        "stats:read",
        "agents:read",
        "agents:write",
        "alerts:read",
    }
    assert all(
        ROLE_PERMISSIONS[role] < ROLE_PERMISSIONS[Role.ADMIN]
        for role in Role
        if role is not Role.ADMIN
    )


def test_a_refusal_and_a_write_are_in_the_audit_log_and_no_key_is(hub: RolesHub) -> None:
    start = hub.audit()
    after = int(start[-1]["id"]) if start else 0  # type: ignore[call-overload]
    client = hub.client
    analyst = hub.keys[Role.ANALYST]
    assert client.post("/api/events/e-1/replay", headers=bearer(analyst)).status_code == 403
    assert client.get("/api/events", headers=bearer("nhk_wrong")).status_code == 401
    assert client.get("/api/events").status_code == 401
    store = hub.runtime.store
    assert store is not None
    event_id = "roles:audited-1"  # a type no pack handles: whatever its status, it exists
    when = datetime(2026, 12, 1, tzinfo=UTC)
    event = Event(
        provider="roles",
        type="audited",
        idempotency_key=event_id,
        entity_key=None,
        occurred_at=when,
        data={},
    )
    store.insert_many([event])
    refused = client.post(f"/api/events/{event_id}/replay?pack=nope", headers=bearer(INTERNAL_KEY))
    assert refused.status_code == 400
    reset = client.post("/notion/_admin/reset-stats", headers=bearer(INTERNAL_KEY))
    assert reset.status_code < 400
    entries = hub.audit(after=after)
    denied = [(e["key_name"], e["role"], e["details"]) for e in entries if e["action"] == "denied"]
    assert denied == [
        ("analyst-key", "analyst", "403 events:replay"),
        ("anonymous", None, "401 events:read"),
        ("anonymous", None, "401 events:read"),
    ]
    [write] = [e for e in entries if e["action"] == "events.replay"]
    assert write["key_name"] == "INTERNAL_API_KEY" and write["role"] == "admin"
    assert write["resource"] == f"event:{event_id}" and write["success"] is False
    assert str(write["details"]).startswith("400")
    [admin] = [e for e in entries if e["action"] == "notion.admin"]
    assert admin["resource"] == "POST /_admin/reset-stats" and admin["success"] is True
    assert all(str(e["time"]).endswith("+00:00") for e in entries)
    text = repr(hub.audit())
    assert INTERNAL_KEY not in text and not any(key in text for key in hub.keys.values())
    assert "nhk_wrong" not in text


def test_the_audit_log_is_for_admins_and_reads_since_a_time(hub: RolesHub) -> None:
    for role in (Role.MANAGER, Role.ANALYST, Role.OPERATOR):
        answer = hub.client.get("/api/audit", headers=bearer(hub.keys[role]))
        assert answer.status_code == 403 and "audit:read" in answer.json()["message"]
    assert hub.client.get("/api/audit", headers=bearer(hub.keys[Role.ADMIN])).status_code == 200
    assert hub.audit(since="2999-01-01T00:00:00Z") == []
    assert hub.audit(since="2000-01-01T00:00:00") != []
    bad = hub.client.get("/api/audit?since=yesterday", headers=bearer(INTERNAL_KEY))
    assert bad.status_code == 422


def test_keys_are_stored_hashed_and_a_revoked_key_is_refused(hub: RolesHub) -> None:
    from sqlalchemy import select
    from sqlalchemy.engine import Engine

    engine = hub.engine
    assert isinstance(engine, Engine)
    with engine.connect() as connection:
        stored = repr(connection.execute(select(api_keys)).all())
    assert not any(key in stored for key in hub.keys.values())
    keys = ApiKeys(engine)
    extra = keys.add("short-lived", "operator")
    assert hub.client.get("/api/agents", headers=bearer(extra)).status_code == 200
    used = keys.named("short-lived")
    assert used is not None and used.last_used_at is not None
    keys.revoke("short-lived")
    answer = hub.client.get("/api/agents", headers=bearer(extra))
    assert answer.status_code == 401 and answer.json()["message"] == UNAUTHORIZED


def test_without_internal_api_key_stored_keys_still_rule_and_none_means_loopback(
    hub: RolesHub,
) -> None:
    """Runs last: it takes every key away (the loopback rule comes back only then)."""
    state = hub.app.state.hub
    keyed = state.settings
    state.settings = keyed.model_copy(update={"internal_api_key": None})
    try:
        assert hub.client.get("/api/events").status_code == 401  # a key is stored
        analyst = bearer(hub.keys[Role.ANALYST])
        assert hub.client.get("/api/events", headers=analyst).status_code == 200
        assert hub.client.get("/api/events", headers=bearer(INTERNAL_KEY)).status_code == 401
        engine = hub.engine
        from sqlalchemy.engine import Engine

        assert isinstance(engine, Engine)
        for role in Role:
            ApiKeys(engine).revoke(f"{role.value}-key")
        assert hub.client.get("/api/events").status_code == 200  # loopback, no key anywhere
        remote = asyncio.run(from_another_host(hub.app))
        assert remote.status_code == 403 and "keys add" in remote.json()["message"]
    finally:
        state.settings = keyed


async def from_another_host(app: FastAPI) -> httpx.Response:
    transport = httpx.ASGITransport(app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
        return await client.get("/api/events")


def test_paths_are_what_the_docs_list() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "roles.md").read_text()
    for (method, path), permission in ROUTE_PERMISSIONS.items():
        assert f"`{method} {path}`" in docs and permission in docs, (method, path)
