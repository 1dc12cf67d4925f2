"""Fixtures for the gateway, records and provisioning tests: a hub database and gateways."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine

from notionhub.localnotion.app import DEFAULT_TOKEN
from notionhub.notion.budget import BudgetPolicy, NotionBudget
from notionhub.notion.gateway import NotionGateway
from notionhub.notion.retry import RetryPolicy
from tests.conftest import RunningServer

FAST_BUDGET = BudgetPolicy(rate=500, burst=50, window=1)
FAST_RETRY = RetryPolicy(max_attempts=6, base_delay=0.01, max_delay=0.05)

GatewayFactory = Callable[..., NotionGateway]


@pytest.fixture
def make_gateway(hub_engine: Engine) -> Iterator[GatewayFactory]:
    """Gateways to a given server, fast budget and retries unless told otherwise."""
    made: list[NotionGateway] = []

    def make(
        server: RunningServer,
        *,
        policy: BudgetPolicy = FAST_BUDGET,
        retry: RetryPolicy = FAST_RETRY,
        timeout_seconds: float = 30.0,
        engine: Engine | None = None,
    ) -> NotionGateway:
        budget = NotionBudget(engine or hub_engine, DEFAULT_TOKEN, policy)
        gateway = NotionGateway(
            DEFAULT_TOKEN,
            budget,
            base_url=server.base_url,
            retry=retry,
            timeout_seconds=timeout_seconds,
        )
        made.append(gateway)
        return gateway

    yield make
    for gateway in made:
        gateway.close()


@pytest.fixture
def gateway(make_gateway: GatewayFactory, notion_server: RunningServer) -> NotionGateway:
    return make_gateway(notion_server)
