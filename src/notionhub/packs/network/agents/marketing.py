"""MarketingCampaign: Beehiiv subscriptions become contacts' newsletter status, sent posts become
Marketing Campaigns rows with their figures, and the "Newsletter" campaign counts subscribers.

- **Subscriptions** (``subscription.created``, ``.confirmed``, ``.deleted``, ``.upgraded``,
  ``.downgraded``, ``.paused``, ``.resumed``, ``.tier.*``): the subscriber's status is kept in
  ``network_subscriptions``, one row per address, replaced only by an event that is newer
  (``event_timestamp``; at the same second the later step of ``STATUS_RANK`` wins, so a
  ``created`` and a ``confirmed`` of one second end active whatever their order). A late, older
  event changes nothing. The contact is upserted (source Beehiiv, the Newsletter business) with
  ``Newsletter`` from the status kept, never from a late event.
- **Posts** (``post.sent``; ``post.updated`` of a post sent, under the title it was sent with):
  a Marketing Campaigns row keyed by the post's title (a title another post already has gets the
  send date, then the post id, after it), with Channel Newsletter, Post ID, Published At and,
  when the payload carries ``stats``, Recipients, Opens and Clicks (unique ones when given).
  Figures only grow: a late delivery with smaller ones keeps the larger. A row people planned
  under that title keeps their Channel and Content Status.
- **Subscribers** (``refresh_newsletter``, run by the pack's upkeep): the "Newsletter" campaign's
  Subscribers = the addresses whose latest status is active, recounted from the table and
  written only when it changed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, case, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from notionhub.errors import PayloadRejected
from notionhub.hubdb.engine import read_connection
from notionhub.ingest.event import Event
from notionhub.ingest.payload_fields import first_text
from notionhub.notion.schema import NotionDate
from notionhub.packs.network.contacts import Person, entity_page_id, normal_email, upsert_contact
from notionhub.packs.network.models import Contact, MarketingCampaign
from notionhub.packs.network.tables import network_subscriptions
from notionhub.packs.pack import Agent, FlowContext

NAME = "marketing-campaign"
NEWSLETTER = "Newsletter"  # the business entity, the channel and the subscribers' campaign
CHANNEL = "Newsletter"

# Beehiiv's subscription statuses → the status kept: whether the address receives the letter.
BEEHIIV_STATUSES = {
    "active": "active",
    "pending": "pending",  # double opt-in not confirmed yet
    "validating": "pending",
    "needs_attention": "pending",  # waiting for the publisher's approval
    "inactive": "inactive",  # unsubscribed, bounced
    "invalid": "inactive",
    "paused": "paused",
}
# What the event itself says, over the status its data carries (a deletion may carry the
# subscription as it was).
EVENT_STATUSES = {
    "subscription.confirmed": "active",
    "subscription.resumed": "active",
    "subscription.paused": "paused",
    "subscription.deleted": "inactive",
    "subscription.unsubscribed": "inactive",
}
# Two events of the same second: the one further along wins (order-independent).
STATUS_RANK = {"pending": 0, "active": 1, "paused": 2, "inactive": 3}
# The contact's Newsletter select: does the person get the letter now?
NEWSLETTER_OF = {
    "active": "Subscribed",
    "pending": "Pending",
    "paused": "Unsubscribed",
    "inactive": "Unsubscribed",
}
_TITLE_CHARS = 180
_FIGURES = ("recipients", "opens", "clicks")


# -- subscriptions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    """An address's latest status and the event time it comes from (Unix seconds)."""

    status: str
    at: float


def subscription_changed(event: Event, context: FlowContext) -> str:
    data = event.data.get("data")
    if not isinstance(data, dict):
        raise PayloadRejected(f"A Beehiiv {event.type} event has no data object.")
    email = (event.entity_key or "").removeprefix("email:")
    if "@" not in email:
        return f"{event.type}: no subscriber email: nothing to keep"
    email = normal_email(email)
    status = subscription_status(event.type, data.get("status"))
    if status is None:
        return f"{event.type} {email}: status {data.get('status')!r} is not one we know: not kept"
    at = event.occurred_at.timestamp()
    latest = keep_subscription(context.engine, email, status, at)
    _, contact_note = upsert_contact(
        context,
        Person(email, subscriber_name(data)),
        at=event.occurred_at,
        sources=["Beehiiv"],
        entity=NEWSLETTER,
        newsletter=NEWSLETTER_OF[latest.status],
    )
    if latest == Subscription(status, at):
        return f"{event.type} {email}: {status}; {contact_note}"
    return f"{event.type} {email}: {status} is older than {latest.status}, kept; {contact_note}"


def subscription_status(event_type: str, data_status: Any) -> str | None:
    """The status to keep for an event, or None when neither the event nor its data says."""
    if event_type in EVENT_STATUSES:
        return EVENT_STATUSES[event_type]
    if isinstance(data_status, str):
        return BEEHIIV_STATUSES.get(data_status.strip().lower())
    return None


def keep_subscription(engine: Engine, email: str, status: str, at: float) -> Subscription:
    """Insert the status, or replace the stored one if this is newer; returns what is stored."""
    table = network_subscriptions
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(email=email, status=status, at=at)
    stored_rank = case(STATUS_RANK, value=table.c.status, else_=-1)
    newer = (statement.excluded.at > table.c.at) | (
        (statement.excluded.at == table.c.at) & (literal(STATUS_RANK[status]) > stored_rank)
    )
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.email],
        set_={"status": statement.excluded.status, "at": statement.excluded.at},
        where=newer,
    )
    with engine.begin() as connection:
        connection.execute(statement)
        row = connection.execute(
            select(table.c.status, table.c.at).where(table.c.email == email)
        ).one()
    return Subscription(str(row.status), float(row.at))


def subscriber_name(data: Mapping[str, Any]) -> str:
    """The name in the subscriber's custom fields (First Name, Last Name, or Name), if any."""
    fields = data.get("custom_fields")
    named: dict[str, str] = {}
    for item in fields if isinstance(fields, list) else []:
        if isinstance(item, dict) and isinstance(item.get("value"), str):
            label = str(item.get("name", "")).strip().lower().replace("_", " ")
            named[label] = item["value"].strip()
    full = f"{named.get('first name', '')} {named.get('last name', '')}".strip()
    return (full or named.get("name", ""))[:100]


def active_subscribers(engine: Engine) -> int:
    table = network_subscriptions
    query = select(func.count()).select_from(table).where(table.c.status == "active")
    with read_connection(engine) as connection:
        return int(connection.execute(query).scalar_one())


def refresh_newsletter(context: FlowContext) -> str | None:
    """Write the Newsletter campaign's Subscribers when the count of active addresses changed."""
    count = float(active_subscribers(context.engine))
    records = context.records
    current = records.mirrored(MarketingCampaign, NEWSLETTER)
    if (current.subscribers if current is not None else 0.0) == count:
        return None
    entity = entity_page_id(context, NEWSLETTER)

    def build() -> MarketingCampaign | None:
        current = records.mirrored(MarketingCampaign, NEWSLETTER)
        if current is None:
            return MarketingCampaign(
                name=NEWSLETTER,
                channel=CHANNEL,
                business_entity=[entity] if entity else [],
                subscribers=count,
            )
        if current.subscribers == count:
            return None
        return current.model_copy(update={"subscribers": count})

    result = records.upsert_computed(MarketingCampaign, NEWSLETTER, build)
    return None if result is None else f"newsletter: {count:g} subscribers"


# -- posts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Post:
    """What a post event tells of the post."""

    post_id: str
    title: str
    published: datetime
    figures: dict[str, float]


def post_sent(event: Event, context: FlowContext) -> str:
    post = read_post(event)
    records = context.records
    keys = _keys(post)
    key = next(
        (k for k in keys if _free_for(records.mirrored(MarketingCampaign, k), post)), keys[-1]
    )
    entity = entity_page_id(context, NEWSLETTER)

    def build() -> MarketingCampaign:
        current = records.mirrored(MarketingCampaign, key)
        if current is None:
            first = MarketingCampaign(
                name=key,
                channel=CHANNEL,
                business_entity=[entity] if entity else [],
                post_id=post.post_id,
                published_at=NotionDate(post.published),
            )
            return first.model_copy(update=post.figures)
        pages = [*current.business_entity, *([entity] if entity else [])]
        return current.model_copy(
            update={
                "channel": current.channel or CHANNEL,
                "business_entity": list(dict.fromkeys(pages)),
                "post_id": post.post_id,
                "published_at": current.published_at or NotionDate(post.published),
                **_grown(current, post.figures),
            }
        )

    result = records.upsert_computed(MarketingCampaign, key, build)
    assert result is not None
    return f"post {post.post_id}: campaign {key!r} {result.action}"


def post_updated(event: Event, context: FlowContext) -> str:
    post = read_post(event)
    records = context.records
    # Looked up in the mirror only (no request): Beehiiv sends an update at each edit of a draft.
    current = next(
        (
            row
            for row in (records.mirrored(MarketingCampaign, key) for key in _keys(post))
            if row is not None and row.post_id == post.post_id
        ),
        None,
    )
    if current is None:
        return f"post {post.post_id} was not sent: nothing to keep"
    key = current.name

    def build() -> MarketingCampaign | None:
        found = records.mirrored(MarketingCampaign, key)
        return None if found is None else found.model_copy(update=_grown(found, post.figures))

    result = records.upsert_computed(MarketingCampaign, key, build)
    return f"post {post.post_id}: campaign {key!r} {result.action if result else 'gone'}"


def read_post(event: Event) -> Post:
    data = event.data.get("data")
    if not isinstance(data, dict):
        raise PayloadRejected(f"A Beehiiv {event.type} event has no data object (the post).")
    post_id = first_text(data, [["id"]])
    if not post_id:
        raise PayloadRejected(f"A Beehiiv {event.type} event names no post id.")
    title = first_text(data, [["title"], ["subject_line"], ["web_title"]]) or post_id
    stamp = data.get("publish_date") or data.get("displayed_date")
    published = event.occurred_at
    if isinstance(stamp, int | float) and not isinstance(stamp, bool) and stamp > 0:
        published = datetime.fromtimestamp(stamp, UTC)
    return Post(post_id[:100], " ".join(title.split())[:_TITLE_CHARS], published, _figures(data))


def _figures(data: Mapping[str, Any]) -> dict[str, float]:
    """Recipients, Opens and Clicks from ``stats.email`` (or ``stats``), the ones present."""
    stats = data.get("stats")
    if not isinstance(stats, dict):
        return {}
    email = stats.get("email") if isinstance(stats.get("email"), dict) else stats
    assert isinstance(email, dict)
    found = {
        "recipients": _count(email, "recipients"),
        "opens": _count(email, "unique_opens", "opens"),
        "clicks": _count(email, "unique_clicks", "clicks"),
    }
    return {name: value for name, value in found.items() if value is not None}


def _count(values: Mapping[str, Any], *names: str) -> float | None:
    for name in names:
        value = values.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if math.isfinite(value) and value >= 0:
            return float(value)
    return None


def _grown(current: MarketingCampaign, figures: Mapping[str, float]) -> dict[str, float]:
    """The figures, never smaller than those written (a late delivery brings older ones)."""
    grown = {}
    for name in _FIGURES:
        if name in figures:
            before = getattr(current, name)
            grown[name] = figures[name] if before is None else max(before, figures[name])
    return grown


def _keys(post: Post) -> list[str]:
    """The campaign keys a post may have: its title, then with its send date, then its id."""
    day = post.published.date().isoformat()
    return [post.title, f"{post.title} ({day})", f"{post.title} ({post.post_id})"]


def _free_for(row: MarketingCampaign | None, post: Post) -> bool:
    """A row is the post's when it has no post yet (written by people) or this one."""
    return row is None or row.post_id in ("", post.post_id)


AGENT = Agent(
    name=NAME,
    description="Keeps contacts' newsletter status from Beehiiv subscriptions (the latest event"
    " wins), a campaign per sent post with its figures, and the Newsletter's subscriber count.",
    flows={
        "beehiiv:subscription.*": subscription_changed,
        "beehiiv:post.sent": post_sent,
        "beehiiv:post.updated": post_updated,
    },
    writes=(Contact, MarketingCampaign),
)
