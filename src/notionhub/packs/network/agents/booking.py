"""Booking: Amelia bookings and WooCommerce orders become workflow instances; the products they
name are kept in Products & Services; a buyer's open lead is converted.

- **Amelia** (every action; its name is the one the webhook's URL gives, ``?event=bookingAdded``):
  each booking of the reservation is a contact (source Amelia, Wellness Retreats) and a
  ``retreat-booking:amelia:<booking id>`` instance, moved by the booking's status (approved,
  canceled, rejected, no-show; pending or waiting stays Requested), by an action naming a
  reschedule (the new time kept, the state unchanged) and by one naming attendance
  (``bookingAttended``: Amelia has no attended status, so a relay, or a plug-in that calls after
  the appointment, names it). The appointment's service (``amelia:service:<id>``, Retreat) or
  the event (``amelia:event:<id>``, Event) is a product when the payload names it.
- **WooCommerce** (``order.created``, ``order.updated``): the billing contact (WooCommerce, Art
  Shop), an ``art-sale:woocommerce:<order id>`` instance moved by the order's status (processing
  → paid, completed, refunded, cancelled; pending, on-hold and failed stay Ordered), the order's
  lines kept once, and each product's Units Sold (quantities of its orders now Paid or
  Completed: a refund gives them back) and Stock (Initial Stock − Units Sold, once people set
  Initial Stock) recomputed. People setting Initial Stock get the Stock at once (a reaction).

A status is offered to an instance only when it would move it: the same status seen again (a
group appointment's other booking changed, a note added to an order) writes nothing, while an
older status arriving late is offered, refused and kept in the history. Every event key is the
delivery's idempotency key and what it is about, so a redelivery or a re-run step is a no-op.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from typing import Any

import structlog

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event
from notionhub.ingest.payload_fields import first_text
from notionhub.ingest.providers.amelia import RESERVATION_KINDS
from notionhub.notion.changes import Change
from notionhub.packs.network.contacts import ContactRef, Person, upsert_contact
from notionhub.packs.network.machines import ART_SALE, LEAD_NURTURE, RETREAT_BOOKING
from notionhub.packs.network.models import Contact, MasterTask, Product, WorkflowInstance
from notionhub.packs.network.products import (
    SOLD_STATES,
    OrderLine,
    keep_order_lines,
    order_products,
    write_product,
)
from notionhub.packs.network.workflows import Workflows
from notionhub.packs.pack import Agent, FlowContext, Reaction

log = structlog.get_logger("notionhub.network")

NAME = "booking"
RETREATS = "Wellness Retreats"
ART_SHOP = "Art Shop"

# Amelia's booking statuses → retreat-booking events; a pending booking (or one on the waiting
# list) stays Requested.
AMELIA_STATUS_EVENTS = {
    "approved": "approved",
    "canceled": "cancelled",
    "cancelled": "cancelled",
    "rejected": "rejected",
    "no-show": "no_show",
}
_REQUESTED = ("pending", "waiting")
_NOT_BOOKED = ("canceled", "cancelled", "rejected")  # such a booking converts no lead
# WooCommerce's order statuses → art-sale events; these others leave the order Ordered.
ORDER_STATUS_EVENTS = {
    "processing": "paid",
    "completed": "completed",
    "refunded": "refunded",
    "cancelled": "cancelled",
}
_AWAITING_PAYMENT = ("pending", "on-hold", "failed", "checkout-draft")
_KEY_ROOM = 200  # history event keys hold 300 characters: longer delivery keys are digested
_ID_LENGTH = 64


# -- Amelia -------------------------------------------------------------------------------------


def amelia_booking(event: Event, context: FlowContext) -> str:
    kind, reservation = _reservation(event.data)
    where = f"Amelia {kind} {_id(reservation, 'id') or '(no id)'}"
    bookings = [b for b in _listed(reservation.get("bookings")) if isinstance(b, dict)]
    if not bookings:
        return f"{where} has no bookings: nothing to keep"
    service, product_note = _amelia_product(context, kind, reservation)
    notes = [product_note] if product_note else []
    notes += [
        _follow_booking(context, event, kind, reservation, booking, service) for booking in bookings
    ]
    return f"{where}: " + "; ".join(notes)


def _follow_booking(
    context: FlowContext,
    event: Event,
    kind: str,
    reservation: dict[str, Any],
    booking: dict[str, Any],
    service: str | None,
) -> str:
    booking_id = _id(booking, "id")
    if booking_id is None:
        return "a booking without an id: not kept"
    customer = booking.get("customer")
    email = _text(customer, "email")
    if "@" not in email:
        return f"booking {booking_id} has no customer email: not kept"
    name = f"{_text(customer, 'firstName')} {_text(customer, 'lastName')}".strip()
    person = Person(email, name, _text(customer, "phone") or None)
    contact, done = upsert_contact(
        context, person, at=event.occurred_at, sources=["Amelia"], entity=RETREATS
    )
    workflows = Workflows(context, NAME)
    instance_id = f"{RETREAT_BOOKING}:amelia:{booking_id}"
    starts_at = first_text(reservation, [["bookingStart"], ["periods", 0, "periodStart"]])
    when = {k: v for k, v in (("starts_at", starts_at), ("service", service)) if v is not None}
    workflows.start(
        RETREAT_BOOKING,
        instance_id,
        contact=contact,
        title=f"{service or 'Retreat'} for {contact.name}",
        entity=RETREATS,
        data={**when, "booking_id": booking_id, "reservation": f"{kind}-{_id(reservation, 'id')}"},
    )
    status = (_text(booking, "status") or _text(reservation, "status")).lower()
    action = event.type.lower()
    moves: list[tuple[str, dict[str, Any]]] = []
    if "reschedul" in action:
        moves.append(("rescheduled", when))
    if status in AMELIA_STATUS_EVENTS:
        moves.append((AMELIA_STATUS_EVENTS[status], {}))
    if "attend" in action:
        moves.append(("attended", {}))
    told: list[str | None] = [done]
    told += [
        _offer(workflows, instance_id, move, _key(event, booking_id, move), payload)
        for move, payload in moves
    ]
    if status and status not in _REQUESTED and status not in AMELIA_STATUS_EVENTS:
        told.append(f"status {status!r} moves nothing")
    if status not in _NOT_BOOKED:
        told.append(_convert_lead(workflows, contact, _key(event, booking_id, "converted")))
    account = ", ".join(note for note in told if note)
    return f"booking {booking_id}: {account}" + _now_in(workflows, instance_id)


def _reservation(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for kind in RESERVATION_KINDS:
        value = data.get(kind)
        if isinstance(value, dict):
            return kind, value
    raise PayloadRejected(f"An Amelia body holds its reservation under {RESERVATION_KINDS}.")


def _amelia_product(
    context: FlowContext, kind: str, reservation: dict[str, Any]
) -> tuple[str | None, str | None]:
    """The booked service's (or event's) name, and a note when its product row was written."""
    if kind == "appointment":
        named = reservation.get("service")
        source = named if isinstance(named, dict) else {}
        number = _id(source, "id") or _id(reservation, "serviceId")
        key, product_kind = f"amelia:service:{number}", "Retreat"
    elif kind == "event":
        source, number = reservation, _id(reservation, "id")
        key, product_kind = f"amelia:event:{number}", "Event"
    else:
        return None, None
    name = _text(source, "name")[:200]
    if number is None or not name:
        gaps = (("an id", number is None), ("a name", not name))
        missing = " or ".join(gap for gap, gone in gaps if gone)
        what = "service" if kind == "appointment" else "event"
        log.info("product_not_kept", reservation=kind, product_id=number or "", missing=missing)
        return name or None, f"{what} without {missing}: no Products row"
    price = _number(source.get("price"))
    written = write_product(
        context, key, counted=False, name=name, kind=product_kind, price=price, entity=RETREATS
    )
    return name, written


# -- WooCommerce --------------------------------------------------------------------------------


def woocommerce_order(event: Event, context: FlowContext) -> str:
    order = event.data
    order_id = _id(order, "id")
    if order_id is None:
        raise PayloadRejected("A WooCommerce order event has no order id: no sale to follow.")
    billing = order.get("billing")
    email = _text(billing, "email")
    notes: list[str | None] = []
    contact: ContactRef | None = None
    if "@" in email:
        name = f"{_text(billing, 'first_name')} {_text(billing, 'last_name')}".strip()
        person = Person(email, name, _text(billing, "phone") or None)
        contact, done = upsert_contact(
            context, person, at=event.occurred_at, sources=["WooCommerce"], entity=ART_SHOP
        )
        notes.append(done)
    else:
        notes.append("no billing email: no contact")
    workflows = Workflows(context, NAME)
    instance_id = f"{ART_SALE}:woocommerce:{order_id}"
    number = _id(order, "number") or order_id
    workflows.start(
        ART_SALE,
        instance_id,
        contact=contact,
        title=f"order {number}",
        entity=ART_SHOP,
        data={"order_number": number, "total": _text(order, "total")},
    )
    lines = order_lines(order)
    keep_order_lines(context.engine, instance_id, lines)
    left_out = sum(1 for item in _listed(order.get("line_items")) if _line_of(item) is None)
    if left_out:
        log.info("order_lines_left_out", order_id=order_id, lines=left_out)
        notes.append(f"{left_out} line(s) without a product or a quantity: not counted")
    status = _text(order, "status").lower()
    if status in ORDER_STATUS_EVENTS:
        move = ORDER_STATUS_EVENTS[status]
        notes.append(_offer(workflows, instance_id, move, _key(event, move)))
    elif status not in _AWAITING_PAYMENT:
        notes.append(f"status {status!r} moves nothing")
    for key in order_products(context.engine, instance_id):
        line = lines.get(key)
        notes.append(
            write_product(
                context,
                key,
                counted=True,
                name=line.name if line else None,
                kind="Artwork",
                price=line.price if line else None,
                entity=ART_SHOP,
            )
        )
    instance = workflows.machines.get(instance_id)
    if contact is not None and instance is not None and instance.state in SOLD_STATES:
        notes.append(_convert_lead(workflows, contact, _key(event, "converted")))
    told = ", ".join(note for note in notes if note)
    return f"order {order_id}: {told}" + _now_in(workflows, instance_id)


def order_lines(order: Mapping[str, Any]) -> dict[str, OrderLine]:
    """The order's products (``woocommerce:<product id>``) with their summed quantities; a line
    without a product (deleted from the shop) or without a positive quantity is left out."""
    lines: dict[str, OrderLine] = {}
    for item in _listed(order.get("line_items")):
        counted = _line_of(item)
        if counted is None:
            continue
        product, quantity = counted
        key = f"woocommerce:{product}"
        name = (_text(item, "parent_name") or _text(item, "name"))[:200]
        found = lines.get(key)
        if found is None:
            lines[key] = OrderLine(int(quantity), name, _number(item.get("price")))
        else:
            lines[key] = OrderLine(found.quantity + int(quantity), found.name, found.price)
    return lines


def _line_of(item: Any) -> tuple[str, float] | None:
    """An order line's product id and quantity, or None when it has no product (deleted from
    the shop) or no positive quantity."""
    product = _id(item, "product_id")
    quantity = _number(item.get("quantity")) if isinstance(item, dict) else None
    if product is None or product == "0" or quantity is None or quantity < 1:
        return None
    return product, quantity


def initial_stock_set(change: Change[Any], context: FlowContext) -> str:
    product = change.record
    assert isinstance(product, Product)
    key = product.product_id
    if not key.startswith("woocommerce:"):
        return f"product {key!r}: stock is kept for shop products only"
    write_product(context, key, counted=True)
    written = context.records.mirrored(Product, key)
    assert written is not None
    stock = "no Initial Stock" if written.stock is None else f"stock {written.stock:g}"
    return f"product {key}: {written.units_sold or 0:g} sold, {stock}"


# -- shared ---------------------------------------------------------------------------------


def _offer(
    workflows: Workflows,
    instance_id: str,
    event: str,
    key: str,
    payload: Mapping[str, Any] | None = None,
) -> str | None:
    """Fire ``event`` unless the instance already is where it leads (the same fact again). A
    key fired before is fired again: its recorded outcome, and what a crash left undone."""
    machines = workflows.machines
    instance = machines.get(instance_id)
    assert instance is not None
    machine = machines.machine(instance.machine)
    lands = {t.target for t in machine.transitions if t.event == event}
    if (
        instance.state in lands
        and machine.transition_for(instance.state, event) is None
        and not _fired(workflows, instance_id, key)
    ):
        return None
    outcome = workflows.fire(instance_id, event, event_key=key, payload=payload)
    if outcome.accepted:
        return f"{event}: {outcome.from_state} → {outcome.to_state}"
    return f"{event} refused ({outcome.reason})"


def _convert_lead(workflows: Workflows, contact: ContactRef, key: str) -> str | None:
    """The contact's lead, converted if still open."""
    lead_id = f"{LEAD_NURTURE}:{contact.email}"
    machines = workflows.machines
    lead = machines.get(lead_id)
    if lead is None:
        return None
    if lead.state in machines.machine(LEAD_NURTURE).final and not _fired(workflows, lead_id, key):
        return None
    outcome = workflows.fire(lead_id, "converted", event_key=key)
    if outcome.accepted:
        return f"lead {lead_id} converted"
    return f"lead {lead_id} not converted ({outcome.reason})"


def _fired(workflows: Workflows, instance_id: str, key: str) -> bool:
    return any(entry.event_key == key for entry in workflows.machines.history(instance_id))


def _now_in(workflows: Workflows, instance_id: str) -> str:
    instance = workflows.machines.get(instance_id)
    return f"; {instance_id} in {instance.state}" if instance is not None else ""


def _key(event: Event, *parts: str) -> str:
    """An event key from the delivery's idempotency key and what it is about."""
    base = event.idempotency_key
    if len(base) > _KEY_ROOM:
        base = f"{event.provider}:sha256:{hashlib.sha256(base.encode()).hexdigest()}"
    return "/".join((base, *parts))


def _id(values: Any, name: str) -> str | None:
    """An identifier (text or a whole number) short enough to key by."""
    found = first_text(values, [[name]])
    return found.strip() if found and 0 < len(found.strip()) <= _ID_LENGTH else None


def _text(values: Any, name: str) -> str:
    value = values.get(name) if isinstance(values, dict) else None
    return value.strip() if isinstance(value, str) else ""


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


AGENT = Agent(
    name=NAME,
    description="Follows Amelia bookings (retreat-booking) and WooCommerce orders (art-sale)"
    " for their contacts; keeps the products they name, with units sold and stock; converts"
    " the buyer's open lead.",
    flows={
        "amelia:*": amelia_booking,
        "woocommerce:order.created": woocommerce_order,
        "woocommerce:order.updated": woocommerce_order,
    },
    writes=(Contact, WorkflowInstance, MasterTask, Product),
    reactions=(
        Reaction(
            Product,
            initial_stock_set,
            kinds=("created", "updated"),
            fields=("initial_stock",),
            description="Initial Stock set by a person: the product's Stock is recomputed.",
        ),
    ),
)
