"""The console over HTTP: sign-in, session cookie, CSRF, who gets in, redaction, pagination and
filters, replay with its confirmation."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from notionhub.ingest.event import Event
from tests.web.console.conftest import KEY, ConsoleHub, wait_until

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


def sign_in(client: httpx.Client) -> None:
    form = client.get("/login")
    answer = client.post("/login", data={"csrf_token": csrf_of(form), "api_key": KEY})
    assert answer.status_code == 303, answer.text


@pytest.fixture(scope="module")
def operator(console_hub: ConsoleHub) -> Iterator[httpx.Client]:
    """A browser-like client, signed in."""
    with httpx.Client(base_url=console_hub.url, timeout=30) as client:
        sign_in(client)
        yield client


def test_a_stranger_gets_the_sign_in_form_and_a_session_cookie(console_hub: ConsoleHub) -> None:
    with httpx.Client(base_url=console_hub.url, timeout=30) as client:
        cookie = client.get("/").headers["set-cookie"]
        flags = {part.strip().lower() for part in cookie.split(";")}
        assert {"httponly", "samesite=lax", "path=/"} <= flags
        assert "secure" not in flags  # plain http on loopback; https gets Secure
        for path in ("/", "/console/events", "/console/workspace", "/console/stream"):
            answer = client.get(path)
            assert answer.status_code == 401, path
            assert 'name="api_key"' in answer.text and "Sign in" in answer.text
            assert "events-received" not in answer.text
        assert client.post("/login", data={"api_key": KEY}).status_code == 403  # no CSRF token
        form = client.get("/login")
        wrong = client.post("/login", data={"csrf_token": csrf_of(form), "api_key": "nope"})
        assert wrong.status_code == 401 and "not the key" in wrong.text
        sign_in(client)
        assert client.get("/").status_code == 200
        # Signing out ends the session.
        page = client.get("/")
        assert client.post("/logout", data={"csrf_token": csrf_of(page)}).status_code == 303
        assert client.get("/").status_code == 401


def test_sign_in_goes_back_only_to_a_page_of_this_hub(console_hub: ConsoleHub) -> None:
    with httpx.Client(base_url=console_hub.url, timeout=30) as client:
        for then, target in (
            ("/console/events?status=failed", "/console/events?status=failed"),
            ("//evil.example/", "/"),
            ("https://evil.example/", "/"),
        ):
            form = client.get("/login")
            answer = client.post(
                "/login", data={"csrf_token": csrf_of(form), "api_key": KEY, "then": then}
            )
            assert answer.headers["location"] == target


def test_a_forged_cookie_is_no_session(console_hub: ConsoleHub, operator: httpx.Client) -> None:
    value = operator.cookies["notionhub_console"]
    payload, signature = value.split(".")
    # One character of the signature changed (a signature ending in "AA" once made the
    # "forgery" the cookie itself: about one run in a thousand).
    other = "B" if signature[-2] == "A" else "A"
    forged = {"notionhub_console": f"{payload}.{signature[:-2]}{other}{signature[-1]}"}
    with httpx.Client(base_url=console_hub.url, timeout=30, cookies=forged) as client:
        assert client.get("/").status_code == 401


def test_pages_carry_the_security_headers(operator: httpx.Client) -> None:
    for path in (
        "/",
        "/console/events",
        "/console/workflows",
        "/console/workspace",
        "/console/providers",
        "/login",
    ):
        headers = operator.get(path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
        assert "unsafe-inline" not in policy
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
    htmx = operator.get("/console/static/htmx.min.js")
    assert htmx.status_code == 200 and "htmx" in htmx.text


def test_every_form_post_needs_the_session_csrf_token(
    console_hub: ConsoleHub, operator: httpx.Client
) -> None:
    event_id = console_hub.post_stripe("evt_csrf_1")
    console_hub.wait_for_status(event_id, "processed")
    for token in (None, "not-the-token"):
        data = {"event_id": event_id, "confirm": "yes"}
        if token:
            data["csrf_token"] = token
        assert operator.post("/console/replay", data=data).status_code == 403
        assert operator.post("/console/providers/stripe/test", data=data).status_code == 403
        assert operator.post("/logout", data=data).status_code == 403
    assert console_hub.store.get(event_id).replays == 0
    # A script with the key as a bearer token sends no cookie: no CSRF token needed.
    bearer = {"Authorization": f"Bearer {KEY}"}
    answer = httpx.get(f"{console_hub.url}/console/events", headers=bearer)
    assert answer.status_code == 200 and "set-cookie" not in answer.headers


def test_without_a_key_the_console_answers_this_machine_only(console_hub: ConsoleHub) -> None:
    hub = console_hub.app.state.hub
    keyed = hub.settings
    hub.settings = keyed.model_copy(update={"internal_api_key": None})
    try:
        local = httpx.get(f"{console_hub.url}/")
        assert local.status_code == 200 and 'data-testid="events-received"' in local.text
        remote = asyncio.run(from_another_host(console_hub))
        assert remote.status_code == 403
        assert "INTERNAL_API_KEY" in remote.text
    finally:
        hub.settings = keyed


async def from_another_host(console_hub: ConsoleHub) -> httpx.Response:
    transport = httpx.ASGITransport(console_hub.app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
        return await client.get("/console/events")


def test_the_event_page_hides_secrets_and_signatures(
    console_hub: ConsoleHub, operator: httpx.Client
) -> None:
    event_id = console_hub.post_stripe(
        "evt_secretive",
        {"client_secret": "cs_live_SECRET_VALUE", "signature": "sig_VALUE", "amount": 4200},
    )
    page = operator.get(f"/console/events/{event_id}")
    assert page.status_code == 200
    assert "cs_live_SECRET_VALUE" not in page.text and "sig_VALUE" not in page.text
    assert "4200" in page.text and "•••" in page.text
    assert operator.get("/console/events/stripe:evt_nope").status_code == 404


def test_the_event_page_lists_the_notion_pages_it_wrote(
    console_hub: ConsoleHub, operator: httpx.Client
) -> None:
    event_id = console_hub.post_stripe("evt_writes_a_row", {"amount": 100})
    console_hub.wait_for_status(event_id, "processed", "failed")
    page = operator.get(f"/console/events/{event_id}")
    listed = re.findall(r'data-testid="notion-page" data-page-id="([^"]+)"', page.text)
    # The echo pack's Event Log row: the id its history notes as created.
    assert len(listed) == 1 and f"Event Log row created ({listed[0]})" in page.text, page.text


def ids_on(page: httpx.Response) -> list[str]:
    return re.findall(r'data-testid="event-row" data-event-id="([^"]+)"', page.text)


def test_pages_of_50_newest_first_and_every_filter(
    console_hub: ConsoleHub, operator: httpx.Client
) -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    stored = [
        Event(
            provider="paging",
            type=f"kind.{i % 3}",
            idempotency_key=f"paging:{i:03d}",
            entity_key=f"email:p{i % 4}@example.com",
            occurred_at=at,
            data={"n": i},
        )
        for i in range(130)
    ]
    console_hub.store.insert_many(stored)
    seen: list[str] = []
    url: str | None = "/console/events?provider=paging"
    while url is not None:
        page = operator.get(url)
        seen += ids_on(page)
        found = re.search(r'href="([^"]+)" rel="next"', page.text)
        url = found.group(1).replace("&amp;", "&") if found else None
    assert seen == [event.idempotency_key for event in reversed(stored)]
    by = {
        "type=kind.1": [e for e in stored if e.type == "kind.1"],
        "entity=email:p2@example.com": [
            e for e in stored if e.entity_key == "email:p2@example.com"
        ],
        "q=PAGING:12": [e for e in stored if e.idempotency_key.startswith("paging:12")],
    }
    for query, expected in by.items():
        page = operator.get(f"/console/events?provider=paging&{query}")
        assert ids_on(page) == [e.idempotency_key for e in reversed(expected)][:50], query
    future = operator.get("/console/events?provider=paging&since=2999-01-01T00:00")
    assert ids_on(future) == []
    past = operator.get("/console/events?provider=paging&until=2000-01-01T00:00")
    assert ids_on(past) == []
    assert operator.get("/console/events?status=nonsense").status_code == 400


def test_replay_of_a_failed_event_asks_first_then_runs_it_again(
    console_hub: ConsoleHub, operator: httpx.Client
) -> None:
    console_hub.breaker.broken.add("stripe:evt_breaks_once")
    event_id = console_hub.post_stripe("evt_breaks_once")
    console_hub.wait_for_status(event_id, "failed")
    failed = operator.get("/console/events?status=failed")
    assert event_id in ids_on(failed)
    token = csrf_of(failed)
    asked = operator.post("/console/replay", data={"csrf_token": token, "event_id": event_id})
    assert asked.status_code == 200 and 'data-testid="confirm-replay"' in asked.text
    assert console_hub.store.get(event_id).status == "failed"  # nothing replayed yet
    console_hub.breaker.broken.discard(event_id)
    done = operator.post(
        "/console/replay", data={"csrf_token": token, "event_id": event_id, "confirm": "yes"}
    )
    assert done.status_code == 303
    console_hub.wait_for_status(event_id, "processed")
    assert console_hub.store.get(event_id).replays == 1


def test_the_other_pages(console_hub: ConsoleHub, operator: httpx.Client) -> None:
    wait_until(lambda: console_hub.runtime.provision_report is not None, "provisioned")
    workspace = operator.get("/console/workspace")
    assert 'data-testid="database-row"' in workspace.text and "Event Log" in workspace.text
    rows = operator.get("/console/workspace/Event Log")
    assert rows.status_code == 200 and "<th" in rows.text
    providers = operator.get("/console/providers")
    assert (
        "http://127.0.0.1:8000/hooks/stripe" in providers.text or "/hooks/stripe" in providers.text
    )
    assert "whsec_test_secret" not in providers.text
    sent = operator.post("/console/providers/stripe/test", data={"csrf_token": csrf_of(providers)})
    assert sent.status_code == 303 and sent.headers["location"].startswith("/console/events/")


def test_the_agents_page_lists_each_agent_and_its_runs(
    console_hub: ConsoleHub, operator: httpx.Client
) -> None:
    event_id = console_hub.post_stripe("evt_for_the_agents_page", {"amount": 1})
    console_hub.wait_for_status(event_id, "processed", "failed")
    # Earlier tests' events may still be running: the page and the API must see the same runs.
    wait_until(lambda: _unfinished(console_hub) == 0, "every event finished")
    answer = operator.get("/console/agents")
    assert answer.status_code == 200
    rows = re.findall(r'data-testid="agent-row" data-agent="([^"]+)"', answer.text)
    api = operator.get("/api/agents", headers={"Authorization": f"Bearer {KEY}"}).json()["agents"]
    assert rows == [f"{agent['pack']}.{agent['name']}" for agent in api]
    echo = next(agent for agent in api if agent["pack"] == "echo")
    assert echo["runs"] >= 1  # the event above ran it
    row = answer.text.split(f'data-agent="echo.{echo["name"]}"', 1)[1].split("</tr>", 1)[0]
    assert re.search(rf"<td>{echo['runs']}</td>", row), row
    assert 'aria-current="page"' in answer.text and ">Agents</a>" in answer.text


def _unfinished(console_hub: ConsoleHub) -> int:
    counts = console_hub.store.counts()
    return counts["pending"] + counts["queued"]
