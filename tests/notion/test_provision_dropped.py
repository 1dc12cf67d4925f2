"""A create whose answer is lost is never sent twice blindly: provisioning looks the database
up by its title under the parent first (found at the start by the fault suite: the hub exited
with "Application startup failed").

A TCP proxy between the gateway and the local Notion server resets the connection of the first
``POST /v1/databases`` after Notion applied it, before its answer reaches the hub.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from notion_client import Client
from sqlalchemy import Engine

from notionhub.localnotion.app import DEFAULT_TOKEN
from notionhub.notion.provision import Provisioner
from tests.acceptance.tcp_proxy import TcpProxy
from tests.conftest import RunningServer, start_server
from tests.notion.conftest import GatewayFactory
from tests.notion.models import MODELS

CREATE = b"POST /v1/databases "


@dataclasses.dataclass
class LosesFirstCreateAnswer(TcpProxy):
    """Forwards everything, except the answer to the first database create (Notion applied it)."""

    answers_to_lose: int = 1
    _armed: set[socket.socket] = dataclasses.field(default_factory=set)
    _seen: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        original_sendall = sink.sendall

        def sendall(data: bytes) -> None:
            with self._seen:
                if data.startswith(CREATE) and self.answers_to_lose > 0:
                    self.answers_to_lose -= 1
                    self._armed.add(sink)  # the upstream side: its next answer is lost
                lose = source in self._armed
                self._armed.discard(source)
            if lose:
                self.counts.dropped += 1
                raise OSError("answer lost")  # the pump resets both sides
            original_sendall(data)

        wrapped = _Sending(sink, sendall)
        super()._pump(source, wrapped)  # type: ignore[arg-type]


class _Sending:
    """``sink`` with its ``sendall`` replaced (sockets' methods are read-only)."""

    def __init__(self, sock: socket.socket, sendall: object) -> None:
        self._sock = sock
        self.sendall = sendall

    def __getattr__(self, name: str) -> object:
        return getattr(self._sock, name)

    def __hash__(self) -> int:
        return hash(self._sock)

    def __eq__(self, other: object) -> bool:
        return other is self or other is self._sock


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    running = start_server(tmp_path / "notion")
    yield running
    running.stop()


@pytest.fixture
def proxy(server: RunningServer) -> Iterator[LosesFirstCreateAnswer]:
    port = int(server.base_url.rsplit(":", 1)[1])
    running = LosesFirstCreateAnswer(target_port=port).start()
    yield running
    running.close()


def test_a_lost_create_answer_adopts_the_database_it_made(
    make_gateway: GatewayFactory,
    server: RunningServer,
    proxy: LosesFirstCreateAnswer,
    hub_engine: Engine,
) -> None:
    through_proxy = dataclasses.replace(server, base_url=f"http://127.0.0.1:{proxy.port}")
    gateway = make_gateway(through_proxy)
    parent = str(next(gateway.search({"query": "notionhub"}))["id"])

    report = Provisioner(gateway, hub_engine, {}).run(MODELS, parent)

    assert proxy.counts.dropped == 1  # the lost answer did happen
    assert [(r.name, r.action) for r in report.databases] == [
        ("Customers", "created"),
        ("Orders", "created"),
    ]
    with Client(auth=DEFAULT_TOKEN, base_url=server.base_url, retry=False) as notion:
        for model in MODELS:
            name = model.__database__.name
            found = notion.search(
                query=name, filter={"property": "object", "value": "data_source"}
            )["results"]
            titled = [s for s in found if "".join(t["plain_text"] for t in s["title"]) == name]
            assert len(titled) == 1, name  # each database exists once
            assert titled[0]["id"] == report.ids()[name]["data_source_id"]
