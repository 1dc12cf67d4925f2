"""The hub, served as ``notionhub serve`` serves it, against hostile HTTP clients (raw sockets).

One hub for the module (web/server.py in a thread); each test sets the limits it needs on the
running server, which apply to the connections made after. Waits are guards against hanging
(generous deadlines), never timings.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

import httpx
import pytest

from notionhub.packs.echo import PACK as ECHO
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from notionhub.settings import Settings
from notionhub.web.app import create_hub_app
from notionhub.web.server import LimitedConfig, ServerLimits, build_server
from tests.conftest import free_port
from tests.queue.conftest import FAST_SCHEDULE, hub_settings
from tests.signing import STRIPE_SECRET

GUARD_SECONDS = 30  # how long a socket waits for the server before the test fails as hung
# Short timeouts, so that a test waits about a second for the server to cut a client off.
TEST_LIMITS = ServerLimits(header_timeout_seconds=1, body_timeout_seconds=1)
PATIENT = replace(TEST_LIMITS, header_timeout_seconds=60, body_timeout_seconds=60)


@dataclass
class ServedHub:
    runtime: Runtime
    config: LimitedConfig
    port: int
    client: httpx.Client

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=GUARD_SECONDS)
        return sock

    def health(self) -> int:
        return self.client.get("/health").status_code


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, processor: EventProcessor
) -> Iterator[ServedHub]:
    home = tmp_path_factory.mktemp("hostile") / ".notionhub"
    settings = hub_settings(home, stripe_webhook_secret=STRIPE_SECRET)
    runtime = Runtime(settings, processor, packs=[ECHO], schedule=FAST_SCHEDULE)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = build_server(create_hub_app(runtime, url), "127.0.0.1", port, TEST_LIMITS)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the hub did not start")
        time.sleep(0.01)
    assert isinstance(server.config, LimitedConfig)
    try:
        with httpx.Client(base_url=url, timeout=GUARD_SECONDS) as client:
            yield ServedHub(runtime, server.config, port, client)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def hub(served: ServedHub) -> Iterator[ServedHub]:
    served.config.limits = TEST_LIMITS
    yield served
    served.config.limits = TEST_LIMITS


def read_to_end(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a reset ends it too)."""
    received = b""
    while True:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            return received
        if not data:
            return received
        received += data


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def get(path: str, *headers: bytes) -> bytes:
    return b"".join([f"GET {path} HTTP/1.1\r\nHost: hub\r\n".encode(), *headers, b"\r\n"])


def test_a_huge_header_is_refused_with_431_and_closed_while_health_answers(
    hub: ServedHub,
) -> None:
    hub.config.limits = PATIENT
    with hub.connect() as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: hub\r\nX-Huge: " + b"a" * 32_000)
        assert hub.health() == 200  # the hub answers while the huge head is on its way
        # The server may close before taking all of it; its answer is there all the same.
        with contextlib.suppress(OSError):
            sock.sendall(b"a" * (1 << 20) + b"\r\n\r\n")
        answer = read_to_end(sock)
    assert status_of(answer) == 431
    assert b"connection: close" in answer
    assert hub.health() == 200


def test_a_header_line_over_its_cap_is_refused_with_431(hub: ServedHub) -> None:
    with hub.connect() as sock:
        sock.sendall(get("/health", b"X-Long: " + b"a" * 20_000 + b"\r\n"))
        assert status_of(read_to_end(sock)) == 431


def test_more_header_fields_than_the_limit_are_refused_and_the_limit_itself_is_served(
    hub: ServedHub,
) -> None:
    fields = [f"X-Field-{n}: {n}\r\n".encode() for n in range(100)]  # with Host: one too many
    with hub.connect() as sock:
        sock.sendall(get("/health", *fields))
        assert status_of(read_to_end(sock)) == 431
    with hub.connect() as sock:
        sock.sendall(get("/health", *fields[:98], b"Connection: close\r\n"))  # 100 with Host
        assert status_of(read_to_end(sock)) == 200


def test_a_slowloris_head_is_cut_off_after_the_header_timeout(hub: ServedHub) -> None:
    with hub.connect() as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: hub\r\n")
        sock.settimeout(0.2)
        deadline = time.monotonic() + GUARD_SECONDS
        answer = None
        while answer is None and time.monotonic() < deadline:
            try:
                sock.sendall(b"X-Drip: 1\r\n")  # a header line now and then, never the end
                answer = sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:  # reset while dripping: cut off as well
                answer = b""
    assert answer is not None, "the slow head was never cut off"
    assert answer == b"" or status_of(answer) == 408
    assert hub.health() == 200


def test_a_connection_that_sends_nothing_is_cut_off_after_the_header_timeout(
    hub: ServedHub,
) -> None:
    with hub.connect() as sock:
        answer = read_to_end(sock)
    assert answer == b"" or status_of(answer) == 408


def test_a_short_body_is_cut_off_after_the_body_timeout_and_nothing_is_stored(
    hub: ServedHub,
) -> None:
    store = hub.runtime.store
    assert store is not None
    before = store.counts()
    with hub.connect() as sock:
        sock.sendall(
            b"POST /hooks/stripe HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
            b'Stripe-Signature: t=1,v1=00\r\nContent-Length: 1000\r\n\r\n{"id":'
        )
        answer = read_to_end(sock)
    assert answer == b"" or 400 <= status_of(answer) < 500
    assert store.counts() == before
    assert hub.health() == 200


def test_beyond_the_connection_limit_a_request_gets_503(hub: ServedHub) -> None:
    hub.config.limits = replace(PATIENT, max_connections=2)
    idle = [hub.connect(), hub.connect()]
    try:
        with hub.connect() as sock:
            sock.sendall(get("/health", b"Connection: close\r\n"))
            assert status_of(read_to_end(sock)) == 503
    finally:
        for sock in idle:
            sock.close()
    # Once the idle ones are gone, a request is served again.
    deadline = time.monotonic() + GUARD_SECONDS
    while hub.health() == 503 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hub.health() == 200


def test_an_idle_keep_alive_connection_is_closed(hub: ServedHub) -> None:
    hub.config.limits = replace(TEST_LIMITS, keep_alive_seconds=0.5)
    with hub.connect() as sock:
        sock.sendall(get("/health"))
        answer = read_to_end(sock)  # the answer, then the close once idle
    assert status_of(answer) == 200
    assert answer.endswith(b"}")


def test_the_limits_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "SERVER_MAX_HEADER_BYTES": "32768",
        "SERVER_MAX_HEADER_LINE_BYTES": "8192",
        "SERVER_MAX_HEADERS": "50",
        "SERVER_HEADER_TIMEOUT_SECONDS": "2.5",
        "SERVER_BODY_TIMEOUT_SECONDS": "12",
        "SERVER_MAX_CONNECTIONS": "64",
        "SERVER_KEEP_ALIVE_SECONDS": "3",
    }.items():
        monkeypatch.setenv(name, value)
    limits = ServerLimits.from_settings(Settings(_env_file=None))  # type: ignore[call-arg]
    assert limits == ServerLimits(
        max_header_bytes=32768,
        max_header_line_bytes=8192,
        max_headers=50,
        header_timeout_seconds=2.5,
        body_timeout_seconds=12,
        max_connections=64,
        keep_alive_seconds=3,
    )


def test_the_defaults_of_the_settings_are_those_of_the_limits() -> None:
    assert ServerLimits.from_settings(Settings(_env_file=None)) == ServerLimits()  # type: ignore[call-arg]
