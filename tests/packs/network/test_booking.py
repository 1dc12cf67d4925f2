"""Booking end to end against the local Notion server: Amelia bookings become retreat-booking
instances, WooCommerce orders art-sale instances with products' units sold and stock, and a
buyer's open lead is converted. Payloads are the ingest examples, edited per case."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import structlog
from sqlalchemy import func, select
from starlette.datastructures import Headers

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event, WebhookRequest
from notionhub.ingest.registry import get_provider
from notionhub.notion.schema import NotionModel
from notionhub.packs.network.agents.booking import amelia_booking, woocommerce_order
from notionhub.packs.network.models import (
    BusinessEntity,
    Contact,
    MasterTask,
    Product,
    WorkflowInstance,
)
from notionhub.packs.network.tables import network_notifications, network_order_lines
from tests.conftest import RunningServer
from tests.packs.network.conftest import Network

PAYLOADS = Path(__file__).parents[2] / "ingest" / "payloads"
BOOKING = "retreat-booking:amelia:77"
ORDER = "art-sale:woocommerce:727"
ARTWORK = "woocommerce:93"
JANE = "jane.doe@example.com"


# -- deliveries ---------------------------------------------------------------------------------


def amelia(name: str = "appointment", booking: dict[str, Any] | None = None, **changes: Any) -> Any:
    """An Amelia example with the reservation (and its first booking) edited."""
    body = json.loads((PAYLOADS / "amelia" / f"{name}.json").read_text())
    reservation = body["event" if name == "event" else "appointment"]
    reservation.update(changes)
    if booking:
        reservation["bookings"][0].update(booking)
    return body


def with_status(status: str, **changes: Any) -> Any:
    """The example appointment with its one booking in ``status``."""
    return amelia(booking={"status": status}, status=status, **changes)


def book(network: Network, action: str, body: dict[str, Any]) -> list[str]:
    """What Amelia posts to the webhook URL ``/hooks/amelia?event=<action>``."""
    url = f"http://127.0.0.1/hooks/amelia?event={action}&token=secret"
    return network.run(network.event("amelia", body, url=url))


def order(status: str, modified: str = "2026-11-20T09:10:05", **changes: Any) -> Any:
    """The example order (727: one "Retreat deposit", product 93) in ``status``, as modified at
    ``modified`` (WooCommerce's version of the order)."""
    body = json.loads((PAYLOADS / "woocommerce" / "order.created.json").read_text())
    body.update(status=status, date_modified_gmt=modified, **changes)
    return body


def woo_event(network: Network, topic: str, body: dict[str, Any]) -> Event:
    request = WebhookRequest(
        method="POST",
        url="http://127.0.0.1/hooks/woocommerce",
        headers=Headers({"content-type": "application/json", "X-WC-Webhook-Topic": topic}),
        body=json.dumps(body).encode(),
        received_at=network.now(),
    )
    event = get_provider("woocommerce").parse(request, "secret")
    assert isinstance(event, Event)
    return event


def sell(network: Network, topic: str, body: dict[str, Any]) -> list[str]:
    """What WooCommerce posts for an order topic (the topic is a header)."""
    return network.run(woo_event(network, topic, body))


# -- reading back -------------------------------------------------------------------------------


def moves(network: Network, instance_id: str) -> list[tuple[str, str | None, str | None, bool]]:
    return [
        (e.event, e.from_state, e.to_state, e.accepted)
        for e in network.instance(instance_id).history
    ]


def tasks(network: Network) -> dict[str, str | None]:
    return {task.task: task.status for task in network.rows(MasterTask)}


def notifications(network: Network) -> list[tuple[str, str]]:
    query = select(network_notifications).order_by(network_notifications.c.created_at)
    with network.connection.engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return sorted((row["recipient"], row["subject"]) for row in rows)


def snapshot(network: Network, *models: type[NotionModel]) -> dict[str, Any]:
    return {model.__name__: network.pages(model.__database__.name) for model in models}


def requests_made(server: RunningServer) -> int:
    """Requests the local Notion server has answered so far."""
    total: int = server.admin("GET", "/_admin/stats").json()["total"]
    return total


def entity_page(network: Network, name: str) -> str:
    page_id = network.row(BusinessEntity, name).page_id
    assert isinstance(page_id, str)
    return page_id


def figures(network: Network, key: str = ARTWORK) -> tuple[float | None, float | None]:
    product = network.row(Product, key)
    return product.units_sold, product.stock


def form_lead(network: Network, email: str = JANE) -> None:
    network.deliver("forms", {"form": "retreat-waitlist", "submission_id": "s1",
                              "fields": {"email": email, "name": "Jane Doe"}})  # fmt: skip
    assert network.instance(f"lead-nurture:{email}").state == "New"


# -- Amelia -------------------------------------------------------------------------------------


def test_a_booking_is_requested_approved_then_attended(network: Network) -> None:
    [note] = book(network, "bookingAdded", with_status("pending"))
    assert note.startswith("Amelia appointment 42: product amelia:service:3 created; booking 77")
    assert note.endswith(f"{BOOKING} in Requested")

    retreats = entity_page(network, "Wellness Retreats")
    contact = network.row(Contact, JANE)
    assert (contact.name, contact.phone, contact.lead_sources, contact.business_entity) == (
        "Jane Doe",
        "+33600000000",
        ["Amelia"],
        [retreats],
    )
    instance = network.row(WorkflowInstance, BOOKING)
    assert (instance.state, instance.contact, instance.business_entity) == (
        "Requested",
        [contact.page_id],
        [retreats],
    )
    product = network.row(Product, "amelia:service:3")
    assert (product.name, product.kind, product.price, product.business_entity) == (
        "Clarity session",
        "Retreat",
        120,
        [retreats],
    )
    assert tasks(network) == {"Approve Jane Doe's booking": "Not Started"}

    book(network, "bookingStatusUpdated", with_status("approved"))
    assert network.row(WorkflowInstance, BOOKING).state == "Confirmed"
    assert tasks(network) == {
        "Approve Jane Doe's booking": "Done",
        "Send Jane Doe the retreat welcome pack": "Not Started",
    }
    assert notifications(network) == [(JANE, "Your retreat is confirmed")]

    book(network, "bookingAttended", with_status("approved"))
    instance = network.row(WorkflowInstance, BOOKING)
    assert instance.state == "Attended"
    assert "attended · Confirmed → Attended · booking" in instance.history_log
    assert tasks(network)["Ask Jane Doe for feedback"] == "Not Started"
    assert tasks(network)["Send Jane Doe the retreat welcome pack"] == "Done"
    assert moves(network, BOOKING) == [
        ("start", None, "Requested", True),
        ("approved", "Requested", "Confirmed", True),
        ("attended", "Confirmed", "Attended", True),
    ]


def test_a_cancelled_booking_is_cancelled_and_told(network: Network) -> None:
    book(network, "bookingAdded", with_status("approved"))
    book(network, "bookingCanceled", with_status("canceled"))
    assert network.row(WorkflowInstance, BOOKING).state == "Cancelled"
    assert moves(network, BOOKING)[-1] == ("cancelled", "Confirmed", "Cancelled", True)
    assert notifications(network) == [
        (JANE, "Your retreat booking is cancelled"),
        (JANE, "Your retreat is confirmed"),
    ]
    assert tasks(network)["Send Jane Doe the retreat welcome pack"] == "Done"


def test_a_rejected_request_is_cancelled(network: Network) -> None:
    book(network, "bookingAdded", with_status("pending"))
    book(network, "bookingStatusUpdated", with_status("rejected"))
    assert network.instance(BOOKING).state == "Cancelled"
    assert moves(network, BOOKING)[-1] == ("rejected", "Requested", "Cancelled", True)
    assert tasks(network) == {"Approve Jane Doe's booking": "Done"}


def test_a_reschedule_keeps_the_state_and_the_new_time(network: Network) -> None:
    book(network, "bookingAdded", with_status("approved"))
    before = tasks(network)
    book(network, "bookingRescheduled", with_status("approved", bookingStart="2026-12-04 10:00:00"))

    instance = network.instance(BOOKING)
    assert instance.state == "Confirmed"
    assert instance.data["starts_at"] == "2026-12-04 10:00:00"
    assert instance.data["service"] == "Clarity session"
    assert moves(network, BOOKING)[-1] == ("rescheduled", "Confirmed", "Confirmed", True)
    row = network.row(WorkflowInstance, BOOKING)
    assert "rescheduled · Confirmed → Confirmed · booking" in row.history_log
    assert tasks(network) == before  # nothing entered, nothing left


def test_a_no_show_is_kept(network: Network) -> None:
    book(network, "bookingAdded", with_status("approved"))
    book(network, "bookingStatusUpdated", with_status("no-show"))
    assert network.row(WorkflowInstance, BOOKING).state == "No-show"
    assert moves(network, BOOKING)[-1] == ("no_show", "Confirmed", "No-show", True)


def test_an_approval_arriving_after_the_cancellation_is_refused_and_recorded(
    network: Network,
) -> None:
    book(network, "bookingAdded", with_status("pending"))
    book(network, "bookingCanceled", with_status("canceled"))
    before = snapshot(network, Contact, MasterTask, Product)
    [note] = book(network, "bookingStatusUpdated", with_status("approved"))

    assert "approved refused (event 'approved' is not allowed in state 'Cancelled'" in note
    assert network.row(WorkflowInstance, BOOKING).state == "Cancelled"
    assert moves(network, BOOKING)[-1] == ("approved", "Cancelled", "Cancelled", False)
    assert "approved · refused (" in network.row(WorkflowInstance, BOOKING).history_log
    assert snapshot(network, Contact, MasterTask, Product) == before


def test_each_booking_of_a_group_appointment_is_its_own_instance(network: Network) -> None:
    group = amelia("group_appointment")
    book(network, "bookingAdded", group)
    assert {row.email for row in network.rows(Contact)} == {JANE, "sam@example.com"}
    assert network.instance("retreat-booking:amelia:80").state == "Confirmed"
    assert network.instance("retreat-booking:amelia:81").state == "Confirmed"
    assert network.rows(Product) == []  # the payload names no service

    sam_cancels = copy.deepcopy(group)
    sam_cancels["appointment"]["bookings"][1]["status"] = "canceled"
    book(network, "bookingCanceled", sam_cancels)
    assert network.instance("retreat-booking:amelia:81").state == "Cancelled"
    # Jane's booking did not change: nothing offered to it again.
    assert len(network.instance("retreat-booking:amelia:80").history) == 2


def test_an_event_booking_names_the_event_as_a_product(network: Network) -> None:
    book(network, "bookingAdded", amelia("event"))
    product = network.row(Product, "amelia:event:7")
    assert (product.name, product.kind, product.price) == ("Spring retreat", "Event", None)
    instance = network.instance("retreat-booking:amelia:301")
    assert instance.state == "Confirmed"
    assert instance.data["starts_at"] == "2027-03-20 09:00:00"


def test_an_amelia_delivery_processed_twice_writes_nothing_more(
    network: Network, network_server: RunningServer
) -> None:
    body = with_status("approved")
    book(network, "bookingAdded", body)
    models = (Contact, WorkflowInstance, MasterTask, Product)
    before = snapshot(network, *models)
    made = requests_made(network_server)
    book(network, "bookingAdded", body)
    assert requests_made(network_server) == made  # not even a read
    assert snapshot(network, *models) == before
    assert len(network.instance(BOOKING).history) == 2
    assert len(notifications(network)) == 1


def test_a_booking_without_an_email_or_bookings_keeps_nothing(network: Network) -> None:
    no_email = amelia(booking={"customer": {"id": 12, "firstName": "Jane"}})
    assert book(network, "bookingAdded", no_email) == [
        "Amelia appointment 42: product amelia:service:3 created;"
        " booking 77 has no customer email: not kept"
    ]
    assert book(network, "bookingAdded", amelia(bookings=[])) == [
        "Amelia appointment 42 has no bookings: nothing to keep"
    ]
    assert network.rows(Contact) == []
    assert network.machines.get(BOOKING) is None


def test_a_booking_of_a_service_without_a_name_says_no_product_is_kept(network: Network) -> None:
    unnamed = amelia(service={"id": 3, "price": 120})
    with structlog.testing.capture_logs() as logs:
        [account] = book(network, "bookingAdded", unnamed)
    assert account.startswith("Amelia appointment 42: service without a name: no Products row; ")
    assert network.rows(Product) == []
    [logged] = [line for line in logs if line["event"] == "product_not_kept"]
    assert (logged["product_id"], logged["missing"]) == ("3", "a name")


def test_a_body_without_a_reservation_is_rejected(network: Network) -> None:
    event = Event(provider="amelia", type="bookingAdded", idempotency_key="amelia:x",
                  occurred_at=network.now(), data={"customer": {"email": JANE}})  # fmt: skip
    with pytest.raises(PayloadRejected, match="reservation"):
        amelia_booking(event, network.context())


# -- WooCommerce --------------------------------------------------------------------------------


def test_an_order_is_paid_completed_then_refunded_and_stock_follows(network: Network) -> None:
    [note] = sell(network, "order.created", order("pending"))
    assert note == (
        f"order 727: contact {JANE} created, product {ARTWORK} created; {ORDER} in Ordered"
    )
    shop = entity_page(network, "Art Shop")
    contact = network.row(Contact, JANE)
    assert (contact.name, contact.lead_sources, contact.business_entity) == (
        "Jane Doe",
        ["WooCommerce"],
        [shop],
    )
    product = network.row(Product, ARTWORK)
    assert (product.name, product.kind, product.price, product.business_entity) == (
        "Retreat deposit",
        "Artwork",
        100,
        [shop],
    )
    assert figures(network) == (0, None)  # no Initial Stock yet: no Stock
    assert network.person_edits(Product, ARTWORK, initial_stock=5) == [
        f"product {ARTWORK}: 0 sold, stock 5"
    ]
    assert figures(network) == (0, 5)

    sell(network, "order.updated", order("processing", "2026-11-20T09:15:00"))
    assert network.row(WorkflowInstance, ORDER).state == "Paid"
    assert figures(network) == (1, 4)
    assert tasks(network) == {"Pack and ship Jane Doe's order": "Not Started"}
    assert notifications(network) == [(JANE, "Thank you for your order")]

    sell(network, "order.updated", order("completed", "2026-11-21T10:00:00"))
    assert network.row(WorkflowInstance, ORDER).state == "Completed"
    assert figures(network) == (1, 4)

    sell(network, "order.updated", order("refunded", "2026-11-25T08:00:00"))
    assert network.row(WorkflowInstance, ORDER).state == "Refunded"
    assert figures(network) == (0, 5)  # the refund gives the unit back
    assert tasks(network) == {
        "Pack and ship Jane Doe's order": "Done",
        "Thank Jane Doe for the purchase": "Done",
        "Restock the refunded artwork": "Not Started",
    }
    assert moves(network, ORDER) == [
        ("start", None, "Ordered", True),
        ("paid", "Ordered", "Paid", True),
        ("completed", "Paid", "Completed", True),
        ("refunded", "Completed", "Refunded", True),
    ]


def test_a_completion_before_processing_skips_paid_and_the_late_processing_is_refused(
    network: Network,
) -> None:
    sell(network, "order.created", order("completed", "2026-11-21T10:00:00"))
    assert network.instance(ORDER).state == "Completed"
    assert figures(network) == (1, None)
    models = (Contact, MasterTask, Product)
    before = snapshot(network, *models)

    [note] = sell(network, "order.updated", order("processing", "2026-11-20T09:15:00"))
    assert "paid refused (event 'paid' is not allowed in state 'Completed'" in note
    assert moves(network, ORDER)[1:] == [
        ("completed", "Ordered", "Completed", True),
        ("paid", "Completed", "Completed", False),
    ]
    assert network.row(WorkflowInstance, ORDER).state == "Completed"
    assert snapshot(network, *models) == before


def test_units_sold_add_up_over_orders_and_lines(network: Network) -> None:
    sell(network, "order.created", order("processing"))
    second = order("processing", id=728, number="728")
    second["line_items"] = [
        {**second["line_items"][0], "id": 401, "quantity": 2},
        {"id": 402, "name": "Print - A3", "parent_name": "Print", "product_id": 94,
         "variation_id": 95, "quantity": 1, "price": 30},
        {"id": 403, "name": "Print - A4", "parent_name": "Print", "product_id": 94,
         "variation_id": 96, "quantity": 1, "price": 25},
        {"id": 404, "name": "Removed product", "product_id": 0, "quantity": 1},
    ]  # fmt: skip
    with structlog.testing.capture_logs() as logs:
        [account] = sell(network, "order.created", second)
    assert "1 line(s) without a product or a quantity: not counted" in account
    [logged] = [line for line in logs if line["event"] == "order_lines_left_out"]
    assert (logged["order_id"], logged["lines"]) == ("728", 1)
    assert figures(network) == (3, None)
    print_ = network.row(Product, "woocommerce:94")
    assert (print_.name, print_.price, print_.units_sold) == ("Print", 30, 2)
    with network.connection.engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(network_order_lines))
        assert count.scalar_one() == 3  # 727/93, 728/93 (two lines summed), 728/94

    cancelled = {**second, "status": "cancelled", "date_modified_gmt": "2026-11-22T09:00:00"}
    sell(network, "order.updated", cancelled)
    assert network.instance("art-sale:woocommerce:728").state == "Cancelled"
    assert figures(network) == (1, None)
    assert figures(network, "woocommerce:94") == (0, None)


def test_an_order_delivery_processed_twice_writes_nothing_more(
    network: Network, network_server: RunningServer
) -> None:
    body = order("processing")
    sell(network, "order.created", body)
    models = (Contact, WorkflowInstance, MasterTask, Product)
    before = snapshot(network, *models)
    made = requests_made(network_server)
    sell(network, "order.created", body)
    assert requests_made(network_server) == made  # not even a read
    assert snapshot(network, *models) == before
    assert len(network.instance(ORDER).history) == 2
    assert len(notifications(network)) == 1
    # The same status again in a later version of the order (a note added): nothing offered.
    sell(network, "order.updated", order("processing", "2026-11-20T11:00:00"))
    assert snapshot(network, *models)["WorkflowInstance"] == before["WorkflowInstance"]
    assert len(network.instance(ORDER).history) == 2


def test_an_order_without_an_email_is_followed_without_a_contact(network: Network) -> None:
    body = order("processing")
    body["billing"]["email"] = ""
    [note] = sell(network, "order.created", body)
    assert note.startswith("order 727: no billing email: no contact, paid: Ordered → Paid")
    assert network.rows(Contact) == []
    assert network.row(WorkflowInstance, ORDER).contact == []
    assert figures(network) == (1, None)
    assert notifications(network) == []  # nobody to tell


def test_an_order_without_an_id_is_rejected(network: Network) -> None:
    body = order("processing")
    del body["id"]
    with pytest.raises(PayloadRejected, match="no id"):
        woo_event(network, "order.created", body)
    event = Event(provider="woocommerce", type="order.created", idempotency_key="woocommerce:x",
                  occurred_at=datetime(2026, 11, 20, tzinfo=UTC), data=body)  # fmt: skip
    with pytest.raises(PayloadRejected, match="no order id"):
        woocommerce_order(event, network.context())
    assert network.rows(Contact) == []


# -- leads ----------------------------------------------------------------------------------


def test_a_paid_order_converts_the_buyers_open_lead(network: Network) -> None:
    form_lead(network)
    sell(network, "order.created", order("pending"))
    assert network.instance(f"lead-nurture:{JANE}").state == "New"  # not paid yet

    [note] = sell(network, "order.updated", order("processing", "2026-11-20T09:15:00"))
    assert f"lead lead-nurture:{JANE} converted" in note
    lead = network.row(WorkflowInstance, f"lead-nurture:{JANE}")
    assert lead.state == "Converted"
    assert "converted · New → Converted · booking" in lead.history_log
    contact = network.row(Contact, JANE)
    assert contact.lead_sources == ["Website Form", "WooCommerce"]

    sell(network, "order.updated", order("completed", "2026-11-21T10:00:00"))
    assert len(network.instance(f"lead-nurture:{JANE}").history) == 2  # converted once


def test_a_booking_converts_the_open_lead_but_a_cancelled_one_does_not(network: Network) -> None:
    form_lead(network)
    book(network, "bookingCanceled", with_status("canceled"))
    assert network.instance(f"lead-nurture:{JANE}").state == "New"

    another = amelia(booking={"id": 78, "status": "pending"}, id=44, status="pending")
    book(network, "bookingAdded", another)
    assert network.instance(f"lead-nurture:{JANE}").state == "Converted"
    assert moves(network, f"lead-nurture:{JANE}")[-1] == ("converted", "New", "Converted", True)
