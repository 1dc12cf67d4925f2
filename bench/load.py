"""A small HTTP/1.1 load generator: keep-alive connections posting prepared requests.

Requests are built (and signed) before the clock starts; each connection sends one request,
reads the whole answer, and records the latency. Raw asyncio streams keep the client's own
cost far below the servers', so the figures are the servers'.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
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


async def _connection(
    host: str, port: int, requests: list[bytes], position: list[int], result: LoadResult
) -> None:
    """Send requests one after another; a dropped connection counts as status 0 and reconnects."""
    while position[0] < len(requests):
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while position[0] < len(requests):
                request = requests[position[0]]
                position[0] += 1
                started = time.perf_counter()
                writer.write(request)
                status = await _answer(reader)
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                result.statuses[status] += 1
        except (ConnectionError, asyncio.IncompleteReadError):
            result.statuses[0] += 1
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


async def _run(host: str, port: int, requests: list[bytes], concurrency: int) -> LoadResult:
    result = LoadResult()
    position = [0]
    started = time.perf_counter()
    await asyncio.gather(
        *(_connection(host, port, requests, position, result) for _ in range(concurrency))
    )
    result.elapsed_s = time.perf_counter() - started
    return result


def post_all(host: str, port: int, requests: list[bytes], concurrency: int) -> LoadResult:
    """Send every request over ``concurrency`` keep-alive connections; wait for every answer."""
    return asyncio.run(_run(host, port, requests, concurrency))
