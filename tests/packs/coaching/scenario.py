"""Webhook deliveries of a coaching business, shaped like the providers' documented payloads.

Each builder starts from a stored example (``tests/ingest/payloads/``) and changes only what a
scenario needs, so the bodies keep every field the providers send.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from notionhub.ingest.event import Event
from notionhub.ingest.registry import ProviderRegistry
from notionhub.packs.coaching import PACK as COACHING
from tests.ingest.harness import load_payload, receive_event
from tests.ingest.signers import SECRETS, SIGNERS

COACH_HOST_ID = "x1yCzABCDEfg23HiJKl4mN"

# The providers a coaching hub takes deliveries from.
PROVIDERS = ProviderRegistry(COACHING.providers)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _template(provider: str, name: str) -> dict[str, Any]:
    return dict(json.loads(load_payload(provider, name)))


@dataclass(frozen=True)
class Delivery:
    provider: str
    body: bytes

    def event(self) -> Event:
        """What ingest makes of it: verified with the provider's scheme, then parsed."""
        request = SIGNERS[self.provider](self.body)
        return receive_event(PROVIDERS.get(self.provider), request, SECRETS[self.provider])


@dataclass
class Scenario:
    """Deliveries in the order they happened (the in-order reference)."""

    deliveries: list[Delivery] = field(default_factory=list)

    def _add(self, provider: str, data: dict[str, Any]) -> Delivery:
        delivery = Delivery(provider, json.dumps(data).encode())
        self.deliveries.append(delivery)
        return delivery

    # -- Cal.com ----------------------------------------------------------------------------

    def _booking(
        self,
        trigger: str,
        *,
        uid: str,
        email: str,
        name: str,
        start: datetime,
        at: datetime,
        minutes: int = 45,
        meeting_id: str = "81234567890",
        event_type: str = "coaching-session",
        extra: dict[str, Any] | None = None,
    ) -> Delivery:
        data = _template("calcom", "booking_created")
        payload = data["payload"]
        data["triggerEvent"] = trigger
        data["createdAt"] = at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        payload.update(
            uid=uid,
            type=event_type,
            title=f"{event_type.replace('-', ' ').capitalize()} between Coach Camille and {name}",
            startTime=_iso(start),
            endTime=_iso(start + timedelta(minutes=minutes)),
            length=minutes,
            metadata={"videoCallUrl": f"https://us02web.zoom.us/j/{meeting_id}?pwd=x"},
        )
        payload["attendees"][0].update(email=email, name=name)
        payload["responses"]["email"]["value"] = email
        payload["responses"]["name"]["value"] = name
        payload.update(extra or {})
        return self._add("calcom", data)

    def book(self, **values: Any) -> Delivery:
        return self._booking("BOOKING_CREATED", **values)

    def reschedule(self, *, previous_uid: str, previous_start: datetime, **values: Any) -> Delivery:
        extra = {
            "rescheduleUid": previous_uid,
            "rescheduleStartTime": _iso(previous_start),
            "rescheduleEndTime": _iso(previous_start + timedelta(minutes=45)),
        }
        return self._booking("BOOKING_RESCHEDULED", extra=extra, **values)

    def cancel(self, *, reason: str, **values: Any) -> Delivery:
        extra = {"cancellationReason": reason, "status": "CANCELLED"}
        return self._booking("BOOKING_CANCELLED", extra=extra, **values)

    def meeting_ended(self, **values: Any) -> Delivery:
        return self._booking("MEETING_ENDED", **values)

    # -- Zoom -------------------------------------------------------------------------------

    def _zoom(self, event: str, at: datetime, obj: dict[str, Any]) -> Delivery:
        data = _template("zoom", "meeting.participant_joined")
        data["event"] = event
        data["event_ts"] = int(at.timestamp() * 1000)
        data["payload"]["object"].update(obj)
        return self._add("zoom", data)

    def zoom_presence(
        self,
        event: str,
        *,
        meeting_id: str,
        meeting_uuid: str,
        start: datetime,
        at: datetime,
        email: str | None,
        name: str,
        participant: str,
        host: bool = False,
    ) -> Delivery:
        moment = "join_time" if event == "meeting.participant_joined" else "leave_time"
        person = {
            "user_id": participant,
            "user_name": name,
            "id": COACH_HOST_ID if host else participant,
            "participant_uuid": f"{participant}-{meeting_uuid}",
            moment: _iso(at),
            "email": email or "",
            "participant_user_id": COACH_HOST_ID if host else "",
        }
        obj = {
            "id": meeting_id,
            "uuid": meeting_uuid,
            "start_time": _iso(start),
            "participant": person,
        }
        return self._zoom(event, at, obj)

    def zoom_ended(
        self, *, meeting_id: str, meeting_uuid: str, start: datetime, end: datetime
    ) -> Delivery:
        data = _template("zoom", "meeting.ended")
        data["event_ts"] = int(end.timestamp() * 1000)
        data["payload"]["object"].update(
            id=meeting_id, uuid=meeting_uuid, start_time=_iso(start), end_time=_iso(end)
        )
        return self._add("zoom", data)

    # -- Stripe -----------------------------------------------------------------------------

    def checkout(
        self,
        *,
        event_id: str,
        session_id: str,
        payment_intent: str,
        email: str,
        name: str,
        cents: int,
        package: str,
        at: datetime,
        type: str = "checkout.session.completed",
        payment_status: str = "paid",
    ) -> Delivery:
        data = _template("stripe", "checkout.session.completed")
        data.update(id=event_id, created=int(at.timestamp()), type=type)
        session = data["data"]["object"]
        session.update(
            id=session_id,
            amount_total=cents,
            amount_subtotal=cents,
            payment_intent=payment_intent,
            metadata={"package": package},
            payment_status=payment_status,
            customer=f"cus_{email.split('@', maxsplit=1)[0]}",
        )
        session["customer_details"].update(email=email, name=name)
        return self._add("stripe", data)

    def refund(
        self, *, event_id: str, payment_intent: str, email: str, cents: int, at: datetime
    ) -> Delivery:
        data = _template("stripe", "charge.refunded")
        data.update(id=event_id, created=int(at.timestamp()))
        charge = data["data"]["object"]
        charge.update(
            payment_intent=payment_intent,
            amount=cents,
            amount_captured=cents,
            amount_refunded=cents,
            receipt_email=email,
        )
        return self._add("stripe", data)
