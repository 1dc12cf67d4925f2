"""Stripe: ``Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]``, verified by Stripe's own library.

The signed string is ``{t}.{body}`` (HMAC-SHA256 keyed by the endpoint's ``whsec_`` secret);
any of several ``v1`` entries may match (while a secret is rolled), and ``t`` may be at most
five minutes from the time the hub received the request. The library compares signatures only;
the age is checked here against ``received_at`` (the hub's clock), since the library would read
the wall clock itself. The event id (``evt_…``) is the idempotency key, since Stripe redelivers an
event with the same id; the customer's email, else the Stripe customer id, is the entity.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import stripe

from notionhub.errors import PayloadRejected, SignatureRejected
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.payload_fields import dig, first_email, first_text
from notionhub.ingest.provider import (
    Provider,
    check_timestamp,
    json_object,
    parse_time,
    require_header,
    required,
)

HEADER = "Stripe-Signature"
_MALFORMED = f"{HEADER} is malformed: expected 't=<unix seconds>,v1=<hex signature>'."
# Where a Stripe object names its customer's email, by object type: a Checkout Session, a
# PaymentIntent, a Charge's billing details, an Invoice, a Customer, an expanded customer.
_EMAIL_PATHS = (
    ("customer_details", "email"),
    ("receipt_email",),
    ("billing_details", "email"),
    ("customer_email",),
    ("email",),
    ("customer", "email"),
)


class StripeProvider(Provider):
    name = "stripe"
    secret_env = "STRIPE_WEBHOOK_SECRET"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        header = require_header(request, HEADER)
        if not header.isascii():  # Stripe's compare raises TypeError on non-ASCII text
            raise SignatureRejected(_MALFORMED)
        try:
            body = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise SignatureRejected("The body is not UTF-8 text: Stripe did not send it.") from None
        try:
            # No tolerance: the library then only parses the header and compares signatures.
            stripe.WebhookSignature.verify_header(body, header, secret, tolerance=None)
        except stripe.SignatureVerificationError as error:
            raise SignatureRejected(self._explain(error)) from None
        self._check_age(_timestamp(header), request.received_at)

    def _check_age(self, stamp: str, received_at: datetime) -> None:
        """Refuse a ``t`` more than the tolerance away from when the hub received the request."""
        try:
            check_timestamp(stamp, received_at, self.tolerance_s, header=f"{HEADER}'s timestamp")
        except SignatureRejected:
            if 0 <= int(stamp) < received_at.timestamp():  # the usual case, said plainly
                raise SignatureRejected(
                    f"{HEADER}'s timestamp is more than {self.tolerance_s} s old: a replay, or"
                    " the hub's clock is wrong."
                ) from None
            raise

    def _explain(self, error: stripe.SignatureVerificationError) -> str:
        """The library's reason in words a person can act on (its text, never the secret)."""
        reason = str(error.user_message or "")
        if "matching" in reason:
            return (
                f"{HEADER} matches no signature of this body with {self.secret_env}: the"
                " secret is another endpoint's, or the body was changed on the way."
            )
        if "secret" in reason:
            return f"{self.secret_env} is blank."
        return _MALFORMED

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        event_id = required(data, "id")
        event_type = required(data, "type")
        if not isinstance(event_id, str) or not isinstance(event_type, str):
            raise PayloadRejected("The event's id and type should be strings.")
        return self.event(
            type=event_type,
            idempotency_key=f"stripe:{event_id}",
            entity_key=_entity(dig(data, ("data", "object"))),
            occurred_at=parse_time(required(data, "created"), "created"),
            data=data,
        )


def _timestamp(header: str) -> str:
    """The ``t`` of a header the library has accepted, read as the library reads it."""
    items = [item.split("=", 2) for item in header.split(",")]
    return next(item[1] for item in items if item[0] == "t")


def _entity(obj: Any) -> str | None:
    """``email:<address>`` when the object names one, else ``stripe-customer:<cus_…>``."""
    email = first_email(obj, _EMAIL_PATHS)
    if email is not None:
        return email
    customer = first_text(obj, (("customer",), ("customer", "id")))  # an id, or expanded
    return f"stripe-customer:{customer}" if customer else None


PROVIDER = StripeProvider()
