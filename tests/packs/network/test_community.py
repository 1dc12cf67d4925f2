"""CommunityEngagement end to end against the local Notion server: Circle.so members become
Community Hub profiles and contacts, each activity one row with its points, figures and scores
recomputed by the upkeep, rewards given once at milestones."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, select

from notionhub.errors import PayloadRejected
from notionhub.hubdb.engine import create_tables
from notionhub.packs.network.agents import community
from notionhub.packs.network.agents.community import (
    KIND_RULES,
    MILESTONES,
    POINTS,
    SCORE_DAYS,
    Activity,
    Figures,
    keep_activity,
    kind_of,
    member_figures,
    milestones_reached,
    refresh_community,
)
from notionhub.packs.network.models import (
    BusinessEntity,
    CommunityProfile,
    Contact,
    Reward,
)
from notionhub.packs.network.tables import metadata, network_activities
from tests.conftest import RunningServer
from tests.packs.network.conftest import NOW, Network

PAYLOADS = Path(__file__).parents[2] / "ingest" / "payloads" / "circle"
JANE = "jane.doe@example.com"
JOINED = datetime(2026, 11, 20, 9, 20, tzinfo=UTC)


def member_created(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((PAYLOADS / "member_created.json").read_text())
    body.update(changes)
    return body


def activity(
    event_type: str, event_id: str, at: datetime = NOW, email: str = JANE, **data: Any
) -> dict[str, Any]:
    """An activity as a Circle workflow's webhook would post it (the member inside)."""
    return {
        "event_id": event_id,
        "type": event_type,
        "created_at": at.isoformat().replace("+00:00", "Z"),
        "data": {"id": 9000, "member": {"email": email, "name": "Jane Doe", "id": 555}, **data},
    }


def deliver(network: Network, body: dict[str, Any], url: str = "") -> str:
    """Run the CommunityEngagement flow for ``body``; its account."""
    event = network.event("circle", body, url=url)
    [flow] = community.AGENT.flows_for(event)
    return flow(event, network.context()) or ""


def activities(network: Network) -> list[tuple[str, str, str, float]]:
    table = network_activities.c
    query = select(table.activity_id, table.email, table.kind, table.points).order_by(
        table.activity_id
    )
    with network.connection.engine.connect() as connection:
        return [(str(a), str(e), str(k), float(p)) for a, e, k, p in connection.execute(query)]


def requests_made(server: RunningServer) -> int:
    total: int = server.admin("GET", "/_admin/stats").json()["total"]
    return total


def figures_of(profile: CommunityProfile) -> tuple[Any, ...]:
    return (
        profile.posts,
        profile.comments,
        profile.events_attended,
        profile.points,
        profile.engagement_score,
    )


# -- members --------------------------------------------------------------------------------


def test_a_member_who_joins_gets_a_profile_and_a_community_contact(network: Network) -> None:
    note = deliver(network, member_created())
    assert note == f"joined of {JANE}: contact {JANE} created; profile created"
    contact = network.row(Contact, JANE)
    assert (contact.name, contact.lead_sources, contact.tags) == (
        "Jane Doe",
        ["Circle"],
        ["community"],
    )
    assert contact.business_entity == [network.row(BusinessEntity, "Community").page_id]
    profile = network.row(CommunityProfile, JANE)
    assert (profile.member, profile.circle_member_id, profile.status) == (
        "Jane Doe",
        "555",
        "Member",
    )
    assert profile.joined.start == JOINED
    assert profile.contact == [contact.page_id]
    assert figures_of(profile) == (0, 0, 0, 0, 0)


def test_a_member_named_by_the_url_of_a_flat_body_joins_and_leaves(network: Network) -> None:
    body = json.loads((PAYLOADS / "new_member_flat.json").read_text())
    hook = "http://127.0.0.1/hooks/circle?event="
    deliver(network, body, url=hook + "member.joined")
    assert network.row(CommunityProfile, JANE).status == "Member"
    deliver(network, body, url=hook + "member.removed")
    profile = network.row(CommunityProfile, JANE)
    assert (profile.member, profile.status) == ("Jane Doe", "Left")


def test_a_departure_arriving_before_the_join_it_follows_keeps_the_member_left(
    network: Network,
) -> None:
    left = member_created(
        id="evt_9877", type="community_member.removed", created_at="2026-11-25T10:00:00Z"
    )
    deliver(network, left)
    assert network.row(CommunityProfile, JANE).status == "Left"
    deliver(network, member_created())  # joined on the 20th, delivered late
    profile = network.row(CommunityProfile, JANE)
    assert profile.status == "Left"
    assert profile.joined.start == JOINED
    # Joining again later makes them a member again.
    deliver(network, member_created(id="evt_9878", created_at="2026-11-27T10:00:00Z"))
    assert network.row(CommunityProfile, JANE).status == "Member"


def test_a_member_event_delivered_twice_writes_nothing_more(
    network: Network, network_server: RunningServer
) -> None:
    network.deliver("circle", member_created())
    before = [network.pages(m.__database__.name) for m in (Contact, CommunityProfile)]
    made = requests_made(network_server)
    network.deliver("circle", member_created())
    assert requests_made(network_server) == made  # not even a read
    assert [network.pages(m.__database__.name) for m in (Contact, CommunityProfile)] == before
    assert len(activities(network)) == 1


# -- activities -----------------------------------------------------------------------------


def test_each_kind_of_activity_is_one_row_with_its_points(network: Network) -> None:
    deliver(network, member_created())
    kinds = {
        "post.created": ("post", 5.0),
        "comment.created": ("comment", 2.0),
        "event.rsvp": ("event", 3.0),
        "member_attended_event": ("event", 3.0),
        "event_attendee.created": ("event", 3.0),
        "reaction.created": ("other", 1.0),
        "lesson.completed": ("other", 1.0),
    }
    for number, event_type in enumerate(kinds):
        note = deliver(network, activity(event_type, f"a{number}"))
        assert note.startswith(f"{kinds[event_type][0]} of {JANE}: ")
    rows = {a: (kind, points) for a, _email, kind, points in activities(network)}
    assert rows == {
        "circle:evt_9876": ("joined", 0.0),
        **{f"circle:a{n}": found for n, found in enumerate(kinds.values())},
    }


@pytest.mark.parametrize("event_type", ["post.deleted", "comment.updated", "member.tagged"])
def test_changes_that_are_no_activity_count_nothing(network: Network, event_type: str) -> None:
    assert deliver(network, activity(event_type, "x1")) == f"{event_type}: nothing to count"
    assert activities(network) == []
    assert network.rows(CommunityProfile) == []


def test_a_first_activity_without_a_join_makes_the_profile_and_a_late_join_completes_it(
    network: Network,
) -> None:
    note = deliver(network, activity("comment.created", "c1"))
    assert note == (f"comment of {JANE}: 2 points; contact {JANE} created; profile created")
    profile = network.row(CommunityProfile, JANE)
    assert (profile.status, profile.joined, profile.points) == ("Member", None, 2)
    deliver(network, member_created())
    profile = network.row(CommunityProfile, JANE)
    assert (profile.status, profile.circle_member_id) == ("Member", "555")
    assert profile.joined.start == JOINED


def test_an_activity_delivered_twice_is_counted_once_and_writes_nothing_more(
    network: Network, network_server: RunningServer
) -> None:
    body = activity("post.created", "p1")
    network.deliver("circle", body)
    models = (Contact, CommunityProfile, Reward)
    before = [network.pages(m.__database__.name) for m in models]
    made = requests_made(network_server)
    assert deliver(network, body) == f"post of {JANE} (seen before): 5 points"
    assert requests_made(network_server) == made
    assert [network.pages(m.__database__.name) for m in models] == before
    assert len(activities(network)) == 1


def test_bodies_it_cannot_use_are_told_or_refused(network: Network) -> None:
    anonymous = activity("post.created", "p1")
    del anonymous["data"]["member"]
    assert deliver(network, anonymous) == "post.created: no member email: nothing to keep"
    by_author = activity("post.created", "p2")
    by_author["data"] = {"author": {"email": "Ana@Example.com", "name": "Ana"}}
    assert deliver(network, by_author).startswith("post of ana@example.com: 5 points")
    with pytest.raises(PayloadRejected, match="event type is unknown"):
        network.event("circle", {"email": JANE, "name": "Jane"})
    with pytest.raises(PayloadRejected, match="not an email address"):
        deliver(network, activity("post.created", "p3", email="@" * 300))
    assert [email for _a, email, _k, _p in activities(network)] == ["ana@example.com"]


# -- figures --------------------------------------------------------------------------------


def test_after_a_burst_the_upkeep_writes_each_profiles_figures_once(
    network: Network, network_server: RunningServer
) -> None:
    deliver(network, member_created())
    deliver(network, member_created(id="evt_1", data={"email": "ana@example.com", "name": "Ana"}))
    old = NOW - timedelta(days=SCORE_DAYS + 5)
    burst = [
        ("post.created", NOW - timedelta(days=1)),
        ("post.created", old),
        ("comment.created", NOW - timedelta(hours=3)),
        ("comment.created", NOW - timedelta(days=2)),
        ("comment.created", old),
        ("event.attended", NOW - timedelta(days=10)),
        ("reaction.created", old),
    ]
    shuffled = list(enumerate(burst))
    random.Random(7).shuffle(shuffled)
    for number, (event_type, at) in shuffled:
        deliver(network, activity(event_type, f"b{number}", at=at))
    note = network.upkeep()
    assert "community: 1 profiles and 1 contacts refreshed" in note

    profile = network.row(CommunityProfile, JANE)
    # points: 2 posts 10 + 3 comments 6 + 1 event 3 + 1 other 1 = 20; last 30 days: 5 + 4 + 3
    assert figures_of(profile) == (2, 3, 1, 20, 12)
    assert profile.last_active.start == NOW - timedelta(hours=3)
    assert network.row(Contact, JANE).engagement_score == 12
    assert figures_of(network.row(CommunityProfile, "ana@example.com")) == (0, 0, 0, 0, 0)

    made = requests_made(network_server)
    assert refresh_community(network.context()) is None  # nothing changed: no request
    assert requests_made(network_server) == made

    # Three weeks on, without an event: the event attended ten days before is out of the window.
    network.now = lambda: NOW + timedelta(days=21)
    assert refresh_community(network.context()) == (
        "community: 1 profiles and 1 contacts refreshed"
    )
    assert figures_of(network.row(CommunityProfile, JANE)) == (2, 3, 1, 20, 9)
    assert network.row(Contact, JANE).engagement_score == 9


# -- rewards --------------------------------------------------------------------------------


def test_rewards_are_given_once_at_each_milestone(network: Network) -> None:
    deliver(network, member_created())
    note = deliver(network, activity("post.created", "p0", at=NOW - timedelta(hours=30)))
    assert note.endswith("reward 'first-post' given")
    for number in range(1, 20):  # 19 more posts: 100 points
        deliver(
            network, activity("post.created", f"p{number}", at=NOW - timedelta(hours=30 - number))
        )
    for number in range(20):  # again: nothing new
        deliver(network, activity("post.created", f"p{number}"))

    profile = network.row(CommunityProfile, JANE)
    rewards = {reward.reward_id: reward for reward in network.rows(Reward)}
    assert sorted(rewards) == [
        f"reward:{JANE}:100-points",
        f"reward:{JANE}:50-points",
        f"reward:{JANE}:first-post",
    ]
    first = rewards[f"reward:{JANE}:first-post"]
    assert (first.kind, first.points, first.reason) == ("Reward", 5, "First post in the community")
    assert first.member == [profile.page_id]
    assert first.awarded.start == NOW - timedelta(hours=30)
    fifty = rewards[f"reward:{JANE}:50-points"]
    assert (fifty.points, fifty.reason) == (50, "Reached 50 points")
    assert fifty.awarded.start == NOW - timedelta(hours=21)  # the tenth post
    assert rewards[f"reward:{JANE}:100-points"].awarded.start == NOW - timedelta(hours=11)


def test_a_late_earlier_activity_does_not_give_a_reward_twice(network: Network) -> None:
    deliver(network, activity("post.created", "p1", at=NOW))
    deliver(network, activity("post.created", "p0", at=NOW - timedelta(days=1)))
    [reward] = network.rows(Reward)
    assert reward.awarded.start == NOW  # given when it was reached; not moved


# -- properties of the computation ------------------------------------------------------------

KINDS = [*sorted(POINTS), "joined", "left"]
ACTIVITIES = st.lists(
    st.tuples(
        st.sampled_from(["a@example.com", "b@example.com"]),
        st.sampled_from(KINDS),
        st.integers(0, 90 * 86400),  # seconds before NOW
    ),
    max_size=25,
)


def as_activities(drawn: list[tuple[str, str, int]]) -> list[tuple[str, Activity]]:
    return [
        (email, Activity(f"e{n}", kind, POINTS.get(kind, 0.0), NOW.timestamp() - ago))
        for n, (email, kind, ago) in enumerate(drawn)
    ]


@settings(max_examples=60, deadline=None)
@given(drawn=ACTIVITIES, days_later=st.integers(0, 60))
def test_figures_are_the_sums_of_the_activities(
    drawn: list[tuple[str, str, int]], days_later: int
) -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    rows = as_activities(drawn)
    for email, row in rows:
        assert keep_activity(engine, email, row)
        assert not keep_activity(engine, email, row)  # the same event again: no second row
    now = NOW + timedelta(days=days_later)
    cutoff = (now - timedelta(days=SCORE_DAYS)).timestamp()
    expected = {}
    for email in {email for email, _ in rows}:
        mine = [row for e, row in rows if e == email]
        active = [row.at for row in mine if row.kind != "left"]
        expected[email] = Figures(
            posts=sum(row.kind == "post" for row in mine),
            comments=sum(row.kind == "comment" for row in mine),
            events=sum(row.kind == "event" for row in mine),
            points=sum(row.points for row in mine),
            recent_points=sum(row.points for row in mine if row.at > cutoff),
            last_active=max(active) if active else None,
        )
    assert member_figures(engine, now) == expected
    engine.dispose()


@settings(max_examples=100, deadline=None)
@given(drawn=ACTIVITIES, data=st.data())
def test_milestones_do_not_depend_on_the_order_activities_arrive_in(
    drawn: list[tuple[str, str, int]], data: st.DataObject
) -> None:
    rows = [row for _email, row in as_activities(drawn)]
    awards = milestones_reached(rows)
    assert milestones_reached(data.draw(st.permutations(rows))) == awards
    posts = sum(row.kind == "post" for row in rows)
    points = sum(row.points for row in rows)
    reached = {m.key for m in MILESTONES if posts >= m.posts and points >= m.points}
    assert {award.milestone.key for award in awards} == reached
    for award in awards:
        assert award.points >= award.milestone.points
        assert award.at in {row.at for row in rows}


@pytest.mark.parametrize(
    ("event_type", "kind"),
    [
        ("community_member.created", "joined"),
        ("member.joined", "joined"),
        ("new_member", "joined"),
        ("member.removed", "left"),
        ("community_member.deleted", "left"),
        ("member_left", "left"),
        ("post.created", "post"),
        ("Post Published", "post"),
        ("comment.created", "comment"),
        ("post_comment", "comment"),
        ("event.rsvp", "event"),
        ("event_attendee.created", "event"),
        ("event.registered", "event"),
        ("lesson.completed", "other"),
        ("reaction.created", "other"),
        ("post.deleted", "ignored"),
        ("comment.updated", "ignored"),
        ("member.updated", "ignored"),
        ("member.tagged", "ignored"),
    ],
)
def test_the_kind_is_read_from_the_words_of_the_type(event_type: str, kind: str) -> None:
    assert kind_of(event_type) == kind


@given(st.text(max_size=60))
def test_any_type_has_a_kind_and_only_counted_kinds_have_points(event_type: str) -> None:
    kind = kind_of(event_type)
    assert kind in {rule.kind for rule in KIND_RULES} | {"other"}
    assert (kind in POINTS) == (kind not in {"joined", "left", "ignored"})


def test_an_activity_kept_twice_is_new_once_in_both_databases(any_hub_engine: Engine) -> None:
    """``keep_activity`` says whether the row is new: on PostgreSQL an INSERT's row count is
    -1 unless kept, which once read as "new" for every redelivery."""
    create_tables(any_hub_engine, metadata)
    activity = Activity("circle:post-1", "post", 5.0, 1_000.0)
    assert keep_activity(any_hub_engine, "ana@example.com", activity) is True
    assert keep_activity(any_hub_engine, "ana@example.com", activity) is False
