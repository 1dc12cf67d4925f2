"""CommunityEngagement: Circle.so member and activity events become Community Hub profiles,
points, engagement scores and rewards.

Circle names no event types of its own (each workflow posts to its URL, ``?event=<type>``), so
an event's kind is read from the words of its type, first rule of ``KIND_RULES`` that matches:

| kind | the type names… (e.g.) | points |
|---|---|---|
| left | a member, and removed / deleted / left / banned (``member.removed``) | 0 |
| joined | a member, and created / joined / added / new (``community_member.created``) | 0 |
| — | updated / edited / deleted / removed / unpublished, of anything else (``post.deleted``) | |
| comment | comment / reply (``comment.created``) | 2 |
| event | RSVP / attended / attendee / check-in, or event and registered (``event.rsvp``) | 3 |
| post | post / topic / thread (``post.created``) | 5 |
| — | a member otherwise: a profile edit (``member.tagged``) | |
| other | anything else a member did: a reaction, a lesson completed (``lesson.completed``) | 1 |

Every counted event is one row of ``network_activities`` (its id: the event's idempotency key,
so a redelivery is one row), joins and departures too, with no points: a profile's Status is the
latest of them (Member or Left), its Joined the first join. The profile (keyed by email, with
its contact: source Circle, the Community business, tag ``community``) is written on a join or a
departure, and on a member's first activity when no join was seen.

**Figures** (``refresh_community``, run by the pack's upkeep and daily, as scores fade without
events): Posts, Comments, Events Attended, Points (all time), Engagement Score (points of the
last ``SCORE_DAYS`` days before ``context.now()``, also the contact's) and Last Active, summed
from the table and written only for rows whose figures changed.

**Rewards**: a member's activities taken in event-time order, the first to reach a milestone of
``MILESTONES`` (a first post, 50 points, 100 points) earns one Rewards & Bounties row,
``reward:<email>:<milestone>``, whose Points are the member's points at that moment. Written
once: a row that exists is never rewritten.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, case, func, select

from notionhub.hubdb.engine import read_connection, upsert_statement
from notionhub.ingest.event import Event
from notionhub.ingest.payload_fields import first_email, first_text
from notionhub.notion.schema import NotionDate, NotionModel, to_properties
from notionhub.packs.network.contacts import Person, normal_email, upsert_contact
from notionhub.packs.network.models import CommunityProfile, Contact, Reward
from notionhub.packs.network.tables import network_activities
from notionhub.packs.pack import Agent, FlowContext, Schedule

NAME = "community-engagement"
COMMUNITY = "Community"
SCORE_DAYS = 30
POINTS = {"post": 5.0, "comment": 2.0, "event": 3.0, "other": 1.0}
MEMBERSHIP = {"joined": "Member", "left": "Left"}  # kinds kept with no points → Status
IGNORED = "ignored"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_MEMBER = _words("member members user users membership")
_ANY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class KindRule:
    """A kind, when the type has one of ``words`` (any word if empty) and, if given, one of
    ``verbs``."""

    kind: str
    words: frozenset[str]
    verbs: frozenset[str] = _ANY


KIND_RULES = (
    KindRule("left", _MEMBER, _words("removed deleted left leave banned deactivated")),
    KindRule("joined", _MEMBER, _words("created joined join added new accepted")),
    KindRule(IGNORED, _ANY, _words("updated edited deleted removed unpublished")),
    KindRule("comment", _words("comment comments reply replies replied")),
    KindRule("event", _words("rsvp rsvped attended attendee attendance checkin")),
    KindRule("event", _words("event events"), _words("registered going")),
    KindRule("post", _words("post posts topic thread")),
    KindRule(IGNORED, _MEMBER),
)


def kind_of(event_type: str) -> str:
    """The kind of a Circle event type (``KIND_RULES``); ``other`` when no rule matches."""
    words = set(re.findall(r"[a-z0-9]+", event_type.lower()))
    for rule in KIND_RULES:
        if (not rule.words or words & rule.words) and (not rule.verbs or words & rule.verbs):
            return rule.kind
    return "other"


@dataclass(frozen=True)
class Milestone:
    """A reward earned once, by the activity that first reaches ``posts`` and ``points``."""

    key: str
    reason: str
    posts: int = 0
    points: float = 0.0


MILESTONES = (
    Milestone("first-post", "First post in the community", posts=1),
    Milestone("50-points", "Reached 50 points", points=50),
    Milestone("100-points", "Reached 100 points", points=100),
)


# -- facts and figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    """One row of ``network_activities`` for a member."""

    activity_id: str
    kind: str
    points: float
    at: float  # Unix seconds, the event's time


@dataclass(frozen=True)
class Figures:
    """What a member's profile shows, summed from their activities."""

    posts: int = 0
    comments: int = 0
    events: int = 0
    points: float = 0.0
    recent_points: float = 0.0  # the Engagement Score
    last_active: float | None = None


@dataclass(frozen=True)
class Award:
    milestone: Milestone
    at: float
    points: float  # the member's points then


def keep_activity(engine: Engine, email: str, activity: Activity) -> bool:
    """Insert the row once; True when it is new."""
    row = {"email": email, **asdict(activity)}
    with engine.begin() as connection:
        done = connection.execute(
            upsert_statement(connection, network_activities).on_conflict_do_nothing(), [row]
        )
    return done.rowcount == 1


def member_figures(
    engine: Engine, now: datetime, emails: Collection[str] | None = None
) -> dict[str, Figures]:
    """Every member's figures (or those of ``emails``), as of ``now``."""
    table = network_activities.c
    cutoff = (now - timedelta(days=SCORE_DAYS)).timestamp()

    def counted(kind: str) -> Any:
        return func.sum(case((table.kind == kind, 1), else_=0))

    query = select(
        table.email,
        counted("post"),
        counted("comment"),
        counted("event"),
        func.sum(table.points),
        func.sum(case((table.at > cutoff, table.points), else_=0.0)),
        func.max(case((table.kind != "left", table.at), else_=None)),
    ).group_by(table.email)
    if emails is not None:
        query = query.where(table.email.in_(list(emails)))
    with read_connection(engine) as connection:
        rows = connection.execute(query).all()
    return {
        str(email): Figures(int(posts), int(comments), int(events), float(points), float(recent),
                            None if last is None else float(last))
        for email, posts, comments, events, points, recent, last in rows
    }  # fmt: skip


def member_activities(engine: Engine, email: str) -> list[Activity]:
    table = network_activities.c
    query = select(table.activity_id, table.kind, table.points, table.at).where(
        table.email == email
    )
    with read_connection(engine) as connection:
        return [
            Activity(str(a), str(k), float(p), float(t)) for a, k, p, t in connection.execute(query)
        ]


def milestones_reached(activities: Iterable[Activity]) -> list[Award]:
    """The milestones reached, each with the activity that first reached it in event-time order
    (ties by activity id): the same whatever order the activities arrived in."""
    posts, points = 0, 0.0
    awards: dict[str, Award] = {}
    for activity in sorted(activities, key=lambda a: (a.at, a.activity_id)):
        posts += 1 if activity.kind == "post" else 0
        points += activity.points
        for milestone in MILESTONES:
            reached = posts >= milestone.posts and points >= milestone.points
            if reached and milestone.key not in awards:
                awards[milestone.key] = Award(milestone, activity.at, points)
    return list(awards.values())


def membership(activities: Iterable[Activity]) -> tuple[str | None, float | None]:
    """The Status from the latest join or departure (a departure wins a tie), and the first
    join's time."""
    facts = [a for a in activities if a.kind in MEMBERSHIP]
    if not facts:
        return None, None
    latest = max(facts, key=lambda a: (a.at, a.kind == "left"))
    joins = [a.at for a in facts if a.kind == "joined"]
    return MEMBERSHIP[latest.kind], min(joins) if joins else None


def figure_values(figures: Figures) -> dict[str, Any]:
    """The profile's figure fields."""
    last = figures.last_active
    return {
        "posts": float(figures.posts),
        "comments": float(figures.comments),
        "events_attended": float(figures.events),
        "points": figures.points,
        "engagement_score": figures.recent_points,
        "last_active": None if last is None else NotionDate(_moment(last)),
    }


# -- the flow -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """Who a Circle event is about, as it says."""

    email: str
    name: str
    circle_id: str


_NAME_PATHS: list[list[str | int]] = [
    ["member_name"], ["member", "name"], ["community_member", "name"], ["user", "name"],
    ["author", "name"], ["data", "member", "name"], ["data", "community_member", "name"],
    ["data", "author", "name"], ["payload", "member", "name"],
]  # fmt: skip
_ID_PATHS: list[list[str | int]] = [
    ["community_member_id"], ["member_id"], ["data", "community_member_id"],
    ["data", "member_id"], ["member", "id"], ["community_member", "id"], ["data", "member", "id"],
    ["data", "community_member", "id"], ["payload", "member", "id"],
]  # fmt: skip
_AUTHOR_EMAILS: list[list[str | int]] = [
    ["author", "email"], ["data", "author", "email"], ["data", "user", "email"],
    ["payload", "author", "email"], ["payload", "user", "email"],
]  # fmt: skip


def community_event(event: Event, context: FlowContext) -> str:
    kind = kind_of(event.type)
    if kind == IGNORED:
        return f"{event.type}: nothing to count"
    member = read_member(event, kind)
    if member is None:
        return f"{event.type}: no member email: nothing to keep"
    activity = Activity(
        event.idempotency_key, kind, POINTS.get(kind, 0.0), event.occurred_at.timestamp()
    )
    new = keep_activity(context.engine, member.email, activity)
    what = f"{kind} of {member.email}" + ("" if new else " (seen before)")
    if kind in MEMBERSHIP:
        return f"{what}: {write_profile(context, member, event.occurred_at)}"
    notes = [f"{what}: {activity.points:g} points"]
    profile = context.records.mirrored(CommunityProfile, member.email)
    if profile is None:
        notes.append(write_profile(context, member, event.occurred_at))
        profile = context.records.mirrored(CommunityProfile, member.email)
    assert profile is not None and profile.page_id is not None
    notes += give_rewards(context, member.email, profile.page_id)
    return "; ".join(notes)


def read_member(event: Event, kind: str) -> Member | None:
    data = event.data
    email = (event.entity_key or first_email(data, _AUTHOR_EMAILS) or "").removeprefix("email:")
    if "@" not in email:
        return None
    paths = _NAME_PATHS
    ids = _ID_PATHS
    if kind in MEMBERSHIP:  # the body is the member: its own name and id
        paths = [["name"], ["data", "name"], ["payload", "name"], *paths]
        envelope = isinstance(data.get("data"), dict)
        ids = [*ids, ["data", "id"] if envelope else ["id"]]
    name = first_text(data, paths) or ""
    if not name:
        first = first_text(data, [["first_name"], ["data", "first_name"]]) or ""
        last = first_text(data, [["last_name"], ["data", "last_name"]]) or ""
        name = f"{first} {last}".strip()
    circle_id = first_text(data, ids) or ""
    return Member(normal_email(email), name.strip()[:100], circle_id.strip()[:64])


def write_profile(context: FlowContext, member: Member, at: datetime) -> str:
    """The member's contact and profile: status and joined from their joins and departures,
    figures from their activities."""
    contact, contact_note = upsert_contact(
        context,
        Person(member.email, member.name),
        at=at,
        sources=["Circle"],
        tags=["community"],
        entity=COMMUNITY,
    )
    records, engine = context.records, context.engine

    def build() -> CommunityProfile:
        current = records.mirrored(CommunityProfile, member.email)
        status, joined = membership(member_activities(engine, member.email))
        figures = member_figures(engine, context.now(), [member.email]).get(member.email)
        values: dict[str, Any] = figure_values(figures or Figures())
        if current is None:
            return CommunityProfile(
                member=member.name or member.email.split("@")[0],
                email=member.email,
                contact=[contact.page_id],
                circle_member_id=member.circle_id,
                status=status or "Member",  # active in the community: a member
                joined=None if joined is None else NotionDate(_moment(joined)),
                **values,
            )
        values.update(
            member=member.name or current.member,
            contact=list(dict.fromkeys([*current.contact, contact.page_id])),
            circle_member_id=member.circle_id or current.circle_member_id,
            status=status or current.status or "Member",
            joined=current.joined if joined is None else NotionDate(_moment(joined)),
        )
        return current.model_copy(update=values)

    result = context.records.upsert_computed(CommunityProfile, member.email, build)
    assert result is not None
    return f"{contact_note}; profile {result.action}"


def give_rewards(context: FlowContext, email: str, profile_page: str) -> list[str]:
    """A Rewards & Bounties row for each milestone reached and not rewarded yet."""
    records = context.records
    notes = []
    for award in milestones_reached(member_activities(context.engine, email)):
        key = f"reward:{email}:{award.milestone.key}"
        if records.mirrored(Reward, key) is not None:
            continue

        def build(award: Award = award, key: str = key) -> Reward | None:
            if records.mirrored(Reward, key) is not None:
                return None
            return Reward(
                reward_id=key,
                member=[profile_page],
                kind="Reward",
                points=award.points,
                reason=award.milestone.reason,
                awarded=NotionDate(_moment(award.at)),
            )

        if records.upsert_computed(Reward, key, build) is not None:
            notes.append(f"reward {award.milestone.key!r} given")
    return notes


# -- figures refreshed ----------------------------------------------------------------------


def refresh_community(context: FlowContext) -> str | None:
    """Write the figures of every profile (and its contact's score) whose figures changed."""
    records, engine = context.records, context.engine
    profiles = contacts = 0
    for email, figures in sorted(member_figures(engine, context.now()).items()):
        values = figure_values(figures)
        profile = records.mirrored(CommunityProfile, email)
        if profile is not None and _differs(profile, values):
            profiles += _write(context, CommunityProfile, email, figure_values)
        contact = records.mirrored(Contact, email)
        if contact is not None and _score_changed(contact, figures.recent_points):
            contacts += _write(context, Contact, email, _score_values)
    if not profiles and not contacts:
        return None
    return f"community: {profiles} profiles and {contacts} contacts refreshed"


def _write(
    context: FlowContext,
    model: type[NotionModel],
    email: str,
    values: Callable[[Figures], dict[str, Any]],
) -> int:
    """Rewrite the row's figures, recomputed while holding its lease; 1 if a write was sent."""
    records, engine = context.records, context.engine

    def build() -> NotionModel | None:
        current = records.mirrored(model, email)
        figures = member_figures(engine, context.now(), [email]).get(email, Figures())
        return None if current is None else current.model_copy(update=values(figures))

    result = records.upsert_computed(model, email, build)
    return int(result is not None and result.action != "unchanged")


def _score_values(figures: Figures) -> dict[str, Any]:
    return {"engagement_score": figures.recent_points}


def _score_changed(contact: Contact, score: float) -> bool:
    """Whether the contact's score is to be written (one never scored stays blank at 0)."""
    if contact.engagement_score is None and not score:
        return False
    return _differs(contact, {"engagement_score": score})


def _differs(record: NotionModel, values: dict[str, Any]) -> bool:
    """Whether writing ``values`` would change what Notion holds (compared as sent)."""
    fields = list(values)
    updated = record.model_copy(update=values)
    return to_properties(updated, only=fields) != to_properties(record, only=fields)


def _moment(at: float) -> datetime:
    return datetime.fromtimestamp(int(at), UTC)  # whole seconds: what Notion keeps and shows


AGENT = Agent(
    name=NAME,
    description="Keeps Circle.so members' Community Hub profiles (status, posts, comments,"
    " events, points, a 30-day engagement score) and their contacts, and gives rewards at"
    " milestones.",
    flows={"circle:*": community_event},
    schedules=(
        Schedule(
            name="community-scores-daily",
            cron="30 3 * * *",
            run=refresh_community,
            description="Engagement scores recomputed as the 30-day window moves on.",
        ),
    ),
    writes=(Contact, CommunityProfile, Reward),
)
