"""Upserting a person as a HubSpot contact, keyed by email: the network pack's optional CRM sync.

One call per contact: ``POST /crm/v3/objects/contacts/batch/upsert`` (CRM v3, the form HubSpot
now lists as legacy beside its dated ``/crm/objects/<version>/…`` paths) with ``Authorization:
Bearer <private app token>`` (scope ``crm.objects.contacts.write``) and one input::

    {"inputs": [{"idProperty": "email", "id": "jane@example.com",
                 "properties": {"email": "jane@example.com", "firstname": "Jane", …}}]}

HubSpot creates the contact when none has that email and otherwise overwrites the properties
given. Only non-empty values are sent, so the sync never clears what someone typed in HubSpot.

Properties: HubSpot's default contact properties ``email``, ``firstname``, ``lastname``, and, only
when a caller passes them, ``hs_lead_status`` and ``lifecyclestage`` (internal values: ``NEW``,
``lead``…; both are per-account option lists, and a lifecycle stage set here overwrites, backwards
too). HubSpot has **no default writable property for a lead source or for tags**: they are sent
only to custom properties named in ``HubspotTarget``, which must first be created in HubSpot
(Settings → Properties → Contact): a single-line text property for the source, and a
multiple-checkboxes property whose options include every tag for the tags (its value is the tags
joined by ``;``). With no such property named, lead source and tags stay in Notion only.

The call goes through ``FlowContext.outbound`` (service ``hubspot``): one rate budget shared by
every worker, ``Retry-After`` honoured on 429, 5xx retried, a 4xx raised as ``OutboundRejected``,
and one effect per idempotency key ``contact-upsert:<email>:<digest of the request>``: a re-run
with the same content returns the recorded answer without calling; new content is a new call.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from notionhub.errors import ConfigurationError, EventNotUsable, OutboundRejected
from notionhub.ingest.provider import bounded
from notionhub.outbound import OutboundPolicy
from notionhub.packs.network.settings import NetworkSettings
from notionhub.packs.pack import FlowContext

SERVICE = "hubspot"
UPSERT_PATH = "/crm/v3/objects/contacts/batch/upsert"
DEFAULT_BASE_URL = "https://api.hubapi.com"


@dataclass(frozen=True)
class HubspotTarget:
    """Where and as whom contacts are upserted, and which custom properties to fill."""

    base_url: str
    token: str = field(repr=False)
    # Custom contact properties (internal names) to create in HubSpot before naming them here.
    lead_source_property: str | None = None
    tags_property: str | None = None
    policy: OutboundPolicy | None = None

    @classmethod
    def of(
        cls,
        token: SecretStr | str | None,
        base_url: str = DEFAULT_BASE_URL,
        *,
        lead_source_property: str | None = None,
        tags_property: str | None = None,
        policy: OutboundPolicy | None = None,
    ) -> HubspotTarget:
        """A target from settings values; ``ConfigurationError`` when the token is missing."""
        value = token.get_secret_value() if isinstance(token, SecretStr) else token
        if not value or not value.strip():
            raise ConfigurationError(
                "The HubSpot sync needs a private app token (NETWORK_HUBSPOT_TOKEN, scope"
                " crm.objects.contacts.write)."
            )
        return cls(base_url, value.strip(), lead_source_property, tags_property, policy)


def contact_properties(
    target: HubspotTarget,
    email: str,
    *,
    first_name: str = "",
    last_name: str = "",
    name: str = "",
    lead_source: str | None = None,
    tags: Iterable[str] = (),
    lead_status: str | None = None,
    lifecycle_stage: str | None = None,
) -> dict[str, str]:
    """The HubSpot properties of a contact: only non-empty values, every value a string.

    ``name`` is split at its first space when neither ``first_name`` nor ``last_name`` is given.
    """
    if not (first_name.strip() or last_name.strip()) and name.strip():
        first_name, _, last_name = name.strip().partition(" ")
    values: dict[str, str | None] = {
        "email": normal_email(email),
        "firstname": first_name.strip(),
        "lastname": last_name.strip(),
        "hs_lead_status": lead_status,
        "lifecyclestage": lifecycle_stage,
    }
    if target.lead_source_property:
        values[target.lead_source_property] = lead_source
    if target.tags_property:
        cleaned = (tag.strip().replace(";", ",") for tag in tags)
        values[target.tags_property] = ";".join(dict.fromkeys(tag for tag in cleaned if tag))
    return {key: value.strip() for key, value in values.items() if value and value.strip()}


def upsert_body(properties: dict[str, str]) -> dict[str, Any]:
    """The batch upsert request for one contact, keyed by its email."""
    return {
        "inputs": [{"idProperty": "email", "id": properties["email"], "properties": properties}]
    }


def sync_contact(
    context: FlowContext,
    target: HubspotTarget,
    email: str,
    *,
    first_name: str = "",
    last_name: str = "",
    name: str = "",
    lead_source: str | None = None,
    tags: Iterable[str] = (),
    lead_status: str | None = None,
    lifecycle_stage: str | None = None,
) -> str:
    """Create or update the HubSpot contact of ``email``; a one-line account of what happened.

    Raises ``OutboundUnavailable`` (429/5xx/no answer after every retry: the step retries later)
    or ``OutboundRejected`` (HubSpot refused: a wrong token, scope or property). A 207 whose one
    input failed is HubSpot's recorded answer to this content: raised now and on every re-run
    with the same content, like a refusal that will not change.
    """
    properties = contact_properties(
        target, email,
        first_name=first_name, last_name=last_name, name=name, lead_source=lead_source,
        tags=tags, lead_status=lead_status, lifecycle_stage=lifecycle_stage,
    )  # fmt: skip
    body = upsert_body(properties)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:24]
    key = bounded(f"contact-upsert:{properties['email']}:{digest}", 300)
    client = context.outbound(
        SERVICE,
        target.base_url,
        headers={"Authorization": f"Bearer {target.token}"},
        policy=target.policy,
    )
    answer = client.post(UPSERT_PATH, idempotency_key=key, json=body)
    contact = _upserted(answer.body)
    if contact is None:
        raise OutboundRejected(
            f"{SERVICE} did not upsert {properties['email']} ({answer.status_code}): "
            f"{_problem(answer.body)}",
            status_code=answer.status_code,
        )
    action = "created" if contact.get("new") is True else "updated"
    account = f"hubspot contact {properties['email']} {action} (id {contact.get('id')})"
    return f"{account}, as recorded before" if answer.replayed else account


def sync_lead(
    context: FlowContext,
    settings: NetworkSettings,
    email: str,
    name: str,
    lead_source: str | None,
    tags: Iterable[str],
) -> str:
    """The lead-capture agent's sync of a captured lead, with the pack's ``NETWORK_HUBSPOT_*``.

    Lead source and tags are sent only to the custom properties the settings name
    (``NETWORK_HUBSPOT_LEAD_SOURCE_PROPERTY``, ``NETWORK_HUBSPOT_TAGS_PROPERTY``).
    """
    target = HubspotTarget.of(
        settings.hubspot_token,
        settings.hubspot_base_url,
        lead_source_property=settings.hubspot_lead_source_property,
        tags_property=settings.hubspot_tags_property,
    )
    return sync_contact(context, target, email, name=name, lead_source=lead_source, tags=tags)


def normal_email(email: str) -> str:
    """The address HubSpot keys the contact by; ``EventNotUsable`` when it is not one."""
    cleaned = email.strip().lower()
    if "@" not in cleaned or len(cleaned) > 254:
        raise EventNotUsable(f"{email[:80]!r} is not an email address a HubSpot contact can have.")
    return cleaned


def _upserted(body: Any) -> dict[str, Any] | None:
    """The one contact of a batch answer, or None (a 207 whose one input failed)."""
    results = body.get("results") if isinstance(body, dict) else None
    if isinstance(results, list) and results and isinstance(results[0], dict):
        return results[0]
    return None


def _problem(body: Any) -> str:
    """HubSpot's own words about a failed input (``errors[0].message``), else the body."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("message", errors[0]))[:200]
    return json.dumps(body, ensure_ascii=False)[:200]
