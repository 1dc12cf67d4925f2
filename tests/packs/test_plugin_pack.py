"""A pack from outside: the test pack under plugin_pack/ registered through a real entry point,
then run by a hub with the echo pack: its table, setting, route, outbound call, state machine,
agent and schedule, and its failures kept to its own part of an event."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from dbos import DBOS
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import inspect, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from typer.testing import CliRunner

from notionhub.cli import app as cli
from notionhub.errors import ConfigurationError
from notionhub.hubdb.pack_tables import current_revision
from notionhub.ingest.event import Event
from notionhub.packs import Pack
from notionhub.packs.discovery import installed_packs, load_pack, load_packs
from notionhub.packs.echo.models import EventLogEntry
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from notionhub.queue.schedules import ScheduleStatus, schedule_statuses
from notionhub.queue.store import EventStore
from tests.hub_server import Hub, serve_hub
from tests.packs.distributions import forget_modules, install_pack
from tests.queue.conftest import FAST_SCHEDULE, hub_settings, make_event, wait_until_drained
from tests.servers import serving

PLUGIN_SOURCE = Path(__file__).parent / "plugin_pack"
PACKS = "testpack,echo"
SCHEDULE = "testpack.count-shipments"


@pytest.fixture
def testpack_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test pack installed as pip would: its source importable, its dist-info on the path."""
    pyproject = (PLUGIN_SOURCE / "pyproject.toml").read_text()
    install_pack(monkeypatch, tmp_path / "site", PLUGIN_SOURCE, pyproject, "notionhub_testpack")
    for name in ("TESTPACK_COURIER_URL", "TESTPACK_RETRY_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    yield
    forget_modules("notionhub_testpack")  # the next test imports it afresh, from its entry point


@dataclass
class CourierCall:
    idempotency_key: str | None
    order: str
    status: int


@dataclass
class FakeCourier:
    """The courier's API: answers the statuses queued in ``answers`` (then 200), 400 to orders
    in ``refused``, and records every call."""

    url: str = ""
    answers: deque[int] = field(default_factory=deque)
    refused: set[str] = field(default_factory=set)
    calls: list[CourierCall] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def shipments(self, request: Request) -> JSONResponse:
        order = str((await request.json())["order"])
        with self.lock:
            if order in self.refused:
                status = 400
            else:
                status = self.answers.popleft() if self.answers else 200
            self.calls.append(CourierCall(request.headers.get("idempotency-key"), order, status))
        if status == 200:
            return JSONResponse({"reference": f"ref-{order}"})
        headers = {"Retry-After": "0"} if status == 429 else {}
        return JSONResponse({"error": f"status {status}"}, status_code=status, headers=headers)

    def calls_for(self, event: Event) -> list[CourierCall]:
        with self.lock:
            return [c for c in self.calls if c.idempotency_key == courier_key(event)]


def courier_key(event: Event) -> str:
    return f"courier:{event.idempotency_key}"


@pytest.fixture
def courier() -> Iterator[FakeCourier]:
    fake = FakeCourier()
    app = Starlette(routes=[Route("/shipments", fake.shipments, methods=["POST"])])
    with serving(app) as fake.url:
        yield fake


@pytest.fixture
def hub(
    tmp_path: Path,
    processor: EventProcessor,
    testpack_installed: None,
    courier: FakeCourier,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Hub]:
    """A hub over HTTP enabling the test pack and echo, both found through their entry points."""
    monkeypatch.setenv("TESTPACK_COURIER_URL", courier.url)
    monkeypatch.setenv("TESTPACK_RETRY_SECONDS", "0.01")
    settings = hub_settings(tmp_path / ".notionhub", notionhub_packs=PACKS)
    runtime = Runtime(settings, processor, schedule=FAST_SCHEDULE)
    with serve_hub(runtime) as client:
        yield client


def eventually(check: Callable[[], Any], waiting_for: str, timeout: float = 30) -> Any:
    """Poll until ``check`` returns something truthy (a guard against hanging, not a timing)."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, f"gave up waiting for {waiting_for}"
        time.sleep(0.05)
    return result


def store_of(hub: Hub) -> EventStore:
    assert hub.runtime.store is not None
    return hub.runtime.store


def process(hub: Hub, *events: Event) -> None:
    """Store the events as the intake does, and wait until the queue has drained."""
    store_of(hub).insert_many(list(events))
    hub.runtime.wake()
    wait_until_drained(store_of(hub), len(store_of(hub).recent(limit=1000)))


def replay(hub: Hub, event: Event, packs: list[str] | None = None) -> None:
    assert store_of(hub).request_replay([event.idempotency_key], packs=packs)
    hub.runtime.wake()
    wait_until_drained(store_of(hub), len(store_of(hub).recent(limit=1000)))


def shipment_event(order: str, action: str = "ship") -> Event:
    return make_event(f"order:{order}", type=f"shipment.{action}", data={"order": order})


def agent(hub: Hub, pack: str, name: str) -> dict[str, Any]:
    answer = hub.get("/api/agents")
    assert answer.status_code == 200, answer.text
    [found] = [a for a in answer.json()["agents"] if (a["pack"], a["name"]) == (pack, name)]
    return dict(found)


def echo_rows(hub: Hub, event: Event) -> int:
    assert hub.runtime.notion is not None
    records = hub.runtime.notion.records()
    return sum(row.event_id == event.idempotency_key for row in records.all(EventLogEntry))


def last_finish(hub: Hub, event: Event) -> dict[str, Any]:
    finished = [h for h in store_of(hub).history(event.idempotency_key) if h.kind != "replay"]
    return dict(finished[-1].detail)


# -- discovery -------------------------------------------------------------------------------


def test_discovery_finds_the_pack_through_its_entry_point(testpack_installed: None) -> None:
    entry = installed_packs()["testpack"]
    assert entry.value == "notionhub_testpack:PACK"
    assert entry.dist is not None and entry.dist.name == "notionhub-testpack"  # its pyproject name
    pack = load_pack("testpack")
    assert isinstance(pack, Pack)
    assert [agent.name for agent in pack.agents] == ["shipper"]
    assert [p.name for p in load_packs(PACKS)] == ["testpack", "echo"]


def test_without_its_entry_point_the_pack_is_unknown() -> None:
    with pytest.raises(ConfigurationError, match="Unknown pack 'testpack'"):
        load_pack("testpack")


def test_a_bad_pack_setting_stops_the_start_naming_the_variable(
    tmp_path: Path,
    processor: EventProcessor,
    testpack_installed: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TESTPACK_RETRY_SECONDS", "soon")
    runtime = Runtime(hub_settings(tmp_path / ".notionhub", notionhub_packs=PACKS), processor)
    with pytest.raises(ConfigurationError, match=r"^TESTPACK_RETRY_SECONDS: .*\(pack testpack\)"):
        runtime.start()
    assert runtime.notion is None  # refused before opening anything


# -- in a hub --------------------------------------------------------------------------------


def test_start_migrates_its_table_and_reads_its_settings(hub: Hub, courier: FakeCourier) -> None:
    assert hub.runtime.notion is not None
    engine = hub.runtime.notion.engine
    assert inspect(engine).has_table("shipment_log")
    with engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version_testpack"))
        assert versions.scalars().all() == ["0001_shipment_log"]
    assert current_revision(engine, "testpack") == "0001_shipment_log"
    settings: Any = hub.runtime.flow_context("testpack").pack_settings
    assert (settings.courier_url, settings.retry_seconds) == (courier.url, 0.01)
    assert hub.runtime.provision_report is not None
    assert {"Shipments", "Event Log"} <= set(hub.runtime.provision_report.data_source_ids())


def test_an_event_calls_the_courier_once_through_429_and_500(
    hub: Hub, courier: FakeCourier
) -> None:
    from notionhub_testpack.models import Shipment

    courier.answers.extend([429, 500])
    event = shipment_event("A-1")
    process(hub, event)
    stored = store_of(hub).get(event.idempotency_key)
    assert stored.status == "processed", stored.last_error
    calls = courier.calls_for(event)
    assert [call.status for call in calls] == [429, 500, 200]  # one flow run, three tries
    assert hub.runtime.notion is not None
    row = hub.runtime.notion.records().find(Shipment, "A-1")
    assert row is not None and row.courier_reference == "ref-A-1"
    answer = hub.get("/api/testpack/shipments/A-1")
    assert answer.status_code == 200, answer.text
    shipment = answer.json()
    assert (shipment["state"], shipment["logged_by"]) == ("shipped", event.idempotency_key)
    assert hub.get("/api/testpack/shipments/nowhere").status_code == 404

    replay(hub, event)
    assert store_of(hub).get(event.idempotency_key).status == "processed"
    assert courier.calls_for(event) == calls  # the recorded outcome, not a second call
    assert last_finish(hub, event)["notes"][0].endswith("(courier answer replayed)")


def test_an_event_not_allowed_in_the_state_is_refused_and_changes_nothing(
    hub: Hub, courier: FakeCourier
) -> None:
    shipped, cancelled = shipment_event("B-1"), shipment_event("B-1", "cancel")
    process(hub, shipped, cancelled)  # one entity: in arrival order
    assert store_of(hub).get(cancelled.idempotency_key).status == "processed"
    answer = hub.get("/api/testpack/shipments/B-1").json()
    assert answer["state"] == "shipped"
    assert [(h["event"], h["accepted"]) for h in answer["history"]] == [
        ("start", True),
        ("ship", True),
        ("cancel", False),
    ]
    assert answer["history"][2]["reason"].startswith("event 'cancel' is not allowed in state")
    assert hub.runtime.machines is not None
    instance = hub.runtime.machines.get("B-1")
    assert instance is not None and (instance.state, instance.data) == ("shipped", {})
    [note] = last_finish(hub, cancelled)["notes"][:1]
    assert note == "testpack: shipment B-1: cancel refused, now shipped"


def fail_for_good(hub: Hub, courier: FakeCourier, order: str) -> Event:
    """An event whose test-pack part the courier refuses (400), then the courier fixed."""
    event = shipment_event(order)
    courier.refused.add(order)
    process(hub, event)
    courier.refused.clear()
    return event


def test_a_permanent_failure_fails_only_that_pack_and_a_replay_reruns_only_it(
    hub: Hub, courier: FakeCourier
) -> None:
    event = fail_for_good(hub, courier, "C-1")
    failed = store_of(hub).get(event.idempotency_key)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.last_error is not None
    assert failed.last_error.startswith("testpack: OutboundRejected: courier refused POST")
    finish = last_finish(hub, event)
    assert finish["failed_packs"] == ["testpack"]
    assert finish["packs"]["echo"]["ok"] is True
    assert echo_rows(hub, event) == 1  # echo's part of the same event succeeded
    assert agent(hub, "echo", "echo-logger")["runs"] == 1

    replay(hub, event, packs=["testpack"])
    assert store_of(hub).get(event.idempotency_key).replays == 1
    assert list(last_finish(hub, event)["packs"]) == ["testpack"]
    assert agent(hub, "testpack", "shipper")["runs"] == 2  # the test pack ran again…
    assert agent(hub, "echo", "echo-logger")["runs"] == 1  # …and echo's flow did not
    assert echo_rows(hub, event) == 1


def test_a_replay_after_the_service_is_fixed_succeeds(hub: Hub, courier: FakeCourier) -> None:
    event = fail_for_good(hub, courier, "C-2")
    replay(hub, event, packs=["testpack"])
    replayed = store_of(hub).get(event.idempotency_key)
    assert replayed.status == "processed", replayed.last_error
    assert [call.status for call in courier.calls_for(event)] == [400, 200]


def test_a_transient_failure_retries_only_that_pack(hub: Hub, courier: FakeCourier) -> None:
    event = shipment_event("D-1")
    courier.answers.extend([503] * 10)  # two flow runs' worth of tries (five each)
    process(hub, event)
    stored = store_of(hub).get(event.idempotency_key)
    assert (stored.status, stored.attempts) == ("processed", 3)
    history = store_of(hub).history(event.idempotency_key)
    retried = [h.detail for h in history if h.kind == "attempt_failed"]
    assert [(d["pack"], d["error"].split(":")[0]) for d in retried] == [
        ("testpack", "OutboundUnavailable"),
        ("testpack", "OutboundUnavailable"),
    ]
    assert [c.status for c in courier.calls_for(event)] == [503] * 10 + [200]
    assert last_finish(hub, event)["packs"]["echo"]["attempts"] == 1
    assert agent(hub, "echo", "echo-logger")["runs"] == 1
    assert echo_rows(hub, event) == 1


def test_the_agent_is_listed_and_counted(hub: Hub, courier: FakeCourier) -> None:
    assert agent(hub, "testpack", "shipper")["status"] == "idle"
    process(hub, shipment_event("E-1"))
    shipper = agent(hub, "testpack", "shipper")
    assert shipper["runs"] >= 1
    assert shipper["status"] == "ok"
    assert shipper["handles"] == ["test:shipment.*"]
    assert shipper["writes"] == ["Shipments"]
    assert [s["name"] for s in shipper["schedules"]] == ["count-shipments"]
    metrics = hub.get("/metrics")
    assert metrics.status_code == 200
    runs = {
        (sample.labels["pack"], sample.labels["agent"], sample.labels["outcome"]): sample.value
        for family in text_string_to_metric_families(metrics.text)
        if family.name == "notionhub_agent_runs"
        for sample in family.samples
        if sample.name == "notionhub_agent_runs_total"
    }
    assert runs[("testpack", "shipper", "ok")] >= 1
    calls = {
        (sample.labels["service"], sample.labels["outcome"]): sample.value
        for family in text_string_to_metric_families(metrics.text)
        if family.name == "notionhub_outbound_calls"
        for sample in family.samples
        if sample.name == "notionhub_outbound_calls_total"
    }
    assert calls[("courier", "succeeded")] >= 1


def schedule_status(hub: Hub) -> ScheduleStatus:
    assert hub.runtime.notion is not None
    statuses = schedule_statuses(
        hub.runtime.load_packs(), hub.runtime.notion.engine, hub.runtime.clock()
    )
    [status] = [s for s in statuses if s.name == SCHEDULE]
    return status


def test_the_schedule_runs_on_demand(
    hub: Hub, courier: FakeCourier, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    process(hub, shipment_event("F-1"))
    assert schedule_status(hub).runs == 0
    registered = DBOS.get_schedule(SCHEDULE)
    assert registered is not None
    # Ticks go to the pack's own queue: only processes that enable the pack run them.
    assert registered["queue_name"] == "notionhub-schedules-testpack"
    DBOS.trigger_schedule(SCHEDULE)
    status = eventually(lambda: schedule_status(hub).runs == 1 and schedule_status(hub), SCHEDULE)
    assert (status.last_outcome, status.last_note) == ("ok", "1 shipments logged")

    # The operator's way: `notionhub schedules --run`, from another process's point of view.
    monkeypatch.setenv("NOTIONHUB_PACKS", PACKS)
    monkeypatch.setenv("NOTIONHUB_HOME", str(tmp_path / ".notionhub"))
    monkeypatch.setenv("COLUMNS", "200")
    ran = CliRunner().invoke(cli, ["schedules", "--run", SCHEDULE])
    assert ran.exit_code == 0, ran.output
    # The in-process hub's threads log meanwhile, to whatever stream the runner has put in
    # place (stderr or stdout): the command's own line is looked for among them.
    queued = f"{SCHEDULE}: queued as sched-{SCHEDULE}-trigger-"
    assert [line for line in ran.stdout.splitlines() if line.startswith(queued)], ran.stdout
    eventually(lambda: schedule_status(hub).runs == 2, f"{SCHEDULE} run from the command line")
    listed = CliRunner().invoke(cli, ["schedules"])
    assert listed.exit_code == 0, listed.output
    [line] = [line for line in listed.stdout.splitlines() if SCHEDULE in line]
    assert "0 8 * * MON" in line and "ok" in line
    assert agent(hub, "testpack", "shipper")["runs"] == 3  # one event, two ticks

    forgotten = CliRunner().invoke(cli, ["schedules", "--forget", SCHEDULE])
    assert forgotten.exit_code == 0, forgotten.output
    assert DBOS.get_schedule(SCHEDULE) is None
