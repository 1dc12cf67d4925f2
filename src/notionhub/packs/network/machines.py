"""The network's workflows, declared: states, the events that move them, guards; and what each
state starts with (tasks and a notification), as first written to the Workflows Library and
the Notifications Templates. People edit those texts in Notion; the runner reads them back.

Events arrive from outside and out of order: each machine lets a later fact skip ahead (a
WooCommerce "completed" before its "processing") and refuses going back (the late "processing"
is recorded as refused and changes nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from notionhub.packs.state_machine import StateMachine, Transition

LEAD_NURTURE = "lead-nurture"
RETREAT_BOOKING = "retreat-booking"
ART_SALE = "art-sale"
CONTENT_LIFECYCLE = "content-lifecycle"

_OPEN_LEAD = ("New", "Contacted", "Qualified")


def _scheduled_time_reached(data: Mapping[str, Any], payload: Mapping[str, Any]) -> bool:
    publish_at, now = data.get("publish_at"), payload.get("now")
    return isinstance(publish_at, str) and isinstance(now, str) and publish_at <= now


def _has_publish_time(data: Mapping[str, Any], payload: Mapping[str, Any]) -> bool:
    return isinstance(payload.get("publish_at") or data.get("publish_at"), str)


def _keep_publish_time(data: Mapping[str, Any], payload: Mapping[str, Any]) -> dict[str, Any]:
    return {**data, "publish_at": payload.get("publish_at") or data.get("publish_at")}


def _forget_publish_time(data: Mapping[str, Any], _payload: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != "publish_at"}


def _keep_booking(data: Mapping[str, Any], payload: Mapping[str, Any]) -> dict[str, Any]:
    return {**data, **{k: v for k, v in payload.items() if k in ("starts_at", "service")}}


MACHINES = (
    StateMachine(
        name=LEAD_NURTURE,
        states=("New", "Contacted", "Qualified", "Converted", "Lost"),
        initial="New",
        final=("Converted", "Lost"),
        transitions=(
            Transition("contacted", ("New",), "Contacted"),
            Transition("qualified", ("New", "Contacted"), "Qualified"),
            Transition("converted", _OPEN_LEAD, "Converted"),
            Transition("lost", _OPEN_LEAD, "Lost"),
        ),
    ),
    StateMachine(
        name=RETREAT_BOOKING,
        states=("Requested", "Confirmed", "Attended", "No-show", "Cancelled"),
        initial="Requested",
        final=("Attended", "No-show", "Cancelled"),
        transitions=(
            Transition("approved", ("Requested",), "Confirmed", update=_keep_booking),
            Transition("rescheduled", ("Requested",), "Requested", update=_keep_booking),
            Transition("rescheduled", ("Confirmed",), "Confirmed", update=_keep_booking),
            Transition("cancelled", ("Requested", "Confirmed"), "Cancelled"),
            Transition("rejected", ("Requested",), "Cancelled"),
            Transition("attended", ("Confirmed",), "Attended"),
            Transition("no_show", ("Confirmed",), "No-show"),
        ),
    ),
    StateMachine(
        name=ART_SALE,
        states=("Ordered", "Paid", "Completed", "Refunded", "Cancelled"),
        initial="Ordered",
        final=("Refunded", "Cancelled"),
        transitions=(
            Transition("paid", ("Ordered",), "Paid"),
            Transition("completed", ("Ordered", "Paid"), "Completed"),
            Transition("refunded", ("Paid", "Completed"), "Refunded"),
            Transition("cancelled", ("Ordered", "Paid"), "Cancelled"),
        ),
    ),
    StateMachine(
        name=CONTENT_LIFECYCLE,
        states=("Idea", "Draft", "Review", "Scheduled", "Published"),
        initial="Idea",
        final=("Published",),
        transitions=(
            Transition("drafted", ("Idea",), "Draft"),
            Transition("submitted", ("Draft",), "Review"),
            # Back to Draft: the time it was scheduled for no longer holds.
            Transition("revise", ("Review", "Scheduled"), "Draft", update=_forget_publish_time),
            Transition(
                "scheduled",
                ("Review",),
                "Scheduled",
                guard=_has_publish_time,
                guard_description="it has no Publish At date",
                update=_keep_publish_time,
            ),
            Transition(
                "published",
                ("Scheduled",),
                "Published",
                guard=_scheduled_time_reached,
                guard_description="its Publish At time has not come",
            ),
        ),
    ),
)


@dataclass(frozen=True)
class WorkflowText:
    """What the Workflows Library says of a workflow when first written."""

    workflow_id: str
    name: str
    description: str
    # One task a line: "State | Task title | Assignee | due in days | event when Done".
    task_templates: str


WORKFLOW_TEXTS = (
    WorkflowText(
        LEAD_NURTURE,
        "Lead nurture",
        "A new lead from a form or prospecting: followed up, qualified, converted when they book"
        " or buy.",
        "New | Follow up with {name} | Sales | 2 | contacted\n"
        "Contacted | Qualify {name}'s needs | Sales | 5 | qualified\n"
        "Qualified | Send {name} an offer | Sales | 3 |",
    ),
    WorkflowText(
        RETREAT_BOOKING,
        "Retreat booking",
        "A booking made in Amelia, from request to the retreat itself.",
        "Requested | Approve {name}'s booking | Retreat host | 1 |\n"
        "Confirmed | Send {name} the retreat welcome pack | Retreat host | 2 |\n"
        "Attended | Ask {name} for feedback | Retreat host | 3 |",
    ),
    WorkflowText(
        ART_SALE,
        "Art sale",
        "A WooCommerce order, from checkout to delivery (or refund).",
        "Paid | Pack and ship {name}'s order | Studio | 3 |\n"
        "Completed | Thank {name} for the purchase | Studio | 7 |\n"
        "Refunded | Restock the refunded artwork | Studio | 2 |",
    ),
    WorkflowText(
        CONTENT_LIFECYCLE,
        "Content lifecycle",
        "A piece of content moved by its writer in Notion: Idea → Draft → Review → Scheduled →"
        " Published (published by the hub at its Publish At time).",
        "Idea | Write a first draft of {name} | Writer | 7 |\n"
        "Draft | Finish the draft of {name} | Writer | 5 |\n"
        "Review | Review {name} | Editor | 2 |\n"
        "Scheduled | Prepare the promotion of {name} | Marketing | 1 |\n"
        "Published | Share {name} with the community | Community | 1 |",
    ),
)


@dataclass(frozen=True)
class NotificationText:
    template: str  # "<workflow id>.<state>"
    channel: str
    subject: str
    body: str


NOTIFICATION_TEXTS = (
    NotificationText(
        f"{LEAD_NURTURE}.New",
        "Email",
        "Thanks for reaching out, {name}",
        "Hi {name}, thanks for your interest. We will be in touch within two days.",
    ),
    NotificationText(
        f"{RETREAT_BOOKING}.Confirmed",
        "Email",
        "Your retreat is confirmed",
        "Hi {name}, your place is confirmed ({instance_id}). We look forward to seeing you.",
    ),
    NotificationText(
        f"{RETREAT_BOOKING}.Cancelled",
        "Email",
        "Your retreat booking is cancelled",
        "Hi {name}, your booking {instance_id} is cancelled. Reply to this email to rebook.",
    ),
    NotificationText(
        f"{ART_SALE}.Paid",
        "Email",
        "Thank you for your order",
        "Hi {name}, we received your payment for order {instance_id} and are preparing it.",
    ),
    NotificationText(
        f"{ART_SALE}.Refunded",
        "Email",
        "Your refund is on its way",
        "Hi {name}, order {instance_id} has been refunded.",
    ),
    NotificationText(
        f"{CONTENT_LIFECYCLE}.Published",
        "Slack",
        "Published: {name}",
        "{name} is live. Time to share it.",
    ),
)


@dataclass(frozen=True)
class TaskTemplate:
    """One line of a workflow's Task Templates."""

    state: str
    title: str
    assignee: str
    due_in_days: int
    on_done: str  # the workflow event a person marking the task Done fires ("" for none)


def parse_task_templates(text: str) -> tuple[list[TaskTemplate], list[str]]:
    """The task templates written in Notion, and a note for each line that could not be read
    (kept out, never guessed)."""
    templates: list[TaskTemplate] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [part.strip() for part in line.split("|")]
        parts += [""] * (5 - len(parts))
        state, title, assignee, due, on_done = parts[:5]
        if not state or not title or len(parts) > 5:
            problems.append(
                f"line {number}: write 'State | Task | Assignee | due in days | event when Done'"
            )
            continue
        try:
            due_in_days = int(due) if due else 0
        except ValueError:
            problems.append(f"line {number}: due in days should be a whole number, not {due!r}")
            continue
        templates.append(TaskTemplate(state, title, assignee, max(due_in_days, 0), on_done))
    return templates, problems


def describe(machine: StateMachine) -> tuple[str, str]:
    """The States and Transitions texts of the Workflows Library, from the declaration."""
    states = ", ".join(
        state
        + (" (start)" if state == machine.initial else "")
        + (" (end)" if state in machine.final else "")
        for state in machine.states
    )
    lines = []
    for transition in machine.transitions:
        line = f"{transition.event}: {' / '.join(transition.sources)} → {transition.target}"
        if transition.guard_description:
            line += f" (refused when {transition.guard_description})"
        lines.append(line)
    return states, "\n".join(lines)
