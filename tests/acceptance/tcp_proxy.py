"""A TCP proxy on a loopback port that a test can cut, restore, or have drop connections.

Put between a hub and its PostgreSQL server, ``cut()`` is the database going away as the hub
sees it: every open connection reset at whatever byte it had reached (a ``COMMIT`` may have
been applied with its answer lost), every new one reset at once, until ``restore()``. Put
between a hub and Notion, ``drop_rate`` resets a connection at random, either before a request
reaches Notion or after Notion handled it and before the answer gets back (a create that
happened, of which the hub saw nothing).
"""

from __future__ import annotations

import random
import socket
import struct
import threading
from dataclasses import dataclass, field

from tests.conftest import free_port

CHUNK = 65_536


@dataclass
class ProxyCounts:
    connections: int = 0
    refused: int = 0  # connections reset at once while cut
    cut: int = 0  # connections reset by cut()
    dropped: int = 0  # connections reset by drop_rate


@dataclass
class TcpProxy:
    """Forwards ``127.0.0.1:port`` to ``127.0.0.1:target_port``; ``start`` then ``close``."""

    target_port: int
    drop_rate: float = 0.0
    seed: int = 0
    port: int = field(default_factory=free_port)
    counts: ProxyCounts = field(default_factory=ProxyCounts)
    _listener: socket.socket | None = None
    _open: set[socket.socket] = field(default_factory=set)
    _is_cut: bool = False
    _closed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def start(self) -> TcpProxy:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, name=f"proxy-{self.port}", daemon=True).start()
        return self

    def cut(self) -> None:
        """Reset every open connection, and every new one until ``restore``."""
        with self._lock:
            self._is_cut = True
            victims = list(self._open)
            self.counts.cut += len(victims) // 2
        for sock in victims:
            _close(sock)

    def restore(self) -> None:
        with self._lock:
            self._is_cut = False

    def close(self) -> None:
        with self._lock:
            self._closed = True
            victims = list(self._open)
        if self._listener is not None:
            self._listener.close()
        for sock in victims:
            _close(sock)

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                refuse = self._is_cut or self._closed
                self.counts.connections += 1
                self.counts.refused += refuse
            if refuse:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
                upstream.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        broken = True
        try:
            while True:
                data = source.recv(CHUNK)
                if not data:
                    broken = False  # an orderly end: close both sides, the same way
                    break
                if self._drops():
                    with self._lock:
                        self.counts.dropped += 1
                    break
                sink.sendall(data)
        except OSError:
            pass
        with self._lock:
            self._open.discard(source)
            self._open.discard(sink)
        for sock in (source, sink):
            _close(sock, reset=broken)

    def _drops(self) -> bool:
        if self.drop_rate <= 0:
            return False
        with self._lock:
            return self._random.random() < self.drop_rate


def _close(sock: socket.socket, *, reset: bool = True) -> None:
    """Close ``sock``; with ``reset``, with an RST (linger 0), as a crashed peer or a broken
    network does. The shutdown first wakes the other pump, blocked reading the same socket."""
    try:
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
