"""Every route of the hub, with its packs, refuses strangers: with INTERNAL_API_KEY set, each route
is asked with no key, a wrong key and the right key.

Routes are enumerated from ``app.routes`` (the embedded local Notion's too), so a route added
later is covered without editing this file: unless it is listed below as public (with the
reason) or as a provider's, it is an operator route and must answer 401 without the key.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from notionhub.localnotion.app import API_VERSION, DEFAULT_TOKEN
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from notionhub.web.app import create_hub_app
from notionhub.web.notion_mount import GuardedLocalNotion
from tests.conftest import free_port
from tests.hub_server import Hub
from tests.ingest import signers
from tests.queue.conftest import FAST_SCHEDULE, hub_settings
from tests.servers import serving

INTERNAL_KEY = signers.SECRETS["forms"]  # the forms' and the coaching app's bearer too
NOTION_TOKEN = "local-notion-token-of-this-test"
PACKS = "coaching,network,echo,enterprise"

# Routes anyone may call, and why that is safe.
PUBLIC = {
    "/health": "liveness for load balancers: status, version and the Notion URL, no data",
    "/health/ready": "readiness for orchestrators: which part is failing, no data",
    "/metrics": "Prometheus scrape: counters and gauges by provider and outcome, no data",
    "/openapi.json": "the API's description, the same for everyone",
    "/docs": "the API's description, rendered",
    "/docs/oauth2-redirect": "part of the rendered description",
    "/docs-assets/{file}": "Swagger UI's files for /docs, the same for everyone",
    "/console/static/{file}": "the console's script and style sheet, the same for everyone",
}
# A file each public mount of static files serves (checked to answer 200).
PUBLIC_SAMPLES = {
    "/docs-assets/{file}": "/docs-assets/swagger-ui.css",
    "/console/static/{file}": "/console/static/htmx.min.js",
}
# The console's sign-in and sign-out: the form is for everyone, posting it needs its CSRF
# token (tests/web/console/test_console_http.py). Every other console page is an operator
# route like any other (a browser without a session gets the sign-in form with its 401).
SIGN_IN = {"/login", "/logout"}
# Routes providers post to: their signature (or bearer secret) is the key.
PROVIDER_ROUTES = {
    "/hooks/{provider}": None,  # every provider, in turn
    "/webhooks/typeform": "typeform",
    "/api/forms/submit": "forms",
    "/api/notion/notion-handler": "coaching-app",
}
NOTION_MOUNT = "/notion"


@contextmanager
def served(runtime: Runtime) -> Iterator[tuple[Hub, FastAPI]]:
    """The hub of ``runtime`` served on loopback: a client without keys, and its app."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_hub_app(runtime, url)
    with serving(app, port=port, start_seconds=60), Hub(base_url=url, timeout=30) as client:
        client.runtime = runtime
        yield client, app


@pytest.fixture
def hub_and_app(
    tmp_path: Path, processor: EventProcessor, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Hub, FastAPI]]:
    monkeypatch.setenv("SNOVIO_WEBHOOK_SECRET", signers.SECRETS["snovio"])  # the network pack's
    settings = hub_settings(
        tmp_path / ".notionhub",
        notionhub_packs=PACKS,
        internal_api_key=INTERNAL_KEY,
        local_notion_token=NOTION_TOKEN,
        notionhub_notion_webhooks=False,  # the Notion secret stays the one set here
        stripe_webhook_secret=signers.SECRETS["stripe"],
        calcom_webhook_secret=signers.SECRETS["calcom"],
        zoom_webhook_secret_token=signers.SECRETS["zoom"],
        typeform_webhook_secret=signers.SECRETS["typeform"],
        woocommerce_webhook_secret=signers.SECRETS["woocommerce"],
        hubspot_client_secret=signers.SECRETS["hubspot"],
        amelia_webhook_secret=signers.SECRETS["amelia"],
        beehiiv_webhook_secret=signers.SECRETS["beehiiv"],
        circle_webhook_secret=signers.SECRETS["circle"],
        notion_webhook_verification_token=signers.SECRETS["notion"],
    )
    with served(Runtime(settings, processor, schedule=FAST_SCHEDULE)) as both:
        yield both


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route of the hub's app, those of mounted apps included."""
    found = []
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            mount = route.original_route
            if isinstance(mount.app, StaticFiles):
                found.append(("GET", mount.path + "/{file}"))
                continue
            assert isinstance(mount.app, GuardedLocalNotion), f"{mount.path} is not guarded"
            found += [
                (method, mount.path + sub.path)
                for sub in mount.routes
                for method in getattr(sub, "methods", None) or ()
            ]
        else:
            found += [(method, str(route.path)) for method in route.methods or ()]
    return sorted((method, path) for method, path in set(found) if method != "HEAD")


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def operator_answers(hub: Hub, method: str, path: str) -> list[int]:
    url = concrete(path)
    wrong = {"Authorization": "Bearer not-the-key"}
    right = {"Authorization": f"Bearer {INTERNAL_KEY}"}
    return [hub.request(method, url, headers=headers).status_code for headers in ({}, wrong, right)]


def test_every_route_refuses_strangers(hub_and_app: tuple[Hub, FastAPI]) -> None:
    hub, app = hub_and_app
    seen_operator = []
    for method, path in routes(app):
        if path in PUBLIC:
            assert hub.request(method, PUBLIC_SAMPLES.get(path, path)).status_code == 200, path
        elif path in PROVIDER_ROUTES:
            continue  # test_provider_routes_take_only_signed_deliveries
        elif path.startswith(NOTION_MOUNT + "/v1/"):
            continue  # test_the_mounted_notion_takes_its_own_token
        elif path.startswith(NOTION_MOUNT + "/_files/"):
            continue  # the local Notion's file URLs: an upload's random id (tests/localnotion/)
        elif path in SIGN_IN:
            continue  # tests/web/console/test_console_http.py
        else:
            none, wrong, right = operator_answers(hub, method, path)
            assert (none, wrong) == (401, 401), f"{method} {path} let a stranger in"
            assert right not in (401, 403), f"{method} {path} refused the operator"
            seen_operator.append(path)
    # The contract's operator routes are among those found (the enumeration works).
    assert {"/api/events", "/api/stats", "/workflows", "/notion/_admin/webhooks"} <= set(
        seen_operator
    )


def signed(provider: str, body: bytes, url: str) -> tuple[dict[str, str], str]:
    """Headers and query string of ``body`` signed correctly for ``provider`` at ``url``."""
    if provider == "hubspot":
        request = signers.hubspot(body, url=url)
    else:
        request = signers.SIGNERS[provider](body)
    return dict(request.headers), urlsplit(request.url).query


def test_provider_routes_take_only_signed_deliveries(hub_and_app: tuple[Hub, FastAPI]) -> None:
    hub, app = hub_and_app
    assert set(PROVIDER_ROUTES) <= {path for _method, path in routes(app)}
    providers: list[str] = app.state.hub.providers.names()
    targets = [
        (path.replace("{provider}", name), name)
        for path, provider in PROVIDER_ROUTES.items()
        for name in ([provider] if provider else providers)
    ]
    body = b"{}"
    for url, provider in targets:
        nothing = hub.post(url, content=body)
        assert nothing.status_code == 401, f"{url} took an unsigned delivery: {nothing.text}"
        headers, query = signed(provider, body, f"{hub.base_url}{url}")
        forged = {name: "0" * len(value) for name, value in headers.items()}
        wrong_query = re.sub(r"token=[^&]*", "token=not-the-secret", query)
        wrong = hub.post(f"{url}?{wrong_query}", content=body, headers=forged)
        assert wrong.status_code == 401, f"{url} took a forged delivery: {wrong.text}"
        target = f"{url}?{query}" if query else url
        right = hub.post(target, content=body, headers=headers)
        assert right.status_code not in (401, 403, 503), f"{url} refused a signed one: {right.text}"


def test_the_mounted_notion_takes_its_own_token(hub_and_app: tuple[Hub, FastAPI]) -> None:
    hub, app = hub_and_app
    version = {"Notion-Version": API_VERSION}
    v1 = [(m, p) for m, p in routes(app) if p.startswith(NOTION_MOUNT + "/v1/")]
    assert ("GET", "/notion/v1/users/me") in v1
    for method, path in v1:
        url = concrete(path)
        for token in (None, "not-the-token", INTERNAL_KEY, DEFAULT_TOKEN):
            headers = version if token is None else {**version, "Authorization": f"Bearer {token}"}
            answer = hub.request(method, url, headers=headers)
            assert answer.status_code == 401, f"{method} {path} with {token}"
    me = hub.get(
        "/notion/v1/users/me", headers={**version, "Authorization": f"Bearer {NOTION_TOKEN}"}
    )
    assert me.status_code == 200


def test_the_default_notion_token_and_the_admin_api_are_for_this_machine_only(
    tmp_path: Path, processor: EventProcessor
) -> None:
    """No LOCAL_NOTION_TOKEN and no INTERNAL_API_KEY: loopback callers only."""
    settings = hub_settings(tmp_path / ".notionhub", notionhub_notion_webhooks=False)
    headers = {"Authorization": f"Bearer {DEFAULT_TOKEN}", "Notion-Version": API_VERSION}
    with served(Runtime(settings, processor, schedule=FAST_SCHEDULE)) as (hub, app):
        assert hub.get("/notion/v1/users/me", headers=headers).status_code == 200
        assert hub.get("/notion/_admin/webhooks").status_code == 200
        me, admin = asyncio.run(from_another_host(app, headers))
    # Without LOCAL_NOTION_ALLOW_REMOTE the embedded Notion answers no other host, whatever the
    # token (tests/web/test_embedded_notion_exposure.py covers the allowed case).
    for answer in (me, admin):
        assert answer.status_code == 403 and answer.json()["code"] == "restricted_resource"
        assert "LOCAL_NOTION_ALLOW_REMOTE" in answer.json()["message"]


async def from_another_host(app: FastAPI, headers: dict[str, Any]) -> list[httpx.Response]:
    """Requests from a host on the network; both are refused before the app is reached."""
    transport = httpx.ASGITransport(app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
        return [
            await client.get("/notion/v1/users/me", headers=headers),
            await client.get("/notion/_admin/webhooks"),
        ]
