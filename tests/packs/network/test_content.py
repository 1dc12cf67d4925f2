"""ContentLifecycle end to end against the local Notion server: a writer moves a campaign's
Content Status in Notion, the content-lifecycle instance follows (or refuses and the hub puts the
status back), tasks open and close, and publish-due publishes at Publish At."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from notionhub.notion.changes import Change
from notionhub.notion.schema import NotionDate
from notionhub.packs.network.agents.content import content_changed, publish_due
from notionhub.packs.network.models import (
    BusinessEntity,
    MarketingCampaign,
    MasterTask,
    WorkflowInstance,
)
from tests.packs.network.conftest import NOW, Network

LETTER = "Spring letter"
INSTANCE = f"content-lifecycle:{LETTER}"
PUBLISH_AT = NOW + timedelta(days=1)


def campaign(network: Network, name: str = LETTER, **values: Any) -> None:
    """A Marketing Campaigns row as it is before anyone gives it a Content Status."""
    network.connection.records().upsert(MarketingCampaign(name=name, **values))


def edit(network: Network, minutes: int, **values: Any) -> list[str]:
    """A person changes the campaign, ``minutes`` after NOW (each edit is seen at its time)."""
    network.now = lambda: NOW + timedelta(minutes=minutes)
    return network.person_edits(MarketingCampaign, LETTER, **values)


def tick(network: Network, at: datetime) -> str:
    """The publish-due schedule's job for the tick at ``at``."""
    return publish_due(replace(network.context(), scheduled_at=at))


def steps(network: Network) -> list[tuple[str, str | None, bool]]:
    return [(e.event, e.to_state, e.accepted) for e in network.instance(INSTANCE).history]


def tasks(network: Network) -> dict[str, str | None]:
    return {task.task: task.status for task in network.rows(MasterTask)}


def test_content_goes_from_idea_to_published_with_tasks_at_each_step(network: Network) -> None:
    campaign(network)
    assert edit(network, 1, content_status="Idea") == [
        f"content {LETTER!r} started in Idea: in Idea, nothing to move"
    ]
    assert tasks(network) == {f"Write a first draft of {LETTER}": "Not Started"}

    assert edit(network, 2, content_status="Draft") == [f"content {LETTER!r}: drafted Idea → Draft"]
    assert edit(network, 3, content_status="Review") == [
        f"content {LETTER!r}: submitted Draft → Review"
    ]
    notes = edit(network, 4, content_status="Scheduled", publish_at=NotionDate(PUBLISH_AT))
    assert notes == [f"content {LETTER!r}: scheduled Review → Scheduled"]
    assert network.instance(INSTANCE).data["publish_at"] == "2026-11-29T18:00:00Z"

    assert tick(network, PUBLISH_AT - timedelta(minutes=1)) == "1 scheduled for later"
    assert network.row(MarketingCampaign, LETTER).content_status == "Scheduled"
    assert tick(network, PUBLISH_AT) == f"published {LETTER!r}"

    row = network.row(MarketingCampaign, LETTER)
    assert row.content_status == "Published"
    assert row.published_at == NotionDate(PUBLISH_AT)
    instance = network.row(WorkflowInstance, INSTANCE)
    assert instance.state == "Published"
    assert "published · Scheduled → Published · content-lifecycle" in instance.history_log
    assert steps(network) == [
        ("start", "Idea", True),
        ("drafted", "Draft", True),
        ("submitted", "Review", True),
        ("scheduled", "Scheduled", True),
        ("published", "Published", True),
    ]
    assert tasks(network) == {
        f"Write a first draft of {LETTER}": "Done",
        f"Finish the draft of {LETTER}": "Done",
        f"Review {LETTER}": "Done",
        f"Prepare the promotion of {LETTER}": "Done",
        f"Share {LETTER} with the community": "Not Started",
    }
    # The next tick finds nothing left to publish, and writes nothing.
    before = network.pages(MarketingCampaign.__database__.name)
    assert tick(network, PUBLISH_AT + timedelta(minutes=1)) == "nothing scheduled"
    assert network.pages(MarketingCampaign.__database__.name) == before


def test_revise_sends_content_in_review_or_scheduled_back_to_draft(network: Network) -> None:
    campaign(network, publish_at=NotionDate(PUBLISH_AT))
    for minute, status in enumerate(("Idea", "Draft", "Review"), start=1):
        edit(network, minute, content_status=status)
    assert edit(network, 4, content_status="Draft") == [
        f"content {LETTER!r}: revise Review → Draft"
    ]
    edit(network, 5, content_status="Review")
    edit(network, 6, content_status="Scheduled")
    assert edit(network, 7, content_status="Draft") == [
        f"content {LETTER!r}: revise Scheduled → Draft"
    ]
    assert network.instance(INSTANCE).state == "Draft"
    # Draft entered a second time: its task is opened again (a new one), the first stays Done.
    drafts = [t.status for t in network.rows(MasterTask) if t.task.startswith("Finish the draft")]
    assert sorted(drafts, key=str) == ["Done", "Done", "Not Started"]


def test_a_jump_no_step_leads_to_is_refused_and_put_back(network: Network) -> None:
    campaign(network)
    edit(network, 1, content_status="Idea")
    [note] = edit(network, 2, content_status="Published")
    assert note.startswith(f"content {LETTER!r}: Published refused (event 'published' is not")
    assert note.endswith("the hub put Content Status back to Idea")
    assert network.row(MarketingCampaign, LETTER).content_status == "Idea"
    [_start, refused] = network.instance(INSTANCE).history
    assert (refused.event, refused.accepted, refused.to_state) == ("published", False, "Idea")
    assert "not allowed in state 'Idea' (allowed: drafted)" in refused.reason
    assert "published · refused (" in network.row(WorkflowInstance, INSTANCE).history_log
    assert tasks(network) == {f"Write a first draft of {LETTER}": "Not Started"}

    # Back to Idea is no step either; nor is a status the machine does not know.
    edit(network, 3, content_status="Draft")
    [note] = edit(network, 4, content_status="Idea")
    assert "event 'to_idea' is not declared by 'content-lifecycle'" in note
    assert network.row(MarketingCampaign, LETTER).content_status == "Draft"
    [note] = edit(network, 5, content_status=None)
    assert note.endswith("the hub put Content Status back to Draft")
    assert network.row(MarketingCampaign, LETTER).content_status == "Draft"
    assert [(s[0], s[2]) for s in steps(network)][-3:] == [
        ("drafted", True),
        ("to_idea", False),
        ("cleared", False),
    ]


def test_scheduled_without_publish_at_is_refused_and_put_back_to_review(network: Network) -> None:
    campaign(network)
    for minute, status in enumerate(("Idea", "Draft", "Review"), start=1):
        edit(network, minute, content_status=status)
    [note] = edit(network, 4, content_status="Scheduled")
    assert note == (
        f"content {LETTER!r}: Scheduled refused (refused by guard: it has no Publish At date);"
        " the hub put Content Status back to Review"
    )
    assert network.row(MarketingCampaign, LETTER).content_status == "Review"
    assert network.instance(INSTANCE).state == "Review"
    # With a Publish At it goes through.
    edit(network, 5, publish_at=NotionDate(PUBLISH_AT))
    assert edit(network, 6, content_status="Scheduled") == [
        f"content {LETTER!r}: scheduled Review → Scheduled"
    ]


def test_published_by_hand_only_once_its_time_has_come(network: Network) -> None:
    campaign(network, publish_at=NotionDate(NOW + timedelta(minutes=30)))
    for minute, status in enumerate(("Idea", "Draft", "Review", "Scheduled"), start=1):
        edit(network, minute, content_status=status)
    [note] = edit(network, 10, content_status="Published")
    assert "refused by guard: its Publish At time has not come" in note
    assert network.row(MarketingCampaign, LETTER).content_status == "Scheduled"

    assert edit(network, 40, content_status="Published") == [
        f"content {LETTER!r}: published Scheduled → Published; Published At written"
    ]
    row = network.row(MarketingCampaign, LETTER)
    assert (row.content_status, row.published_at) == (
        "Published",
        NotionDate(NOW + timedelta(minutes=40)),
    )
    # Published is final: any other status is put back.
    [note] = edit(network, 41, content_status="Draft")
    assert "'Published' is final" in note
    assert network.row(MarketingCampaign, LETTER).content_status == "Published"


def test_publish_due_waits_for_a_publish_at_moved_later(network: Network) -> None:
    campaign(network, publish_at=NotionDate(PUBLISH_AT))
    for minute, status in enumerate(("Idea", "Draft", "Review", "Scheduled"), start=1):
        edit(network, minute, content_status=status)
    later = PUBLISH_AT + timedelta(hours=2)
    assert edit(network, 5, publish_at=NotionDate(later)) == [
        f"content {LETTER!r}: Scheduled, published at 2026-11-29T20:00:00Z"
    ]
    assert tick(network, PUBLISH_AT) == "1 scheduled for later"
    assert network.instance(INSTANCE).state == "Scheduled"
    assert tick(network, later) == f"published {LETTER!r}"
    assert network.row(MarketingCampaign, LETTER).published_at == NotionDate(later)


def test_publish_due_without_a_tick_uses_the_clock(network: Network) -> None:
    campaign(network, publish_at=NotionDate(NOW + timedelta(minutes=5)))
    for minute, status in enumerate(("Idea", "Draft", "Review", "Scheduled"), start=1):
        edit(network, minute, content_status=status)
    network.now = lambda: NOW + timedelta(minutes=6)
    assert publish_due(network.context()) == f"published {LETTER!r}"
    assert network.row(MarketingCampaign, LETTER).content_status == "Published"


def test_the_same_change_seen_twice_is_a_no_op(network: Network) -> None:
    campaign(network)
    edit(network, 1, content_status="Idea")
    edit(network, 2, content_status="Draft")
    before = network.pages(MasterTask.__database__.name)
    assert edit(network, 2, content_status="Draft") == [
        f"content {LETTER!r}: in Draft, nothing to move"
    ]
    assert network.pages(MasterTask.__database__.name) == before
    assert len(network.instance(INSTANCE).history) == 2

    # A refused change seen again: one refusal in the history, the status put back again.
    edit(network, 3, content_status="Published")
    edit(network, 3, content_status="Published")
    assert [s[0] for s in steps(network)] == ["start", "drafted", "published"]
    assert network.row(MarketingCampaign, LETTER).content_status == "Draft"


def test_a_change_replayed_later_changes_nothing(network: Network) -> None:
    campaign(network)
    edit(network, 1, content_status="Idea")
    edit(network, 2, content_status="Draft")
    first = network.context().records.mirrored(MarketingCampaign, LETTER)
    assert first is not None
    change = Change(
        model=MarketingCampaign,
        page_id=first.page_id or "",
        kind="updated",
        changed=frozenset({"content_status"}),
        before=first.model_copy(update={"content_status": "Draft"}),
        after=first.model_copy(update={"content_status": "Review"}),
        by_person=True,
        seen_at=NOW + timedelta(minutes=3),
    )
    assert content_changed(change, network.context()).endswith("submitted Draft → Review")
    edit(network, 4, content_status="Draft")
    # The old change again (a step re-run late): the instance has moved on since.
    assert content_changed(change, network.context()) == (
        f"content {LETTER!r}: this change was applied before (submitted); nothing more"
    )
    assert network.instance(INSTANCE).state == "Draft"


def test_a_campaign_made_in_notion_with_a_status_starts_its_content(network: Network) -> None:
    newsletter = network.context().records.mirrored(BusinessEntity, "Newsletter")
    assert newsletter is not None and newsletter.page_id is not None
    campaign(network, content_status="Draft", business_entity=[newsletter.page_id])
    made = network.context().records.mirrored(MarketingCampaign, LETTER)
    assert made is not None
    change = Change(
        model=MarketingCampaign,
        page_id=made.page_id or "",
        kind="created",
        changed=frozenset({"name", "content_status"}),
        before=None,
        after=made,
        by_person=True,
        seen_at=NOW,
    )
    assert content_changed(change, network.context()) == (
        f"content {LETTER!r} started in Idea: drafted Idea → Draft"
    )
    instance = network.row(WorkflowInstance, INSTANCE)
    assert (instance.state, instance.business_entity) == ("Draft", [newsletter.page_id])


def test_a_campaign_without_a_status_is_not_content(network: Network) -> None:
    campaign(network)
    assert edit(network, 1, publish_at=NotionDate(PUBLISH_AT)) == [
        f"campaign {LETTER!r} has no Content Status: no content to follow"
    ]
    assert network.rows(WorkflowInstance) == []
    assert tick(network, PUBLISH_AT) == "nothing scheduled"
