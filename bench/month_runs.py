"""What the month benchmarks (``coaching``, ``network``) share: a month's summary, posting
its signed deliveries to a hub, counting the local Notion's answered requests, and running the
month through a naive app that calls Notion directly."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx

from bench.localnotion import notion_client, running_server

D = TypeVar("D")
D_contra = TypeVar("D_contra", contravariant=True)


@dataclass
class Posted:
    statuses: Counter[int] = field(default_factory=Counter)
    new: int = 0  # 202, stored as a new event
    duplicates: int = 0  # 202, recognised as a redelivery
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


def post_all(hub_url: str, requests: Iterable[tuple[str, bytes, Mapping[str, str]]]) -> Posted:
    """Post each (path, body, headers) in order, one after another (``requests`` is read as it
    is posted: a signature made when it is drawn carries the time of its post)."""
    posted = Posted()
    started = time.perf_counter()
    with httpx.Client(base_url=hub_url, trust_env=False, timeout=60) as http:
        for path, body, headers in requests:
            answer = http.post(path, content=body, headers=dict(headers))
            posted.statuses[answer.status_code] += 1
            if answer.status_code == 202:
                if answer.json().get("duplicate"):
                    posted.duplicates += 1
                else:
                    posted.new += 1
            elif len(posted.errors) < 5:
                posted.errors.append(f"{answer.status_code} {answer.text[:200]}")
    posted.seconds = time.perf_counter() - started
    return posted


def answered_requests(stats: dict[str, Any]) -> tuple[int, int]:
    """(requests answered other than 429, 429s) of the local Notion's ``/_admin/stats``."""
    limited = int(stats["by_status"].get("429", 0))
    return int(stats["total"]) - limited, limited


def per(value: float, count: int) -> float:
    return round(value / count, 3) if count else 0.0


class Tallied(Protocol):
    """A delivery as counted: which event it is, and whether it is a resend."""

    @property
    def provider(self) -> str: ...

    @property
    def event_type(self) -> str: ...

    @property
    def redelivery(self) -> bool: ...


def summary(deliveries: Iterable[Tallied]) -> dict[str, int]:
    """Distinct events by ``provider:type``, plus ``redeliveries`` and ``deliveries`` (all)."""
    counts: Counter[str] = Counter()
    total = redeliveries = 0
    for delivery in deliveries:
        total += 1
        if delivery.redelivery:
            redeliveries += 1
        else:
            counts[f"{delivery.provider}:{delivery.event_type}"] += 1
    return {**dict(sorted(counts.items())), "redeliveries": redeliveries, "deliveries": total}


class NaiveApp(Protocol[D_contra]):
    misses: int

    def handle(self, delivery: D_contra) -> None: ...

    def count_rows(self, title: str) -> int: ...


def run_naive(
    root: Path,
    deliveries: Sequence[D],
    provision: Callable[[Any, str], NaiveApp[D]],
    counted: Mapping[str, str],
    workspace_page: Callable[[Any], str],
) -> dict[str, Any]:
    """The month through a naive app on a fresh local Notion: its requests, time, misses and
    the rows of each database of ``counted`` (figure name → database title)."""
    (root / "naive").mkdir()
    with running_server(root / "naive" / "notion") as server:
        notion = notion_client(server.base_url)
        admin = httpx.Client(base_url=server.base_url, trust_env=False, timeout=30)
        try:
            app = provision(notion, workspace_page(notion))
            admin.post("/_admin/reset-stats")
            started = time.perf_counter()
            for delivery in deliveries:
                app.handle(delivery)
            seconds = time.perf_counter() - started
            requests, _ = answered_requests(admin.get("/_admin/stats").json())
            return {
                "requests": requests,
                "seconds": seconds,
                "misses": app.misses,
                **{figure: app.count_rows(title) for figure, title in counted.items()},
            }
        finally:
            notion.close()
            admin.close()
