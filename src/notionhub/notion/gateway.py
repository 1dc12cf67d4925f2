"""The one way notionhub talks to Notion: budget, retries, error mapping, metrics.

Built on ``notion-client`` with an injectable ``httpx.Client``, so the same code talks to
api.notion.com, to ``notionhub notion-server`` on a port, or to the local app in-process.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import httpx
import structlog
from notion_client import Client
from notion_client.errors import HTTPResponseError, RequestTimeoutError

from notionhub.errors import AmbiguousWrite, NotionAPIError, NotionUnreachable, RateLimited
from notionhub.metrics import Metrics
from notionhub.notion.budget import NotionBudget
from notionhub.notion.retry import (
    AMBIGUOUS_STATUSES,
    RETRYABLE_STATUSES,
    RetryPolicy,
    parse_retry_after,
    to_notion_error,
)

JSON = dict[str, Any]
log = structlog.get_logger("notionhub.notion")


# Told (operation, outcome, page id or None) of a request: how an event's Notion requests, and
# the pages they read or wrote, are listed.
RequestObserver = Callable[[str, str, str | None], None]

# An idle connection is dropped after this, before a server closes it (ours after 5 s,
# ``server_keep_alive_seconds``): a request sent just as the server closes its connection gets no
# answer, and a create without an answer is ambiguous (applied or not), for nothing.
KEEPALIVE_SECONDS = 2.0


def notion_http_client() -> httpx.Client:
    """The HTTP client of a gateway given none: connections kept alive up to KEEPALIVE_SECONDS."""
    return httpx.Client(limits=httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS))


class NotionGateway:
    """Every Notion request of one integration token goes through here."""

    def __init__(
        self,
        token: str,
        budget: NotionBudget,
        *,
        base_url: str = "https://api.notion.com",
        http: httpx.Client | None = None,
        metrics: Metrics | None = None,
        retry: RetryPolicy | None = None,
        timeout_seconds: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        # Retries and their logging are ours; the client only reports errors.
        options: dict[str, Any] = {"auth": token, "base_url": base_url.rstrip("/")}
        options["retry"] = False
        options["log_level"] = logging.ERROR
        options["timeout_ms"] = int(timeout_seconds * 1000)
        self.client = Client(client=http if http is not None else notion_http_client(), **options)
        self.budget = budget
        self.metrics = metrics or Metrics()
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.observer: RequestObserver | None = None  # told of every request

    def close(self) -> None:
        self.client.close()

    def observed(self, observer: RequestObserver) -> NotionGateway:
        """This gateway (same client, budget and metrics) reporting its requests to observer."""
        view = copy.copy(self)
        view.observer = observer
        return view

    # -- the request loop --------------------------------------------------------------

    def call(
        self,
        operation: str,
        send: Callable[[Client], object],
        *,
        creates: bool = False,
        page_id: str | None = None,
    ) -> JSON:
        """Send one request within the budget, retrying what is transient.

        ``creates``: the request makes a new object, so a timeout or a 500/502/504 may have
        applied it; those raise ``AmbiguousWrite`` instead of being sent again blindly.
        ``page_id``: the page the request is about (a created page's id is taken from the
        answer), told to the observer with the success.
        """
        attempts = rate_limited = 0
        while True:
            attempts += 1
            self.metrics.notion_budget_wait.observe(self.budget.acquire())
            try:
                result = send(self.client)
            except HTTPResponseError as error:
                delay = self._after_error(operation, error, attempts, creates)
                if error.status == 429:
                    rate_limited += 1
                    if rate_limited >= self.retry.max_rate_limited:
                        raise self._mapped(error) from error
                    attempts -= 1  # waiting out a 429 is not a failed attempt
                self.sleep(delay)
                continue
            except (RequestTimeoutError, httpx.TransportError) as error:
                self._count(operation, "timeout")
                if creates and not isinstance(error, httpx.ConnectError):
                    raise AmbiguousWrite(f"{operation}: no answer from Notion ({error})") from error
                if attempts >= self.retry.max_attempts:
                    raise NotionUnreachable(
                        f"{operation}: no answer from Notion after {attempts} attempts ({error})"
                    ) from error
                self.sleep(self.retry.backoff(attempts))
                continue
            if not isinstance(result, dict):  # the sync client answers parsed JSON objects
                self._count(operation, "ok")
                raise TypeError(f"{operation}: expected a JSON object, got {type(result).__name__}")
            if operation == "pages.create" and isinstance(result.get("id"), str):
                page_id = result["id"]
            self._count(operation, "ok", page_id)
            return result

    def _after_error(
        self, operation: str, error: HTTPResponseError, attempts: int, creates: bool
    ) -> float:
        """Count the error and return the wait before the next try, or raise."""
        status = error.status
        if status == 429:
            self._count(operation, "rate_limited")
            self.metrics.notion_rate_limited.inc()
            wait = parse_retry_after(error.headers.get("retry-after"), self.retry.backoff(attempts))
            self.budget.block(wait)
            log.warning("notion_rate_limited", operation=operation, retry_after=wait)
            return 0.0  # the budget itself now holds every worker back
        if status not in RETRYABLE_STATUSES:
            self._count(operation, f"error_{status}")
            raise self._mapped(error) from error
        self._count(operation, f"retry_{status}")
        if creates and status in AMBIGUOUS_STATUSES:
            raise AmbiguousWrite(f"{operation}: Notion answered {status}") from self._mapped(error)
        if attempts >= self.retry.max_attempts:
            raise self._mapped(error) from error
        log.info("notion_retry", operation=operation, status=status, attempt=attempts)
        return self.retry.backoff(attempts)

    def _mapped(self, error: HTTPResponseError) -> NotionAPIError:
        mapped = to_notion_error(
            error.status, str(getattr(error.code, "value", error.code)), str(error)
        )
        if isinstance(mapped, RateLimited):
            mapped.retry_after = parse_retry_after(error.headers.get("retry-after"), 0.0)
        return mapped

    def _count(self, operation: str, outcome: str, page_id: str | None = None) -> None:
        self.metrics.notion_requests.labels(operation=operation, outcome=outcome).inc()
        if self.observer is not None:
            self.observer(operation, outcome, page_id)

    # -- operations --------------------------------------------------------------------

    def me(self) -> JSON:
        """The integration's own bot user (``GET /v1/users/me``)."""
        return self.call("users.me", lambda c: c.users.me())

    def retrieve_page(self, page_id: str) -> JSON:
        return self.call(
            "pages.retrieve", lambda c: c.pages.retrieve(page_id=page_id), page_id=page_id
        )

    def create_page(self, body: JSON) -> JSON:
        return self.call("pages.create", lambda c: c.pages.create(**body), creates=True)

    def update_page(self, page_id: str, body: JSON) -> JSON:
        return self.call(
            "pages.update", lambda c: c.pages.update(page_id=page_id, **body), page_id=page_id
        )

    def retrieve_database(self, database_id: str) -> JSON:
        return self.call(
            "databases.retrieve", lambda c: c.databases.retrieve(database_id=database_id)
        )

    def create_database(self, body: JSON) -> JSON:
        return self.call("databases.create", lambda c: c.databases.create(**body), creates=True)

    def retrieve_data_source(self, data_source_id: str) -> JSON:
        return self.call(
            "data_sources.retrieve",
            lambda c: c.data_sources.retrieve(data_source_id=data_source_id),
        )

    def update_data_source(self, data_source_id: str, body: JSON) -> JSON:
        return self.call(
            "data_sources.update",
            lambda c: c.data_sources.update(data_source_id=data_source_id, **body),
        )

    def query_page(self, data_source_id: str, body: JSON) -> JSON:
        """One page of query results (``start_cursor`` / ``page_size`` in ``body``)."""
        return self.call(
            "data_sources.query",
            lambda c: c.data_sources.query(data_source_id=data_source_id, **body),
        )

    def query(self, data_source_id: str, body: JSON | None = None) -> Iterator[JSON]:
        """Every matching page, following ``next_cursor``, 100 per request."""
        request = {"page_size": 100, **(body or {})}
        while True:
            answer = self.query_page(data_source_id, request)
            yield from answer["results"]
            if not answer.get("has_more"):
                return
            request = {**request, "start_cursor": answer["next_cursor"]}

    def search(self, body: JSON) -> Iterator[JSON]:
        request = {"page_size": 100, **body}
        while True:
            answer = self.call("search", partial(_search, body=request))
            yield from answer["results"]
            if not answer.get("has_more"):
                return
            request = {**request, "start_cursor": answer["next_cursor"]}

    def list_children(self, block_id: str) -> Iterator[JSON]:
        cursor: str | None = None
        while True:
            params: JSON = {"block_id": block_id, "page_size": 100}
            if cursor:
                params["start_cursor"] = cursor
            answer = self.call("blocks.children.list", partial(_list_children, query=params))
            yield from answer["results"]
            if not answer.get("has_more"):
                return
            cursor = answer["next_cursor"]

    def append_children(
        self, block_id: str, children: list[JSON], after: str | None = None
    ) -> JSON:
        body: JSON = {"block_id": block_id, "children": children}
        if after is not None:
            body["after"] = after
        return self.call(
            "blocks.children.append", lambda c: c.blocks.children.append(**body), creates=True
        )

    def delete_block(self, block_id: str) -> JSON:
        """Move a block (or a child page) to the trash: ``DELETE /v1/blocks/{id}``."""
        return self.call("blocks.delete", lambda c: c.blocks.delete(block_id=block_id))

    def create_comment(self, body: JSON) -> JSON:
        return self.call("comments.create", lambda c: c.comments.create(**body), creates=True)

    def list_comments(self, block_id: str) -> list[JSON]:
        answer = self.call("comments.list", lambda c: c.comments.list(block_id=block_id))
        results: list[JSON] = answer["results"]
        return results


def _search(client: Client, body: JSON) -> object:
    return client.search(**body)


def _list_children(client: Client, query: JSON) -> object:
    return client.blocks.children.list(**query)
