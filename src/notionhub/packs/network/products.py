"""Products & Services: the network's products, with units sold and stock from order lines.

A product's Units Sold are the quantities of its lines in orders whose ``art-sale`` instance is
Paid or Completed (a refund or a cancellation gives them back); Stock is Initial Stock (set by
people) minus Units Sold. Both are recomputed while holding the product's key, never
incremented, so a re-run or a late delivery counts once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite

from notionhub.hubdb.engine import read_connection
from notionhub.hubdb.tables import machine_instances
from notionhub.packs.network.contacts import entity_page_id
from notionhub.packs.network.models import Product
from notionhub.packs.network.tables import network_order_lines
from notionhub.packs.pack import FlowContext

SOLD_STATES = ("Paid", "Completed")  # an order in these states counts in Units Sold


@dataclass(frozen=True)
class OrderLine:
    """The quantity of one product in an order, and how the order names and prices it."""

    quantity: int
    name: str
    price: float | None


def keep_order_lines(engine: Engine, instance_id: str, lines: Mapping[str, OrderLine]) -> None:
    """Insert the lines once: the first delivery of an order is what its lines are."""
    if not lines:
        return
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    rows = [
        {"instance_id": instance_id, "product_id": key, "quantity": line.quantity}
        for key, line in lines.items()
    ]
    with engine.begin() as connection:
        connection.execute(dialect.insert(network_order_lines).on_conflict_do_nothing(), rows)


def order_products(engine: Engine, instance_id: str) -> list[str]:
    """The products of the order as first kept (a later delivery may list fewer lines)."""
    query = (
        select(network_order_lines.c.product_id)
        .where(network_order_lines.c.instance_id == instance_id)
        .order_by(network_order_lines.c.product_id)
    )
    with read_connection(engine) as connection:
        return [str(key) for key in connection.execute(query).scalars()]


def units_sold(engine: Engine, product_id: str) -> int:
    """Quantities of the product in orders whose art-sale instance is Paid or Completed."""
    lines, instances = network_order_lines.c, machine_instances.c
    query = (
        select(func.coalesce(func.sum(lines.quantity), 0))
        .select_from(
            network_order_lines.join(machine_instances, instances.instance_id == lines.instance_id)
        )
        .where(lines.product_id == product_id, instances.state.in_(SOLD_STATES))
    )
    with read_connection(engine) as connection:
        return int(connection.execute(query).scalar_one())


def write_product(
    context: FlowContext,
    key: str,
    *,
    counted: bool,
    name: str | None = None,
    kind: str | None = None,
    price: float | None = None,
    entity: str | None = None,
) -> str:
    """Upsert the product; what is not given keeps its value; ``counted``: Units Sold and Stock
    recomputed from the order lines."""
    records = context.records
    entity_page = entity_page_id(context, entity) if entity else None

    def build() -> Product:
        current = records.mirrored(Product, key)
        values: dict[str, Any] = {}
        if counted:  # read while holding the key's lease: never older than the order lines
            sold = units_sold(context.engine, key)
            initial = current.initial_stock if current is not None else None
            values["units_sold"] = float(sold)
            values["stock"] = None if initial is None else float(initial) - sold
        if current is None:
            return Product(
                name=name or key,
                product_id=key,
                kind=kind,
                price=price,
                business_entity=[entity_page] if entity_page else [],
                **values,
            )
        pages = [*current.business_entity, *([entity_page] if entity_page else [])]
        values["business_entity"] = list(dict.fromkeys(pages))
        given = (("name", name), ("kind", kind), ("price", price))
        values.update({field: value for field, value in given if value not in (None, "")})
        return current.model_copy(update=values)

    result = records.upsert_computed(Product, key, build)
    assert result is not None
    return f"product {key} {result.action}"
