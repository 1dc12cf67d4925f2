"""AudienceSegmentation: every hour, each campaign's Segment Rule (``segments.py``) applied to
every contact.

- A contact the rule matches gets the tag ``segment:<campaign>``; one that no longer matches
  loses it. No other tag is touched: the tags people and other agents set are kept.
- The campaign's Audience Size is the number of contacts that match.
- A rule that does not parse is named in the run's note (where and why) and changes nothing: its
  contacts keep their tags and the campaign its Audience Size until the rule is fixed.
- A campaign whose rule was emptied is no segment any more: its tag is taken off every contact
  and its Audience Size cleared.

Everything is read from the mirror (no request), and only rows whose values change are written,
so a run that finds nothing new writes nothing. A contact's tags are recomputed from what the
mirror holds under its key's lease, so a tag another agent adds meanwhile is not lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from notionhub.packs.network.models import Contact, MarketingCampaign
from notionhub.packs.network.segments import SegmentRuleError, matches, parse
from notionhub.packs.pack import Agent, FlowContext, Schedule

NAME = "audience-segmentation"
SEGMENT_TAG_PREFIX = "segment:"
_OPTION_LENGTH = 100  # Notion's longest option name


def segment_tag(campaign: str) -> str:
    """The tag of a campaign's segment (Notion's option names hold no commas)."""
    name = " ".join(campaign.replace(",", " ").split())
    return (SEGMENT_TAG_PREFIX + name)[:_OPTION_LENGTH]


@dataclass(frozen=True)
class Segment:
    """A campaign's segment as this run decides it: its tag and the emails it holds."""

    campaign: MarketingCampaign
    tag: str
    members: frozenset[str]
    ruled: bool  # False: the rule was emptied, the segment is dissolved


def apply_segments(context: FlowContext) -> str:
    records = context.records
    contacts = records.known(Contact)
    segments: list[Segment] = []
    refused: list[str] = []
    for campaign in records.known(MarketingCampaign):
        tag = segment_tag(campaign.name)
        text = campaign.segment_rule.strip()
        if not text:
            if campaign.audience_size is not None or any(tag in c.tags for c in contacts):
                segments.append(Segment(campaign, tag, frozenset(), ruled=False))
            continue
        try:
            rule = parse(text)
        except SegmentRuleError as error:
            refused.append(f"{campaign.name!r}: rule not applied ({error})")
            continue
        members = frozenset(c.email for c in contacts if matches(rule, c))
        segments.append(Segment(campaign, tag, members, ruled=True))
    retagged = sum(_retag(context, contact, segments) for contact in contacts)
    sized = sum(_write_size(context, segment) for segment in segments)
    return _note(segments, retagged, sized, refused)


def _retag(context: FlowContext, contact: Contact, segments: Sequence[Segment]) -> bool:
    """Bring the contact's segment tags in line; whether it was written."""
    wanted = {segment.tag: contact.email in segment.members for segment in segments}
    if _tags_for(contact.tags, wanted) == contact.tags:
        return False

    def build() -> Contact | None:
        current = context.records.mirrored(Contact, contact.email)
        if current is None:
            return None
        return current.model_copy(update={"tags": _tags_for(current.tags, wanted)})

    result = context.records.upsert_computed(Contact, contact.email, build, only=["tags"])
    return result is not None and result.action != "unchanged"


def _tags_for(tags: Sequence[str], wanted: Mapping[str, bool]) -> list[str]:
    """The tags kept (every tag but the decided segments' it should not have), then the
    segments' tags it should have and lacks."""
    kept = [tag for tag in tags if wanted.get(tag, True)]
    return kept + [tag for tag, member in wanted.items() if member and tag not in kept]


def _write_size(context: FlowContext, segment: Segment) -> bool:
    size = float(len(segment.members)) if segment.ruled else None
    campaign = segment.campaign
    if campaign.audience_size == size:
        return False
    result = context.records.upsert(
        campaign.model_copy(update={"audience_size": size}), only=["audience_size"]
    )
    return result.action != "unchanged"


def _note(segments: Sequence[Segment], retagged: int, sized: int, refused: Sequence[str]) -> str:
    applied = [s for s in segments if s.ruled]
    parts = [
        f"{len(applied)} segments applied"
        + (
            " (" + ", ".join(f"{s.campaign.name!r}: {len(s.members)}" for s in applied) + ")"
            if applied
            else ""
        )
    ]
    dissolved = [s.campaign.name for s in segments if not s.ruled]
    if dissolved:
        parts.append(f"rule emptied for {', '.join(repr(name) for name in dissolved)}")
    parts.append(f"{retagged} contacts retagged, {sized} audience sizes written")
    return "; ".join(parts + list(refused))


AGENT = Agent(
    name=NAME,
    description="Applies each campaign's Segment Rule to the contacts every hour: matching"
    " contacts are tagged segment:<campaign>, the campaign's Audience Size is written.",
    schedules=(
        Schedule(
            "segments-hourly",
            "0 * * * *",
            apply_segments,
            description="Segment rules applied: contacts tagged, Audience Size written.",
        ),
    ),
    writes=(Contact, MarketingCampaign),
)
