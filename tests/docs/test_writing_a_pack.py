"""The worked example of docs/packs/writing-a-pack.md, built from the page's own code blocks.

The page's files are written into a temporary folder as the package ``notionhub_referrals``,
offered through the entry point its ``pyproject.toml`` block declares, and run by a hub over HTTP
with the embedded local Notion: if the page's example stops working, this test says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from dbos import DBOS
from sqlalchemy import inspect, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from notionhub.packs import Pack
from notionhub.packs.discovery import load_pack
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from notionhub.queue.schedules import ScheduleStatus, schedule_statuses
from tests.hub_server import Hub, serve_hub
from tests.ingest import signers
from tests.packs.distributions import forget_modules, install_pack
from tests.packs.test_plugin_pack import eventually
from tests.queue.conftest import FAST_SCHEDULE, hub_settings, wait_until_drained
from tests.servers import serving

DOC = Path(__file__).parents[2] / "docs" / "packs" / "writing-a-pack.md"
PACKAGE = "notionhub_referrals"
SCHEDULE = "referrals.weekly-summary"
PARTNER_KEY = "partner-secret"
CHECKOUT = Path(__file__).parents[1] / "ingest/payloads/stripe/checkout.session.completed.json"
EXAMPLE_FILES = [
    "__init__.py",
    "flows.py",
    "migrations/versions/0001_referral_log.py",
    "models.py",
    "settings.py",
    "tables.py",
]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def code_blocks(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(DOC.read_text()) if lang == language]


def write_example(root: Path) -> Path:
    """The page's Python blocks as files of the package under ``root/src``; its source folder."""
    source = root / "src"
    for block in code_blocks("python"):
        first, _, _ = block.partition("\n")
        assert first.startswith("# "), f"a python block without its file name: {first!r}"
        path = source / PACKAGE / first.removeprefix("# ").strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(block)
    written = sorted(str(p.relative_to(source / PACKAGE)) for p in source.rglob("*.py"))
    assert written == EXAMPLE_FILES, "the page's files are not the ones its folder tree shows"
    return source


@pytest.fixture
def referrals_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The page's pack installed as pip would: its source importable, its dist-info on the path
    (as tests/packs/test_plugin_pack.py installs its test pack)."""
    [pyproject] = code_blocks("toml")
    source = write_example(tmp_path / "notionhub-referrals")
    install_pack(monkeypatch, tmp_path / "site", source, pyproject, PACKAGE)
    for name in ("REFERRALS_PARTNER_URL", "REFERRALS_PARTNER_KEY", "NOTION_REFERRALS_DB"):
        monkeypatch.delenv(name, raising=False)
    yield
    forget_modules(PACKAGE)  # the next test imports it afresh, from its own folder


@dataclass
class FakePartner:
    """The partner's API: 200 to every ``POST /referrals``, each call's headers recorded."""

    url: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)

    async def referrals(self, request: Request) -> JSONResponse:
        self.calls.append(
            {
                "idempotency_key": request.headers.get("idempotency-key"),
                "authorization": request.headers.get("authorization"),
                "body": await request.json(),
            }
        )
        return JSONResponse({"ok": True})


@pytest.fixture
def partner() -> Iterator[FakePartner]:
    fake = FakePartner()
    app = Starlette(routes=[Route("/referrals", fake.referrals, methods=["POST"])])
    with serving(app) as fake.url:
        yield fake


@pytest.fixture
def hub(
    tmp_path: Path,
    processor: EventProcessor,
    referrals_installed: None,
    partner: FakePartner,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Hub]:
    """A hub over HTTP enabling only the page's pack, found through its entry point."""
    monkeypatch.setenv("REFERRALS_PARTNER_URL", partner.url)
    monkeypatch.setenv("REFERRALS_PARTNER_KEY", PARTNER_KEY)
    settings = hub_settings(
        tmp_path / ".notionhub",
        notionhub_packs="referrals",
        stripe_webhook_secret=signers.SECRETS["stripe"],
    )
    runtime = Runtime(settings, processor, schedule=FAST_SCHEDULE)
    with serve_hub(runtime) as client:
        yield client


def test_the_pack_loads_through_its_entry_point(referrals_installed: None) -> None:
    from notionhub_referrals.models import Referral

    pack = load_pack("referrals")
    assert isinstance(pack, Pack) and pack.name == "referrals"
    [agent] = pack.agents
    assert agent.name == "referral-keeper"
    assert [schedule.name for schedule in agent.schedules] == ["weekly-summary"]
    assert pack.models == (Referral,)
    assert Referral.__database__.name == "Referrals"
    assert pack.settings is not None
    assert pack.settings.model_config.get("env_prefix") == "REFERRALS_"


def schedule_status(hub: Hub) -> ScheduleStatus:
    assert hub.runtime.notion is not None
    packs, engine = hub.runtime.load_packs(), hub.runtime.notion.engine
    statuses = schedule_statuses(packs, engine, hub.runtime.clock())
    [status] = [s for s in statuses if s.name == SCHEDULE]
    return status


def test_the_hub_migrates_serves_lists_and_schedules_the_pack(hub: Hub) -> None:
    assert hub.runtime.notion is not None
    engine = hub.runtime.notion.engine
    assert inspect(engine).has_table("referral_log")
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version_referrals"))
        assert versions.scalars().all() == ["0001_referral_log"]

    answer = hub.get("/api/referrals/cs_unknown")
    assert (answer.status_code, answer.json()) == (200, {"state": None})
    agents = hub.get("/api/agents")
    assert agents.status_code == 200, agents.text
    listed = [(a["pack"], a["name"]) for a in agents.json()["agents"]]
    assert ("referrals", "referral-keeper") in listed

    DBOS.trigger_schedule(SCHEDULE)
    status = eventually(lambda: schedule_status(hub).runs == 1 and schedule_status(hub), SCHEDULE)
    assert status.last_outcome == "ok"
    assert status.last_note is not None and status.last_note.startswith("0 referrals so far")


def test_a_paid_checkout_becomes_a_reported_referral(hub: Hub, partner: FakePartner) -> None:
    from notionhub_referrals.models import Referral

    payload = json.loads(CHECKOUT.read_text())
    session = payload["data"]["object"]
    body = json.dumps(payload).encode()
    signed = signers.stripe(body)
    answer = hub.post("/hooks/stripe", content=body, headers=dict(signed.headers))
    assert answer.status_code == 202, answer.text
    event_id = answer.json()["event_id"]
    store = hub.runtime.store
    assert store is not None
    wait_until_drained(store, 1)
    stored = store.get(event_id)
    assert stored.status == "processed", stored.last_error

    assert hub.runtime.notion is not None
    row = hub.runtime.notion.records().find(Referral, session["id"])
    assert row is not None
    assert (row.name, row.amount) == (
        session["customer_details"]["email"],
        session["amount_total"] / 100,
    )
    assert [(c["idempotency_key"], c["authorization"]) for c in partner.calls] == [
        (f"referral:{session['id']}", f"Bearer {PARTNER_KEY}")
    ]
    assert hub.runtime.machines is not None
    instance = hub.runtime.machines.get(session["id"])
    assert instance is not None and instance.state == "reported"
    assert hub.get(f"/api/referrals/{session['id']}").json() == {"state": "reported"}
