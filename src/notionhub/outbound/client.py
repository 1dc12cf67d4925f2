"""Calling another API from a flow: once, within the service's budget, retrying what is transient.

Flows run in DBOS steps, which are at-least-once. So every call carries an idempotency key;
the outcome is recorded under it (``records.py``), a re-run returns or raises what the first
run got without calling again, and the key also goes out as ``Idempotency-Key`` so a service
that dedupes covers the window between its answer and our record.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from json import dumps
from typing import Any, Required, TypedDict, Unpack

import httpx
import structlog
from sqlalchemy import Engine

from notionhub.errors import OutboundRejected, OutboundUnavailable
from notionhub.notion.budget import NotionBudget
from notionhub.outbound.policy import OutboundPolicy, retry_after_seconds
from notionhub.outbound.records import OutboundRecord, find_record, record_outcome


class Call(TypedDict, total=False):
    """The keywords of one call: its idempotency key (required), JSON body and extra headers."""

    idempotency_key: Required[str]
    json: Any
    headers: Mapping[str, str] | None


log = structlog.get_logger("notionhub.outbound")

# Told (service, outcome): outcome ∈ succeeded, replayed, rejected, unavailable, retry.
OutcomeObserver = Callable[[str, str], None]
EXCERPT_CHARS = 200


def _ignore(_service: str, _outcome: str) -> None:
    return None


@dataclass(frozen=True)
class OutboundResponse:
    """A service's 2xx answer, fresh or (``replayed``) read back from the record."""

    status_code: int
    body: Any  # parsed JSON, or the text when the answer was not JSON
    attempts: int
    replayed: bool


class OutboundClient:
    """Calls to one service; safe to repeat in a re-run step with the same idempotency key."""

    def __init__(
        self,
        engine: Engine,
        service: str,
        base_url: str,
        *,
        policy: OutboundPolicy | None = None,
        http: httpx.Client | None = None,
        headers: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        on_outcome: OutcomeObserver = _ignore,
    ) -> None:
        self.engine = engine
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.policy = policy or OutboundPolicy()
        self.http = http or httpx.Client()
        self.headers = dict(headers or {})
        self.clock = clock
        self.sleep = sleep
        self.on_outcome = on_outcome
        # Every worker calling this service shares one bucket in the hub database.
        self.budget = NotionBudget(
            engine, f"outbound:{service}", self.policy.budget, clock=clock, sleep=sleep
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        idempotency_key: str,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> OutboundResponse:
        """Send once per key: a recorded success is returned without a new call."""
        if not idempotency_key:
            raise ValueError(f"{self.service}: an outbound call needs an idempotency key")
        method = method.upper()
        stored = find_record(self.engine, self.service, idempotency_key)
        if stored is not None:
            return self._finish(stored, replayed=True)
        url = httpx.URL(f"{self.base_url}/{path.lstrip('/')}")
        sent = httpx.Headers(self.headers)
        sent.update(headers or {})
        sent["Idempotency-Key"] = idempotency_key
        failure, failed_status = "no answer", None
        for attempt in range(1, self.policy.max_attempts + 1):
            self.budget.acquire()
            delay = self.policy.backoff(self.service, idempotency_key, attempt)
            try:
                response = self.http.request(
                    method, url, json=json, headers=sent, timeout=self.policy.timeout_seconds
                )
            except httpx.TransportError as error:  # timeouts included
                failure, failed_status = type(error).__name__, None
            else:
                status = response.status_code
                if status < 500 and status != 429:  # final: a redirect is not followed either
                    record = OutboundRecord(
                        self.service, idempotency_key, method, str(url.copy_with(query=None)),
                        "succeeded" if 200 <= status < 300 else "rejected",
                        status, _body(response), attempt, self.clock(),
                    )  # fmt: skip
                    if record.status == "rejected":
                        # Not recorded: a refusal changed nothing at the service, so a later
                        # run (a replay once the cause is fixed) calls again.
                        return self._finish(record, replayed=False)
                    stored = record_outcome(self.engine, record)
                    return self._finish(stored, replayed=stored is not record)
                failure, failed_status = f"status {status}", status
                if status == 429:
                    delay = self._rate_limited(response, fallback=delay)
            if attempt < self.policy.max_attempts:
                log.warning(
                    "outbound_retry",
                    service=self.service, method=method, path=url.path,
                    attempt=attempt, failure=failure, delay=delay,
                )  # fmt: skip
                self.on_outcome(self.service, "retry")
                if failed_status != 429:  # after a 429 the budget's acquire does the waiting
                    self.sleep(delay)
        log.error(
            "outbound_unavailable",
            service=self.service, method=method, path=url.path,
            attempts=self.policy.max_attempts, failure=failure,
        )  # fmt: skip
        self.on_outcome(self.service, "unavailable")
        raise OutboundUnavailable(
            f"{self.service}: {method} {url.path} failed after "
            f"{self.policy.max_attempts} attempts ({failure})",
            status_code=failed_status,
        )

    def _rate_limited(self, response: httpx.Response, *, fallback: float) -> float:
        """Block the service's budget, for every worker, for the ``Retry-After`` it asked."""
        asked = retry_after_seconds(response.headers.get("retry-after"), self.clock)
        wait = fallback if asked is None else asked
        self.budget.block(wait)
        return wait

    def _finish(self, record: OutboundRecord, *, replayed: bool) -> OutboundResponse:
        """The response a record stands for, or its rejection raised; logged and counted."""
        outcome = "replayed" if replayed and record.status == "succeeded" else record.status
        path = httpx.URL(record.url).path
        log.info(
            f"outbound_{outcome}",
            service=self.service, method=record.method, path=path,
            status_code=record.status_code, attempts=record.attempts, replayed=replayed,
        )  # fmt: skip
        self.on_outcome(self.service, outcome)
        if record.status == "rejected":
            excerpt = record.body if isinstance(record.body, str) else _dumps(record.body)
            excerpt = " ".join(excerpt.split())
            if len(excerpt) > EXCERPT_CHARS:
                excerpt = excerpt[: EXCERPT_CHARS - 1] + "…"
            raise OutboundRejected(
                f"{self.service} refused {record.method} {path} with {record.status_code}: "
                f"{excerpt}",
                status_code=record.status_code,
            )
        return OutboundResponse(record.status_code or 200, record.body, record.attempts, replayed)

    # Shorthands of ``request``, one per method.
    def get(self, path: str, **call: Unpack[Call]) -> OutboundResponse:
        return self.request("GET", path, **call)

    def post(self, path: str, **call: Unpack[Call]) -> OutboundResponse:
        return self.request("POST", path, **call)

    def put(self, path: str, **call: Unpack[Call]) -> OutboundResponse:
        return self.request("PUT", path, **call)

    def patch(self, path: str, **call: Unpack[Call]) -> OutboundResponse:
        return self.request("PATCH", path, **call)

    def delete(self, path: str, **call: Unpack[Call]) -> OutboundResponse:
        return self.request("DELETE", path, **call)


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def _dumps(value: Any) -> str:
    return dumps(value, ensure_ascii=False)


class OutboundClients:
    """The process's outbound clients: one ``httpx.Client`` (connection pool) per service."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        transport: httpx.BaseTransport | None = None,
        on_outcome: OutcomeObserver = _ignore,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.sleep = sleep
        self.transport = transport
        self.on_outcome = on_outcome
        self._http: dict[str, httpx.Client] = {}
        self._lock = threading.Lock()

    def client(
        self,
        service: str,
        base_url: str,
        *,
        policy: OutboundPolicy | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> OutboundClient:
        """A client for ``service``; cheap, so a flow may ask for one per call."""
        with self._lock:
            http = self._http.get(service)
            if http is None:
                http = self._http[service] = httpx.Client(transport=self.transport)
        return OutboundClient(
            self.engine, service, base_url,
            policy=policy, http=http, headers=headers,
            clock=self.clock, sleep=self.sleep, on_outcome=self.on_outcome,
        )  # fmt: skip

    def close(self) -> None:
        with self._lock:
            for http in self._http.values():
                http.close()
            self._http.clear()
