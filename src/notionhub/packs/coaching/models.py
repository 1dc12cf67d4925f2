"""The coaching pack's five Notion databases, as code (see docs/packs/coaching.md)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from notionhub.notion.schema import (
    Checkbox,
    DatabaseSpec,
    Date,
    Email,
    Key,
    NotionDate,
    NotionModel,
    Number,
    Option,
    Owned,
    Phone,
    Relation,
    RichText,
    Rollup,
    Select,
    Title,
)

CLIENT_STATUSES = (Option("Prospect", "blue"), Option("Active", "green"), Option("Past", "gray"))
SESSION_STATUSES = (
    Option("Scheduled", "blue"),
    Option("Rescheduled", "purple"),
    Option("Completed", "green"),
    Option("No-show", "orange"),
    Option("Cancelled", "red"),
)
INVOICE_STATUSES = (
    Option("Paid", "green"),
    Option("Pending", "yellow"),
    Option("Refunded", "gray"),
    Option("Failed", "red"),
)


class Client(NotionModel):
    """A person who booked or paid; keyed by email."""

    __database__ = DatabaseSpec("Clients", env="NOTION_CLIENTS_DB", icon="🧑")

    name: Annotated[str, Title("Client Name")]
    email: Annotated[str, Email("Contact Email"), Key()]
    phone: Annotated[str | None, Phone("Phone")] = None
    # The coach may set Past (kept); otherwise Prospect/Active follow payments.
    status: Annotated[
        str | None, Select("Status", options=list(CLIENT_STATUSES)), Owned("both")
    ] = None
    source: Annotated[str | None, Select("Source")] = None
    first_booking: Annotated[NotionDate | None, Date("First Booking")] = None
    # Kept by Notion from the other side (Session.client, Invoice.client).
    sessions: Annotated[
        list[str], Relation("Sessions", target="Sessions", dual="Client"), Owned("both")
    ] = Field(default_factory=list)
    invoices: Annotated[
        list[str], Relation("Invoices", target="Invoices", dual="Client"), Owned("both")
    ] = Field(default_factory=list)
    total_paid: Annotated[
        float | None,
        Rollup("Total Paid", relation="Invoices", target_property="Paid Amount", function="sum"),
    ] = None
    stripe_customer_id: Annotated[str, RichText("Stripe Customer ID")] = ""
    notes: Annotated[str, RichText("Notes"), Owned("person")] = ""


# What the pack writes on a client: the relations are kept by Notion from the other side, and
# Notes belongs to the coach.
CLIENT_WRITES = (
    "name",
    "email",
    "phone",
    "status",
    "source",
    "first_booking",
    "stripe_customer_id",
)


class Package(NotionModel):
    """Something the coach sells; rows are the coach's, the pack only reads them."""

    __database__ = DatabaseSpec("Packages", env="NOTION_PACKAGES_DB", icon="📦")

    name: Annotated[str, Title("Package Name"), Key(), Owned("person")]
    price: Annotated[float | None, Number("Price", format="euro"), Owned("person")] = None
    sessions_included: Annotated[int | None, Number("Sessions Included"), Owned("person")] = None
    stripe_price_id: Annotated[str, RichText("Stripe Price ID"), Owned("person")] = ""
    event_type: Annotated[str, RichText("Cal.com Event Type"), Owned("person")] = ""
    active: Annotated[bool, Checkbox("Active"), Owned("person")] = True


class Session(NotionModel):
    """One appointment, however often it was rescheduled; keyed by its first Cal.com uid."""

    __database__ = DatabaseSpec("Sessions", env="NOTION_SESSIONS_DB", icon="📅")

    title: Annotated[str, Title("Session")]
    booking_id: Annotated[str, RichText("Booking ID"), Key()]
    client: Annotated[list[str], Relation("Client", target="Clients", dual="Sessions")] = Field(
        default_factory=list
    )
    package: Annotated[list[str], Relation("Package", target="Packages")] = Field(
        default_factory=list
    )
    when: Annotated[NotionDate | None, Date("When")] = None
    # The coach may set it in Notion (kept until a later booking change, see coach.py).
    status: Annotated[
        str | None, Select("Status", options=list(SESSION_STATUSES)), Owned("both")
    ] = None
    cancellation_reason: Annotated[str, RichText("Cancellation Reason")] = ""
    meeting_id: Annotated[str, RichText("Meeting ID")] = ""
    attended_minutes: Annotated[float | None, Number("Attended Minutes")] = None
    event_type: Annotated[str | None, Select("Event Type")] = None
    history: Annotated[str, RichText("History")] = ""


class Invoice(NotionModel):
    """One Stripe Checkout payment; keyed by the Checkout Session id."""

    __database__ = DatabaseSpec("Invoices", env="NOTION_INVOICES_DB", icon="🧾")

    title: Annotated[str, Title("Invoice")]
    checkout_session_id: Annotated[str, RichText("Checkout Session ID"), Key()]
    client: Annotated[list[str], Relation("Client", target="Clients", dual="Invoices")] = Field(
        default_factory=list
    )
    package: Annotated[list[str], Relation("Package", target="Packages")] = Field(
        default_factory=list
    )
    amount: Annotated[float | None, Number("Amount", format="euro")] = None
    currency: Annotated[str | None, Select("Currency")] = None
    # The coach may set it in Notion (e.g. Refunded for a refund made outside Stripe): kept.
    status: Annotated[
        str | None, Select("Status", options=list(INVOICE_STATUSES)), Owned("both")
    ] = None
    paid_at: Annotated[NotionDate | None, Date("Paid At")] = None
    # What counts as paid: the amount less refunds, 0 unless Paid or Refunded (Total Paid sums it).
    paid_amount: Annotated[float | None, Number("Paid Amount", format="euro")] = None
    payment_intent: Annotated[str, RichText("Payment Intent")] = ""


class DashboardMetric(NotionModel):
    """One figure of the coach's dashboard, recomputed exactly from the mirror."""

    __database__ = DatabaseSpec("Dashboard Metrics", env="NOTION_DASHBOARD_METRICS_DB", icon="📊")

    metric: Annotated[str, Title("Metric"), Key()]
    value: Annotated[float | None, Number("Value")] = None
    period: Annotated[str, RichText("Period")] = ""
    updated: Annotated[NotionDate | None, Date("Updated")] = None


MODELS: tuple[type[NotionModel], ...] = (Client, Package, Session, Invoice, DashboardMetric)
