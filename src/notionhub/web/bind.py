"""The listening socket, bound before anything starts (docs/first-hour-safety.md).

uvicorn runs the app's lifespan (the hub's runtime: DBOS, recovery, the dispatcher) *before* it
binds its port, so a hub started on a taken port would process events, then fail. Binding
first, and handing the socket to uvicorn, turns a taken port into one line and nothing done.
"""

from __future__ import annotations

import socket

from notionhub.errors import PortUnavailable

BACKLOG = 2048  # uvicorn's default


def bind_listening_socket(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``, or ``PortUnavailable`` saying why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as error:
        raise PortUnavailable(f"cannot listen on {host}:{port}: {error}") from error
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as error:
        sock.close()
        reason = error.strerror or str(error)
        raise PortUnavailable(
            f"cannot listen on {host}:{port} ({reason}): another process (another notionhub?)"
            f" uses that port; stop it or choose another port (--port)."
            f" Nothing was started"
        ) from error
    return sock
