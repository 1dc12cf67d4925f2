"""Typeform: ``Typeform-Signature`` = ``sha256=`` + base64 HMAC-SHA256 of the raw body.

Body: ``{"event_id", "event_type": "form_response", "form_response": {form_id, token,
submitted_at, answers, …}}``. The response token identifies a submission (the idempotency key);
the entity is the first email answer, else the form.
"""

from __future__ import annotations

from typing import Any

from notionhub.errors import PayloadRejected
from notionhub.ingest.body_signature import verify_body_hmac
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.provider import Provider, json_object, parse_time, required


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
        token = response.get("token") or data.get("event_id")
        if not isinstance(token, str) or not token:
            raise PayloadRejected("The body has no form_response.token nor event_id.")
        event_type = data.get("event_type") or "form_response"
        return self.event(
            type=str(event_type),
            idempotency_key=f"typeform:{token}",
            entity_key=_entity(response),
            occurred_at=parse_time(
                required(data, "form_response", "submitted_at"), "form_response.submitted_at"
            ),
            data=data,
        )


def _entity(response: dict[str, Any]) -> str | None:
    answers = response.get("answers")
    for answer in answers if isinstance(answers, list) else []:
        email = answer.get("email") if isinstance(answer, dict) else None
        if isinstance(email, str) and "@" in email:
            return f"email:{email.strip().lower()}"
    form = response.get("form_id")
    return f"typeform-form:{form}" if isinstance(form, str) and form else None


PROVIDER = TypeformProvider()
