"""A page in the trash behind the hub's back: a keyed write makes it again, an archive is done.

The fault soak (kill -9 between a Notion write and the hub's record of it) left the key index
pointing at a page our own archive had trashed; the next write to the key was refused with
``Can't edit a page that is in the trash`` and its event ended failed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from notionhub.notion.records import Records
from tests.conftest import RunningServer, start_server
from tests.notion.conftest import GatewayFactory
from tests.notion.models import Customer, Order
from tests.notion.test_records import provisioned


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    running = start_server(tmp_path / "notion")
    yield running
    running.stop()


def live_orders(records: Records) -> list[Order]:
    return list(records.all(Order))


def test_an_update_to_a_page_trashed_behind_our_back_makes_it_again_once(
    make_gateway: GatewayFactory, server: RunningServer, hub_engine: Engine
) -> None:
    gateway = make_gateway(server)
    records = provisioned(gateway, hub_engine)
    first = records.upsert(Order(title="o1", order_id="o1", amount=5))
    gateway.update_page(first.page_id, {"in_trash": True})  # index and mirror still hold it

    again = records.upsert(Order(title="o1", order_id="o1", amount=7))

    assert again.action == "created" and again.page_id != first.page_id
    assert [(o.page_id, o.amount) for o in live_orders(records)] == [(again.page_id, 7)]
    # And from now on the key is the new page: no further create.
    assert records.upsert(Order(title="o1", order_id="o1", amount=8)).action == "updated"
    assert len(live_orders(records)) == 1


def test_an_archive_whose_record_was_lost_is_done_not_failed(
    make_gateway: GatewayFactory, server: RunningServer, hub_engine: Engine
) -> None:
    gateway = make_gateway(server)
    records = provisioned(gateway, hub_engine)
    ada = records.upsert(Customer(name="Ada", email="ada@example.com"))
    order = records.upsert(Order(title="o1", order_id="o1", customer=[ada.page_id]))
    # The archive's request went through, then the worker died before recording it.
    gateway.update_page(
        order.page_id, {"in_trash": True, "properties": {"Customer": {"relation": []}}}
    )

    assert records.archive(Order, "o1") == order.page_id
    assert records.mirrored(Order, "o1") is None
    assert live_orders(records) == []
