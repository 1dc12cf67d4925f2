"""The shipper agent: each shipment event tells the courier, keeps the row, moves the machine."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite

from notionhub.ingest.event import Event
from notionhub.outbound import OutboundPolicy
from notionhub.packs import FlowContext
from notionhub.packs.state_machine import StateMachine, Transition

from .models import Shipment
from .settings import CourierSettings
from .tables import shipment_log

SHIPMENT = StateMachine(
    name="shipment",
    states=("created", "shipped", "delivered", "cancelled"),
    initial="created",
    transitions=(
        Transition("ship", ("created",), "shipped"),
        Transition("deliver", ("shipped",), "delivered"),
        Transition("cancel", ("created",), "cancelled"),
    ),
    final=("delivered", "cancelled"),
)


def track_shipment(event: Event, context: FlowContext) -> str:
    """``shipment.<action>``: the courier is told (once per event), then the row and the machine."""
    order = str(event.data["order"])
    action = event.type.removeprefix("shipment.")
    weight = float(event.data.get("weight", 1.0))
    settings = context.settings_of(CourierSettings)
    courier = context.outbound(
        "courier", settings.courier_url, policy=OutboundPolicy(base_seconds=settings.retry_seconds)
    )
    answer = courier.post(
        "/shipments",
        json={"order": order, "action": action},
        idempotency_key=f"courier:{event.idempotency_key}",
    )
    reference = str(answer.body.get("reference", "")) if isinstance(answer.body, dict) else ""
    context.records.upsert(
        Shipment(name=f"Order {order}", order=order, weight=weight, courier_reference=reference)
    )
    log_shipment(context.engine, order, event.idempotency_key, weight)
    machines = context.state_machines
    machines.start("shipment", order, subject=order)
    outcome = machines.fire(order, action, event_key=event.idempotency_key)
    verdict = "accepted" if outcome.accepted else "refused"
    replayed = " (courier answer replayed)" if answer.replayed else ""
    return f"shipment {order}: {action} {verdict}, now {outcome.to_state}{replayed}"


def log_shipment(engine: Engine, order: str, event_id: str, weight: float) -> None:
    """The order's row in the pack's own table; the first event to log it wins."""
    dialect: Any = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(shipment_log)
        .values(order_id=order, event_id=event_id, weight=weight)
        .on_conflict_do_nothing(index_elements=["order_id"])
    )
    with engine.begin() as connection:
        connection.execute(statement)


def count_shipments(context: FlowContext) -> str:
    """The schedule's job: how many orders the log holds."""
    if context.scheduled_at is None or context.scheduled_at.tzinfo is None:
        raise ValueError(f"a tick without its time: {context.scheduled_at!r}")
    with context.engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(shipment_log)).scalar_one()
    return f"{count} shipments logged"
