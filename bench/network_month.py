"""A wellness network's month of webhooks: forms, Typeform, Amelia, WooCommerce, Beehiiv, Circle.

``generate_month(seed, people)`` returns the deliveries in the order they arrive, shaped as each
provider sends them (see ``tests/ingest/payloads/<provider>``). Each person of the month does
some of these, independently:

- a website form (~30%; some send a second one later; ~2% of submissions carry no email) and a
  Typeform response (~20%; most answer the rating question);
- a Beehiiv subscription (~45%; ~8% unsubscribe later); one ``post.sent`` a week;
- Amelia bookings (~18%, one or two): a retreat (an Amelia event) or a session (an appointment)
  added pending or already approved, then approved (or now and then rejected), sometimes
  rescheduled (appointments) or cancelled;
- WooCommerce orders (~18%, one or two, one or two artworks each): created pending then paid
  (``processing``), or created paid; most completed days later, ~6% refunded; a few never paid;
- Circle (~30%): joins the community, then posts, comments and attends events, a few to
  dozens of times over the month; ~4% leave.

People write their email as they please (~15% of the deliveries capitalise it). Arrival is by
event time, then ~10% of deliveries move a few places (a refund before its payment, an
approval before the booking) and ~8% are sent again later with the same body. Only
``random.Random(seed)`` is used: the same arguments give the same month.

``expected_rows`` says what a correct integration holds once the month is applied, from the
distinct deliveries in arrival order (the declared workflows refuse a late step back, so the
order matters where a fact arrives after a later one).
"""

from __future__ import annotations

import copy
import string
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

from notionhub.packs.network.agents.community import MILESTONES, POINTS, kind_of
from notionhub.packs.network.machines import ART_SALE, MACHINES, RETREAT_BOOKING

MONTH_START = datetime(2026, 11, 1, tzinfo=UTC)
MONTH_DAYS = 30
_ALNUM = string.ascii_lowercase + string.digits
FIRST = ("Ana", "Bo", "Chloé", "Dev", "Emma", "Farid", "Greta", "Hugo", "Inès", "Jon", "Kai",
         "Lea", "Malo", "Nora", "Omar", "Pia", "Rosa", "Sami", "Tess", "Vera")  # fmt: skip
LAST = ("Martin", "Bernard", "Dubois", "Laurent", "Moreau", "Garcia", "Roux", "Fontaine",
        "Blanc", "Girard", "Lopez", "Mercier", "Bonnet", "Dupont", "Lambert")  # fmt: skip
FORMS = (
    ("retreat-waitlist", "Wellness Retreats"),
    ("contact", None),
    ("art-commission", "Art Shop"),
)
TYPEFORM_ID, TYPEFORM_TITLE = "rT3tR8", "Retreat interest survey"
# Amelia: appointments (sessions) by service, events (retreats) by event: (id, name, price).
SERVICES = ((3, "Breathwork 1:1", 90.0), (4, "Yoga private session", 70.0), (5, "Sound bath", 45.0))
RETREATS = (
    (7, "Winter silence retreat", 890.0),
    (8, "Forest bathing weekend", 420.0),
    (9, "New year reset retreat", 1150.0),
)
ARTWORKS = tuple((200 + n, f"Artwork #{200 + n}", float(80 + 35 * (n % 9))) for n in range(24))
# Circle activity types, and how often members do each.
ACTIVITIES = (("post.created", 0.25), ("comment.created", 0.6), ("event_attendee.created", 0.15))
CIRCLE_JOINED, CIRCLE_LEFT = "community_member.created", "community_member.removed"
AMELIA_PATH_EVENTS = (
    "bookingAdded",
    "bookingStatusUpdated",
    "bookingRescheduled",
    "bookingCanceled",
)


@dataclass(frozen=True)
class Delivery:
    """One webhook POST: the provider, its event type (where the provider puts it: the body,
    the URL or a header), the JSON body, and whether it is a resend."""

    provider: str  # forms, typeform, amelia, woocommerce, beehiiv, circle
    event_type: str
    body: dict[str, Any]
    redelivery: bool = False


@dataclass(frozen=True)
class _Person:
    number: int
    first: str
    last: str
    email: str  # lower case: the contact's key

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass(frozen=True)
class _Timed:
    at: datetime
    seq: int
    delivery: Delivery


def generate_month(
    seed: int = 7, people: int = 300, start: datetime = MONTH_START
) -> list[Delivery]:
    """The month's deliveries for ``people`` people, in arrival order."""
    month = _Month(Random(seed), start)
    month.newsletter_posts()
    for number in range(people):
        month.person(number)
    return month.arrivals()


# -- what the month implies ----------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedRows:
    """What a correct integration holds once the month is applied."""

    contacts: int  # distinct emails
    leads: int  # lead-nurture instances: one per person who sent a form or a Typeform
    converted: int  # of which converted by a booking or a paid order arriving after the lead
    bookings: int  # retreat-booking instances: one per Amelia booking
    booking_states: dict[str, int]
    orders: int  # art-sale instances: one per WooCommerce order
    order_states: dict[str, int]
    products: int  # Amelia services and retreats booked, artworks ordered
    feedback: int  # Typeform responses with a rating
    members: int  # Community Hub profiles: one per Circle member
    activities: dict[str, int]  # distinct Circle activity events by kind (post, comment, event)
    rewards: int  # milestones the members reached (the community agent's MILESTONES)
    campaigns: int  # newsletter posts sent, and the Newsletter's own campaign
    subscribed: int  # contacts whose latest Beehiiv event is a subscription
    unsubscribed: int


def expected_rows(
    deliveries: Iterable[Delivery], handled: Callable[[Delivery], bool] = lambda _d: True
) -> ExpectedRows:
    """The rows the distinct deliveries that some flow handles make, applied in arrival order."""
    machines = {machine.name: machine for machine in MACHINES}
    contacts: set[str] = set()
    leads: dict[str, str] = {}  # email → New / Converted
    bookings: dict[str, str] = {}
    orders: dict[str, str] = {}
    products: set[str] = set()
    members: dict[str, float] = {}  # email → points
    first_posts: set[str] = set()
    activities: Counter[str] = Counter()
    newsletter: dict[str, tuple[float, str]] = {}
    feedback = posts = 0

    def move(states: dict[str, str], machine: str, key: str, event: str | None) -> str:
        state = states.setdefault(key, machines[machine].initial)
        if event is not None:
            transition = machines[machine].transition_for(state, event)
            if transition is not None:
                states[key] = state = transition.target
        return state

    def convert(email: str) -> None:
        if leads.get(email) == "New":
            leads[email] = "Converted"

    for delivery in deliveries:
        if delivery.redelivery or not handled(delivery):
            continue
        body, kind = delivery.body, delivery.event_type
        for email in people_of(delivery):
            contacts.add(email)
        if delivery.provider in ("forms", "typeform"):
            for email in people_of(delivery):
                leads.setdefault(email, "New")
            if delivery.provider == "typeform" and _rating(body) is not None:
                feedback += 1
        elif delivery.provider == "amelia":
            reservation_kind, reservation = next(iter(body.items()))
            products.add(_amelia_product(reservation_kind, reservation))
            for booking in reservation["bookings"]:
                key, status = str(booking["id"]), booking["status"]
                move(bookings, RETREAT_BOOKING, key, None)
                if kind == "bookingRescheduled":
                    move(bookings, RETREAT_BOOKING, key, "rescheduled")
                move(bookings, RETREAT_BOOKING, key, AMELIA_EVENTS.get(status))
                if status not in ("canceled", "rejected"):
                    convert(booking["customer"]["email"].lower())
        elif delivery.provider == "woocommerce":
            products.update(f"woocommerce:{item['product_id']}" for item in body["line_items"])
            state = move(orders, ART_SALE, str(body["id"]), ORDER_EVENTS.get(body["status"]))
            if state in ("Paid", "Completed"):
                convert(body["billing"]["email"].lower())
        elif delivery.provider == "beehiiv" and kind.startswith("subscription."):
            email = body["data"]["email"].lower()
            moment = float(body["event_timestamp"])
            status = "Unsubscribed" if kind == "subscription.deleted" else "Subscribed"
            if email not in newsletter or newsletter[email][0] <= moment:
                newsletter[email] = (moment, status)
        elif delivery.provider == "beehiiv":
            posts += 1
        elif delivery.provider == "circle":
            activity = kind_of(kind)
            for email in people_of(delivery):
                members[email] = members.get(email, 0.0) + POINTS.get(activity, 0.0)
                if activity == "post":
                    first_posts.add(email)
            if activity in POINTS:
                activities[activity] += 1
    statuses = Counter(status for _, status in newsletter.values())
    rewards = sum(
        (email in first_posts or not milestone.posts) and points >= milestone.points
        for email, points in members.items()
        for milestone in MILESTONES
    )
    return ExpectedRows(
        contacts=len(contacts),
        leads=len(leads),
        converted=sum(state == "Converted" for state in leads.values()),
        bookings=len(bookings),
        booking_states=dict(sorted(Counter(bookings.values()).items())),
        orders=len(orders),
        order_states=dict(sorted(Counter(orders.values()).items())),
        products=len(products),
        feedback=feedback,
        members=len(members),
        activities=dict(sorted(activities.items())),
        rewards=rewards,
        campaigns=posts + (statuses["Subscribed"] > 0),
        subscribed=statuses["Subscribed"],
        unsubscribed=statuses["Unsubscribed"],
    )


AMELIA_EVENTS = {"approved": "approved", "canceled": "cancelled", "rejected": "rejected"}
ORDER_EVENTS = {"processing": "paid", "completed": "completed", "refunded": "refunded"}


def people_of(delivery: Delivery) -> list[str]:
    """The (lower-case) emails of the people a delivery is about."""
    body = delivery.body
    found: list[Any] = []
    if delivery.provider == "forms":
        found = [body["fields"].get("email")]
    elif delivery.provider == "typeform":
        answers = body["form_response"]["answers"]
        found = [a.get("email") for a in answers if a["type"] == "email"]
    elif delivery.provider == "amelia":
        reservation = next(iter(body.values()))
        found = [booking["customer"]["email"] for booking in reservation["bookings"]]
    elif delivery.provider == "woocommerce":
        found = [body["billing"]["email"]]
    elif delivery.provider == "beehiiv":
        found = [body["data"].get("email")]
    elif delivery.provider == "circle":
        data = body["data"]
        found = [data.get("email") or data.get("community_member", {}).get("email")]
    return [email.lower() for email in found if isinstance(email, str) and "@" in email]


def _amelia_product(kind: str, reservation: dict[str, Any]) -> str:
    if kind == "event":
        return f"amelia:event:{reservation['id']}"
    return f"amelia:service:{reservation['serviceId']}"


def _rating(body: dict[str, Any]) -> float | None:
    for answer in body["form_response"]["answers"]:
        if answer["field"]["type"] == "opinion_scale":
            return float(answer["number"])
    return None


# -- the month ---------------------------------------------------------------------------------


@dataclass
class _Month:
    """Builds the events person by person, then orders them as they would arrive."""

    rng: Random
    start: datetime
    events: list[_Timed] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    next_id: Counter[str] = field(default_factory=Counter)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=MONTH_DAYS)

    def token(self, prefix: str, length: int) -> str:
        """A new random id, never handed out before in this month."""
        while True:
            value = prefix + "".join(self.rng.choices(_ALNUM, k=length))
            if value not in self.used:
                self.used.add(value)
                return value

    def number(self, kind: str, first: int) -> int:
        self.next_id[kind] += 1
        return first + self.next_id[kind]

    def later(self, at: datetime, low_minutes: float, high_minutes: float) -> datetime:
        return at + timedelta(seconds=round(self.rng.uniform(low_minutes, high_minutes) * 60))

    def emit(self, at: datetime, provider: str, event_type: str, body: dict[str, Any]) -> None:
        if at < self.end:
            delivery = Delivery(provider, event_type, copy.deepcopy(body))
            self.events.append(_Timed(at, len(self.events), delivery))

    def written(self, person: _Person) -> str:
        """The address as the person typed it this time."""
        if self.rng.random() < 0.15:
            local, domain = person.email.split("@")
            return f"{local.title()}@{domain.title()}"
        return person.email

    # -- people ------------------------------------------------------------------------------

    def person(self, number: int) -> None:
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        email = f"{first.lower()}.{last.lower()}.{number}@example.com"
        person = _Person(number, first, last, email.replace("é", "e").replace("è", "e"))
        arrived = self.later(self.start, 0, 26 * 24 * 60)
        roll = self.rng.random
        if roll() < 0.30:
            self.form(person, arrived)
            if roll() < 0.10:
                self.form(person, self.later(arrived, 60, 10 * 24 * 60))
        if roll() < 0.20:
            self.typeform(person, self.later(arrived, -3 * 24 * 60, 3 * 24 * 60))
        if roll() < 0.45:
            self.subscription(person, self.later(arrived, -24 * 60, 5 * 24 * 60))
        if roll() < 0.18:
            for index in range(2 if roll() < 0.2 else 1):
                self.booking(person, self.later(arrived, index * 3 * 24 * 60, 6 * 24 * 60))
        if roll() < 0.18:
            for index in range(2 if roll() < 0.25 else 1):
                self.order(person, self.later(arrived, index * 4 * 24 * 60, 5 * 24 * 60))
        if roll() < 0.30:
            self.member(person, self.later(arrived, 0, 4 * 24 * 60))

    # -- forms ---------------------------------------------------------------------------------

    def form(self, person: _Person, at: datetime) -> None:
        form, business = self.rng.choice(FORMS)
        fields: dict[str, Any] = {"name": person.name, "message": "Hello!"}
        if self.rng.random() >= 0.02:  # a few submissions come without an email
            fields["email"] = self.written(person)
        if self.rng.random() < 0.4:
            fields["phone"] = f"+336{self.rng.randint(10_000_000, 99_999_999)}"
        if self.rng.random() < 0.3:
            fields["tags"] = self.rng.choice(("yoga", "retreat, spring", "painting"))
        if business:
            fields["business"] = business
        body = {"form": form, "submission_id": self.token("sub_", 12), "fields": fields}
        self.emit(at, "forms", "form.submitted", body)

    def typeform(self, person: _Person, at: datetime) -> None:
        answers: list[dict[str, Any]] = [
            {
                "type": "text",
                "text": person.name,
                "field": {"id": "nm01", "type": "short_text", "ref": "name"},
            },
            {
                "type": "email",
                "email": self.written(person),
                "field": {"id": "em01", "type": "email", "ref": "email"},
            },
        ]
        if self.rng.random() < 0.7:
            answers.append(
                {
                    "type": "number",
                    "number": self.rng.randint(4, 10),
                    "field": {"id": "sc01", "type": "opinion_scale", "ref": "how_likely"},
                }
            )
        landed = at - timedelta(minutes=3)
        body = {
            "event_id": self.token("01j", 23).upper(),
            "event_type": "form_response",
            "form_response": {
                "form_id": TYPEFORM_ID,
                "token": self.token("", 32),
                "landed_at": _iso(landed),
                "submitted_at": _iso(at),
                "hidden": {"utm_source": self.rng.choice(("instagram", "newsletter", "site"))},
                "definition": {"id": TYPEFORM_ID, "title": TYPEFORM_TITLE, "fields": []},
                "answers": answers,
            },
        }
        self.emit(at, "typeform", "form_response", body)

    # -- Beehiiv -------------------------------------------------------------------------------

    def subscription(self, person: _Person, at: datetime) -> None:
        data = {
            "created": int(at.timestamp()),
            "email": self.written(person),
            "id": self.token("sub_", 24),
            "referral_code": self.token("", 8).upper(),
            "referring_site": "https://www.example.com",
            "status": "active",
            "subscription_tier": "free",
            "subscription_premium_tier_names": [],
            "utm_source": self.rng.choice(("site", "instagram", "friend")),
        }
        self.beehiiv(at, "subscription.created", data)
        if self.rng.random() < 0.08:
            gone = self.later(at, 60, 20 * 24 * 60)
            self.beehiiv(gone, "subscription.deleted", {**data, "status": "inactive"})

    def newsletter_posts(self) -> None:
        for week in range(5):
            at = self.start + timedelta(days=3 + 7 * week, hours=8)
            slug = f"letter-{week + 1}"
            data = {
                "audience": "free",
                "authors": ["The Network"],
                "content_tags": ["wellness"],
                "created": int((at - timedelta(days=1)).timestamp()),
                "id": f"post_{self.token('', 8)}-{self.token('', 4)}-{self.token('', 12)}",
                "publish_date": int(at.timestamp()),
                "slug": slug,
                "status": "confirmed",
                "subject_line": f"The weekly letter #{week + 1}",
                "title": f"Weekly letter {week + 1}",
                "web_url": f"https://letter.example.com/p/{slug}",
                "platform": "both",
            }
            self.beehiiv(at + timedelta(seconds=5), "post.sent", data)

    def beehiiv(self, at: datetime, kind: str, data: dict[str, Any]) -> None:
        body = {
            "data": data,
            "event_timestamp": int(at.timestamp()),
            "event_type": kind,
            "uid": f"evt_{self.token('', 8)}-{self.token('', 4)}-{self.token('', 12)}",
        }
        self.emit(at, "beehiiv", kind, body)

    # -- Amelia --------------------------------------------------------------------------------

    def booking(self, person: _Person, at: datetime) -> None:
        retreat = self.rng.random() < 0.4
        booking_id = self.number("booking", 5000)
        customer = {
            "id": 100 + person.number,
            "firstName": person.first,
            "lastName": person.last,
            "email": self.written(person),
            "phone": "",
            "type": "customer",
        }
        booking: dict[str, Any] = {
            "id": booking_id,
            "customerId": customer["id"],
            "customer": customer,
            "status": "pending",
            "persons": 1,
        }
        if retreat:
            number, name, price = self.rng.choice(RETREATS)
            starts = self.start + timedelta(days=40 + 20 * (number - 7), hours=9)
            reservation: dict[str, Any] = {
                "id": number,
                "name": name,
                "price": price,
                "status": "approved",
                "periods": [
                    {
                        "id": number * 10,
                        "periodStart": _local(starts),
                        "periodEnd": _local(starts + timedelta(days=2, hours=8)),
                    }
                ],
                "bookings": [booking],
                "type": "event",
            }
            kind = "event"
        else:
            number, name, price = self.rng.choice(SERVICES)
            starts = _on_the_hour(self.later(at, 24 * 60, 12 * 24 * 60))
            reservation = {
                "id": self.number("appointment", 900),
                "bookings": [booking],
                "status": "pending",
                "serviceId": number,
                "providerId": 1,
                "service": {"id": number, "name": name, "duration": 3600, "price": price},
                "bookingStart": _local(starts),
                "bookingEnd": _local(starts + timedelta(hours=1)),
                "type": "appointment",
            }
            kind = "appointment"
        roll = self.rng.random
        status = "approved" if roll() < 0.3 else "pending"
        self.amelia(at, "bookingAdded", kind, reservation, status)
        moment = at
        if status == "pending" and roll() < 0.92:
            moment = self.later(moment, 30, 2 * 24 * 60)
            status = "rejected" if roll() < 0.06 else "approved"
            self.amelia(moment, "bookingStatusUpdated", kind, reservation, status)
        if status == "rejected":
            return
        if kind == "appointment" and roll() < 0.15:
            for _ in range(2 if roll() < 0.2 else 1):
                moment = self.later(moment, 60, 3 * 24 * 60)
                moved = _on_the_hour(self.later(moment, 24 * 60, 10 * 24 * 60))
                reservation["bookingStart"] = _local(moved)
                reservation["bookingEnd"] = _local(moved + timedelta(hours=1))
                self.amelia(moment, "bookingRescheduled", kind, reservation, status)
        if roll() < 0.10:
            self.amelia(
                self.later(moment, 60, 5 * 24 * 60),
                "bookingCanceled",
                kind,
                reservation,
                "canceled",
            )

    def amelia(
        self, at: datetime, action: str, kind: str, reservation: dict[str, Any], status: str
    ) -> None:
        reservation["bookings"][0]["status"] = status
        if kind == "appointment":
            reservation["status"] = status
        self.emit(at, "amelia", action, {kind: reservation})

    # -- WooCommerce ---------------------------------------------------------------------------

    def order(self, person: _Person, at: datetime) -> None:
        order_id = self.number("order", 1000)
        items: list[dict[str, Any]] = []
        for index, (product, name, price) in enumerate(
            self.rng.sample(ARTWORKS, 2 if self.rng.random() < 0.2 else 1)
        ):
            quantity = 2 if self.rng.random() < 0.1 else 1
            items.append(
                {
                    "id": order_id * 10 + index,
                    "name": name,
                    "product_id": product,
                    "variation_id": 0,
                    "quantity": quantity,
                    "price": price,
                    "total": f"{price * quantity:.2f}",
                    "sku": f"ART-{product}",
                }
            )
        total = sum(item["price"] * item["quantity"] for item in items)
        order: dict[str, Any] = {
            "id": order_id,
            "number": str(order_id),
            "status": "pending",
            "currency": "EUR",
            "total": f"{total:.2f}",
            "customer_id": 100 + person.number,
            "billing": {
                "first_name": person.first,
                "last_name": person.last,
                "email": self.written(person),
                "phone": "",
                "country": "FR",
            },
            "payment_method": "stripe",
            "date_created_gmt": _local(at).replace(" ", "T"),
            "date_paid_gmt": None,
            "date_completed_gmt": None,
            "line_items": items,
        }
        roll = self.rng.random
        paid_at_once = roll() < 0.5
        self.woocommerce(at, "order.created", order, "processing" if paid_at_once else "pending")
        moment = at
        if not paid_at_once:
            if roll() < 0.06:
                return  # never paid
            moment = self.later(moment, 1, 20)
            self.woocommerce(moment, "order.updated", order, "processing")
        refund = roll() < 0.06
        if roll() < 0.75:
            moment = self.later(moment, 24 * 60, 6 * 24 * 60)
            self.woocommerce(moment, "order.updated", order, "completed")
        if refund:
            self.woocommerce(
                self.later(moment, 60, 7 * 24 * 60), "order.updated", order, "refunded"
            )

    def woocommerce(self, at: datetime, topic: str, order: dict[str, Any], status: str) -> None:
        order["status"] = status
        order["date_modified_gmt"] = _local(at).replace(" ", "T")
        if status == "processing":
            order["date_paid_gmt"] = order["date_modified_gmt"]
        if status == "completed":
            order["date_completed_gmt"] = order["date_modified_gmt"]
        self.emit(at, "woocommerce", topic, order)

    # -- Circle --------------------------------------------------------------------------------

    def member(self, person: _Person, at: datetime) -> None:
        member_id = self.number("member", 7000)
        profile = {
            "id": member_id,
            "email": self.written(person),
            "name": person.name,
            "first_name": person.first,
            "last_name": person.last,
            "community_id": 4242,
        }
        self.circle(at, CIRCLE_JOINED, profile)
        # Most members do a little, a few a lot, spread over the rest of the month.
        count = min(int(self.rng.paretovariate(1.4) * 4) - 2, 80)
        left = (self.end - at).total_seconds() / 60
        times = sorted(self.later(at, 5, left) for _ in range(count))
        kinds = [kind for kind, _ in ACTIVITIES]
        weights = [weight for _, weight in ACTIVITIES]
        for moment in times:
            member = {"id": member_id, "email": self.written(person), "name": person.name}
            activity = {
                "id": self.number("activity", 30_000),
                "community_member": member,
                "space": {"id": 11, "name": "General"},
            }
            self.circle(moment, self.rng.choices(kinds, weights=weights)[0], activity)
        moment = times[-1] if times else at
        if self.rng.random() < 0.04:
            self.circle(self.later(moment, 60, 5 * 24 * 60), CIRCLE_LEFT, profile)

    def circle(self, at: datetime, kind: str, data: dict[str, Any]) -> None:
        body = {"id": self.token("evt_", 12), "type": kind, "created_at": _iso(at), "data": data}
        self.emit(at, "circle", kind, body)

    # -- arrival -------------------------------------------------------------------------------

    def arrivals(self) -> list[Delivery]:
        """Time order, then ~10% moved a few places, then ~8% sent again a little later."""
        events = sorted(self.events, key=lambda e: (e.at, e.seq))
        order = list(range(len(events)))
        for index in range(len(events)):
            if self.rng.random() < 0.10:
                position = order.index(index)
                shift = self.rng.choice((-5, -4, -3, -2, -1, 1, 2, 3, 4, 5))
                order.pop(position)
                order.insert(max(0, min(len(order), position + shift)), index)
        arrival: list[tuple[int, bool]] = [(index, False) for index in order]
        resent = [p for p in range(len(arrival)) if self.rng.random() < 0.08]
        for position in reversed(resent):
            later = min(len(arrival), position + 1 + self.rng.randint(1, 40))
            arrival.insert(later, (arrival[position][0], True))
        return [
            Delivery(
                events[i].delivery.provider,
                events[i].delivery.event_type,
                copy.deepcopy(events[i].delivery.body),
                again,
            )
            for i, again in arrival
        ]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _local(moment: datetime) -> str:
    """Amelia's and WooCommerce's "YYYY-MM-DD HH:MM:SS"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _on_the_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)
