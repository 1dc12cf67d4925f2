"""The hub's storage going away mid-stream: PostgreSQL cut off, a SQLite folder made read-only.

PostgreSQL: the hub reaches the machine's server through a ``TcpProxy`` that the run cuts and
restores. Chosen over a private cluster restarted with ``pg_ctl``: the cut lands at any byte of
any connection (a ``COMMIT`` applied whose answer is lost included), it costs no cluster start,
and the server's own crash safety is PostgreSQL's promise, not the hub's, while what the hub does
when its connections break is exactly what is under test.

SQLite: we run as root, for whom ``chmod`` changes nothing. ``chattr +i`` (the immutable
attribute) refuses writes to root as well, through descriptors already open too, on ext4. The
folder and every file in it but SQLite's shared-memory index (``-shm``, written through a
memory map, where a refused write would be a SIGBUS rather than an error) are made immutable.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.acceptance.fault_run import Disruption
from tests.acceptance.tcp_proxy import TcpProxy


@contextmanager
def database_behind_proxy(url: str) -> Iterator[tuple[str, TcpProxy]]:
    """``url`` rewritten to reach its server through a proxy, and the proxy."""
    parts = urlsplit(url)
    proxy = TcpProxy(parts.port or 5432).start()
    user = f"{parts.username}@" if parts.username else ""
    netloc = f"{user}127.0.0.1:{proxy.port}"
    try:
        yield urlunsplit(parts._replace(netloc=netloc)), proxy
    finally:
        proxy.close()


class DatabaseCut(Disruption):
    name = "postgresql cut"

    def __init__(self, proxy: TcpProxy) -> None:
        self.proxy = proxy

    def begin(self) -> None:
        self.proxy.cut()

    def end(self) -> None:
        self.proxy.restore()


class ReadOnlyFolder(Disruption):
    name = "read-only folder"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.frozen: list[Path] = []

    def begin(self) -> None:
        files = [path for path in self.folder.iterdir() if not path.name.endswith("-shm")]
        self.frozen = [*files, self.folder]
        subprocess.run(["chattr", "+i", *map(str, self.frozen)], check=True)

    def end(self) -> None:
        if self.frozen:
            subprocess.run(["chattr", "-i", *map(str, self.frozen)], check=True)
            self.frozen = []
