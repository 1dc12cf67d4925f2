"""The ingest benchmark's sustained phase: a stream of signed webhooks bounded by time.

A burst is acknowledged while the dispatcher holds processing back (``Dispatcher``), so its rate
says nothing of ingest while events are being processed. A stream lasts long enough for that
hold to run out: the hub's ``/api/stats`` is read before, every ``SAMPLE_EVERY_S`` during and
after it, to tell how much was stored and processed meanwhile, and how much is left behind.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise

import httpx

from bench.load import LoadResult, post_for

# Seconds between two reads of /api/stats while a stream runs: each read counts the whole
# event log, so not so often that the reads become part of the load.
SAMPLE_EVERY_S = 5.0

Stats = dict[str, int]


def hub_stats(url: str) -> Stats:
    """The hub's event counts (``/api/stats``), with ``finished`` = processed + failed + ignored."""
    events: Stats = httpx.get(url + "/api/stats", timeout=30, trust_env=False).json()["events"]
    return {**events, "finished": events["processed"] + events["failed"] + events["ignored"]}


@contextmanager
def sampling(url: str, every_s: float = SAMPLE_EVERY_S) -> Iterator[list[Stats]]:
    """Read the hub's stats every ``every_s`` seconds on a thread, into the yielded list."""
    samples: list[Stats] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(every_s):
            samples.append(hub_stats(url))

    thread = threading.Thread(target=sample, name="stats-sampler", daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        done.set()
        thread.join()


@dataclass
class StreamOutcome:
    """One stream into one server, and (for the hub) its event log before, during and after."""

    load: LoadResult
    before: Stats | None = None
    after: Stats | None = None
    samples: list[Stats] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return self.load.statuses[202]

    @property
    def rate(self) -> float:
        """202 answers per second over the stream."""
        return self.accepted / self.load.elapsed_s if self.load.elapsed_s else 0.0

    def progress(self) -> dict[str, float | int]:
        """What the hub stored and processed while the stream ran, and the backlog it left."""
        if self.before is None or self.after is None:
            return {}
        readings = [self.before, *self.samples, self.after]
        finished = [reading["finished"] for reading in readings]
        processed = self.after["finished"] - self.before["finished"]
        return {
            "stored": self.after["received"] - self.before["received"],
            "processed": processed,
            "processed_per_s": processed / self.load.elapsed_s if self.load.elapsed_s else 0.0,
            "readings_with_progress": sum(b > a for a, b in pairwise(finished)),
            "readings": len(readings) - 1,
            "backlog_before": self.before["pending"],
            "backlog_after": self.after["pending"],
        }


def stream_to(
    url: str,
    request_for: Callable[[int], bytes],
    concurrency: int,
    seconds: float,
    *,
    rate: float | None = None,
    hub: bool = False,
) -> StreamOutcome:
    """Stream to the server at ``url`` (see ``post_for``); for the hub, read its event log too."""
    port = int(url.rsplit(":", 1)[1])
    if not hub:
        return StreamOutcome(post_for("127.0.0.1", port, request_for, concurrency, seconds, rate))
    before = hub_stats(url)
    with sampling(url) as samples:
        load = post_for("127.0.0.1", port, request_for, concurrency, seconds, rate)
    return StreamOutcome(load, before, hub_stats(url), list(samples))
