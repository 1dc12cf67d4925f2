"""Structured logging: JSON lines when stderr is not a terminal, readable lines when it is."""

from __future__ import annotations

import logging
import sys

import structlog

_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


def _stderr_logger(*_args: object) -> structlog.PrintLogger:
    # sys.stderr is looked up on each use, so a replaced stream (tests, daemons) is followed.
    return structlog.PrintLogger(file=sys.stderr)


def configure_logging(level: str = "info", *, json: bool | None = None) -> None:
    """Route structlog (and the standard library's loggers) to stderr at ``level``."""
    numeric = _LEVELS.get(level.lower(), logging.INFO)
    use_json = not sys.stderr.isatty() if json is None else json
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=numeric, stream=sys.stderr, format="%(message)s")
    # One line per HTTP request is noise at info level; the gateway logs what matters. Alembic
    # narrates each migration step in plain text; the hub logs each pack's migration itself.
    for chatty in ("httpx", "httpcore", "alembic"):
        logging.getLogger(chatty).setLevel(max(numeric, logging.WARNING))
