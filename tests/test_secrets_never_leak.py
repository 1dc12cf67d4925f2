"""No secret leaves the hub: not in a log line, a response (body or header), nor any file of the
data folder, whatever is sent to it (signed, badly signed, replays, the event API, operations).

Every secret is set to a distinctive value; each is looked for as given and in the forms a
careless line would print it (hex, base64, URL-quoted, a Standard Webhooks key decoded). The
signatures of the deliveries themselves must not be echoed either. The console's pages (each
event's included) and the audit log are read too.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest
import structlog.testing

from notionhub.localnotion.app import API_VERSION
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from tests.hub_server import Hub, serve_hub
from tests.ingest import signers
from tests.queue.conftest import FAST_SCHEDULE, hub_settings, wait_until_drained

PAYLOADS = Path(__file__).parent / "ingest" / "payloads"
BEEHIIV_KEY = b"beehiiv-key-Zq7Wx3-of-this-test!"
SECRETS = {
    "stripe": "whsec_stripeQ7x2LEAKCHECK",
    "calcom": "calcom-P3k9LEAKCHECK",
    "zoom": "zoom-T5m1LEAKCHECK",
    "typeform": "typeform-R8d4LEAKCHECK",
    "woocommerce": "woo-H2v6LEAKCHECK",
    "hubspot": "hubspot-J9c3LEAKCHECK",
    "amelia": "amelia-N4f8LEAKCHECK",
    "beehiiv": "whsec_" + base64.b64encode(BEEHIIV_KEY).decode(),
    "circle": "circle-W6y2LEAKCHECK",
    "notion": "secret_notionV1b7LEAKCHECK",
    "snovio": "snovio-G3h5LEAKCHECK",
    "coaching-app": "internal-K8s2LEAKCHECK",
    "forms": "internal-K8s2LEAKCHECK",
}
LOCAL_NOTION_TOKEN = "ntn_localU4e6LEAKCHECK"
PERSON_TOKEN = "ntn_personA1z9LEAKCHECK"
INTERNAL_KEY = SECRETS["forms"]


def leak_forms(secret: str) -> set[str]:
    """``secret`` as given and as a log line or a file might carry it."""
    raw = secret.encode()
    forms = {secret, raw.hex(), base64.b64encode(raw).decode(), quote(secret, safe="")}
    if secret == SECRETS["beehiiv"]:  # a Standard Webhooks secret: the key is its base64 part
        key = base64.b64decode(secret.removeprefix("whsec_"))
        forms |= {key.hex(), base64.b64encode(key).decode(), key.decode(errors="replace")}
    return {form for form in forms if len(form) >= 8}


@pytest.fixture
def hub(
    tmp_path: Path, processor: EventProcessor, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Hub]:
    monkeypatch.setenv("SNOVIO_WEBHOOK_SECRET", SECRETS["snovio"])
    settings = hub_settings(
        tmp_path / ".notionhub",
        notionhub_packs="coaching,network,echo",
        internal_api_key=INTERNAL_KEY,
        local_notion_token=LOCAL_NOTION_TOKEN,
        local_notion_person_token=PERSON_TOKEN,
        notionhub_notion_webhooks=False,
        stripe_webhook_secret=SECRETS["stripe"],
        calcom_webhook_secret=SECRETS["calcom"],
        zoom_webhook_secret_token=SECRETS["zoom"],
        typeform_webhook_secret=SECRETS["typeform"],
        woocommerce_webhook_secret=SECRETS["woocommerce"],
        hubspot_client_secret=SECRETS["hubspot"],
        amelia_webhook_secret=SECRETS["amelia"],
        beehiiv_webhook_secret=SECRETS["beehiiv"],
        circle_webhook_secret=SECRETS["circle"],
        notion_webhook_verification_token=SECRETS["notion"],
    )
    runtime = Runtime(settings, processor, schedule=FAST_SCHEDULE)
    with serve_hub(runtime) as client:
        yield client


def payload(provider: str) -> bytes:
    folder = PAYLOADS / provider.replace("-", "_")
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    return files[0].read_bytes() if files else b'{"event": "test", "email": "jane@example.com"}'


def sign(provider: str, body: bytes, url: str) -> tuple[dict[str, str], str]:
    """Headers and query of ``body`` signed for ``provider`` with this test's secret."""
    secret = SECRETS[provider]
    if provider == "hubspot":
        request = signers.hubspot(body, secret, url=url)
    elif provider == "amelia":
        request = signers.amelia(body, secret)
    elif provider in ("coaching-app", "forms"):
        request = signers.bearer(body, secret)
    else:
        request = signers.SIGNERS[provider](body, secret)  # type: ignore[call-arg]
    return dict(request.headers), urlsplit(request.url).query


PATHS = {"coaching-app": "/api/notion/notion-handler", "forms": "/api/forms/submit"}
SIGNATURE = re.compile(r"[0-9a-f]{40,}|[A-Za-z0-9+/]{40,}={0,2}")


def test_no_secret_nor_signature_leaks(hub: Hub, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []  # every response, headers and body
    signatures: set[str] = set()

    def keep(answer: httpx.Response) -> None:
        seen.append(f"{answer.status_code} {dict(answer.headers)} {answer.text}")

    hub.headers.clear()
    operator = {"Authorization": f"Bearer {INTERNAL_KEY}"}
    with structlog.testing.capture_logs() as logs:
        for provider in sorted(SECRETS):
            path = PATHS.get(provider, f"/hooks/{provider}")
            body = payload(provider)
            headers, query = sign(provider, body, f"{hub.base_url}{path}")
            signatures |= {
                found
                for value in headers.values()
                for found in SIGNATURE.findall(value)
                if found not in SECRETS.values()
            }
            target = f"{path}?{query}" if query else path
            keep(hub.post(target, content=body, headers=headers))  # signed
            keep(hub.post(target, content=body, headers=headers))  # a redelivery
            keep(hub.post(target, content=body + b" ", headers=headers))  # signed, then changed
            forged = {name: value[::-1] for name, value in headers.items()}
            keep(hub.post(path, content=body, headers=forged))  # badly signed
            keep(hub.post(target, content=b"{not json", headers=headers))  # an error
        assert hub.runtime.store is not None
        wait_until_drained(hub.runtime.store, 1)
        listed = hub.get("/api/events", params={"limit": 500}, headers=operator)
        keep(listed)
        for event in listed.json()["events"]:
            keep(hub.get(f"/api/events/{event['id']}", headers=operator))
            keep(hub.post(f"/api/events/{event['id']}/replay", headers=operator))
        keep(hub.get("/api/events", headers={"Authorization": "Bearer wrong"}))
        for path in ("/api/stats", "/api/agents", "/workflows", "/api/audit"):
            keep(hub.get(path, headers=operator))
        # The console's pages, as an operator's browser gets them (bearer: no session needed).
        for path in ("/", "/console/events", "/console/providers", "/console/workspace",
                     "/console/agents", "/console/workflows", "/console/stream"):  # fmt: skip
            page = hub.get(path, headers=operator)
            assert page.status_code == 200, f"{path}: {page.status_code}"
            keep(page)
        for event in listed.json()["events"]:
            page = hub.get(f"/console/events/{quote(event['id'], safe='')}", headers=operator)
            assert page.status_code == 200 and "Payload" in page.text, event["id"]
            keep(page)
        for path in ("/metrics", "/health", "/health/ready", "/openapi.json"):
            keep(hub.get(path))
        keep(hub.get("/notion/_admin/webhooks", headers=operator))
        keep(hub.get("/notion/_admin/stats", headers=operator))
        version = {"Notion-Version": API_VERSION}
        keep(hub.get("/notion/v1/users/me", headers=version))
        keep(hub.get("/notion/v1/users/me", headers={**version, "Authorization": "Bearer x"}))
        wait_until_drained(hub.runtime.store, 1)

    # The test's own client logs the URLs it posts to (amelia's and snovio's carry their token,
    # as those providers send it): those lines are the sender's, not the hub's.
    ours = re.compile(rf"HTTP Request: \w+ {re.escape(str(hub.base_url))}/(?!notion/)")
    hub_lines = [
        record.getMessage()
        for record in caplog.records
        if not (record.name == "httpx" and ours.match(record.getMessage()))
    ]
    logged = "\n".join([repr(entry) for entry in logs] + hub_lines)
    # The run did what it claims: deliveries accepted and refused, logged, signatures collected.
    assert sum(answer.startswith("202 ") for answer in seen) >= len(SECRETS)
    assert sum(answer.startswith("401 ") for answer in seen) >= len(SECRETS)
    assert {"webhook_accepted", "webhook_rejected"} <= {entry["event"] for entry in logs}
    assert len(signatures) >= len(SECRETS) - 5  # five send their secret itself, signing nothing
    answered = "\n".join(seen)
    home = hub.runtime.settings.notionhub_home
    files = {path: path.read_bytes() for path in home.rglob("*") if path.is_file()}
    assert any(path.name == "hub.sqlite3" for path in files)  # the data folder was read

    secrets = {*SECRETS.values(), LOCAL_NOTION_TOKEN, PERSON_TOKEN}
    for secret in secrets:
        for form in leak_forms(secret):
            assert form not in logged, f"a log line carries {secret!r} (as {form!r})"
            assert form not in answered, f"a response carries {secret!r} (as {form!r})"
            for path, data in files.items():
                assert form.encode() not in data, f"{path.relative_to(home)} holds {secret!r}"
    for signature in signatures:
        assert signature not in logged, f"a log line carries the signature {signature!r}"
        assert signature not in answered, f"a response carries the signature {signature!r}"
