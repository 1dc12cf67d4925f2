"""The checks of ``GET /health/ready``, each bounded by its own deadline and naming its own part.

- ``database``: the hub database takes a write now (the lock storing an event needs, and room
  for it on disk);
- ``queue``: how far behind processing is (when the oldest unfinished event arrived);
- ``notion``: Notion answers ``users/me`` (through the shared budget, kept in the hub database);
- ``workers`` (``serve --workers`` only): how many worker children run, wait to start again or
  were refused, and their restarts; failed when every child was refused (nothing would ever
  process), not while one waits to start again.

A check without an answer within ``HEALTH_CHECK_TIMEOUT_SECONDS`` is reported failed. Its thread
is left to finish, and the next probe waits on that same run instead of starting another, so a
hung database never piles up threads. When the database fails, a Notion check that did not
succeed is reported "not checked" rather than blamed (docs/database-unavailable.md).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from sqlalchemy.exc import DBAPIError

from notionhub.hubdb.engine import database_problem
from notionhub.web.state import HubState
from notionhub.worker_pool import worker_counts

Check = dict[str, Any]
# Notion is asked at most this often: probes must not spend the token's budget.
NOTION_CHECK_SECONDS = 10.0
# The share of a check's deadline the database check waits for a lock, so that it reports
# "busy" itself rather than being cut off.
LOCK_SHARE = 0.75


class Readiness:
    """The readiness checks of one hub; ``run`` answers within the deadline (plus a little)."""

    def __init__(self, hub: HubState) -> None:
        self.hub = hub
        self._runs: dict[str, tuple[float, Future[Check]]] = {}

    async def run(self) -> dict[str, Check]:
        deadline = self.hub.settings.health_check_timeout_seconds
        checks: dict[str, Callable[[], Check]] = {
            "database": lambda: _database(self.hub, deadline * LOCK_SHARE),
            "queue": lambda: _queue(self.hub, deadline * LOCK_SHARE),
            "notion": lambda: _notion(self.hub),
        }
        workers = self.hub.workers
        if workers is not None:
            checks["workers"] = lambda: _workers(workers())
        names = list(checks)
        answers = await asyncio.gather(
            *(self._bounded(name, checks[name], deadline) for name in names)
        )
        results = dict(zip(names, answers, strict=True))
        if not results["database"]["ok"] and not results["notion"]["ok"]:
            results["notion"] = {
                "ok": None,
                "error": "not checked: Notion's request budget is kept in the hub database,"
                " which failed",
            }
        return results

    async def _bounded(self, name: str, check: Callable[[], Check], deadline: float) -> Check:
        started, running = self._runs.get(name, (0.0, None))
        if running is None or running.done():
            started, running = time.monotonic(), Future()
            self._runs[name] = (started, running)
            threading.Thread(
                target=_settle, args=(running, check), name=f"readiness-{name}", daemon=True
            ).start()
        done, _ = await asyncio.wait({asyncio.wrap_future(running)}, timeout=deadline)
        if done:
            return running.result()
        return {
            "ok": False,
            "error": f"no answer within {deadline:g} s"
            f" (this check has been running for {time.monotonic() - started:.1f} s)",
        }


def _settle(future: Future[Check], check: Callable[[], Check]) -> None:
    try:
        future.set_result(check())
    except BaseException as error:  # a check returns its failure; this is a bug, still reported
        future.set_result(_failed(error))


def _database(hub: HubState, wait: float) -> Check:
    try:
        hub.store.check_writable(hub.settings.worker_id, wait)
    except Exception as error:
        return _failed(error)
    return {"ok": True}


def _queue(hub: HubState, wait: float) -> Check:
    try:
        oldest = hub.store.oldest_unfinished(wait)
    except Exception as error:
        return _failed(error)
    lag = 0.0 if oldest is None else max(0.0, hub.store.clock() - oldest)
    return {"ok": True, "lag_seconds": round(lag, 3)}


def _notion(hub: HubState) -> Check:
    """Notion answers ``users/me``; remembered for a while so probes cannot spend the budget."""
    cached = hub.notion_check
    if cached is not None and time.monotonic() - cached[0] < NOTION_CHECK_SECONDS:
        return cached[1]
    notion = hub.runtime.notion
    try:
        if notion is None:
            raise RuntimeError("not connected")
        for gateway in notion.gateways():  # each token (NOTION_TOKEN_<PACK> too)
            gateway.call("users.me", lambda client: client.users.me())
    except Exception as error:
        if database_problem(error) is not None:  # the budget's write, not Notion, failed
            return {"ok": None, "error": f"not checked: {_failed(error)['error']}"}
        result = _failed(error)
    else:
        result = {"ok": True}
    hub.notion_check = (time.monotonic(), result)
    return result


def _workers(status: list[dict[str, Any]]) -> Check:
    counts = worker_counts(status)
    check: Check = {"ok": counts["refused"] < len(status), **counts}
    check["restarts"] = sum(int(child["restarts"]) for child in status)
    if not check["ok"]:
        check["error"] = "every worker was refused at start (its reason is in serve's output)"
    return check


def _failed(error: BaseException) -> Check:
    """The failure, named without the statement or its parameters (they may hold data)."""
    problem = database_problem(error)
    if problem is not None:
        return {"ok": False, "error": str(problem)}
    cause = error.orig if isinstance(error, DBAPIError) else error
    return {"ok": False, "error": f"{type(cause).__name__}: {cause}"}
