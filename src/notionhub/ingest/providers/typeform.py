"""Typeform: ``Typeform-Signature`` = ``sha256=`` + base64 HMAC-SHA256 of the raw body.

Body: ``{"event_id", "event_type": "form_response", "form_response": {form_id, token,
submitted_at, answers, hidden, …}}``. The response token names one submission and a
redelivery repeats it: it is the idempotency key (``event_id`` when there is no token). The
entity is the first answer of type email, else a hidden field ``email``, else the form.
"""

from __future__ import annotations

from typing import Any

from notionhub.errors import PayloadRejected
from notionhub.ingest.body_signature import verify_body_hmac
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.payload_fields import first_email, first_text
from notionhub.ingest.provider import Provider, json_object, parse_time, required

SUBMITTED = "form_response"


class TypeformProvider(Provider):
    name = "typeform"
    secret_env = "TYPEFORM_WEBHOOK_SECRET"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_body_hmac(
            request, secret, header="Typeform-Signature", encoding="base64", prefix="sha256="
        )

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        response = data.get("form_response")
        if not isinstance(response, dict):
            raise PayloadRejected("The body has no form_response object.")
        token = first_text(response, (("token",),)) or first_text(data, (("event_id",),))
        if token is None:
            raise PayloadRejected("The body has neither form_response.token nor event_id.")
        event_type = data.get("event_type") or SUBMITTED
        if not isinstance(event_type, str):
            raise PayloadRejected("event_type should be a string such as 'form_response'.")
        # Another event type about the same response (a partial response) is another event.
        key = f"typeform:{token}" if event_type == SUBMITTED else f"typeform:{event_type}:{token}"
        submitted = required(data, "form_response", "submitted_at")
        return self.event(
            type=event_type,
            idempotency_key=key,
            entity_key=_entity(response),
            occurred_at=parse_time(submitted, "form_response.submitted_at"),
            data=data,
        )


def _entity(response: dict[str, Any]) -> str | None:
    answers = response.get("answers")
    for answer in answers if isinstance(answers, list) else []:
        if isinstance(answer, dict) and answer.get("type") == "email":
            email = first_email(answer, (("email",),))
            if email is not None:
                return email
    email = first_email(response, (("hidden", "email"),))
    form = first_text(response, (("form_id",),))
    return email or (f"typeform-form:{form}" if form else None)


PROVIDER = TypeformProvider()
