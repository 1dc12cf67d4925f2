"""A coaching business's month of webhooks: Cal.com bookings, Zoom attendance, Stripe payments.

``generate_month(seed, clients)`` returns the deliveries in the order they arrive, the way the
three providers send them (bodies shaped like ``tests/ingest/payloads/{calcom,zoom,stripe}``):

- Cal.com: every client books 1–6 sessions (the first a discovery call for ~30% of clients);
  ~15% of bookings are rescheduled (a few twice, each reschedule a new uid naming the previous
  one), ~10% cancelled, and each session held before the month's end gets ``MEETING_ENDED``;
- Zoom: for each held session, the coach's and the client's ``participant_joined`` and
  ``participant_left`` (~8% of clients do not show up, a few join for under five minutes), then
  ``meeting.ended``;
- Stripe: ~70% of clients pay once or twice by Checkout; ~3% of payments are SEPA debits that
  fail (``completed`` unpaid, then ``async_payment_failed``), ~5% are refunded later.

Arrival is by event time, then ~10% of deliveries move a few places (a cancellation or payment
can come before its booking) and ~8% are sent again later, with the same body, as providers
redeliver. Only ``random.Random(seed)`` is used: the same arguments give the same month.
"""

from __future__ import annotations

import copy
import string
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

MONTH_START = datetime(2026, 11, 1, tzinfo=UTC)
MONTH_DAYS = 30
# (name, price in EUR, sessions included): the Packages database's rows.
PACKAGES: list[tuple[str, float, int]] = [
    ("Single session", 150.0, 1),
    ("Clarity 5-pack", 450.0, 5),
    ("Transformation 12-pack", 1200.0, 12),
]
PACKAGE_WEIGHTS = (0.35, 0.45, 0.20)

COACH_NAME = "Coach Camille"
COACH_EMAIL = "coach@example.com"
HOST_ID = "x1yCzABCDEfg23HiJKl4mN"
ZOOM_ACCOUNT = "AAAAAABBBBcccc"
STRIPE_API_VERSION = "2025-09-30.clover"
ORGANIZER: dict[str, Any] = {
    "id": 5,
    "name": COACH_NAME,
    "email": COACH_EMAIL,
    "username": "camille",
    "timeZone": "Europe/Paris",
    "language": {"locale": "fr"},
    "timeFormat": "h:mma",
    "utcOffset": 60,
}
TIME_ZONES = (("Europe/Paris", 60), ("Europe/London", 0), ("Europe/Berlin", 60))
# event type slug → (title, minutes, Cal.com event type id)
EVENT_TYPES = {
    "discovery-call": ("Discovery call", 30, 42),
    "coaching-session": ("Session", 60, 43),
}
_ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Delivery:
    """One webhook POST: which provider sends it, its JSON body, and whether it is a resend."""

    provider: str  # "calcom", "zoom" or "stripe"
    body: dict[str, Any]
    redelivery: bool = False

    @property
    def event_type(self) -> str:
        """The provider's name for the event: ``BOOKING_CREATED``, ``meeting.ended``, …"""
        key = {"calcom": "triggerEvent", "zoom": "event"}.get(self.provider, "type")
        return str(self.body[key])


@dataclass(frozen=True)
class _Client:
    number: int
    email: str
    name: str
    time_zone: str
    utc_offset: int


@dataclass(frozen=True)
class _Booking:
    """One Cal.com booking (a reschedule makes a new one)."""

    kind: str  # event type slug
    uid: str
    booking_id: int
    meeting_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class _Timed:
    at: datetime
    seq: int
    provider: str
    body: dict[str, Any]


def generate_month(
    seed: int = 7, clients: int = 200, start: datetime = MONTH_START
) -> list[Delivery]:
    """The month's deliveries for ``clients`` clients, in arrival order."""
    month = _Month(Random(seed), start)
    for number in range(clients):
        month.client(number)
    return month.arrivals()


@dataclass(frozen=True)
class ExpectedRows:
    """What a correct integration holds in Notion once the month is applied."""

    appointments: int  # Sessions rows: one per booking created, whatever its reschedules
    cancelled: int  # of which cancelled (their latest booking was)
    completed: int  # of which held, the client in the meeting for 5 minutes or more
    no_shows: int  # of which held without the client (or for under 5 minutes)
    checkouts: int  # Invoices rows: one per Checkout Session, paid or not
    refunded: int  # of which refunded
    failed: int  # of which failed (SEPA debits that bounced)


def expected_rows(deliveries: Iterable[Delivery], present_minutes: float = 5.0) -> ExpectedRows:
    """The rows the month's distinct events make, whatever order they came in."""
    seen: dict[str, set[str]] = {}  # event type → ids of what it is about
    following: dict[str, str] = {}  # uid → the uid it was rescheduled to
    meeting_of: dict[str, str] = {}  # uid → its Zoom meeting id
    stays: dict[tuple[str, str], dict[str, datetime]] = {}  # (meeting, participant) → moves
    for delivery in (d for d in deliveries if not d.redelivery):
        kind, body = delivery.event_type, delivery.body
        if delivery.provider == "calcom":
            payload = body["payload"]
            seen.setdefault(kind, set()).add(payload["uid"])
            url = payload.get("metadata", {}).get("videoCallUrl")
            if url:  # a cancellation does not repeat it
                meeting_of[payload["uid"]] = url.rsplit("/", 1)[-1]
            if kind == "BOOKING_RESCHEDULED":
                following[payload["rescheduleUid"]] = payload["uid"]
        elif delivery.provider == "stripe":
            seen.setdefault(kind, set()).add(body["data"]["object"]["id"])
        else:
            meeting = body["payload"]["object"]
            seen.setdefault(kind, set()).add(meeting["id"])
            who = meeting.get("participant", {})
            if who.get("email") in (None, COACH_EMAIL):
                continue
            at = datetime.fromisoformat(
                who.get("join_time", who.get("leave_time", "")).replace("Z", "+00:00")
            )
            stays.setdefault((meeting["id"], who["participant_uuid"]), {})[kind] = at
    minutes: dict[str, float] = {}  # meeting id → the client's minutes in it
    for (meeting_id, _), moves in stays.items():
        if len(moves) == 2:  # joined and left (the generator has one stay per participant)
            stay = moves["meeting.participant_left"] - moves["meeting.participant_joined"]
            minutes[meeting_id] = minutes.get(meeting_id, 0.0) + stay.total_seconds() / 60
    status: Counter[str] = Counter()
    for root in seen.get("BOOKING_CREATED", set()):
        uid = root
        while uid in following:
            uid = following[uid]
        if uid in seen.get("BOOKING_CANCELLED", set()):
            status["cancelled"] += 1
        elif uid in seen.get("MEETING_ENDED", set()) or meeting_of.get(uid) in seen.get(
            "meeting.ended", set()
        ):
            held = minutes.get(meeting_of.get(uid, ""), 0.0) >= present_minutes
            status["completed" if held else "no_shows"] += 1
    checkouts = seen.get("checkout.session.completed", set()) | seen.get(
        "checkout.session.async_payment_failed", set()
    )
    return ExpectedRows(
        appointments=len(seen.get("BOOKING_CREATED", ())),
        cancelled=status["cancelled"],
        completed=status["completed"],
        no_shows=status["no_shows"],
        checkouts=len(checkouts),
        refunded=len(seen.get("charge.refunded", ())),
        failed=len(seen.get("checkout.session.async_payment_failed", ())),
    )


class _Month:
    """Builds the events client by client, then orders them as they would arrive."""

    def __init__(self, rng: Random, start: datetime) -> None:
        self.rng = rng
        self.start = start
        self.end = start + timedelta(days=MONTH_DAYS)
        self.events: list[_Timed] = []
        self.used: set[str] = set()
        self.next_booking_id = 10_000

    # -- ids and times -------------------------------------------------------------------------

    def token(self, prefix: str, length: int, alphabet: str = _ALNUM) -> str:
        """A new random id, never handed out before in this month."""
        while True:
            value = prefix + "".join(self.rng.choices(alphabet, k=length))
            if value not in self.used:
                self.used.add(value)
                return value

    def minutes(self, low: float, high: float) -> timedelta:
        return timedelta(seconds=round(self.rng.uniform(low * 60, high * 60), 3))

    def slot(self, after: datetime, min_days: int, max_days: int) -> datetime:
        """A working-hours start time (UTC, on the hour or half hour) some days after ``after``."""
        day = (after + timedelta(days=self.rng.randint(min_days, max_days))).date()
        hour, minute = self.rng.randint(8, 17), self.rng.choice((0, 30))
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)

    def soon_or_between(self, after: datetime, before: datetime) -> datetime:
        """A moment after ``after``: often minutes later, otherwise any time until ``before``."""
        if self.rng.random() < 0.25 or before <= after + timedelta(minutes=30):
            return after + self.minutes(2, 30)
        return after + timedelta(
            seconds=round(self.rng.uniform(0, (before - after).total_seconds()), 3)
        )

    def emit(self, at: datetime, provider: str, body: dict[str, Any]) -> None:
        if at < self.end:
            self.events.append(_Timed(at, len(self.events), provider, body))

    # -- clients and their bookings --------------------------------------------------------------

    def client(self, number: int) -> None:
        zone, offset = self.rng.choice(TIME_ZONES)
        client = _Client(
            number, f"client{number:03d}@example.com", f"Client {number:03d}", zone, offset
        )
        discovery = self.rng.random() < 0.30
        created = first_created = self.start + self.minutes(0, 18 * 24 * 60)
        session_start = self.slot(created, 1, 6)
        first_end = session_start
        for index in range(self.rng.randint(1, 6)):
            kind = "discovery-call" if index == 0 and discovery else "coaching-session"
            booking = self.appointment(client, kind, created, session_start)
            if index == 0:
                first_end = booking.end
            # Clients book the next session soon after the last one, or several at once.
            created += self.minutes(5, 3 * 24 * 60)
            if created >= self.end - timedelta(hours=1):
                break
            session_start = self.slot(max(session_start, created), 5, 9)
        if self.rng.random() < 0.70:
            # After the discovery call, or around the first booking (sometimes just before it).
            paid_at = (
                first_end + self.minutes(10, 2 * 24 * 60)
                if discovery
                else first_created + self.minutes(-20, 120)
            )
            self.payments(client, paid_at)

    def appointment(
        self, client: _Client, kind: str, created: datetime, start: datetime
    ) -> _Booking:
        """A booking and what becomes of it; the booking the appointment ends as."""
        booking = self.new_booking(kind, start)
        self.emit(created, "calcom", self.calcom("BOOKING_CREATED", created, client, booking))
        moment = created
        reschedules = 0
        if self.rng.random() < 0.15:
            reschedules = 2 if self.rng.random() < 0.2 else 1
        for _ in range(reschedules):
            moment = self.soon_or_between(moment, booking.start - timedelta(hours=1))
            moved = self.new_booking(kind, self.slot(booking.start, 1, 4))
            body = self.calcom("BOOKING_RESCHEDULED", moment, client, moved)
            body["payload"].update(
                {
                    "rescheduleUid": booking.uid,
                    "rescheduleId": booking.booking_id,
                    "rescheduleStartTime": _iso(booking.start),
                    "rescheduleEndTime": _iso(booking.end),
                    "rescheduledBy": client.email,
                }
            )
            self.emit(moment, "calcom", body)
            booking = moved
        if self.rng.random() < 0.10:
            moment = self.soon_or_between(moment, booking.start - timedelta(minutes=30))
            reason = self.rng.choice(("Something came up", "Feeling unwell", "Travelling", ""))
            self.emit(moment, "calcom", self.cancellation(moment, client, booking, reason))
        elif booking.end < self.end:
            self.meeting(client, booking)
        return booking

    def new_booking(self, kind: str, start: datetime) -> _Booking:
        self.next_booking_id += 1
        meeting_id = self.token("", 11, string.digits)
        while meeting_id.startswith("0"):
            meeting_id = self.token("", 11, string.digits)
        length = EVENT_TYPES[kind][1]
        return _Booking(
            kind,
            self.token("", 22),
            self.next_booking_id,
            meeting_id,
            start,
            start + timedelta(minutes=length),
        )

    def calcom(
        self, trigger: str, at: datetime, client: _Client, booking: _Booking
    ) -> dict[str, Any]:
        title, length, type_id = EVENT_TYPES[booking.kind]
        attendee = {
            "email": client.email,
            "name": client.name,
            "firstName": "",
            "lastName": "",
            "timeZone": client.time_zone,
            "language": {"locale": "en"},
            "utcOffset": client.utc_offset,
        }
        payload: dict[str, Any] = {
            "type": booking.kind,
            "title": f"{title} between {COACH_NAME} and {client.name}",
            "description": "",
            "startTime": _iso(booking.start),
            "endTime": _iso(booking.end),
            "organizer": copy.deepcopy(ORGANIZER),
            "responses": {
                "name": {"label": "your_name", "value": client.name},
                "email": {"label": "email_address", "value": client.email},
            },
            "attendees": [attendee],
            "location": "integrations:zoom",
            "eventTypeId": type_id,
            "uid": booking.uid,
            "eventTitle": title,
            "length": length,
            "bookingId": booking.booking_id,
            "price": 0,
            "currency": "eur",
            "metadata": {"videoCallUrl": f"https://us02web.zoom.us/j/{booking.meeting_id}"},
            "status": "ACCEPTED",
        }
        return {"triggerEvent": trigger, "createdAt": _iso_ms(at), "payload": payload}

    def cancellation(
        self, at: datetime, client: _Client, booking: _Booking, reason: str
    ) -> dict[str, Any]:
        body = self.calcom("BOOKING_CANCELLED", at, client, booking)
        payload = body["payload"]
        for field in ("responses", "metadata", "price", "currency"):
            del payload[field]
        payload.update(
            {"cancellationReason": reason, "cancelledBy": client.email, "status": "CANCELLED"}
        )
        return body

    # -- Zoom ------------------------------------------------------------------------------------

    def meeting(self, client: _Client, booking: _Booking) -> None:
        """The Zoom events of a held session, then Cal.com's MEETING_ENDED."""
        uuid = self.token("", 22) + "=="
        host_in = booking.start + self.minutes(-3, 1)
        no_show = self.rng.random() < 0.08
        attended: tuple[datetime, datetime] | None = None
        if not no_show:
            joined = booking.start + self.minutes(0, 6)
            attended = (joined, booking.end + self.minutes(-5, 8))
        elif self.rng.random() < 0.3:  # joins, then leaves within five minutes
            joined = booking.start + self.minutes(0, 10)
            attended = (joined, joined + self.minutes(1, 4.5))
        # The coach waits a while for a client who does not come (or leaves at once).
        last = attended[1] if attended else booking.start
        if no_show:
            last = max(last, host_in + self.minutes(10, 20))
        host_out = last + self.minutes(0.5, 3)
        meeting = {
            "id": booking.meeting_id,
            "uuid": uuid,
            "host_id": HOST_ID,
            "topic": f"{EVENT_TYPES[booking.kind][0]} — {client.name}",
            "type": 2,
            "start_time": _iso(booking.start),
            "timezone": "Europe/Paris",
            "duration": EVENT_TYPES[booking.kind][1],
        }
        host = {
            "user_id": "16779264",
            "user_name": COACH_NAME,
            "id": HOST_ID,
            "participant_uuid": self.token("", 23),
            "email": COACH_EMAIL,
            "registrant_id": "",
            "participant_user_id": HOST_ID,
            "customer_key": "",
            "phone_number": "",
        }
        self.participant(meeting, host, host_in, host_out, "the host ended the meeting")
        if attended is not None:
            guest = {
                "user_id": self.token("", 8, string.digits),
                "user_name": client.name,
                "id": self.token("", 21),
                "participant_uuid": self.token("", 23),
                "email": client.email,
                "registrant_id": "",
                "participant_user_id": self.token("", 17),
                "customer_key": "",
                "phone_number": "",
            }
            self.participant(meeting, guest, *attended, "left the meeting")
        ended_at = host_out + self.minutes(0.05, 0.3)
        closed = {**meeting, "start_time": _iso(host_in), "end_time": _iso(host_out)}
        self.emit(
            ended_at,
            "zoom",
            {
                "event": "meeting.ended",
                "event_ts": _ms(ended_at),
                "payload": {
                    "account_id": ZOOM_ACCOUNT,
                    "operator": COACH_EMAIL,
                    "operator_id": HOST_ID,
                    "object": closed,
                },
            },
        )
        at = booking.end + self.minutes(0, 1.5)
        self.emit(at, "calcom", self.calcom("MEETING_ENDED", at, client, booking))

    def participant(
        self,
        meeting: dict[str, Any],
        who: dict[str, Any],
        joined: datetime,
        left: datetime,
        reason: str,
    ) -> None:
        for event, at, extra in (
            ("meeting.participant_joined", joined, {"join_time": _iso(joined)}),
            (
                "meeting.participant_left",
                left,
                {"leave_time": _iso(left), "leave_reason": f"{who['user_name']} {reason}"},
            ),
        ):
            body = {
                "event": event,
                "event_ts": _ms(at),
                "payload": {
                    "account_id": ZOOM_ACCOUNT,
                    "object": {**meeting, "participant": {**who, **extra}},
                },
            }
            self.emit(at, "zoom", copy.deepcopy(body))

    # -- Stripe ----------------------------------------------------------------------------------

    def payments(self, client: _Client, first_at: datetime) -> None:
        customer = self.token("cus_", 14)
        at = first_at
        for _ in range(2 if self.rng.random() < 0.3 else 1):
            package = self.rng.choices(PACKAGES, weights=PACKAGE_WEIGHTS)[0]
            if self.rng.random() < 0.03:  # a SEPA debit that bounces; some retry by card
                session = self.checkout(client, customer, package, at, paid=False)
                failed_at = at + self.minutes(24 * 60, 3 * 24 * 60)
                self.stripe("checkout.session.async_payment_failed", failed_at, session)
                if self.rng.random() >= 0.6:
                    at += self.minutes(7 * 24 * 60, 14 * 24 * 60)
                    continue
                at = failed_at + self.minutes(30, 6 * 60)
            session = self.checkout(client, customer, package, at, paid=True)
            if self.rng.random() < 0.05:
                self.refund(client, session, at + self.minutes(24 * 60, 10 * 24 * 60))
            at += self.minutes(5 * 24 * 60, 20 * 24 * 60)

    def checkout(
        self,
        client: _Client,
        customer: str,
        package: tuple[str, float, int],
        at: datetime,
        *,
        paid: bool,
    ) -> dict[str, Any]:
        amount = round(package[1] * 100)
        session: dict[str, Any] = {
            "id": self.token("cs_live_", 40),
            "object": "checkout.session",
            "amount_subtotal": amount,
            "amount_total": amount,
            "client_reference_id": None,
            "created": int((at - timedelta(minutes=2)).timestamp()),
            "currency": "eur",
            "customer": customer,
            "customer_details": {
                "email": client.email,
                "name": client.name,
                "phone": None,
                "tax_exempt": "none",
                "tax_ids": [],
            },
            "customer_email": None,
            "livemode": True,
            "metadata": {"package": package[0]},
            "mode": "payment",
            "payment_intent": self.token("pi_", 24),
            "payment_method_types": ["card"] if paid else ["sepa_debit"],
            "payment_status": "paid" if paid else "unpaid",
            "status": "complete",
            "subscription": None,
            "success_url": "https://coach.example.com/thanks",
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        }
        self.stripe("checkout.session.completed", at, session)
        return session

    def refund(self, client: _Client, session: dict[str, Any], at: datetime) -> None:
        amount = session["amount_total"]
        charge = {
            "id": self.token("ch_", 24),
            "object": "charge",
            "amount": amount,
            "amount_captured": amount,
            "amount_refunded": amount,
            "billing_details": {"email": None, "name": client.name, "phone": None},
            "captured": True,
            "created": session["created"],
            "currency": "eur",
            "customer": session["customer"],
            "livemode": True,
            "metadata": {},
            "paid": True,
            "payment_intent": session["payment_intent"],
            "receipt_email": client.email,
            "refunded": True,
            "status": "succeeded",
        }
        self.stripe("charge.refunded", at, charge, {"amount_refunded": 0, "refunded": False})

    def stripe(
        self,
        kind: str,
        at: datetime,
        obj: dict[str, Any],
        previous: dict[str, Any] | None = None,
    ) -> None:
        data: dict[str, Any] = {"object": copy.deepcopy(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        self.emit(
            at,
            "stripe",
            {
                "id": self.token("evt_", 24),
                "object": "event",
                "api_version": STRIPE_API_VERSION,
                "created": int(at.timestamp()),
                "data": data,
                "livemode": True,
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None},
                "type": kind,
            },
        )

    # -- arrival -----------------------------------------------------------------------------

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
            Delivery(events[i].provider, copy.deepcopy(events[i].body), again)
            for i, again in arrival
        ]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_ms(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
