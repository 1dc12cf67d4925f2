"""Rich text normalization: rendered shapes, Notion's limits, messages, round trips."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.fields import notion_length
from notionhub.localnotion.rich_text.items import COLORS, normalize_rich_text, plain_text

FIELD = "body.children[0].paragraph.rich_text"
USER_ID = "6f1c3a2e-5b4d-4c8e-9a7f-0123456789ab"
PAGE_ID = "0b2f4d6e-8a1c-4e3b-9d5f-abcdefabcdef"
PLAIN = {
    "bold": False,
    "italic": False,
    "strikethrough": False,
    "underline": False,
    "code": False,
    "color": "default",
}


def one(item: dict[str, Any]) -> dict[str, Any]:
    [rendered] = normalize_rich_text([item], FIELD)
    return rendered


def refused(value: object) -> str:
    with pytest.raises(ValidationFailed) as caught:
        normalize_rich_text(value, FIELD)
    assert caught.value.code == "validation_error"
    return caught.value.message


def test_text_item_gets_every_default() -> None:
    assert one({"text": {"content": "hi"}}) == {
        "type": "text",
        "text": {"content": "hi", "link": None},
        "annotations": PLAIN,
        "plain_text": "hi",
        "href": None,
    }


def test_explicit_type_gives_the_same_item() -> None:
    assert one({"type": "text", "text": {"content": "hi"}}) == one({"text": {"content": "hi"}})


def test_link_sets_href_and_partial_annotations_merge_onto_defaults() -> None:
    item = one(
        {
            "text": {"content": "site", "link": {"url": "https://example.com/a"}},
            "annotations": {"bold": True, "color": "red_background"},
        }
    )
    assert item["text"] == {"content": "site", "link": {"url": "https://example.com/a"}}
    assert item["href"] == "https://example.com/a"
    assert item["annotations"] == PLAIN | {"bold": True, "color": "red_background"}


def test_null_link_and_empty_content_are_accepted() -> None:
    item = one({"text": {"content": "", "link": None}})
    assert item["text"] == {"content": "", "link": None}
    assert item["plain_text"] == ""


def test_user_mention_shows_the_id_or_the_given_name() -> None:
    item = one({"mention": {"user": {"id": USER_ID.replace("-", "")}}})
    assert item["mention"] == {"type": "user", "user": {"object": "user", "id": USER_ID}}
    assert item["plain_text"] == f"@{USER_ID}"
    assert item["href"] is None
    named = one({"mention": {"user": {"object": "user", "id": USER_ID, "name": "Ada"}}})
    assert named["plain_text"] == "@Ada"
    assert named["mention"]["user"] == {"object": "user", "id": USER_ID, "name": "Ada"}


@pytest.mark.parametrize("kind", ["page", "database"])
def test_page_and_database_mentions_link_to_notion(kind: str) -> None:
    item = one({"type": "mention", "mention": {"type": kind, kind: {"id": PAGE_ID}}})
    assert item["mention"] == {"type": kind, kind: {"id": PAGE_ID}}
    assert item["href"] == "https://www.notion.so/" + PAGE_ID.replace("-", "")
    assert item["plain_text"] == "Untitled"


def test_date_mention_renders_start_end_and_time_zone() -> None:
    item = one({"mention": {"date": {"start": "2025-01-02"}}})
    assert item["mention"] == {
        "type": "date",
        "date": {"start": "2025-01-02", "end": None, "time_zone": None},
    }
    assert item["plain_text"] == "2025-01-02"
    assert item["href"] is None


def test_date_mention_range_and_datetimes() -> None:
    item = one({"mention": {"date": {"start": "2025-01-02T10:00:00Z", "end": "2025-01-03"}}})
    assert item["mention"]["date"]["start"] == "2025-01-02T10:00:00.000+00:00"
    assert item["plain_text"] == "2025-01-02T10:00:00.000+00:00 → 2025-01-03"
    zoned = one(
        {"mention": {"date": {"start": "2025-01-02T10:00", "time_zone": "America/New_York"}}}
    )
    assert zoned["mention"]["date"] == {
        "start": "2025-01-02T10:00:00.000",
        "end": None,
        "time_zone": "America/New_York",
    }
    offset = one({"mention": {"date": {"start": "2025-01-02T10:00:00.5-05:30"}}})
    assert offset["mention"]["date"]["start"] == "2025-01-02T10:00:00.500-05:30"


def test_link_preview_and_template_mentions() -> None:
    preview = one({"mention": {"link_preview": {"url": "https://github.com/x/y"}}})
    assert preview["mention"] == {
        "type": "link_preview",
        "link_preview": {"url": "https://github.com/x/y"},
    }
    assert preview["plain_text"] == preview["href"] == "https://github.com/x/y"
    today = one({"mention": {"template_mention": {"template_mention_date": "today"}}})
    assert today["mention"]["template_mention"] == {
        "type": "template_mention_date",
        "template_mention_date": "today",
    }
    assert today["plain_text"] == "@Today"


def test_equation_plain_text_is_its_expression() -> None:
    assert one({"equation": {"expression": "x^2"}}) == {
        "type": "equation",
        "equation": {"expression": "x^2"},
        "annotations": PLAIN,
        "plain_text": "x^2",
        "href": None,
    }


def test_text_content_limit_is_2000() -> None:
    assert one({"text": {"content": "a" * 2000}})["plain_text"] == "a" * 2000
    assert refused([{"text": {"content": "a" * 2001}}]) == (
        f"{FIELD}[0].text.content.length should be ≤ `2000`, instead was `2001`."
    )


def test_limits_count_utf16_units_like_notion() -> None:
    assert one({"text": {"content": "😀" * 1000}})["plain_text"] == "😀" * 1000
    message = refused([{"text": {"content": "😀" * 1000 + "a"}}])
    assert message.endswith("text.content.length should be ≤ `2000`, instead was `2001`.")


def test_link_url_limit_is_2000() -> None:
    base = "https://example.com/"
    ok = base + "a" * (2000 - len(base))
    assert one({"text": {"content": "x", "link": {"url": ok}}})["href"] == ok
    assert refused([{"text": {"content": "x", "link": {"url": ok + "a"}}}]) == (
        f"{FIELD}[0].text.link.url.length should be ≤ `2000`, instead was `2001`."
    )


def test_equation_limit_is_1000() -> None:
    assert one({"equation": {"expression": "x" * 1000}})["plain_text"] == "x" * 1000
    assert refused([{"equation": {"expression": "x" * 1001}}]) == (
        f"{FIELD}[0].equation.expression.length should be ≤ `1000`, instead was `1001`."
    )


def test_array_limit_is_100_items() -> None:
    items = [{"text": {"content": str(i)}} for i in range(100)]
    assert len(normalize_rich_text(items, FIELD)) == 100
    assert refused([*items, {"text": {"content": "x"}}]) == (
        f"{FIELD}.length should be ≤ `100`, instead was `101`."
    )


@pytest.mark.parametrize("color", COLORS)
def test_every_notion_color_is_accepted(color: str) -> None:
    assert (
        one({"text": {"content": "c"}, "annotations": {"color": color}})["annotations"]["color"]
        == color
    )


def test_colors_are_the_ten_hues_and_their_backgrounds() -> None:
    assert len(COLORS) == 19
    assert {"default", "gray", "pink_background", "red_background"} <= set(COLORS)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("hi", f'{FIELD} should be an array, instead was `"hi"`.'),
        (["hi"], f'{FIELD}[0] should be an object, instead was `"hi"`.'),
        (
            [{"text": {"content": 5}}],
            f"{FIELD}[0].text.content should be a string, instead was `5`.",
        ),
        ([{"text": {}}], f"{FIELD}[0].text.content should be defined, instead was `undefined`."),
        ([{}], f"{FIELD}[0].text should be defined, instead was `undefined`."),
        ([{"type": "mention"}], f"{FIELD}[0].mention should be defined, instead was `undefined`."),
        (
            [{"text": {"content": "a"}, "annotation": {}}],
            f"{FIELD}[0].annotation should be not present, instead was `{{}}`.",
        ),
        (
            [{"text": {"content": "a"}, "annotations": {"bold": "yes"}}],
            f'{FIELD}[0].annotations.bold should be a boolean, instead was `"yes"`.',
        ),
        (
            [{"text": {"content": "a", "link": {"url": "not a url"}}}],
            f'{FIELD}[0].text.link.url should be a valid URL, instead was `"not a url"`.',
        ),
        (
            [{"mention": {"page": {"id": "nope"}}}],
            f'{FIELD}[0].mention.page.id should be a valid uuid, instead was `"nope"`.',
        ),
        (
            [{"mention": {"date": {"start": "02/01/2025"}}}],
            f"{FIELD}[0].mention.date.start should be a valid ISO 8601 date string, "
            'instead was `"02/01/2025"`.',
        ),
    ],
)
def test_bad_items_are_refused_naming_the_field(value: object, message: str) -> None:
    assert refused(value) == message


def test_unknown_color_message_lists_notions_colors() -> None:
    message = refused([{"text": {"content": "a"}, "annotations": {"color": "magenta"}}])
    assert message.startswith(f'{FIELD}[0].annotations.color should be `"default"`, `"gray"`')
    assert message.endswith('or `"red_background"`, instead was `"magenta"`.')


@pytest.mark.parametrize(
    "item",
    [
        {"type": "emoji", "emoji": {}},
        {"mention": {"type": "user", "page": {"id": PAGE_ID}}},
        {"mention": {"date": {"start": "2025-01-02", "time_zone": "Mars/Olympus"}}},
        {"mention": {"template_mention": {"template_mention_date": "yesterday"}}},
        {"text": {"content": "a"}, "equation": {"expression": "x"}},
    ],
)
def test_malformed_items_fail_validation(item: dict[str, Any]) -> None:
    assert refused([item]).startswith(f"{FIELD}[0]")


def test_plain_text_concatenates_items() -> None:
    rich = normalize_rich_text(
        [
            {"text": {"content": "E = "}},
            {"equation": {"expression": "mc^2"}},
            {"text": {"content": "!"}},
        ],
        FIELD,
    )
    assert plain_text(rich) == "E = mc^2!"
    assert plain_text([]) == ""


def test_rendered_mentions_and_equations_round_trip() -> None:
    rendered = normalize_rich_text(
        [
            {"mention": {"user": {"id": USER_ID, "name": "Ada"}}},
            {"mention": {"page": {"id": PAGE_ID}}},
            {"mention": {"date": {"start": "2025-01-02T10:00", "end": "2025-01-02T11:00"}}},
            {"equation": {"expression": "x"}, "annotations": {"italic": True}},
        ],
        FIELD,
    )
    assert normalize_rich_text(rendered, FIELD) == rendered


def _clip(text: str, limit: int = 2000) -> str:
    """``text`` cut to ``limit`` UTF-16 units, never splitting a character."""
    while notion_length(text) > limit:
        text = text[:-1]
    return text


_annotations = st.fixed_dictionaries(
    {},
    optional={
        "bold": st.booleans(),
        "italic": st.booleans(),
        "code": st.booleans(),
        "color": st.sampled_from(COLORS),
    },
)
_text_items = st.fixed_dictionaries(
    {"text": st.fixed_dictionaries({"content": st.text(max_size=2000).map(_clip)})},
    optional={
        "type": st.just("text"),
        "annotations": _annotations,
    },
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_text_items, max_size=100))
def test_any_text_items_within_limits_normalize_and_round_trip(items: list[dict[str, Any]]) -> None:
    rendered = normalize_rich_text(items, FIELD)
    assert plain_text(rendered) == "".join(item["text"]["content"] for item in items)
    assert normalize_rich_text(rendered, FIELD) == rendered
