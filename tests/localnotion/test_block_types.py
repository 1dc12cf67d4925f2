"""Block children and block updates: rendered bodies, Notion's limits, messages."""

from __future__ import annotations

from typing import Any

import pytest

from notionhub.errors import ValidationFailed
from notionhub.localnotion.blocks.types import (
    MAX_CHILDREN_PER_REQUEST,
    NormalizedBlock,
    check_children_fit,
    normalize_block_update,
    normalize_children,
)

FIELD = "body.children"
PAGE_ID = "0b2f4d6e-8a1c-4e3b-9d5f-abcdefabcdef"
PLAIN = {
    "bold": False,
    "italic": False,
    "strikethrough": False,
    "underline": False,
    "code": False,
    "color": "default",
}


def text(content: str) -> list[dict[str, Any]]:
    return [{"text": {"content": content}}]


def rendered(content: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "text",
            "text": {"content": content, "link": None},
            "annotations": PLAIN,
            "plain_text": content,
            "href": None,
        }
    ]


def para(content: str = "p", **extra: Any) -> dict[str, Any]:
    return {"paragraph": {"rich_text": text(content), **extra}}


def single(block: dict[str, Any]) -> NormalizedBlock:
    [normalized] = normalize_children([block], FIELD)
    return normalized


def refused(children: object) -> str:
    with pytest.raises(ValidationFailed) as caught:
        normalize_children(children, FIELD)
    return caught.value.message


def nested(levels: int) -> dict[str, Any]:
    """A toggle with ``levels`` levels of toggles below it."""
    block: dict[str, Any] = {"toggle": {"rich_text": text("leaf")}}
    for _ in range(levels):
        block = {"toggle": {"rich_text": text("t"), "children": [block]}}
    return block


MEDIA_BODY = {
    "caption": [],
    "type": "external",
    "external": {"url": "https://example.com/files/a%20b.png"},
}
RENDERED_BODIES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("paragraph", {"rich_text": text("a")}, {"rich_text": rendered("a"), "color": "default"}),
    *[
        (
            kind,
            {"rich_text": text("h")},
            {"rich_text": rendered("h"), "is_toggleable": False, "color": "default"},
        )
        for kind in ("heading_1", "heading_2", "heading_3")
    ],
    *[
        (kind, {"rich_text": text("x")}, {"rich_text": rendered("x"), "color": "default"})
        for kind in ("bulleted_list_item", "numbered_list_item", "toggle", "quote")
    ],
    (
        "to_do",
        {"rich_text": text("t")},
        {"rich_text": rendered("t"), "checked": False, "color": "default"},
    ),
    (
        "callout",
        {"rich_text": text("c"), "color": "blue_background"},
        {
            "rich_text": rendered("c"),
            "icon": {"type": "emoji", "emoji": "💡"},
            "color": "blue_background",
        },
    ),
    (
        "callout",
        {"rich_text": [], "icon": {"external": {"url": "https://example.com/i.png"}}},
        {
            "rich_text": [],
            "icon": {"type": "external", "external": {"url": "https://example.com/i.png"}},
            "color": "default",
        },
    ),
    (
        "code",
        {"rich_text": text("print(1)"), "language": "python"},
        {"caption": [], "rich_text": rendered("print(1)"), "language": "python"},
    ),
    ("divider", {}, {}),
    ("breadcrumb", {}, {}),
    ("table_of_contents", {}, {"color": "default"}),
    ("equation", {"expression": "e^{i\\pi}"}, {"expression": "e^{i\\pi}"}),
    (
        "bookmark",
        {"url": "https://example.com"},
        {"caption": [], "url": "https://example.com"},
    ),
    (
        "embed",
        {"url": "https://example.com", "caption": text("c")},
        {"caption": rendered("c"), "url": "https://example.com"},
    ),
    *[
        (kind, {"external": {"url": "https://example.com/files/a%20b.png"}}, MEDIA_BODY)
        for kind in ("image", "video", "audio", "pdf")
    ],
    (
        "file",
        {"type": "external", "external": {"url": "https://example.com/files/a%20b.png"}},
        {**MEDIA_BODY, "name": "a b.png"},
    ),
    (
        "file",
        {"external": {"url": "https://example.com/x"}, "name": "report.pdf"},
        {
            "caption": [],
            "type": "external",
            "external": {"url": "https://example.com/x"},
            "name": "report.pdf",
        },
    ),
    (
        "link_to_page",
        {"page_id": PAGE_ID.replace("-", "")},
        {"type": "page_id", "page_id": PAGE_ID},
    ),
    (
        "link_to_page",
        {"type": "database_id", "database_id": PAGE_ID},
        {"type": "database_id", "database_id": PAGE_ID},
    ),
    (
        "synced_block",
        {"synced_from": {"block_id": PAGE_ID}},
        {"synced_from": {"type": "block_id", "block_id": PAGE_ID}},
    ),
    ("table_row", {"cells": [text("a"), []]}, {"cells": [rendered("a"), []]}),
]


@pytest.mark.parametrize(("kind", "body", "expected"), RENDERED_BODIES)
def test_each_block_type_renders_like_the_api(
    kind: str, body: dict[str, Any], expected: dict[str, Any]
) -> None:
    block = single({"object": "block", "type": kind, kind: body})
    assert (block.type, block.content, block.children) == (kind, expected, [])


@pytest.mark.parametrize(("kind", "body", "expected"), RENDERED_BODIES)
def test_normalizing_a_rendered_block_changes_nothing(
    kind: str, body: dict[str, Any], expected: dict[str, Any]
) -> None:
    again = single({"id": PAGE_ID, "has_children": False, "type": kind, kind: expected})
    assert again.content == expected


def test_type_key_is_optional() -> None:
    assert single(para("a")) == single({"type": "paragraph", **para("a")})


def test_table_with_rows() -> None:
    table = single(
        {
            "table": {
                "table_width": 2,
                "has_column_header": True,
                "children": [
                    {"table_row": {"cells": [text("a"), text("b")]}},
                    {"type": "table_row", "table_row": {"cells": [[], []]}},
                ],
            }
        }
    )
    assert table.content == {"table_width": 2, "has_column_header": True, "has_row_header": False}
    assert [row.content for row in table.children] == [
        {"cells": [rendered("a"), rendered("b")]},
        {"cells": [[], []]},
    ]
    assert table.count() == 3


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            {"table_width": 2, "children": [{"table_row": {"cells": [text("a")]}}]},
            f"{FIELD}[0].table.children[0].table_row.cells.length should be `2` "
            "(the table_width), instead was `1`.",
        ),
        (
            {"table_width": 1},
            f"{FIELD}[0].table.children should be defined, instead was `undefined`.",
        ),
        (
            {"table_width": 1, "children": []},
            f"{FIELD}[0].table.children.length should be ≥ `1`, instead was `0`.",
        ),
        (
            {"table_width": 1, "children": [para()]},
            f'{FIELD}[0].table.children[0].type should be `"table_row"`, '
            'instead was `"paragraph"`.',
        ),
        (
            {"table_width": 0, "children": []},
            f"{FIELD}[0].table.table_width should be a positive integer, instead was `0`.",
        ),
    ],
)
def test_bad_tables_are_refused(table: dict[str, Any], message: str) -> None:
    assert refused([{"table": table}]) == message


def test_column_list_needs_two_columns_each_with_content() -> None:
    def column(*blocks: dict[str, Any]) -> dict[str, Any]:
        return {"column": {"children": list(blocks)}}

    columns = single({"column_list": {"children": [column(para("a")), column(para("b"))]}})
    assert [c.type for c in columns.children] == ["column", "column"]
    assert columns.children[1].children[0].content["rich_text"] == rendered("b")
    assert refused([{"column_list": {"children": [column(para())]}}]) == (
        f"{FIELD}[0].column_list.children.length should be ≥ `2`, instead was `1`."
    )
    assert refused([{"column_list": {"children": [column(para()), column()]}}]) == (
        f"{FIELD}[0].column_list.children[1].column.children.length should be ≥ `1`, "
        "instead was `0`."
    )
    assert refused([para(children=[column(para())])]) == (
        f"{FIELD}[0].paragraph.children[0].column can only be a child of a `column_list` "
        "block, instead its parent is a `paragraph`."
    )


def test_synced_blocks_hold_children_only_when_original() -> None:
    original = single({"synced_block": {"synced_from": None, "children": [para()]}})
    assert original.content == {"synced_from": None}
    assert len(original.children) == 1
    message = refused(
        [{"synced_block": {"synced_from": {"block_id": PAGE_ID}, "children": [para()]}}]
    )
    assert message.startswith(f"{FIELD}[0].synced_block.children should be not present")


def test_only_toggle_headings_hold_children() -> None:
    toggle = single({"heading_2": {"rich_text": [], "is_toggleable": True, "children": [para()]}})
    assert toggle.count() == 2
    message = refused([{"heading_2": {"rich_text": [], "children": [para()]}}])
    assert message.startswith(f"{FIELD}[0].heading_2.children should be not present")


def test_blocks_without_children_refuse_them() -> None:
    assert refused([{"divider": {"children": [para()]}}]).startswith(
        f"{FIELD}[0].divider.children should be not present"
    )


def test_nesting_two_levels_is_accepted_three_refused() -> None:
    assert single(nested(2)).count() == 3
    assert refused([nested(3)]).startswith(
        f"{FIELD}[0].toggle.children[0].toggle.children[0].toggle.children should be not "
        "present: children can be nested at most 2 levels deep in one request"
    )


def test_at_most_100_blocks_per_array_at_every_level() -> None:
    assert MAX_CHILDREN_PER_REQUEST == 100
    assert len(normalize_children([para()] * 100, FIELD)) == 100
    assert refused([para()] * 101) == f"{FIELD}.length should be ≤ `100`, instead was `101`."
    assert single(para(children=[para()] * 100)).count() == 101
    assert refused([para(children=[para()] * 101)]) == (
        f"{FIELD}[0].paragraph.children.length should be ≤ `100`, instead was `101`."
    )


def test_at_most_1000_blocks_in_one_request() -> None:
    full = [para(children=[para()] * 99) for _ in range(10)]
    assert sum(block.count() for block in normalize_children(full, FIELD)) == 1000
    assert refused([*full, para()]) == (
        f"{FIELD} should hold ≤ `1000` blocks in one request, nested children included, "
        "instead held `1001`."
    )


@pytest.mark.parametrize(
    ("children", "message"),
    [
        ({"paragraph": {}}, f'{FIELD} should be an array, instead was `{{"paragraph":{{}}}}`.'),
        (["x"], f'{FIELD}[0] should be an object, instead was `"x"`.'),
        (
            [{"foo": {}}],
            f"{FIELD}[0] should be a block object with a type such as `paragraph`, "
            'instead was `{"foo":{}}`.',
        ),
        (
            [{"type": "foo", "foo": {}}],
            f"{FIELD}[0].type should be a supported block type such as `paragraph`, "
            'instead was `"foo"`.',
        ),
        (
            [{"type": "paragraph"}],
            f"{FIELD}[0].paragraph should be defined, instead was `undefined`.",
        ),
        (
            [{"paragraph": {}}],
            f"{FIELD}[0].paragraph.rich_text should be defined, instead was `undefined`.",
        ),
        (
            [{"paragraph": {"rich_text": [], "colour": "red"}}],
            f'{FIELD}[0].paragraph.colour should be not present, instead was `"red"`.',
        ),
        (
            [{**para(), "heading_1": {"rich_text": []}}],
            f'{FIELD}[0].heading_1 should be not present, instead was `{{"rich_text":[]}}`.',
        ),
        (
            [{"object": "page", **para()}],
            f'{FIELD}[0].object should be `"block"`, instead was `"page"`.',
        ),
        (
            [{"type": "child_page", "child_page": {"title": "x"}}],
            f"{FIELD}[0].child_page cannot be appended as a block: "
            "create pages with POST /v1/pages.",
        ),
        (
            [{"child_database": {"title": "x"}}],
            f"{FIELD}[0].child_database cannot be appended as a block: "
            "create databases with POST /v1/databases.",
        ),
        (
            [{"to_do": {"rich_text": [], "checked": "yes"}}],
            f'{FIELD}[0].to_do.checked should be a boolean, instead was `"yes"`.',
        ),
        (
            [{"paragraph": {"rich_text": text("a" * 2001)}}],
            f"{FIELD}[0].paragraph.rich_text[0].text.content.length should be ≤ `2000`, "
            "instead was `2001`.",
        ),
        (
            [{"image": {"type": "drive", "drive": {"url": "https://x.com/a.png"}}}],
            f'{FIELD}[0].image.type should be `"external"`, `"file_upload"`, or `"file"`,'
            ' instead was `"drive"`.',
        ),
        (
            [{"bookmark": {}}],
            f"{FIELD}[0].bookmark.url should be defined, instead was `undefined`.",
        ),
        (
            [{"link_to_page": {"page_id": "nope"}}],
            f'{FIELD}[0].link_to_page.page_id should be a valid uuid, instead was `"nope"`.',
        ),
        (
            [{"synced_block": {}}],
            f"{FIELD}[0].synced_block.synced_from should be defined, instead was `undefined`.",
        ),
    ],
)
def test_invalid_children_name_the_field(children: object, message: str) -> None:
    assert refused(children) == message


def test_paragraph_rich_text_at_2000_characters_is_accepted() -> None:
    block = single({"paragraph": {"rich_text": text("a" * 2000)}})
    assert block.content["rich_text"][0]["plain_text"] == "a" * 2000


def test_code_language_and_colors_come_from_notions_lists() -> None:
    assert refused([{"code": {"rich_text": [], "language": "text"}}]).endswith(
        'or `"java/c/c++/c#"`, instead was `"text"`.'
    )
    assert refused([{"quote": {"rich_text": [], "color": "teal"}}]).startswith(
        f'{FIELD}[0].quote.color should be `"default"`'
    )


def test_top_level_rows_and_columns_are_left_to_the_parent_check() -> None:
    [row] = normalize_children([{"table_row": {"cells": [[], []]}}], FIELD)
    check_children_fit("table", {"table_width": 2}, [row], FIELD)
    with pytest.raises(ValidationFailed) as caught:
        check_children_fit("table", {"table_width": 3}, [row], FIELD)
    assert caught.value.message.startswith(f"{FIELD}[0].table_row.cells.length should be `3`")
    with pytest.raises(ValidationFailed) as caught:
        check_children_fit("page", {}, [row], FIELD)
    assert caught.value.message == (
        f"{FIELD}[0].table_row can only be a child of a `table` block, "
        "instead its parent is a `page`."
    )


def test_parents_that_cannot_hold_children() -> None:
    [child] = normalize_children([para()], FIELD)
    check_children_fit("page", {}, [child], FIELD)
    check_children_fit("toggle", {}, [child], FIELD)
    for parent, content in [("divider", {}), ("heading_1", {"is_toggleable": False})]:
        with pytest.raises(ValidationFailed) as caught:
            check_children_fit(parent, content, [child], FIELD)
        assert caught.value.message == (
            f"{FIELD} should be not present: a `{parent}` block cannot have children."
        )
    with pytest.raises(ValidationFailed):
        check_children_fit("column_list", {}, [child], FIELD)


def test_update_returns_only_the_given_keys() -> None:
    assert normalize_block_update("to_do", {"to_do": {"checked": True}}, "body") == {
        "checked": True
    }
    assert normalize_block_update(
        "paragraph", {"type": "paragraph", "paragraph": {"rich_text": text("new")}}, "body"
    ) == {"rich_text": rendered("new")}
    assert normalize_block_update("table", {"table": {"has_row_header": True}}, "body") == {
        "has_row_header": True
    }
    assert normalize_block_update(
        "link_to_page", {"link_to_page": {"database_id": PAGE_ID}}, "body"
    ) == {"type": "database_id", "database_id": PAGE_ID}


def test_update_without_a_type_body_changes_no_content() -> None:
    assert normalize_block_update("paragraph", {"in_trash": True}, "body") == {}


@pytest.mark.parametrize(
    ("block_type", "body", "message"),
    [
        (
            "paragraph",
            {"heading_1": {"rich_text": []}},
            "body.heading_1 should be not present: the block is a `paragraph` and a block's "
            "type cannot be changed.",
        ),
        (
            "paragraph",
            {"type": "quote", "quote": {}},
            'body.type should be `"paragraph"` (a block\'s type cannot be changed), '
            'instead was `"quote"`.',
        ),
        (
            "paragraph",
            {"paragraph": {"children": [para()]}},
            "body.paragraph.children should be not present, instead was "
            '`[{"paragraph":{"rich_text":[{"text":{"content":"p"}}]}}]`.',
        ),
        (
            "table",
            {"table": {"table_width": 3}},
            "body.table.table_width cannot be changed once the block exists, instead was `3`.",
        ),
        (
            "paragraph",
            {"paragraph": {"color": "teal"}},
            None,
        ),
        (
            "child_page",
            {"child_page": {"title": "x"}},
            "body.child_page cannot be updated here: create pages with POST /v1/pages.",
        ),
        (
            "paragraph",
            {"paragraph": {"rich_text": text("a" * 2001)}},
            "body.paragraph.rich_text[0].text.content.length should be ≤ `2000`, "
            "instead was `2001`.",
        ),
    ],
)
def test_invalid_updates_are_refused(block_type: str, body: object, message: str | None) -> None:
    with pytest.raises(ValidationFailed) as caught:
        normalize_block_update(block_type, body, "body")
    if message is not None:
        assert caught.value.message == message
    else:
        assert caught.value.message.startswith(f"body.{block_type}.")
