"""A small HTTP/1.1 load generator: keep-alive connections posting prepared requests.

``post_all`` sends a list of requests built (and signed) before the clock starts; ``post_for``
sends numbered requests, built as they go, until a deadline. Each connection sends one request,
reads the whole answer, and records the latency. Raw asyncio streams keep the client's own
cost far below the servers', so the figures are the servers'.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    elapsed_s: float = 0.0

    def percentile(self, share: float) -> float:
        """Nearest-rank percentile of the latencies."""
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return 0.0
        rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
        return ordered[rank - 1]


def http_request(host: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# The next request to send and the moment (``time.perf_counter``) it is due; None: no more.
Feed = Callable[[], tuple[bytes, float] | None]


async def _connection(host: str, port: int, feed: Feed, result: LoadResult) -> None:
    """Send requests one after another; a dropped connection counts as status 0 and reconnects."""
    item = feed()
    while item is not None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while item is not None:
                request, due = item
                early = due - time.perf_counter()
                if early > 0:
                    await asyncio.sleep(early)
                started = time.perf_counter()
                writer.write(request)
                status = await _answer(reader)
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.statuses[status] += 1
                item = feed()
        except (ConnectionError, asyncio.IncompleteReadError):
            result.statuses[0] += 1
            item = feed()
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


async def _answer(reader: asyncio.StreamReader) -> int:
    """Read one whole answer; returns its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def _run(host: str, port: int, feed: Feed, concurrency: int) -> LoadResult:
    result = LoadResult()
    started = time.perf_counter()
    await asyncio.gather(*(_connection(host, port, feed, result) for _ in range(concurrency)))
    result.elapsed_s = time.perf_counter() - started
    return result


def post_all(host: str, port: int, requests: list[bytes], concurrency: int) -> LoadResult:
    """Send every request over ``concurrency`` keep-alive connections; wait for every answer."""
    remaining = iter(requests)
    return asyncio.run(_run(host, port, lambda: _due_now(next(remaining, None)), concurrency))


def _due_now(request: bytes | None) -> tuple[bytes, float] | None:
    return None if request is None else (request, 0.0)


@dataclass
class Stream:
    """A ``Feed`` of numbered requests until ``seconds`` have passed since the first (``post_for``).

    ``clock`` is the one the connections wait by; a test passes its own.
    """

    request_for: Callable[[int], bytes]
    seconds: float
    rate: float | None = None
    clock: Callable[[], float] = time.perf_counter
    sent: int = 0
    started: float | None = None

    def __call__(self) -> tuple[bytes, float] | None:
        now = self.clock()
        if self.started is None:
            self.started = now
        due = self.started if self.rate is None else self.started + self.sent / self.rate
        if max(now, due) - self.started >= self.seconds:
            return None
        self.sent += 1
        return self.request_for(self.sent - 1), due


def post_for(
    host: str,
    port: int,
    request_for: Callable[[int], bytes],
    concurrency: int,
    seconds: float,
    rate: float | None = None,
) -> LoadResult:
    """Send ``request_for(0)``, ``request_for(1)``, … until ``seconds`` have passed.

    Without ``rate``, a closed loop: each of ``concurrency`` connections sends its next request
    as soon as the previous answer is read, so the stream is as fast as the server answers.
    With ``rate``, request *n* is due *n* / ``rate`` seconds after the start (a steady stream,
    whatever the latency, as long as the connections keep up). Requests are built as they are
    sent: a stream's length is not known in advance.
    """
    return asyncio.run(_run(host, port, Stream(request_for, seconds, rate), concurrency))
