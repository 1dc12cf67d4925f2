"""Serving an ASGI app on a port, held up against hostile HTTP clients (docs/limits.md).

uvicorn with httptools and uvloop keeps its speed, but on its own it caps nothing a client
controls: a 128 MB header is parsed (quadratically) and accepted, a request head or body that
never ends holds its socket for ever. ``LimitedHttpToolsProtocol`` adds the missing caps:

- the request head (request line and headers) is counted *before* the parser sees it, so no
  more than ``max_header_bytes`` of it is ever buffered: 431;
- a header line over ``max_header_line_bytes``, or more than ``max_headers`` of them: 431
  (a request line over the line cap: 414);
- a head not complete within ``header_timeout_seconds`` of its first byte (or of the
  connection, for one that says nothing): 408;
- a body with no byte for ``body_timeout_seconds`` while the app waits for it: 408, and the app
  sees the client gone (so it stores nothing);
- beyond ``max_connections`` open at once: 503 (uvicorn's ``limit_concurrency``);
- an idle keep-alive connection is closed after ``keep_alive_seconds``.

A refused connection is closed gracefully: the answer is sent, our side of the socket shut, and
what the client still sends is read and dropped for a moment, so the client reads the answer
instead of a reset.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from asyncio import TimerHandle
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httptools
import uvicorn
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from notionhub.settings import Settings

# A refused client may still be sending: read and drop its bytes this long (or this many) so that
# closing does not reset the connection before it has read the answer.
LINGER_SECONDS = 2.0
LINGER_BYTES = 2 << 20


@dataclass(frozen=True)
class ServerLimits:
    """What one HTTP client may cost the server; the defaults are those of ``Settings``."""

    max_header_bytes: int = 64 * 1024
    max_header_line_bytes: int = 16 * 1024
    max_headers: int = 100
    header_timeout_seconds: float = 10.0
    body_timeout_seconds: float = 30.0
    max_connections: int = 1000
    keep_alive_seconds: float = 5.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ServerLimits:
        return cls(
            max_header_bytes=settings.server_max_header_bytes,
            max_header_line_bytes=settings.server_max_header_line_bytes,
            max_headers=settings.server_max_headers,
            header_timeout_seconds=settings.server_header_timeout_seconds,
            body_timeout_seconds=settings.server_body_timeout_seconds,
            max_connections=settings.server_max_connections,
            keep_alive_seconds=settings.server_keep_alive_seconds,
        )


class LimitedConfig(uvicorn.Config):
    """uvicorn's configuration, carrying the limits to each connection's protocol."""

    def __init__(self, app: ASGIApp, *, limits: ServerLimits, **options: Any) -> None:
        super().__init__(app, http=LimitedHttpToolsProtocol, **options)
        self.limits = limits

    @property
    def limits(self) -> ServerLimits:
        """The limits; set on a running server, they apply to the connections made after."""
        return self._limits

    @limits.setter
    def limits(self, limits: ServerLimits) -> None:
        self._limits = limits
        # uvicorn counts the connection asking among those open: N allowed means N + 1 there.
        self.limit_concurrency = limits.max_connections + 1


class _Refusal(Exception):
    """Raised inside a parser callback to stop parsing and answer ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with caps on the request head and timeouts on slow clients."""

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits = config.limits if isinstance(config, LimitedConfig) else ServerLimits()
        self.timeout_keep_alive = self.limits.keep_alive_seconds  # type: ignore[assignment]
        self._in_head = True  # reading a request head (not a body, not upgraded)
        self._head_bytes = 0
        self._header_count = 0
        self._head_timer: TimerHandle | None = None
        self._body_timer: TimerHandle | None = None
        self._refused = False  # answered with a refusal: what the client sends is dropped
        self._lingering = 0  # bytes dropped since

    # Connection

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()  # a client that connects and says nothing is cut off too

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            self._linger(len(data))
            return
        if not self._in_head:
            self._feed(data)
            return
        room = self.limits.max_header_bytes - self._head_bytes
        if len(data) <= room:
            self._head_bytes += len(data)
            self._feed(data)
            return
        # Only what fits under the cap reaches the parser; if the head ends within it, the rest
        # (a body, the next request) is read as usual.
        self._head_bytes += room
        self._feed(data[:room])
        if self._refused:
            return
        if self._in_head:
            self._refuse(431, "Request header fields too large.")
        else:
            self.data_received(data[room:])

    def _feed(self, data: bytes) -> None:
        """uvicorn's ``data_received``, with the refusals raised by our parser callbacks."""
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self._in_head = False
                self._cancel_timers()
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
        except httptools.HttpParserError as error:
            refusal = error.__context__
            if not isinstance(refusal, _Refusal):
                refusal = _Refusal(400, "Invalid HTTP request received.")
            self._refuse(refusal.status, refusal.message)

    # Parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._header_count = 0
        if self._head_timer is None:
            self._arm_head_timer()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > self.limits.max_header_line_bytes:
            raise _Refusal(414, "Request line too long.")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > self.limits.max_headers:
            raise _Refusal(431, "Too many header fields.")
        if len(name) + len(value) > self.limits.max_header_line_bytes:
            raise _Refusal(431, "Request header field too large.")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._cancel_head_timer()
        super().on_headers_complete()
        self._arm_body_timer()  # cancelled at once by on_message_complete when there is no body

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._arm_body_timer()  # the timeout is on idleness: each piece of body resets it

    def on_message_complete(self) -> None:
        self._cancel_body_timer()
        self._in_head = True
        self._head_bytes = 0
        super().on_message_complete()

    # Timeouts

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(
            self.limits.header_timeout_seconds, self._head_timed_out
        )

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _arm_body_timer(self) -> None:
        self._cancel_body_timer()
        self._body_timer = self.loop.call_later(
            self.limits.body_timeout_seconds, self._body_timed_out
        )

    def _cancel_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _cancel_timers(self) -> None:
        self._cancel_head_timer()
        self._cancel_body_timer()

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self._in_head and not self.transport.is_closing():
            self._refuse(408, "Request header timeout.")

    def _body_timed_out(self) -> None:
        self._body_timer = None
        if self.transport.is_closing() or self.cycle is None or not self.cycle.more_body:
            return
        if self.flow.read_paused:  # we stopped reading (the app is slow), not the client
            self._arm_body_timer()
            return
        self.logger.warning("Request body timeout. (408, client %s)", self.client)
        cycle = self.cycle
        if not cycle.response_started:
            self._write_refusal(408, "Request body timeout.")
        # The app waiting for the body hears that the client is gone; what it sends is dropped.
        cycle.disconnected = True
        cycle.message_event.set()
        self._close_lingering()

    # Refusing

    def _refuse(self, status: int, message: str) -> None:
        """Answer ``status`` and close, or, with a response still being sent, close after it."""
        self.logger.warning("%s (%d, client %s)", message, status, self.client)
        self._cancel_timers()
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.keep_alive = False
            self.pipeline.clear()
            self._refused = True
            return
        self._write_refusal(status, message)
        self._close_lingering()

    def _write_refusal(self, status: int, message: str) -> None:
        body = message.encode("ascii")
        content = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: text/plain; charset=utf-8\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"connection: close\r\n\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))

    def _close_lingering(self) -> None:
        self._refused = True
        if self.transport.can_write_eof():
            self.transport.write_eof()  # sends what is buffered, then our FIN
            self.loop.call_later(LINGER_SECONDS, self.transport.close)
        else:
            self.transport.close()

    def _linger(self, dropped: int) -> None:
        self._lingering += dropped
        if self._lingering > LINGER_BYTES:
            self.transport.close()


class QuietOnClientGone:
    """Ends a request quietly when its client left mid-body (or was cut off by a timeout).

    Starlette raises ``ClientDisconnect`` from ``request.stream()`` then; unhandled, uvicorn logs
    it as an application error with a traceback, once per hostile client. There is no one left
    to answer.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except ClientDisconnect:
            if scope["type"] != "http":
                raise


def run_server(
    app: ASGIApp,
    host: str,
    port: int,
    limits: ServerLimits,
    sock: socket.socket | None = None,
    before_stop: Callable[[], None] | None = None,
) -> None:
    """Serve ``app`` until interrupted, with httptools and uvloop (both pinned) and ``limits``.

    ``sock``: a socket already listening (``web.bind``), so a taken port is known before the
    app's lifespan starts anything. ``before_stop``: run (in a thread) when a stop begins, while
    the server still answers (``serve --workers`` stops its workers then: they may still be
    calling the embedded Notion).
    """
    server = build_server(app, host, port, limits, before_stop)
    server.run(sockets=[sock] if sock is not None else None)


class TellingServer(uvicorn.Server):
    """A uvicorn server that sets the app's ``state.stopping`` (a ``threading.Event``, when the
    app has one) as a stop begins, before waiting for open connections: answers that stream
    (the console's server-sent events) end then instead of holding the stop up. Then it runs
    ``before_stop``, if any, before it stops listening."""

    def __init__(
        self,
        config: uvicorn.Config,
        stopping: threading.Event | None,
        before_stop: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(config)
        self.stopping = stopping
        self.before_stop = before_stop

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.stopping is not None:
            self.stopping.set()
        if self.before_stop is not None:
            await asyncio.to_thread(self.before_stop)
        await super().shutdown(sockets)


def build_server(
    app: ASGIApp,
    host: str,
    port: int,
    limits: ServerLimits,
    before_stop: Callable[[], None] | None = None,
) -> uvicorn.Server:
    """The uvicorn server of ``run_server``, not started (tests run it in a thread)."""
    stopping = getattr(getattr(app, "state", None), "stopping", None)
    config = LimitedConfig(
        QuietOnClientGone(app),
        limits=limits,
        host=host,
        port=port,
        log_level="warning",
        loop="uvloop",
    )
    return TellingServer(
        config, stopping if isinstance(stopping, threading.Event) else None, before_stop
    )
