"""MarketingCampaign end to end against the local Notion server: Beehiiv subscriptions become
contacts' newsletter status (the latest event wins, whatever order they arrive in), sent posts
become campaigns with their figures, and the Newsletter campaign counts active subscribers."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select

from notionhub.errors import PayloadRejected
from notionhub.packs.network.agents import marketing
from notionhub.packs.network.agents.marketing import (
    STATUS_RANK,
    Subscription,
    keep_subscription,
    refresh_newsletter,
)
from notionhub.packs.network.models import BusinessEntity, Contact, MarketingCampaign
from notionhub.packs.network.tables import metadata, network_subscriptions
from tests.conftest import RunningServer
from tests.packs.network.conftest import Network

PAYLOADS = Path(__file__).parents[2] / "ingest" / "payloads" / "beehiiv"
JANE = "jane.doe@example.com"
T0 = 1764072000  # 2025-11-25 12:00 UTC
POST_ID = "post_3f2e1d0c-9b8a-4766-8594-a3b2c1d0e9f8"


def subscription(
    event_type: str, email: str = JANE, status: str | None = "active", at: int = T0, **data: Any
) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((PAYLOADS / "subscription.created.json").read_text())
    body.update(event_type=event_type, event_timestamp=at, uid=f"evt_{uuid.uuid4()}")
    body["data"].update(email=email, **data)
    if status is None:
        del body["data"]["status"]
    else:
        body["data"]["status"] = status
    return body


def post(
    event_type: str = "post.sent", stats: dict[str, Any] | None = None, **data: Any
) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((PAYLOADS / "post.sent.json").read_text())
    body.update(event_type=event_type, uid=f"evt_{uuid.uuid4()}")
    body["data"].update(data)
    if stats is not None:
        body["data"]["stats"] = stats
    return body


def email_stats(recipients: int, opens: int, clicks: int) -> dict[str, Any]:
    """Beehiiv's post ``stats`` (``expand[]=stats``): unique and total opens and clicks."""
    return {
        "email": {
            "recipients": recipients,
            "delivered": recipients,
            "opens": opens * 2,
            "unique_opens": opens,
            "clicks": clicks * 3,
            "unique_clicks": clicks,
        },
        "web": {"views": 10, "clicks": 1},
    }


def deliver(network: Network, body: dict[str, Any]) -> str:
    """Run the MarketingCampaign flow that handles ``body``; its account."""
    event = network.event("beehiiv", body)
    [flow] = marketing.AGENT.flows_for(event)
    return flow(event, network.context()) or ""


def newsletter(network: Network, email: str = JANE) -> str | None:
    contact: Contact = network.row(Contact, email)
    return contact.newsletter


def stored(network: Network, email: str = JANE) -> tuple[str, float]:
    table = network_subscriptions
    query = select(table.c.status, table.c.at).where(table.c.email == email)
    with network.connection.engine.connect() as connection:
        row = connection.execute(query).one()
    return str(row.status), float(row.at)


def requests_made(server: RunningServer) -> int:
    total: int = server.admin("GET", "/_admin/stats").json()["total"]
    return total


# -- subscriptions ------------------------------------------------------------------------------


def test_a_new_subscriber_becomes_a_subscribed_contact_of_the_newsletter(network: Network) -> None:
    body = subscription(
        "subscription.created",
        email="Jane.Doe@Example.com",
        custom_fields=[
            {"name": "First Name", "kind": "string", "value": "Jane"},
            {"name": "Last Name", "kind": "string", "value": "Doe"},
        ],
    )
    note = deliver(network, body)
    assert note == f"subscription.created {JANE}: active; contact {JANE} created"
    contact = network.row(Contact, JANE)
    assert (contact.name, contact.lead_sources, contact.newsletter) == (
        "Jane Doe",
        ["Beehiiv"],
        "Subscribed",
    )
    assert contact.business_entity == [network.row(BusinessEntity, "Newsletter").page_id]
    assert stored(network) == ("active", T0)


def test_each_subscription_event_sets_the_newsletter_status(network: Network) -> None:
    steps = [
        ("subscription.created", "pending", "Pending"),
        ("subscription.confirmed", "pending", "Subscribed"),  # the event says more than data
        ("subscription.upgraded", "active", "Subscribed"),
        ("subscription.paused", "active", "Unsubscribed"),
        ("subscription.resumed", "paused", "Subscribed"),
        ("subscription.tier.paused", "active", "Subscribed"),  # a paid tier, not the letter
        ("subscription.downgraded", "active", "Subscribed"),
        ("subscription.deleted", "active", "Unsubscribed"),
        ("subscription.created", "validating", "Pending"),  # back, awaiting confirmation
    ]
    for number, (event_type, status, expected) in enumerate(steps):
        deliver(network, subscription(event_type, status=status, at=T0 + number))
        assert newsletter(network) == expected, event_type
    assert len(network.rows(Contact)) == 1


def test_an_older_event_arriving_late_changes_nothing(network: Network) -> None:
    deliver(network, subscription("subscription.deleted", at=T0 + 60))
    note = deliver(network, subscription("subscription.created", status="active", at=T0))
    assert note.startswith(f"subscription.created {JANE}: active is older than inactive, kept")
    assert newsletter(network) == "Unsubscribed"
    assert stored(network) == ("inactive", T0 + 60)
    # Re-subscribing later wins again.
    deliver(network, subscription("subscription.created", status="active", at=T0 + 120))
    assert newsletter(network) == "Subscribed"


@pytest.mark.parametrize("order", [("created", "confirmed"), ("confirmed", "created")])
def test_a_creation_and_a_confirmation_of_one_second_end_subscribed_in_any_order(
    network: Network, order: tuple[str, str]
) -> None:
    for name in order:
        deliver(network, subscription(f"subscription.{name}", status="pending", at=T0))
    assert newsletter(network) == "Subscribed"
    assert stored(network) == ("active", T0)


def test_a_subscription_delivered_twice_writes_nothing_more(
    network: Network, network_server: RunningServer
) -> None:
    body = subscription("subscription.created")
    network.deliver("beehiiv", body)
    before = network.pages(Contact.__database__.name)
    made = requests_made(network_server)
    network.deliver("beehiiv", body)
    assert requests_made(network_server) == made  # not even a read
    assert network.pages(Contact.__database__.name) == before


def test_subscription_payloads_it_cannot_use_are_told_or_refused(network: Network) -> None:
    no_data = subscription("subscription.created")
    no_data["data"] = "sub_1"
    with pytest.raises(PayloadRejected, match="no data object"):
        deliver(network, no_data)
    no_email = subscription("subscription.created")
    del no_email["data"]["email"]
    assert deliver(network, no_email) == (
        "subscription.created: no subscriber email: nothing to keep"
    )
    assert deliver(network, subscription("subscription.created", status="frozen")) == (
        f"subscription.created {JANE}: status 'frozen' is not one we know: not kept"
    )
    assert deliver(network, subscription("subscription.upgraded", status=None)) == (
        f"subscription.upgraded {JANE}: status None is not one we know: not kept"
    )
    assert network.rows(Contact) == []


EVENTS = st.lists(
    st.tuples(st.sampled_from(sorted(STATUS_RANK)), st.integers(0, 5)), min_size=1, max_size=8
)


@settings(max_examples=80, deadline=None)
@given(events=EVENTS, data=st.data())
def test_the_status_kept_is_the_latest_whatever_the_order(
    events: list[tuple[str, int]], data: st.DataObject
) -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    arrived = data.draw(st.permutations(events))
    for status, at in arrived:
        kept = keep_subscription(engine, "a@example.com", status, float(at))
    status, at = max(events, key=lambda e: (e[1], STATUS_RANK[e[0]]))
    assert kept == Subscription(status, float(at))
    engine.dispose()


# -- subscribers --------------------------------------------------------------------------------


def test_the_newsletter_campaign_counts_active_addresses_after_a_burst(
    network: Network, network_server: RunningServer
) -> None:
    for number in range(5):
        deliver(network, subscription("subscription.created", email=f"s{number}@example.com"))
    deliver(network, subscription("subscription.deleted", email="s0@example.com", at=T0 + 9))
    deliver(network, subscription("subscription.paused", email="s1@example.com", at=T0 + 9))
    deliver(network, subscription("subscription.created", email="p@example.com", status="pending"))
    deliver(network, subscription("subscription.created", email="s2@example.com", at=T0 - 9))
    assert network.rows(MarketingCampaign) == []  # figures wait for the upkeep

    assert "newsletter: 3 subscribers" in network.upkeep()
    campaign = network.row(MarketingCampaign, "Newsletter")
    assert (campaign.subscribers, campaign.channel) == (3, "Newsletter")
    assert campaign.business_entity == [network.row(BusinessEntity, "Newsletter").page_id]

    made = requests_made(network_server)
    assert refresh_newsletter(network.context()) is None  # nothing changed: no request
    assert requests_made(network_server) == made

    deliver(network, subscription("subscription.resumed", email="s1@example.com", at=T0 + 20))
    deliver(network, subscription("subscription.confirmed", email="p@example.com", at=T0 + 20))
    assert refresh_newsletter(network.context()) == "newsletter: 5 subscribers"
    assert network.row(MarketingCampaign, "Newsletter").subscribers == 5


def test_no_subscriber_yet_writes_no_campaign(network: Network) -> None:
    assert refresh_newsletter(network.context()) is None
    assert network.rows(MarketingCampaign) == []


# -- posts --------------------------------------------------------------------------------------


def test_a_sent_post_becomes_a_newsletter_campaign(network: Network) -> None:
    note = deliver(network, post())
    assert note == f"post {POST_ID}: campaign 'This week' created"
    campaign = network.row(MarketingCampaign, "This week")
    assert (campaign.channel, campaign.post_id) == ("Newsletter", POST_ID)
    assert campaign.published_at.start == datetime(2025, 11, 25, 12, 0, tzinfo=UTC)
    assert (campaign.recipients, campaign.opens, campaign.clicks) == (None, None, None)
    assert campaign.business_entity == [network.row(BusinessEntity, "Newsletter").page_id]


def test_a_posts_figures_come_from_its_stats_and_only_grow(network: Network) -> None:
    deliver(network, post(stats=email_stats(1000, 0, 0)))
    deliver(network, post("post.updated", stats=email_stats(1000, 420, 37)))
    campaign = network.row(MarketingCampaign, "This week")
    assert (campaign.recipients, campaign.opens, campaign.clicks) == (1000, 420, 37)
    # An older update arriving late keeps the larger figures.
    note = deliver(network, post("post.updated", stats=email_stats(1000, 300, 20)))
    assert note == f"post {POST_ID}: campaign 'This week' unchanged"
    campaign = network.row(MarketingCampaign, "This week")
    assert (campaign.opens, campaign.clicks) == (420, 37)


def test_an_update_of_a_post_never_sent_keeps_nothing_and_asks_nothing(
    network: Network, network_server: RunningServer
) -> None:
    made = requests_made(network_server)
    note = deliver(network, post("post.updated", status="draft"))
    assert note == f"post {POST_ID} was not sent: nothing to keep"
    assert requests_made(network_server) == made
    assert network.rows(MarketingCampaign) == []


def test_a_second_post_with_the_same_title_gets_its_own_campaign(network: Network) -> None:
    deliver(network, post())
    deliver(network, post(id="post_2", publish_date=T0 + 7 * 86400))  # a week later
    names = sorted(c.name for c in network.rows(MarketingCampaign))
    assert names == ["This week", "This week (2025-12-02)"]
    assert network.row(MarketingCampaign, "This week (2025-12-02)").post_id == "post_2"
    later = {"id": "post_2", "publish_date": T0 + 7 * 86400}
    deliver(network, post("post.updated", stats=email_stats(5, 4, 3), **later))
    assert network.row(MarketingCampaign, "This week (2025-12-02)").opens == 4
    assert network.row(MarketingCampaign, "This week").opens is None


def test_a_campaign_people_planned_keeps_their_fields_when_its_post_is_sent(
    network: Network,
) -> None:
    planned = MarketingCampaign(name="This week", channel="Blog", content_status="Scheduled")
    network.connection.records().upsert(planned)
    deliver(network, post(stats=email_stats(900, 100, 10)))
    campaign = network.row(MarketingCampaign, "This week")
    assert (campaign.channel, campaign.content_status) == ("Blog", "Scheduled")
    assert (campaign.post_id, campaign.recipients) == (POST_ID, 900)
    assert len(network.rows(MarketingCampaign)) == 1


def test_a_post_delivered_twice_writes_nothing_more(
    network: Network, network_server: RunningServer
) -> None:
    body = post(stats=email_stats(10, 5, 1))
    network.deliver("beehiiv", body)
    before = network.pages(MarketingCampaign.__database__.name)
    made = requests_made(network_server)
    network.deliver("beehiiv", copy.deepcopy(body))
    assert requests_made(network_server) == made
    assert network.pages(MarketingCampaign.__database__.name) == before


def test_post_payloads_it_cannot_use_are_refused(network: Network) -> None:
    no_post = post()
    no_post["data"] = None
    with pytest.raises(PayloadRejected, match="no data object"):
        deliver(network, no_post)
    no_id = post()
    del no_id["data"]["id"]
    with pytest.raises(PayloadRejected, match="names no post id"):
        deliver(network, no_id)
    untitled = post()
    del untitled["data"]["title"]
    deliver(network, untitled)  # the subject line names it
    assert network.row(MarketingCampaign, "This week in clarity").post_id == POST_ID
