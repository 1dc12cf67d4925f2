"""A refusal raised while the app starts (its lifespan), told once, in one line, after uvicorn.

uvicorn runs the app's lifespan inside its own loop: a ``NotionhubError`` raised there (a
``NOTION_<NAME>_DB`` naming no database, a Notion token Notion refuses, a pack's binding
problem) was logged as a full traceback, then "Application startup failed", and the command
still exited 0. ``KeepStartupRefusal`` wraps the app: such an error is kept instead of logged,
uvicorn stops as for any failed start, and the command raises it again when ``run`` ends,
so ``cli_errors.main`` says it in one line with exit code 2. Any other exception is a bug and
is left to uvicorn's log, traceback and all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from notionhub.errors import NotionhubError

_UVICORN_FAILED = "Application startup failed. Exiting."


class KeepStartupRefusal:
    """ASGI middleware keeping a ``NotionhubError`` of the lifespan's startup for the caller."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.refusal: NotionhubError | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        failed: list[Message] = []

        async def held_send(message: Message) -> None:
            if message["type"] == "lifespan.startup.failed":
                failed.append(message)  # sent below, once the cause is known
                return
            await send(message)

        try:
            await self.app(scope, receive, held_send)
        except NotionhubError as error:
            if not failed:
                raise
            self.refusal = error
            logging.getLogger("uvicorn.error").addFilter(_quiet_failed_start)
            await send({"type": "lifespan.startup.failed", "message": ""})
            raise
        except BaseException:
            for message in failed:
                await send(message)
            raise

    @contextmanager
    def refusal_raised(self) -> Iterator[None]:
        """Run the server inside: a refusal its start met is raised when it returns.

        uvicorn ends a failed start with ``sys.exit(3)``; the refusal replaces that exit.
        """
        try:
            yield
        except SystemExit:
            if self.refusal is not None:
                raise self.refusal from None
            raise
        if self.refusal is not None:
            raise self.refusal


def _quiet_failed_start(record: logging.LogRecord) -> bool:
    return record.getMessage() != _UVICORN_FAILED
