"""AudienceSegmentation end to end against the local Notion server: each campaign's Segment Rule
applied to every contact by the segments-hourly job, as tags and an Audience Size."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from notionhub.packs.network.agents.segmentation import apply_segments, segment_tag
from notionhub.packs.network.models import Contact, MarketingCampaign
from tests.packs.network.conftest import NOW, Network

RETREAT = "Retreat push"
VIP = "VIP letter"


def contact(network: Network, email: str, **values: Any) -> None:
    network.connection.records().upsert(
        Contact(name=email.split("@", maxsplit=1)[0], email=email, **values)
    )


def campaign(network: Network, name: str, rule: str) -> None:
    network.connection.records().upsert(MarketingCampaign(name=name, segment_rule=rule))


def run(network: Network) -> str:
    """The segments-hourly job for the tick at NOW."""
    return apply_segments(replace(network.context(), scheduled_at=NOW))


def tags(network: Network) -> dict[str, list[str]]:
    return {row.email: row.tags for row in network.rows(Contact)}


def sizes(network: Network) -> dict[str, float | None]:
    return {row.name: row.audience_size for row in network.rows(MarketingCampaign)}


def people(network: Network) -> None:
    contact(network, "ana@example.com", lead_sources=["Typeform"], tags=["retreat", "mine"])
    contact(network, "ben@example.com", lead_sources=["Typeform"], newsletter="Subscribed")
    contact(network, "cy@example.com", lead_sources=["Snov.io"], tags=["vip", "retreat"])
    contact(network, "di@example.com", lead_sources=["Website Form"], engagement_score=15)


def test_matching_contacts_are_tagged_and_counted(network: Network) -> None:
    people(network)
    campaign(network, RETREAT, "source:Typeform and tag:retreat")
    campaign(network, VIP, "newsletter:Subscribed or tag:vip or score>=10")
    assert run(network) == (
        f"2 segments applied ({RETREAT!r}: 1, {VIP!r}: 3); 4 contacts retagged,"
        " 2 audience sizes written"
    )
    assert tags(network) == {
        "ana@example.com": ["retreat", "mine", "segment:Retreat push"],
        "ben@example.com": ["segment:VIP letter"],
        "cy@example.com": ["vip", "retreat", "segment:VIP letter"],
        "di@example.com": ["segment:VIP letter"],
    }
    assert sizes(network) == {RETREAT: 1, VIP: 3}


def test_a_run_that_finds_nothing_new_writes_nothing(network: Network) -> None:
    people(network)
    campaign(network, RETREAT, "source:Typeform and tag:retreat")
    run(network)
    before = {m: network.pages(m.__database__.name) for m in (Contact, MarketingCampaign)}
    assert run(network) == (
        f"1 segments applied ({RETREAT!r}: 1); 0 contacts retagged, 0 audience sizes written"
    )
    after = {m: network.pages(m.__database__.name) for m in (Contact, MarketingCampaign)}
    assert after == before


def test_a_contact_that_no_longer_matches_loses_only_the_segment_tag(network: Network) -> None:
    people(network)
    campaign(network, RETREAT, "tag:retreat")
    run(network)
    assert sizes(network) == {RETREAT: 2}
    # A person takes "retreat" off Cy and adds tags of their own (one looks like a segment's,
    # of no campaign: it is theirs).
    cy = ["vip", "segment:Retreat push", "segment:Old letter", "x"]
    network.person_edits(Contact, "cy@example.com", tags=cy)
    assert run(network).endswith("1 contacts retagged, 1 audience sizes written")
    assert tags(network) == {
        "ana@example.com": ["retreat", "mine", "segment:Retreat push"],
        "ben@example.com": [],
        "cy@example.com": ["vip", "segment:Old letter", "x"],
        "di@example.com": [],
    }
    assert sizes(network) == {RETREAT: 1}


def test_a_bad_rule_is_reported_and_touches_nothing(network: Network) -> None:
    people(network)
    campaign(network, RETREAT, "tag:retreat")
    run(network)
    network.person_edits(MarketingCampaign, RETREAT, segment_rule="tag:retreat and")
    campaign(network, VIP, "tags:vip")
    before = network.pages(Contact.__database__.name)
    note = run(network)
    assert note == (
        "0 segments applied; 0 contacts retagged, 0 audience sizes written;"
        f" {RETREAT!r}: rule not applied (at character 16: expected a condition (tag:…,"
        " source:…, newsletter:…, score>=…), 'not' or '(' but found the end of the rule);"
        f" {VIP!r}: rule not applied (at character 1: unknown field 'tags' (use source, tag,"
        " newsletter or score))"
    )
    assert network.pages(Contact.__database__.name) == before
    assert sizes(network) == {RETREAT: 2, VIP: None}


def test_a_rule_emptied_dissolves_the_segment(network: Network) -> None:
    people(network)
    campaign(network, RETREAT, "tag:retreat")
    run(network)
    network.person_edits(MarketingCampaign, RETREAT, segment_rule="")
    assert run(network) == (
        f"0 segments applied; rule emptied for {RETREAT!r}; 2 contacts retagged,"
        " 1 audience sizes written"
    )
    assert tags(network)["ana@example.com"] == ["retreat", "mine"]
    assert tags(network)["cy@example.com"] == ["vip", "retreat"]
    assert sizes(network) == {RETREAT: None}
    # Nothing left to dissolve: the next run writes nothing.
    assert run(network).endswith("0 contacts retagged, 0 audience sizes written")


def test_a_segment_tag_fits_notion(network: Network) -> None:
    assert segment_tag("Spring, 2026") == "segment:Spring 2026"  # no commas in an option
    assert len(segment_tag("x" * 300)) == 100
    contact(network, "ana@example.com", tags=["retreat"])
    campaign(network, "Spring, 2026", "tag:retreat")
    run(network)
    assert tags(network) == {"ana@example.com": ["retreat", "segment:Spring 2026"]}
