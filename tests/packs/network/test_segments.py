"""The Segment Rule language: what rules mean, where a broken rule is said to break, and (as
properties) that any rule written back parses to itself and that matching never fails."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from notionhub.packs.network.models import Contact
from notionhub.packs.network.segments import (
    MAX_DEPTH,
    NEWSLETTER_VALUES,
    OPERATORS,
    And,
    Has,
    Not,
    Or,
    Rule,
    Score,
    SegmentRuleError,
    matches,
    parse,
    render,
)

ANA = Contact(
    name="Ana",
    email="ana@example.com",
    lead_sources=["Typeform", "Website Form"],
    tags=["retreat", "Retreat waitlist", "VIP"],
    newsletter="Subscribed",
    engagement_score=12,
)
BEN = Contact(name="Ben", email="ben@example.com", lead_sources=["Snov.io"], tags=["customer"])


def test_the_documented_rules_parse_to_their_trees() -> None:
    assert parse("source:Typeform and tag:retreat") == And(
        (Has("source", "Typeform"), Has("tag", "retreat"))
    )
    assert parse("newsletter:subscribed OR tag:vip") == Or(
        (Has("newsletter", "Subscribed"), Has("tag", "vip"))
    )
    assert parse("not tag:customer") == Not(Has("tag", "customer"))
    assert parse("score >= 10") == Score(">=", 10.0)
    assert parse('(tag:"Retreat waitlist" or tag:vip) and not source:Snov.io') == And(
        (
            Or((Has("tag", "Retreat waitlist"), Has("tag", "vip"))),
            Not(Has("source", "Snov.io")),
        )
    )


def test_not_binds_tighter_than_and_which_binds_tighter_than_or() -> None:
    assert parse("tag:a or tag:b and not tag:c") == Or(
        (Has("tag", "a"), And((Has("tag", "b"), Not(Has("tag", "c")))))
    )


@pytest.mark.parametrize(
    ("rule", "ana", "ben"),
    [
        ("source:Typeform and tag:retreat", True, False),
        ("source:typeform and tag:RETREAT", True, False),  # matching ignores case
        ("newsletter:Subscribed or tag:customer", True, True),
        ("not tag:customer", True, False),
        ("score>=10", True, False),
        ("score<1", False, True),  # no Engagement Score counts as 0
        ("score=12 and score!=11 and score>11.5 and score<=12", True, False),
        ('tag:"retreat waitlist"', True, False),
        ("tag:waitlist", False, False),  # a tag is matched whole
        ("not (source:Typeform or source:Snov.io)", False, False),
    ],
)
def test_rules_select_the_contacts_they_describe(rule: str, ana: bool, ben: bool) -> None:
    parsed = parse(rule)
    assert (matches(parsed, ANA), matches(parsed, BEN)) == (ana, ben)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "at character 1: the rule is empty"),
        ("tag:vip and", "at character 12: expected a condition"),
        ("(tag:vip or tag:a", "at character 1: this '(' is never closed"),
        ("tag:vip)", "at character 8: this ')' closes no '('"),
        ("tags:vip", "at character 1: unknown field 'tags' (use source, tag, newsletter or score)"),
        ("tag:vip tag:a", "at character 9: expected 'and' or 'or' before 'tag:a'"),
        ("score:10", "at character 1: score is compared, not matched: write score>=10"),
        ("tag>3", "at character 1: only score is compared with >"),
        ("score>=ten", "at character 8: score>= needs a number"),
        ("newsletter:maybe", "at character 12: newsletter: is one of Subscribed, Pending"),
        ('tag:"vip', "at character 5: this quote is never closed"),
        ("tag: vip", "at character 5: tag: needs a value"),
        ("tag :vip", "at character 4: no space before ':' (write tag:value)"),
        ("tag:()", "at character 5: tag: needs a value"),
        ("vip", "at character 1: 'vip' is neither a condition nor and/or/not"),
        ("tag:a & tag:b", "at character 7: unexpected '&'"),
        ("score>=1e999", "at character 8: 1e999 is too large a number"),
        ("not " * (MAX_DEPTH + 2) + "tag:a", f"nested more than {MAX_DEPTH} deep"),
    ],
)
def test_a_broken_rule_is_refused_naming_where(rule: str, message: str) -> None:
    with pytest.raises(SegmentRuleError) as raised:
        parse(rule)
    assert message in str(raised.value)
    assert isinstance(raised.value, ValueError)
    assert 0 <= raised.value.position <= len(rule)


def test_a_tag_with_spaces_quotes_and_colons_round_trips() -> None:
    rule = And((Has("tag", 'say "hi" \\ there'), Has("tag", "snov.io:email.replied")))
    assert render(rule) == 'tag:"say \\"hi\\" \\\\ there" and tag:snov.io:email.replied'
    assert parse(render(rule)) == rule
    assert parse("tag:“Retreat waitlist”") == Has("tag", "Retreat waitlist")


# -- properties -----------------------------------------------------------------------------------

VALUES = st.text(min_size=1, max_size=12).filter(lambda value: bool(value.strip()))
CONDITIONS = st.one_of(
    st.builds(Has, st.sampled_from(["source", "tag"]), VALUES),
    st.builds(Has, st.just("newsletter"), st.sampled_from(NEWSLETTER_VALUES)),
    st.builds(
        Score,
        st.sampled_from(OPERATORS),
        st.floats(allow_nan=False, allow_infinity=False) | st.integers(-100, 100).map(float),
    ),
)
RULES: st.SearchStrategy[Rule] = st.recursive(
    CONDITIONS,
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.builds(And, st.lists(inner, min_size=2, max_size=4).map(tuple)),
        st.builds(Or, st.lists(inner, min_size=2, max_size=4).map(tuple)),
    ),
    max_leaves=12,
)
CONTACTS = st.builds(
    Contact,
    name=st.text(max_size=10),
    email=st.emails(),
    lead_sources=st.lists(st.text(max_size=12), max_size=4),
    tags=st.lists(st.text(max_size=12), max_size=6),
    newsletter=st.none() | st.sampled_from(NEWSLETTER_VALUES) | st.text(max_size=8),
    engagement_score=st.none() | st.floats(),
)


def _depth(rule: Rule) -> int:
    if isinstance(rule, Not):
        return 1 + _depth(rule.rule)
    if isinstance(rule, And | Or):
        return 1 + max(_depth(part) for part in rule.rules)
    return 0


@settings(max_examples=300, deadline=None)
@given(RULES)
def test_any_rule_written_back_parses_to_itself(rule: Rule) -> None:
    assume(_depth(rule) < MAX_DEPTH)
    assert parse(render(rule)) == rule


@settings(max_examples=300, deadline=None)
@given(RULES, CONTACTS)
def test_matching_never_fails_and_not_is_the_opposite(rule: Rule, contact: Contact) -> None:
    assert matches(Not(rule), contact) is (not matches(rule, contact))


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list('tag:sourcenwlr score>=<!1.5 ()"\\ andornot')), max_size=40
    )
)
def test_any_text_parses_or_is_refused_with_a_position(text: str) -> None:
    try:
        rule = parse(text)
    except SegmentRuleError as error:
        assert 0 <= error.position <= len(text)
        assert str(error).startswith(f"at character {error.position + 1}: ")
    else:
        assert parse(render(rule)) == rule
