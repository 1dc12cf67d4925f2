"""ContentLifecycle: a piece of content is a Marketing Campaigns row whose Content Status its
writer moves in Notion (Idea → Draft → Review → Scheduled → Published); the hub keeps a
``content-lifecycle:<campaign>`` instance beside it and publishes it at its Publish At time.

- **A person changes Content Status (or Publish At)**: the first status a campaign gets starts
  its instance (in Idea, with its tasks). A status other than the instance's state is offered as
  the machine's event that leads there from that state (Draft from Idea: ``drafted``; from Review
  or Scheduled: ``revise``; Review: ``submitted``; Scheduled: ``scheduled`` with the campaign's
  Publish At; Published: ``published`` with the time now). A status no event reaches (Idea again,
  a jump such as Idea → Published, a status the machine does not know, a cleared one), or one
  its guard refuses (Scheduled without Publish At, Published before its time), is recorded as
  refused in the history, and the hub writes the instance's state back to Content Status.
- **publish-due** (every minute): each Scheduled instance whose time has come — the Publish At
  it was scheduled with, and the campaign's Publish At now (a later date postpones) — gets
  ``published``; the campaign gets Content Status Published and Published At (the tick).

The tasks of each state come from the Workflows Library through ``Workflows``. Event keys are
made of the change (page, when the hub saw it, the status before and after) or of the tick, so a
change seen twice or a step run again is a no-op.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, time
from typing import Any

from notionhub.notion.changes import Change
from notionhub.notion.schema import NotionDate
from notionhub.packs.network.machines import CONTENT_LIFECYCLE
from notionhub.packs.network.models import (
    BusinessEntity,
    MarketingCampaign,
    MasterTask,
    WorkflowInstance,
)
from notionhub.packs.network.workflows import Workflows
from notionhub.packs.pack import Agent, FlowContext, Reaction, Schedule
from notionhub.packs.state_machine import Instance, Outcome, StateMachine

NAME = "content-lifecycle"
PUBLISHED = "Published"
SCHEDULED = "Scheduled"
_ID_ROOM = 200  # instance ids hold 300 characters (and task ids add a suffix): digest beyond
_MAX_INSTANCES = 100_000


def content_instance_id(campaign: str) -> str:
    """The instance of a campaign's content: ``content-lifecycle:<campaign name>``."""
    instance_id = f"{CONTENT_LIFECYCLE}:{campaign}"
    if len(instance_id) <= _ID_ROOM:
        return instance_id
    return f"{CONTENT_LIFECYCLE}:sha256:{hashlib.sha256(campaign.encode()).hexdigest()}"


def event_towards(machine: StateMachine, state: str, status: str | None) -> str:
    """The event that moves ``state`` to ``status``; when none does, the event whose refusal
    says best why (one leading to the status from elsewhere, else a name the machine does not
    declare: ``to_idea``, ``cleared``)."""
    if status is None:
        return "cleared"
    for event in machine.events_from(state):
        transition = machine.transition_for(state, event)
        if transition is not None and transition.target == status:
            return event
    for transition in machine.transitions:
        if transition.target == status:
            return transition.event
    slug = re.sub(r"[^a-z0-9]+", "_", status.lower()).strip("_")[:60]
    return f"to_{slug or 'status'}"


# -- a person moved the content ------------------------------------------------------------------


def content_changed(change: Change[Any], context: FlowContext) -> str:
    campaign = change.record
    assert isinstance(campaign, MarketingCampaign)
    machines = context.state_machines
    workflows = Workflows(context, NAME)
    instance_id = content_instance_id(campaign.name)
    instance = machines.get(instance_id)
    told = f"content {campaign.name!r}"
    if instance is None:
        if not campaign.content_status:
            return f"campaign {campaign.name!r} has no Content Status: no content to follow"
        workflows.start(
            CONTENT_LIFECYCLE,
            instance_id,
            contact=None,
            title=campaign.name,
            entity=_entity_name(context, campaign),
            data={"campaign": campaign.name},
        )
        instance = machines.get(instance_id)
        assert instance is not None
        told += f" started in {instance.state}"
    key = _change_key(change)
    history = machines.history(instance_id)
    recorded = next((entry for entry in history if entry.event_key == key), None)
    if recorded is not None:
        if recorded.event_key != history[-1].event_key:
            return f"{told}: this change was applied before ({recorded.event}); nothing more"
        # The step runs again: the replayed outcome completes what its first run began (the
        # next state's tasks, the status put back).
        outcome = workflows.fire(instance_id, recorded.event, event_key=key)
        return f"{told}: {_answer(context, campaign, outcome)}"
    status = campaign.content_status
    if status == instance.state:
        return f"{told}: {_publish_time_note(campaign, instance)}"
    event = event_towards(machines.machine(CONTENT_LIFECYCLE), instance.state, status)
    outcome = workflows.fire(
        instance_id, event, event_key=key, payload=_payload(event, campaign, context)
    )
    return f"{told}: {_answer(context, campaign, outcome)}"


def _answer(context: FlowContext, campaign: MarketingCampaign, outcome: Outcome) -> str:
    if outcome.accepted:
        done = f"{outcome.event} {outcome.from_state} → {outcome.to_state}"
        current = context.records.mirrored(MarketingCampaign, campaign.name) or campaign
        if outcome.to_state == PUBLISHED and current.published_at is None:
            _write_campaign(context, campaign, published_at=NotionDate(context.now()))
            done += "; Published At written"
        return done
    _write_campaign(context, campaign, status=outcome.to_state)
    return (
        f"{campaign.content_status or 'no status'} refused ({outcome.reason}); the hub put"
        f" Content Status back to {outcome.to_state}"
    )


def _payload(event: str, campaign: MarketingCampaign, context: FlowContext) -> dict[str, Any]:
    if event == "scheduled":
        publish_at = _iso_date(campaign.publish_at)
        return {"publish_at": publish_at} if publish_at else {}
    if event == "published":
        return {"now": _iso(context.now())}
    return {}


def _publish_time_note(campaign: MarketingCampaign, instance: Instance) -> str:
    if instance.state != SCHEDULED:
        return f"in {instance.state}, nothing to move"
    scheduled_for = instance.data.get("publish_at")
    wanted = _iso_date(campaign.publish_at)
    if wanted is None:
        return "Scheduled without Publish At: it waits until one is set"
    if not isinstance(scheduled_for, str) or wanted >= scheduled_for:
        return f"Scheduled, published at {wanted}"
    return (
        f"Scheduled: Publish At {wanted} is before {scheduled_for}, the time it was scheduled"
        " for, so it is published then (to publish earlier, send it back to Draft and schedule"
        " it again)"
    )


def _change_key(change: Change[Any]) -> str:
    """The change as an event key: the page, when the hub saw it, the status before and after
    (stable when a step runs again: the change is stored with its event)."""
    moment = change.seen_at or change.edited_at
    seen = _iso(moment) if moment is not None else ""
    before = change.before.content_status if isinstance(change.before, MarketingCampaign) else None
    after = change.after.content_status if isinstance(change.after, MarketingCampaign) else None
    key = f"content:{change.page_id}:{seen}:{before or ''}>{after or ''}"
    if len(key) <= 300:
        return key
    return f"content:{change.page_id}:{seen}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


# -- publish-due -----------------------------------------------------------------------------------


def publish_due(context: FlowContext) -> str:
    """Publish every Scheduled piece whose time has come (the tick's, or now)."""
    moment = context.scheduled_at or context.now()
    now = _iso(moment)
    machines = context.state_machines
    machine = machines.machine(CONTENT_LIFECYCLE)
    workflows = Workflows(context, NAME)
    published: list[str] = []
    waiting = 0
    gone: list[str] = []
    scheduled = machines.find(machine=CONTENT_LIFECYCLE, state=SCHEDULED, limit=_MAX_INSTANCES)
    for instance in scheduled:
        name = instance.data.get("campaign")
        campaign = (
            context.records.mirrored(MarketingCampaign, name) if isinstance(name, str) else None
        )
        if campaign is None:
            gone.append(instance.instance_id)
            continue
        wanted = _iso_date(campaign.publish_at)
        payload = {"now": now}
        decision = machine.decide(instance.state, instance.data, "published", payload)
        if wanted is None or wanted > now or not decision.accepted:
            waiting += 1
            continue
        # The campaign first: a run cut short after it fires again (the instance is still
        # Scheduled); the other way round, the campaign would never be written.
        _write_campaign(context, campaign, status=PUBLISHED, published_at=NotionDate(moment))
        outcome = workflows.fire(
            instance.instance_id, "published", event_key=f"publish-due:{now}", payload=payload
        )
        if outcome.accepted:
            published.append(campaign.name)
    notes = [f"published {', '.join(repr(name) for name in published)}"] if published else []
    notes += [f"{waiting} scheduled for later"] if waiting else []
    notes += [f"campaign gone for {', '.join(gone)}"] if gone else []
    return "; ".join(notes) or "nothing scheduled"


# -- writing the campaign ------------------------------------------------------------------------


def _write_campaign(
    context: FlowContext,
    campaign: MarketingCampaign,
    *,
    status: str | None = None,
    published_at: NotionDate | None = None,
) -> None:
    update: dict[str, Any] = {}
    if status is not None:
        update["content_status"] = status
    if published_at is not None:
        update["published_at"] = published_at
    current = context.records.mirrored(MarketingCampaign, campaign.name) or campaign
    context.records.upsert(current.model_copy(update=update), only=list(update))


def _entity_name(context: FlowContext, campaign: MarketingCampaign) -> str | None:
    if not campaign.business_entity:
        return None
    for entity in context.records.known(BusinessEntity):
        if entity.page_id in campaign.business_entity:
            return entity.name
    return None


def _iso(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _iso_date(value: NotionDate | None) -> str | None:
    """A Publish At as the machine compares it (UTC, to the second); a date is its midnight."""
    if value is None:
        return None
    start = value.start
    if isinstance(start, datetime):
        return _iso(start)
    return _iso(datetime.combine(start, time(), UTC))


AGENT = Agent(
    name=NAME,
    description="Follows each piece of content (a Marketing Campaigns row) from Idea to"
    " Published as its writer moves Content Status in Notion, refusing (and putting back) a"
    " status no step leads to, and publishes it at its Publish At time.",
    schedules=(
        Schedule(
            "publish-due",
            "* * * * *",
            publish_due,
            description="Scheduled content whose Publish At has come is published.",
        ),
    ),
    writes=(MarketingCampaign, WorkflowInstance, MasterTask),
    reactions=(
        Reaction(
            MarketingCampaign,
            content_changed,
            kinds=("created", "updated"),
            fields=("content_status", "publish_at"),
            description="A Content Status set in Notion moves the content's workflow, or is"
            " put back when no step leads there.",
        ),
    ),
)
