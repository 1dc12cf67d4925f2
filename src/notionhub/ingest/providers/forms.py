"""Website form submissions, ``POST /api/forms/submit``, posted by the site's backend.

``Authorization: Bearer $INTERNAL_API_KEY`` (constant-time compare); body ``{"form": "<name>",
"submission_id"?: "…", "fields": {"email"?, "name"?, …}}``. Without a submission id the body's
digest names the submission, so the same post twice is one submission.
"""

from __future__ import annotations

from notionhub.errors import PayloadRejected
from notionhub.ingest.bearer import verify_bearer
from notionhub.ingest.event import Event, Reply, WebhookRequest
from notionhub.ingest.payload_fields import first_email
from notionhub.ingest.provider import Provider, body_digest, json_object, required

MAX_FORM_NAME = 100
# Text without control characters (they are refused in event keys), as a JSON Schema pattern.
_KEY_TEXT = r"^[^\x00-\x1f\x7f-\x9f]*$"
# The body as OpenAPI describes it (``POST /api/forms/submit``): exactly what ``parse`` accepts.
BODY_SCHEMA = {
    "type": "object",
    "required": ["form", "fields"],
    "properties": {
        "form": {
            "type": "string",
            "maxLength": MAX_FORM_NAME,
            "pattern": r"^[^:\x00-\x1f\x7f-\x9f]*[^:\s\x00-\x1f\x7f-\x9f][^:\x00-\x1f\x7f-\x9f]*$",
            "description": "The form's name: not blank, no ':' and no control characters.",
        },
        "submission_id": {
            "type": ["string", "integer", "null"],
            "pattern": _KEY_TEXT,
            "description": "Names the submission; without it, the body's digest does.",
        },
        "fields": {
            "type": "object",
            "properties": {"email": {"type": "string", "pattern": _KEY_TEXT}},
            "description": "The submitted fields; email, when present, names the contact.",
        },
    },
}


class FormsProvider(Provider):
    name = "forms"
    secret_env = "INTERNAL_API_KEY"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        verify_bearer(request, secret)

    def parse(self, request: WebhookRequest, secret: str) -> Event | Reply:
        data = json_object(request.body)
        form = required(data, "form")
        valid_text = isinstance(form, str) and bool(form.strip()) and len(form) <= MAX_FORM_NAME
        # The name is part of the key, "forms:<form>:<id>": a ':' in it could make two
        # submissions of two forms share a key.
        if not valid_text or ":" in form:
            raise PayloadRejected(
                f"form should be the form's name: text of at most {MAX_FORM_NAME} characters,"
                " without ':'."
            )
        if not isinstance(data.get("fields"), dict):
            raise PayloadRejected("fields should be an object of the submitted fields.")
        submission = data.get("submission_id")
        if submission is None or submission == "":
            ident = body_digest(request.body)
        elif isinstance(submission, str | int) and not isinstance(submission, bool):
            ident = str(submission)
        else:
            raise PayloadRejected("submission_id should be a string or a number.")
        return self.event(
            type="form.submitted",
            idempotency_key=f"forms:{form.strip()}:{ident}",
            entity_key=first_email(data["fields"], [["email"]]),
            occurred_at=request.received_at,
            data=data,
        )


PROVIDER = FormsProvider()
