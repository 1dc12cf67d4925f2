"""The outbound client against a real fake service over HTTP (or in-process where HTTP is not
the point): Retry-After, backoff, once per idempotency key, rejections, separate budgets."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

import httpx
import pytest
import structlog
from sqlalchemy import Engine, func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from notionhub.errors import OutboundRejected, OutboundUnavailable
from notionhub.hubdb.tables import notion_budget, outbound_calls
from notionhub.notion.budget import bucket_name
from notionhub.outbound import (
    OutboundClient,
    OutboundClients,
    OutboundPolicy,
    OutboundRecord,
    OutboundResponse,
    find_record,
    record_outcome,
)
from tests.servers import serving

START = 1_700_000_000.0
SECRET = "pat-na1-secret-api-key"
CONTACTS = "/crm/v3/objects/contacts"
# (status, headers, body): a dict or list body is sent as JSON, a str as text.
Answer = tuple[int, dict[str, str], Any]


@dataclass
class FakeTime:
    """A clock that moves only when something sleeps; the sleeps are recorded."""

    now: float = START
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class FakeService:
    """Answers each idempotency key from its script (the last answer repeats), counting calls."""

    scripts: dict[str, list[Answer]] = field(default_factory=dict)
    calls: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        key = headers.get("idempotency-key", "")
        self.calls.append((method, path, headers, json.loads(body) if body else None))
        script = self.scripts.get(key) or [(200, {}, {"ok": True})]
        return script.pop(0) if len(script) > 1 else script[0]

    def calls_for(self, key: str) -> int:
        return sum(1 for _, _, headers, _ in self.calls if headers.get("idempotency-key") == key)

    def app(self) -> Starlette:
        async def endpoint(request: Request) -> Response:
            headers = {name.lower(): value for name, value in request.headers.items()}
            status, extra, body = self.answer(
                request.method, request.url.path, headers, await request.body()
            )
            if isinstance(body, str):
                return Response(body, status_code=status, headers=extra, media_type="text/plain")
            return Response(
                json.dumps(body), status_code=status, headers=extra, media_type="application/json"
            )

        methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        return Starlette(routes=[Route("/{path:path}", endpoint, methods=methods)])


@dataclass
class ServiceServer:
    base_url: str
    service: FakeService


@pytest.fixture(scope="module")
def server() -> Iterator[ServiceServer]:
    service = FakeService()
    with serving(service.app()) as url:
        yield ServiceServer(url, service)


@pytest.fixture
def fake(server: ServiceServer) -> FakeService:
    server.service.scripts.clear()
    server.service.calls.clear()
    return server.service


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def outcomes() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def clients(
    hub_engine: Engine, fake_time: FakeTime, outcomes: list[tuple[str, str]]
) -> Iterator[OutboundClients]:
    pool = OutboundClients(
        hub_engine,
        clock=fake_time.clock,
        sleep=fake_time.sleep,
        on_outcome=lambda service, outcome: outcomes.append((service, outcome)),
    )
    yield pool
    pool.close()


@pytest.fixture
def hubspot(clients: OutboundClients, server: ServiceServer) -> OutboundClient:
    return clients.client("hubspot", server.base_url, headers={"Authorization": f"Bearer {SECRET}"})


def in_process(handler: Any, engine: Engine, fake_time: FakeTime) -> OutboundClients:
    transport = httpx.MockTransport(handler)
    return OutboundClients(
        engine, clock=fake_time.clock, sleep=fake_time.sleep, transport=transport
    )


def test_retry_after_then_backoff_then_success_and_replay(
    hubspot: OutboundClient,
    fake: FakeService,
    fake_time: FakeTime,
    outcomes: list[tuple[str, str]],
) -> None:
    fake.scripts["contact-1"] = [
        (429, {"Retry-After": "1"}, {"message": "slow down"}),
        (500, {}, {"message": "oops"}),
        (201, {}, {"id": "c-1"}),
    ]

    with structlog.testing.capture_logs() as logs:
        first = hubspot.post(CONTACTS, idempotency_key="contact-1", json={"email": "a@b.c"})

    assert first == OutboundResponse(201, {"id": "c-1"}, attempts=3, replayed=False)
    policy = OutboundPolicy()
    assert fake_time.sleeps == [1.0, policy.backoff("hubspot", "contact-1", 2)]
    assert [(method, path) for method, path, _, _ in fake.calls] == [("POST", CONTACTS)] * 3
    assert {headers["idempotency-key"] for _, _, headers, _ in fake.calls} == {"contact-1"}
    assert {headers["authorization"] for _, _, headers, _ in fake.calls} == {f"Bearer {SECRET}"}
    assert [body for _, _, _, body in fake.calls] == [{"email": "a@b.c"}] * 3
    assert [entry["event"] for entry in logs] == [
        "outbound_retry",
        "outbound_retry",
        "outbound_succeeded",
    ]
    assert SECRET not in repr(logs)

    again = hubspot.post(CONTACTS, idempotency_key="contact-1", json={"email": "a@b.c"})

    assert again == OutboundResponse(201, {"id": "c-1"}, attempts=3, replayed=True)
    assert fake.calls_for("contact-1") == 3
    assert outcomes == [("hubspot", o) for o in ("retry", "retry", "succeeded", "replayed")]


def test_retry_after_as_an_http_date_is_honoured(
    hubspot: OutboundClient, fake: FakeService, fake_time: FakeTime
) -> None:
    later = formatdate(START + 30, usegmt=True)
    fake.scripts["contact-2"] = [(429, {"Retry-After": later}, {}), (200, {}, {"id": "c-2"})]

    answer = hubspot.put(f"{CONTACTS}/c-2", idempotency_key="contact-2", json={})

    assert answer.body == {"id": "c-2"}
    assert fake_time.sleeps == [30.0]


def test_a_429_blocks_the_budget_for_every_worker(
    clients: OutboundClients, server: ServiceServer, fake: FakeService, fake_time: FakeTime
) -> None:
    fake.scripts["limited"] = [(429, {"Retry-After": "7"}, {})]
    one = clients.client("notifier", server.base_url, policy=OutboundPolicy(max_attempts=1))
    other_worker = clients.client("notifier", server.base_url)

    with pytest.raises(OutboundUnavailable, match="status 429"):
        one.post("/notify", idempotency_key="limited")
    other_worker.post("/notify", idempotency_key="fine")

    assert fake_time.sleeps == [7.0]


def test_a_text_body_is_kept_as_text(hubspot: OutboundClient, fake: FakeService) -> None:
    fake.scripts["text"] = [(200, {}, "queued")]

    assert hubspot.get("/status", idempotency_key="text").body == "queued"
    assert hubspot.get("/status", idempotency_key="text").body == "queued"
    assert fake.calls_for("text") == 1


def test_a_4xx_is_rejected_and_a_later_run_calls_again(
    hubspot: OutboundClient, fake: FakeService, outcomes: list[tuple[str, str]]
) -> None:
    fake.scripts["bad"] = [
        (400, {}, {"message": "Property values were not valid"}),
        (400, {}, {"message": "Property values were not valid"}),
        (200, {}, {"id": "c-9"}),
    ]

    with pytest.raises(OutboundRejected) as first:
        hubspot.patch(f"{CONTACTS}/c-9", idempotency_key="bad", json={"email": "nope"})
    with pytest.raises(OutboundRejected) as again:
        hubspot.patch(f"{CONTACTS}/c-9", idempotency_key="bad", json={"email": "nope"})

    message = str(first.value)
    assert message.startswith(f"hubspot refused PATCH {CONTACTS}/c-9 with 400: ")
    assert "Property values were not valid" in message
    assert str(again.value) == message
    assert first.value.status_code == again.value.status_code == 400
    assert fake.calls_for("bad") == 2  # a refusal is not recorded: the service is asked again
    fixed = hubspot.patch(f"{CONTACTS}/c-9", idempotency_key="bad", json={"email": "ok"})
    assert (fixed.body, fixed.replayed) == ({"id": "c-9"}, False)
    assert outcomes == [("hubspot", "rejected"), ("hubspot", "rejected"), ("hubspot", "succeeded")]


def test_a_rejection_quotes_at_most_200_characters_of_the_body(
    hubspot: OutboundClient, fake: FakeService
) -> None:
    fake.scripts["long"] = [(422, {}, "x" * 5000)]

    with pytest.raises(OutboundRejected) as refused:
        hubspot.delete(f"{CONTACTS}/c-3", idempotency_key="long")

    excerpt = str(refused.value).split(": ", 1)[1]
    assert excerpt.startswith("xxx")
    assert len(excerpt) <= 200


def test_always_500_is_unavailable_and_not_recorded(
    clients: OutboundClients,
    server: ServiceServer,
    fake: FakeService,
    fake_time: FakeTime,
    hub_engine: Engine,
) -> None:
    policy = OutboundPolicy(max_attempts=3)
    hubspot = clients.client("hubspot", server.base_url, policy=policy)
    fake.scripts["down"] = [(503, {}, {"message": "maintenance"})]

    with pytest.raises(OutboundUnavailable) as failed:
        hubspot.post(CONTACTS, idempotency_key="down")

    assert str(failed.value) == f"hubspot: POST {CONTACTS} failed after 3 attempts (status 503)"
    assert failed.value.status_code == 503
    assert fake.calls_for("down") == 3
    assert fake_time.sleeps == [policy.backoff("hubspot", "down", n) for n in (1, 2)]
    assert find_record(hub_engine, "hubspot", "down") is None

    fake.scripts["down"] = [(200, {}, {"id": "c-4"})]
    later = hubspot.post(CONTACTS, idempotency_key="down")

    assert later == OutboundResponse(200, {"id": "c-4"}, attempts=1, replayed=False)
    assert fake.calls_for("down") == 4


def test_a_timeout_is_retried_after_backoff(hub_engine: Engine, fake_time: FakeTime) -> None:
    answers: list[httpx.Response | Exception] = [
        httpx.ReadTimeout("timed out"),
        httpx.Response(200, json={"sent": True}),
    ]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    pool = in_process(handler, hub_engine, fake_time)
    notifier = pool.client("notifier", "http://notifier.test/api/")

    answer = notifier.post("/messages", idempotency_key="m-1", json={"text": "hi"})

    assert answer == OutboundResponse(200, {"sent": True}, attempts=2, replayed=False)
    assert fake_time.sleeps == [OutboundPolicy().backoff("notifier", "m-1", 1)]
    stored = find_record(hub_engine, "notifier", "m-1")
    assert stored is not None
    assert stored.url == "http://notifier.test/api/messages"
    pool.close()


def test_no_answer_at_all_is_unavailable(hub_engine: Engine, fake_time: FakeTime) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    pool = in_process(handler, hub_engine, fake_time)
    twice = OutboundPolicy(max_attempts=2)
    notifier = pool.client("notifier", "http://notifier.test", policy=twice)

    with pytest.raises(OutboundUnavailable, match=r"after 2 attempts \(ConnectError\)"):
        notifier.post("/messages", idempotency_key="m-2")
    pool.close()


def test_each_service_has_its_own_budget(hub_engine: Engine, fake_time: FakeTime) -> None:
    pool = in_process(lambda request: httpx.Response(204), hub_engine, fake_time)
    slow = OutboundPolicy(rate=1.0, burst=1)
    crm = pool.client("crm", "http://crm.test", policy=slow)
    mailer = pool.client("mailer", "http://mailer.test", policy=slow)

    crm.post("/a", idempotency_key="1")
    crm.post("/a", idempotency_key="2")  # the crm's second call within a second: waits
    mailer.post("/b", idempotency_key="1")  # another service's first call: does not

    assert fake_time.sleeps == [1.0]
    with hub_engine.connect() as conn:
        rows = conn.execute(select(notion_budget.c.bucket, notion_budget.c.requests))
        buckets = {row.bucket: row.requests for row in rows}
    assert buckets == {bucket_name("outbound:crm"): 2, bucket_name("outbound:mailer"): 1}
    pool.close()


def test_one_http_client_per_service(clients: OutboundClients) -> None:
    first = clients.client("crm", "http://crm.test")
    second = clients.client("crm", "http://crm.test/v2")

    assert first.http is second.http
    assert clients.client("mailer", "http://mailer.test").http is not first.http


def record(key: str, body: Any) -> OutboundRecord:
    return OutboundRecord("crm", key, "POST", "http://crm.test/a", "succeeded", 200, body, 1, START)


def test_concurrent_records_of_one_key_keep_the_first(any_hub_engine: Engine) -> None:
    barrier = threading.Barrier(2)
    results: dict[int, OutboundRecord] = {}
    ours = {n: record("race", {"run": n}) for n in (1, 2)}

    def run(n: int) -> None:
        barrier.wait()
        results[n] = record_outcome(any_hub_engine, ours[n])

    threads = [threading.Thread(target=run, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert results[1] == results[2]
    assert [results[n] is ours[n] for n in (1, 2)].count(True) == 1
    with any_hub_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(outbound_calls)).scalar_one() == 1


def test_a_call_finished_first_by_another_run_reports_that_outcome(
    hub_engine: Engine, fake_time: FakeTime
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        # Meanwhile a recovered copy of this step made the same call and recorded it.
        record_outcome(hub_engine, record("dup", {"id": "from-the-other-run"}))
        return httpx.Response(200, json={"id": "ours"})

    pool = in_process(handler, hub_engine, fake_time)

    answer = pool.client("crm", "http://crm.test").post("/a", idempotency_key="dup")

    assert answer == OutboundResponse(200, {"id": "from-the-other-run"}, attempts=1, replayed=True)
    pool.close()


def test_backoff_is_derived_and_capped() -> None:
    policy = OutboundPolicy(base_seconds=1.0, cap_seconds=60.0)

    assert policy.backoff("crm", "k", 3) == policy.backoff("crm", "k", 3)
    assert 2.0 <= policy.backoff("crm", "k", 3) <= 4.0
    assert all(30.0 <= policy.backoff("crm", f"k{n}", 12) <= 60.0 for n in range(20))
