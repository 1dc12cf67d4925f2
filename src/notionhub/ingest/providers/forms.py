"""Website form submissions, ``POST /api/forms/submit``, posted by the site's backend.

``Authorization: Bearer $INTERNAL_API_KEY``; body ``{"form": "<name>", "submission_id"?:
"…", "fields": {"email"?, "name"?, …}}``. Without a submission id the body's digest names the
submission (the same post twice is one submission).
"""

from __future__ import annotations

from notionhub.errors import PayloadRejected
from notionhub.ingest.bearer import verify_bearer
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.payload_fields import first_email
from notionhub.ingest.provider import Provider, body_digest, json_object, required


class FormsProvider(Provider):
    name = "forms"
    secret_env = "INTERNAL_API_KEY"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_bearer(request, secret)

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        form = required(data, "form")
        fields = data.get("fields")
        if not isinstance(form, str) or not isinstance(fields, dict):
            raise PayloadRejected("form should be a string and fields an object.")
        submission = data.get("submission_id")
        ident = str(submission) if submission else body_digest(request.body)
        return self.event(
            type="form.submitted",
            idempotency_key=f"forms:{form}:{ident}",
            entity_key=first_email(fields, [["email"]]) or f"form:{form}",
            occurred_at=request.received_at,
            data=data,
        )


PROVIDER = FormsProvider()
