"""The baseline: a straightforward "one page per event" integration of the network's webhooks.

Each delivery is handled on its own with the real ``notion_client.Client``, with no memory
between events and no deduplication (a redelivered event is applied again): the person the
event is about is looked up by email and created, or updated (Last Activity, the source added);
then the event's own row is written — a lead per form, a booking per Amelia booking, an order
per WooCommerce order (the products' units sold read and written back), a campaign per
newsletter post (the subscriber count read and written back on every subscription), a
community profile per member (its counts read and written back on every activity).

Per event: every event with an email costs a query and a write for the contact; then a form or
a Typeform response creates a lead (and a rating a feedback row); ``bookingAdded`` creates the
booking, other Amelia actions query it and update its state; ``order.created`` creates the
order and bumps each product (query + update), ``order.updated`` queries the order and updates
it (and bumps the products again when it is paid or refunded); a subscription or an
unsubscription bumps the newsletter's subscribers (query + update); ``post.sent`` creates the
campaign; a new Circle member creates the profile, an activity queries it and updates it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from notion_client import Client

from bench.network_month import AMELIA_EVENTS, ORDER_EVENTS, Delivery, people_of

DATABASES = ("Contacts", "Workflow Instances", "Products", "Campaigns", "Community", "Feedback")
SOURCES = {
    "forms": "Website Form",
    "typeform": "Typeform",
    "amelia": "Amelia",
    "woocommerce": "WooCommerce",
    "beehiiv": "Beehiiv",
    "circle": "Circle",
}
NEWSLETTER = "Newsletter"


def _title(text: str) -> dict[str, Any]:
    return {"title": [{"type": "text", "text": {"content": text}}]}


def _text(text: str) -> dict[str, Any]:
    return {"rich_text": [{"type": "text", "text": {"content": text}}]}


def _select(name: str) -> dict[str, Any]:
    return {"select": {"name": name}}


def _answer(value: object) -> dict[str, Any]:
    """notion-client's sync answer (its annotations also allow the async client's awaitable)."""
    if not isinstance(value, dict):
        raise TypeError(f"expected a JSON object from notion-client, got {type(value).__name__}")
    return value


def _schema(name: str, sources: dict[str, str]) -> dict[str, Any]:
    def relation(target: str) -> dict[str, Any]:
        return {"relation": {"data_source_id": sources[target], "single_property": {}}}

    text: dict[str, Any] = {"rich_text": {}}
    number: dict[str, Any] = {"number": {}}
    select: dict[str, Any] = {"select": {"options": []}}
    if name == "Contacts":
        return {
            "Name": {"title": {}},
            "Email": {"email": {}},
            "Lead Sources": {"multi_select": {"options": []}},
            "Newsletter": select,
            "Last Activity": {"date": {}},
        }
    if name == "Workflow Instances":
        return {
            "Instance ID": {"title": {}},
            "Workflow": select,
            "State": select,
            "Contact": relation("Contacts"),
            "Updated": {"date": {}},
        }
    if name == "Products":
        return {"Name": {"title": {}}, "Product ID": text, "Units Sold": number}
    if name == "Campaigns":
        return {"Campaign": {"title": {}}, "Post ID": text, "Subscribers": number}
    if name == "Community":
        return {
            "Member": {"title": {}},
            "Email": {"email": {}},
            "Posts": number,
            "Comments": number,
            "Events Attended": number,
            "Status": select,
            "Contact": relation("Contacts"),
        }
    return {"Response": {"title": {}}, "Score": number, "Contact": relation("Contacts")}


@dataclass
class NaiveNetworkApp:
    """The handlers, bound to the data sources they write."""

    notion: Client
    sources: dict[str, str]  # database name → data source id
    misses: int = 0  # updates dropped because the row was not (yet) there
    handled: dict[str, int] = field(default_factory=dict)

    @classmethod
    def provision(cls, notion: Client, parent_page_id: str) -> NaiveNetworkApp:
        """Create the databases under the page and the newsletter's campaign row."""
        sources: dict[str, str] = {}
        for name in DATABASES:
            database = _answer(
                notion.databases.create(
                    parent={"type": "page_id", "page_id": parent_page_id},
                    title=[{"type": "text", "text": {"content": name}}],
                    initial_data_source={"properties": _schema(name, sources)},
                )
            )
            sources[name] = str(database["data_sources"][0]["id"])
        app = cls(notion, sources)
        app.create("Campaigns", {"Campaign": _title(NEWSLETTER), "Subscribers": {"number": 0}})
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

    def by_title(self, database: str, name: str, value: str) -> dict[str, Any] | None:
        return self.find(database, {"property": name, "title": {"equals": value}})

    def bump(self, page: dict[str, Any] | None, name: str, by: float) -> None:
        if page is None:
            self.misses += 1
            return
        value = page["properties"][name]["number"] or 0
        self.update(page, {name: {"number": value + by}})

    def contact(
        self, email: str, name: str, source: str, newsletter: str | None = None
    ) -> dict[str, Any]:
        """The contact with this email: created, or updated with this event's source."""
        found = self.find("Contacts", {"property": "Email", "email": {"equals": email}})
        properties: dict[str, Any] = {"Last Activity": {"date": {"start": "2026-11-30"}}}
        if newsletter:
            properties["Newsletter"] = _select(newsletter)
        if found is None:
            properties.update(
                {
                    "Name": _title(name or email),
                    "Email": {"email": email},
                    "Lead Sources": {"multi_select": [{"name": source}]},
                }
            )
            return self.create("Contacts", properties)
        sources = found["properties"]["Lead Sources"]["multi_select"]
        names = list(dict.fromkeys([*(option["name"] for option in sources), source]))
        properties["Lead Sources"] = {"multi_select": [{"name": n} for n in names]}
        self.update(found, properties)
        return found

    def instance(
        self, instance_id: str, workflow: str, state: str, contact: dict[str, Any]
    ) -> None:
        self.create(
            "Workflow Instances",
            {
                "Instance ID": _title(instance_id),
                "Workflow": _select(workflow),
                "State": _select(state),
                "Contact": {"relation": [{"id": contact["id"]}]},
            },
        )

    def move(self, instance_id: str, state: str) -> None:
        found = self.by_title("Workflow Instances", "Instance ID", instance_id)
        if found is None:
            self.misses += 1
        else:
            self.update(found, {"State": _select(state)})

    # -- handlers ----------------------------------------------------------------------------

    def handle(self, delivery: Delivery) -> None:
        kind, body = delivery.event_type, delivery.body
        self.handled[kind] = self.handled.get(kind, 0) + 1
        emails = people_of(delivery)
        newsletter = None
        if delivery.provider == "beehiiv" and kind.startswith("subscription."):
            newsletter = "Unsubscribed" if kind.endswith("deleted") else "Subscribed"
        contacts = [
            self.contact(email, _name_of(delivery), SOURCES[delivery.provider], newsletter)
            for email in emails
        ]
        if delivery.provider in ("forms", "typeform") and contacts:
            self.lead(delivery, contacts[0])
        elif delivery.provider == "amelia":
            self.booking(kind, body, contacts)
        elif delivery.provider == "woocommerce":
            self.order(kind, body, contacts)
        elif delivery.provider == "beehiiv":
            self.newsletter(kind, body)
        elif delivery.provider == "circle" and contacts:
            self.community(kind, body, emails[0], contacts[0])

    def lead(self, delivery: Delivery, contact: dict[str, Any]) -> None:
        email = contact["properties"]["Email"]["email"]
        self.instance(f"lead-nurture:{email}", "lead-nurture", "New", contact)
        if delivery.provider == "typeform":
            response = delivery.body["form_response"]
            for answer in response["answers"]:
                if answer["field"]["type"] == "opinion_scale":
                    self.create(
                        "Feedback",
                        {
                            "Response": _title(f"typeform:{response['token']}"),
                            "Score": {"number": answer["number"]},
                            "Contact": {"relation": [{"id": contact["id"]}]},
                        },
                    )

    def booking(self, kind: str, body: dict[str, Any], contacts: list[dict[str, Any]]) -> None:
        reservation = next(iter(body.values()))
        for booking, contact in zip(reservation["bookings"], contacts, strict=False):
            instance_id = f"retreat-booking:amelia:{booking['id']}"
            state = {"approved": "Confirmed", "canceled": "Cancelled", "rejected": "Cancelled"}
            if kind == "bookingAdded":
                self.instance(
                    instance_id,
                    "retreat-booking",
                    state.get(booking["status"], "Requested"),
                    contact,
                )
            elif booking["status"] in AMELIA_EVENTS:
                self.move(instance_id, state[booking["status"]])

    def order(self, kind: str, body: dict[str, Any], contacts: list[dict[str, Any]]) -> None:
        instance_id = f"art-sale:woocommerce:{body['id']}"
        state = {"paid": "Paid", "completed": "Completed", "refunded": "Refunded"}.get(
            ORDER_EVENTS.get(body["status"], ""), "Ordered"
        )
        if kind == "order.created" and contacts:
            self.instance(instance_id, "art-sale", state, contacts[0])
        else:
            self.move(instance_id, state)
        sold = {"processing": 1, "refunded": -1}.get(body["status"], 0)
        for item in body["line_items"]:
            if kind != "order.created" and not sold:
                continue
            key = f"woocommerce:{item['product_id']}"
            product = self.find(
                "Products", {"property": "Product ID", "rich_text": {"equals": key}}
            )
            if product is None and kind == "order.created":
                product = self.create(
                    "Products",
                    {
                        "Name": _title(item["name"]),
                        "Product ID": _text(key),
                        "Units Sold": {"number": 0},
                    },
                )
            if sold:
                self.bump(product, "Units Sold", sold * item["quantity"])

    def newsletter(self, kind: str, body: dict[str, Any]) -> None:
        data = body["data"]
        if kind == "post.sent":
            self.create(
                "Campaigns", {"Campaign": _title(data["title"]), "Post ID": _text(data["id"])}
            )
        elif kind in ("subscription.created", "subscription.deleted"):
            letter = self.by_title("Campaigns", "Campaign", NEWSLETTER)
            self.bump(letter, "Subscribers", -1 if kind.endswith("deleted") else 1)

    def community(
        self, kind: str, body: dict[str, Any], email: str, contact: dict[str, Any]
    ) -> None:
        if kind == "community_member.created":
            self.create(
                "Community",
                {
                    "Member": _title(body["data"].get("name", email)),
                    "Email": {"email": email},
                    "Status": _select("Member"),
                    "Contact": {"relation": [{"id": contact["id"]}]},
                },
            )
            return
        profile = self.find("Community", {"property": "Email", "email": {"equals": email}})
        if profile is None:
            self.misses += 1
        elif kind == "community_member.removed":
            self.update(profile, {"Status": _select("Left")})
        else:
            counted = {"post.created": "Posts", "comment.created": "Comments"}
            self.bump(profile, counted.get(kind, "Events Attended"), 1)

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


def _name_of(delivery: Delivery) -> str:
    body = delivery.body
    if delivery.provider == "forms":
        return str(body["fields"].get("name", ""))
    if delivery.provider == "woocommerce":
        return f"{body['billing']['first_name']} {body['billing']['last_name']}"
    if delivery.provider == "amelia":
        customer = next(iter(body.values()))["bookings"][0]["customer"]
        return f"{customer['firstName']} {customer['lastName']}"
    if delivery.provider == "circle":
        data = body["data"]
        return str(data.get("name") or data.get("community_member", {}).get("name", ""))
    if delivery.provider == "typeform":
        answers = body["form_response"]["answers"]
        return next((str(a["text"]) for a in answers if a["type"] == "text"), "")
    return ""
