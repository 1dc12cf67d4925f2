"""Out of order is normal: any arrival order, with redeliveries, ends in the in-order state."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from notion_client import Client

from tests.conftest import RunningServer
from tests.packs.coaching.conftest import open_coaching
from tests.packs.coaching.day import a_day
from tests.packs.coaching.scenario import Delivery

DELIVERIES = a_day().deliveries


def end_state(
    deliveries: list[Delivery], server: RunningServer, notion: Client, root_page_id: str
) -> dict[str, Any]:
    """Every row after receiving ``deliveries`` in this order, in a new workspace."""
    with (
        tempfile.TemporaryDirectory() as home,
        open_coaching(Path(home), server, notion, root_page_id) as coaching,
    ):
        for delivery in deliveries:
            coaching.receive(delivery)
        coaching.upkeep()
        return coaching.state()


@st.composite
def arrivals(draw: st.DrawFn) -> list[Delivery]:
    """The day's deliveries shuffled, some delivered again (webhooks are at least once)."""
    shuffled = draw(st.permutations(DELIVERIES))
    again = draw(st.lists(st.sampled_from(DELIVERIES), max_size=6))
    spots = draw(st.lists(st.integers(0, len(shuffled)), min_size=len(again), max_size=len(again)))
    out = list(shuffled)
    for delivery, spot in zip(again, spots, strict=True):
        out.insert(spot, delivery)
    return out


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(order=arrivals())
def test_any_order_with_redeliveries_ends_in_the_in_order_state(
    order: list[Delivery], notion_server: RunningServer, notion: Client, root_page_id: str
) -> None:
    reference = _in_order(notion_server, notion, root_page_id)
    assert end_state(order, notion_server, notion, root_page_id) == reference


_REFERENCE: dict[str, dict[str, Any]] = {}


def _in_order(server: RunningServer, notion: Client, root_page_id: str) -> dict[str, Any]:
    if server.base_url not in _REFERENCE:  # one reference per server, computed once
        _REFERENCE[server.base_url] = end_state(DELIVERIES, server, notion, root_page_id)
    return _REFERENCE[server.base_url]
