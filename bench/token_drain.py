"""The Notion drain rate with one integration token, then three: does throughput to Notion
scale with tokens?

Three packs of the same shape (``ledger-a``, ``ledger-b``, ``ledger-c``), each writing a row
of its own database for one event type in three, run in one hub process on a fresh
``notionhub notion-server`` (no rate limit of its own). The hub's budget is Notion's own,
``NOTION_REQUESTS_PER_SECOND`` per token (3 by default). With one token the three packs share
one budget; with three (``NOTION_TOKEN_LEDGER_B``, ``NOTION_TOKEN_LEDGER_C``) each has its own.
The events are stored at once (as a burst of webhooks would leave them) and timed until every
one is processed; the Notion server's request log says which token each request carried, so
the rate each token was held to is measured where Notion would see it.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx

from bench.localnotion import TOKEN, running_server
from notionhub.ingest.event import Event
from notionhub.logging_setup import configure_logging
from notionhub.notion.budget import BudgetPolicy
from notionhub.notion.schema import DatabaseSpec, Key, NotionModel, RichText, Title
from notionhub.packs import Agent, FlowContext, Pack
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from notionhub.settings import Settings, pack_variable

LETTERS = ("a", "b", "c")
NOTION_RATE = 3.0  # requests/s per token: Notion's own limit
WAIT_SECONDS = 900.0  # a guard against a stuck run, not a timing


class LedgerA(NotionModel):
    __database__ = DatabaseSpec("Ledger A", env="NOTION_LEDGER_A_DB")

    name: Annotated[str, Title("Name")]
    event_id: Annotated[str, RichText("Event ID"), Key()]


class LedgerB(LedgerA):
    __database__ = DatabaseSpec("Ledger B", env="NOTION_LEDGER_B_DB")


class LedgerC(LedgerA):
    __database__ = DatabaseSpec("Ledger C", env="NOTION_LEDGER_C_DB")


def ledger_pack(letter: str, model: type[LedgerA]) -> Pack:
    """A pack writing one row of ``model`` per ``bench.<letter>`` event."""

    def write(event: Event, context: FlowContext) -> str:
        context.records.upsert(model(name=event.type, event_id=event.idempotency_key))
        return "written"

    return Pack(
        f"ledger-{letter}",
        "benchmark: a row per event",
        models=(model,),
        agents=(Agent(f"ledger-{letter}", "writes rows", flows={f"bench:bench.{letter}": write}),),
    )


def ledger_packs() -> list[Pack]:
    return [
        ledger_pack(letter, model)
        for letter, model in zip(LETTERS, (LedgerA, LedgerB, LedgerC), strict=True)
    ]


@dataclass(frozen=True)
class Drain:
    """One run: ``tokens`` tokens, ``events`` events drained in ``seconds``."""

    tokens: int
    events: int
    seconds: float
    processed: int
    requests: int  # Notion requests while draining, every token
    per_token: dict[str, int]  # requests by the last four characters of the token
    most_per_window: dict[str, int]  # most requests of a token in any budget window
    window_cap: int  # what the budget allows in one window

    @property
    def events_per_s(self) -> float:
        return self.processed / self.seconds if self.seconds else 0.0

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def events_for(count: int) -> list[Event]:
    """``count`` events, their types taking turns among the three packs."""
    moment = datetime(2026, 12, 1, tzinfo=UTC)
    return [
        Event(
            provider="bench",
            type=f"bench.{LETTERS[n % len(LETTERS)]}",
            idempotency_key=f"bench:evt_{n:06d}",
            entity_key=f"bench:entity_{n}",
            occurred_at=moment,
            data={"n": n},
        )
        for n in range(count)
    ]


@contextmanager
def pack_tokens(tokens: dict[str, str]) -> Iterator[None]:
    """``NOTION_TOKEN_<PACK>`` set in this process's environment for the run, then removed."""
    names = [pack_variable("NOTION_TOKEN", pack) for pack in tokens]
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update({pack_variable("NOTION_TOKEN", p): t for p, t in tokens.items()})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def drain(
    tokens: int, events: int, processor: EventProcessor, root: Path, rate: float = NOTION_RATE
) -> Drain:
    """Drain ``events`` through the three ledger packs with ``tokens`` tokens (1 or 3), on a
    fresh Notion server and hub under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    own = {f"ledger-{letter}": f"bench-token-{letter}-{letter * 4}" for letter in LETTERS[1:]}
    own = own if tokens > 1 else {}
    with running_server(root / "notion", *own.values()) as server, pack_tokens(own):
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            notionhub_home=root / "hub",
            notion_base_url=server.base_url,
            local_notion_token=TOKEN,
            notionhub_packs=",".join(pack.name for pack in ledger_packs()),
            notion_requests_per_second=rate,
            notionhub_poll_seconds=0,
            log_level="warning",
        )
        runtime = Runtime(settings, processor, packs=ledger_packs())
        runtime.start()
        try:
            store = runtime.store
            assert store is not None
            httpx.post(server.base_url + "/_admin/reset-stats", timeout=10)
            started = time.perf_counter()
            store.insert_many(events_for(events))
            runtime.wake()
            counts = wait_until_finished(store.counts, events)
            seconds = time.perf_counter() - started
            log = httpx.get(server.base_url + "/_admin/stats", params={"log": 1}, timeout=30)
        finally:
            runtime.stop()
    requests: list[dict[str, Any]] = log.json()["requests"]
    times: dict[str, list[float]] = {}
    for request in requests:
        times.setdefault(request["token"], []).append(request["time"])
    policy = BudgetPolicy(rate=rate)
    return Drain(
        tokens=tokens,
        events=events,
        seconds=seconds,
        processed=counts["processed"],
        requests=len(requests),
        per_token={token: len(sent) for token, sent in sorted(times.items())},
        most_per_window={
            token: most_within(sorted(sent), policy.window) for token, sent in times.items()
        },
        window_cap=policy.window_cap,
    )


def wait_until_finished(counts: Any, expected: int) -> dict[str, int]:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        now: dict[str, int] = counts()
        finished = now["processed"] + now["failed"] + now["ignored"]
        if finished >= expected and now["pending"] == now["queued"] == 0:
            return now
        if time.monotonic() > deadline:
            raise RuntimeError(f"the events did not drain: {now}")
        time.sleep(0.05)


def most_within(times: list[float], seconds: float) -> int:
    """The most of ``times`` (sorted) within any ``seconds``."""
    most, start = 0, 0
    for end, moment in enumerate(times):
        while times[start] < moment - seconds:
            start += 1
        most = max(most, end - start + 1)
    return most


def run_drains(events: int, rate: float = NOTION_RATE) -> list[Drain]:
    """One token, then three, each on a fresh Notion server and hub folder."""
    configure_logging("warning")  # not a line per event
    processor = EventProcessor()  # one per process: DBOS names its instances
    with tempfile.TemporaryDirectory(prefix="notionhub-bench-tokens-") as folder:
        runs = []
        for tokens in (1, 3):
            runs.append(drain(tokens, events, processor, Path(folder) / f"{tokens}", rate))
        return runs
