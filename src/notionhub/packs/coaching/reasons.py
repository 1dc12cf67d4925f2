"""Why the coaching pack left something undone: a line for the event's history and a log line.

A relation the pack cannot fill (a package missing from Packages, a booking without an email)
or an event that touches no row yet (a Zoom meeting no session matches) is not silent: the
event's account says so, and the log names it with ids only (no names, no emails).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import structlog

log = structlog.get_logger("notionhub.coaching")


@dataclass(frozen=True)
class Reason:
    """One thing left undone: its line in the event's history and its log line."""

    line: str
    log_event: str
    level: Literal["info", "warning"]
    fields: tuple[tuple[str, str], ...]


def package_not_found(
    row: str, *, name: str | None, event_type: str | None, price_id: str | None
) -> Reason:
    """No Packages row matches what a booking or a payment names (``row``: "session uid-1")."""
    clues = [f"Stripe Price ID {price_id!r}"] if price_id else []
    clues += [f"Cal.com Event Type {event_type!r}"] if event_type else []
    if name:
        missing = f"package {name!r} not found in Packages"
        missing += f" (nor {' or '.join(clues)})" if clues else ""
    else:
        missing = f"no package for {' or '.join(clues)} in Packages"
    looked = {"package": name, "event_type": event_type, "price_id": price_id}
    return Reason(
        line=f"{missing}: {row} left without a package (linked when a matching row is added"
        " to Packages and the hub sees it)",
        log_event="package_not_found",
        level="warning",
        fields=(("database", "Packages"), ("row", row), *((k, v) for k, v in looked.items() if v)),
    )


def no_client_email(row: str, *, what: str) -> Reason:
    """A session or an invoice whose events carry no email: no client to link."""
    return Reason(
        line=f"{row}: no email in the {what}, Client left empty",
        log_event="client_not_linked",
        level="info",
        fields=(("database", "Clients"), ("row", row)),
    )


def meeting_without_session(meeting_id: str | None, kind: str) -> Reason:
    """A Zoom fact that no booking's session matches (same meeting id or participant's email,
    within the session's window): kept, and counted when such a booking arrives."""
    meeting = f"Zoom meeting {meeting_id}" if meeting_id else "a Zoom meeting without an id"
    return Reason(
        line=f"{meeting} ({kind}): no session matches it; kept for a booking that arrives later",
        log_event="meeting_without_session",
        level="info",
        fields=(("meeting_id", meeting_id or ""), ("kind", kind)),
    )


def payment_without_invoice(payment_intent: str | None, kind: str) -> Reason:
    """A refund or a failure known only by its PaymentIntent, before any Checkout Session
    paid with it: kept, and applied when that Checkout Session arrives."""
    intent = f"payment intent {payment_intent}" if payment_intent else "a payment without an intent"
    return Reason(
        line=f"{intent} ({kind}): no invoice paid with it yet; kept for its Checkout Session",
        log_event="payment_without_invoice",
        level="info",
        fields=(("payment_intent", payment_intent or ""), ("kind", kind)),
    )


def explain(reasons: list[Reason], **where: str) -> list[str]:
    """Log each reason (with ``where``: the event or page it came up in); their lines."""
    for reason in reasons:
        getattr(log, reason.level)(reason.log_event, **dict(reason.fields), **where)
    return [reason.line for reason in reasons]
