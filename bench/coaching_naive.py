"""The baseline: webhook handlers written the way a typical coaching app writes them.

Each delivery is handled on its own with the real ``notion_client.Client``: no deduplication
(a redelivered event is applied again), no memory between events (every handler looks its rows
up in Notion first), and a dashboard metric read and written back on every change. What it
costs in Notion requests per delivery is what the benchmark compares notionhub with.

Per event: a booking queries the client by email (creating it if missing), queries the package,
creates the session and bumps "Sessions This Month" (query + update; "Total Clients" too for a
new client); a reschedule, cancellation or end of meeting queries the session by uid and updates
it; every Zoom event queries the session by meeting id and updates its attendance; a Checkout
payment queries (or creates) the client, queries the package, creates the invoice and bumps
"Total Revenue"; a failed payment and a refund query the invoice and update it (a refund also
bumps the revenue back down).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from notion_client import Client

from bench.coaching_month import PACKAGES, Delivery

METRICS = ("Sessions This Month", "Total Clients", "Total Revenue")


def _title(text: str) -> dict[str, Any]:
    return {"title": [{"type": "text", "text": {"content": text}}]}


def _text(text: str) -> dict[str, Any]:
    return {"rich_text": [{"type": "text", "text": {"content": text}}]}


def _schema(name: str, sources: dict[str, str]) -> dict[str, Any]:
    """Minimal properties of one database; relations name their targets' data sources."""

    def relation(target: str) -> dict[str, Any]:
        return {"relation": {"data_source_id": sources[target], "single_property": {}}}

    select: dict[str, Any] = {"select": {"options": []}}
    if name == "Clients":
        return {"Name": {"title": {}}, "Email": {"email": {}}, "Stripe Customer": _rt()}
    if name == "Packages":
        return {"Name": {"title": {}}, "Price": {"number": {}}, "Sessions": {"number": {}}}
    if name == "Dashboard Metrics":
        return {"Metric": {"title": {}}, "Value": {"number": {}}}
    if name == "Sessions":
        return {
            "Title": {"title": {}},
            "Booking UID": _rt(),
            "Meeting ID": _rt(),
            "When": {"date": {}},
            "Status": select,
            "Joined At": {"date": {}},
            "Attended Minutes": {"number": {}},
            "Client": relation("Clients"),
            "Package": relation("Packages"),
        }
    return {  # Invoices
        "Title": {"title": {}},
        "Checkout Session": _rt(),
        "Payment Intent": _rt(),
        "Amount": {"number": {}},
        "Status": select,
        "Client": relation("Clients"),
        "Package": relation("Packages"),
    }


def _answer(value: object) -> dict[str, Any]:
    """notion-client's sync answer (its annotations also allow the async client's awaitable)."""
    if not isinstance(value, dict):
        raise TypeError(f"expected a JSON object from notion-client, got {type(value).__name__}")
    return value


def _rt() -> dict[str, Any]:
    return {"rich_text": {}}


@dataclass
class NaiveCoachingApp:
    """The handlers, bound to the data sources they write."""

    notion: Client
    sources: dict[str, str]  # database name → data source id
    misses: int = 0  # updates dropped because the row was not (yet) there
    handled: dict[str, int] = field(default_factory=dict)

    @classmethod
    def provision(cls, notion: Client, parent_page_id: str) -> NaiveCoachingApp:
        """Create the five databases under the page, the packages and the metric rows."""
        sources: dict[str, str] = {}
        for name in ("Clients", "Packages", "Dashboard Metrics", "Sessions", "Invoices"):
            database = _answer(
                notion.databases.create(
                    parent={"type": "page_id", "page_id": parent_page_id},
                    title=[{"type": "text", "text": {"content": name}}],
                    initial_data_source={"properties": _schema(name, sources)},
                )
            )
            sources[name] = str(database["data_sources"][0]["id"])
        app = cls(notion, sources)
        for package, price, sessions in PACKAGES:
            app.create(
                "Packages",
                {
                    "Name": _title(package),
                    "Price": {"number": price},
                    "Sessions": {"number": sessions},
                },
            )
        for metric in METRICS:
            app.create("Dashboard Metrics", {"Metric": _title(metric), "Value": {"number": 0}})
        return app

    # -- the few Notion calls every handler is made of --------------------------------------------

    def find(self, database: str, condition: dict[str, Any]) -> dict[str, Any] | None:
        answer = _answer(self.notion.data_sources.query(self.sources[database], filter=condition))
        results: list[dict[str, Any]] = answer["results"]
        return results[0] if results else None

    def create(self, database: str, properties: dict[str, Any]) -> dict[str, Any]:
        parent = {"type": "data_source_id", "data_source_id": self.sources[database]}
        return _answer(self.notion.pages.create(parent=parent, properties=properties))

    def update(self, page: dict[str, Any], properties: dict[str, Any]) -> None:
        self.notion.pages.update(page["id"], properties=properties)

    def update_found(
        self, database: str, condition: dict[str, Any], properties: dict[str, Any]
    ) -> dict[str, Any] | None:
        page = self.find(database, condition)
        if page is None:
            self.misses += 1
        else:
            self.update(page, properties)
        return page

    def bump(self, metric: str, by: float) -> None:
        page = self.find("Dashboard Metrics", {"property": "Metric", "title": {"equals": metric}})
        if page is not None:
            value = page["properties"]["Value"]["number"] or 0
            self.update(page, {"Value": {"number": value + by}})

    def client(self, email: str, name: str, customer: str = "") -> tuple[dict[str, Any], bool]:
        """The client with this email, created when missing; and whether it was created."""
        found = self.find("Clients", {"property": "Email", "email": {"equals": email}})
        if found is not None:
            return found, False
        properties = {"Name": _title(name), "Email": {"email": email}}
        if customer:
            properties["Stripe Customer"] = _text(customer)
        return self.create("Clients", properties), True

    def package(self, name: str) -> list[dict[str, str]]:
        found = self.find("Packages", {"property": "Name", "title": {"equals": name}})
        return [{"id": found["id"]}] if found else []

    # -- handlers ----------------------------------------------------------------------------

    def handle(self, delivery: Delivery) -> None:
        kind = delivery.event_type
        self.handled[kind] = self.handled.get(kind, 0) + 1
        if delivery.provider == "calcom":
            self.booking(kind, delivery.body["payload"])
        elif delivery.provider == "zoom":
            self.attendance(kind, delivery.body["payload"]["object"])
        elif delivery.provider == "stripe":
            self.payment(kind, delivery.body["data"]["object"])

    def booking(self, kind: str, payload: dict[str, Any]) -> None:
        by_uid = {"property": "Booking UID", "rich_text": {"equals": payload["uid"]}}
        when = {"date": {"start": payload["startTime"], "end": payload["endTime"]}}
        meeting = payload.get("metadata", {}).get("videoCallUrl", "").rsplit("/", 1)[-1]
        if kind == "BOOKING_CREATED":
            attendee = payload["attendees"][0]
            client, new = self.client(attendee["email"].lower(), attendee["name"])
            self.create(
                "Sessions",
                {
                    "Title": _title(payload["title"]),
                    "Booking UID": _text(payload["uid"]),
                    "Meeting ID": _text(meeting),
                    "When": when,
                    "Status": {"select": {"name": "Scheduled"}},
                    "Client": {"relation": [{"id": client["id"]}]},
                    "Package": {"relation": self.package(payload["type"])},
                },
            )
            self.bump("Sessions This Month", 1)
            if new:
                self.bump("Total Clients", 1)
        elif kind == "BOOKING_RESCHEDULED":
            old = {"property": "Booking UID", "rich_text": {"equals": payload["rescheduleUid"]}}
            self.update_found(
                "Sessions",
                old,
                {
                    "Booking UID": _text(payload["uid"]),
                    "Meeting ID": _text(meeting),
                    "When": when,
                    "Status": {"select": {"name": "Rescheduled"}},
                },
            )
        elif kind == "BOOKING_CANCELLED":
            self.update_found("Sessions", by_uid, {"Status": {"select": {"name": "Cancelled"}}})
        elif kind == "MEETING_ENDED":
            self.update_found("Sessions", by_uid, {"Status": {"select": {"name": "Completed"}}})

    def attendance(self, kind: str, meeting: dict[str, Any]) -> None:
        by_meeting = {"property": "Meeting ID", "rich_text": {"equals": meeting["id"]}}
        participant = meeting.get("participant", {})
        if kind == "meeting.participant_joined":
            joined = {"date": {"start": participant["join_time"]}}
            self.update_found("Sessions", by_meeting, {"Joined At": joined})
        elif kind == "meeting.participant_left":
            session = self.find("Sessions", by_meeting)
            if session is None:
                self.misses += 1
                return
            joined_at = (session["properties"]["Joined At"]["date"] or {}).get("start")
            minutes = 0.0
            if joined_at:
                left = datetime.fromisoformat(participant["leave_time"].replace("Z", "+00:00"))
                minutes = (left - datetime.fromisoformat(joined_at)).total_seconds() / 60
            self.update(session, {"Attended Minutes": {"number": round(minutes, 1)}})
        elif kind == "meeting.ended":
            self.update_found("Sessions", by_meeting, {"Status": {"select": {"name": "Completed"}}})

    def payment(self, kind: str, obj: dict[str, Any]) -> None:
        if kind == "checkout.session.completed":
            details = obj["customer_details"]
            client, _ = self.client(details["email"].lower(), details["name"], obj["customer"])
            amount = obj["amount_total"] / 100
            paid = obj["payment_status"] == "paid"
            package = obj["metadata"].get("package", "")
            self.create(
                "Invoices",
                {
                    "Title": _title(f"{package} — {details['name']}"),
                    "Checkout Session": _text(obj["id"]),
                    "Payment Intent": _text(obj["payment_intent"]),
                    "Amount": {"number": amount},
                    "Status": {"select": {"name": "Paid" if paid else "Pending"}},
                    "Client": {"relation": [{"id": client["id"]}]},
                    "Package": {"relation": self.package(package)},
                },
            )
            self.bump("Total Revenue", amount if paid else 0)
        elif kind == "checkout.session.async_payment_failed":
            by_session = {"property": "Checkout Session", "rich_text": {"equals": obj["id"]}}
            self.update_found("Invoices", by_session, {"Status": {"select": {"name": "Failed"}}})
        elif kind == "charge.refunded":
            intent = {"property": "Payment Intent", "rich_text": {"equals": obj["payment_intent"]}}
            found = self.update_found(
                "Invoices", intent, {"Status": {"select": {"name": "Refunded"}}}
            )
            if found is not None:
                self.bump("Total Revenue", -obj["amount_refunded"] / 100)

    # -- after the run -------------------------------------------------------------------------

    def count_rows(self, database: str) -> int:
        """Pages in a database (paginated queries; not part of the measured run)."""
        count, cursor = 0, None
        while True:
            extra: dict[str, Any] = {"start_cursor": cursor} if cursor else {}
            answer = _answer(self.notion.data_sources.query(self.sources[database], **extra))
            count += len(answer["results"])
            if not answer["has_more"]:
                return count
            cursor = answer["next_cursor"]
