"""The coaching pack's flows: one for every event it reads, one upkeep for the dashboard."""

from __future__ import annotations

from notionhub.ingest.event import Event
from notionhub.packs.coaching.coach import Coach
from notionhub.packs.coaching.facts import FactStore
from notionhub.packs.coaching.metrics import refresh_metrics
from notionhub.packs.coaching.readings import read_fact
from notionhub.packs.coaching.reasons import explain
from notionhub.packs.coaching.settings import CoachingSettings
from notionhub.packs.pack import FlowContext


def keep_rows(event: Event, context: FlowContext) -> str:
    """Store the event's fact; recompute the clients, sessions and invoices it concerns. The
    account says what was written, then what was left undone and why."""
    fact = read_fact(event)
    if fact is None:
        return "not a type the coaching pack reads"
    coach = Coach(
        context.records,
        FactStore(context.engine),
        attendance_minutes=context.settings_of(CoachingSettings).attendance_minutes,
    )
    done = coach.apply(fact) or ["no change"]
    return "; ".join(done + explain(coach.reasons, event_id=event.idempotency_key))


def refresh_dashboard(context: FlowContext) -> str:
    """Recompute the Dashboard Metrics; write the ones that changed."""
    zone = context.settings_of(CoachingSettings).zone
    written = refresh_metrics(context.records, now=context.now, zone=zone)
    return ", ".join(written) if written else "no change"
