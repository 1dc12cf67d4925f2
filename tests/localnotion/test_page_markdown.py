"""``GET``/``PATCH /v1/pages/{id}/markdown`` through ``notion-client``
(``pages.retrieve_markdown`` / ``pages.update_markdown``), and the round trip as a property."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from notion_client import APIResponseError, Client

from notionhub.localnotion.markdown.page import update_markdown
from notionhub.localnotion.markdown.writer import write_markdown
from notionhub.localnotion.pages.writes import create_page
from notionhub.localnotion.storage.store import Storage
from notionhub.localnotion.workspace import Workspace
from tests.localnotion.conftest import title

EVERY_FORM = """# Title {toggle="true"}
\tunder the heading
## Second
### Third {color="blue"}
Plain **bold** *italic* ~~gone~~ `code` [link](https://example.com) $x^2$ \
<span underline="true" color="red">u</span>
<empty-block/>
- bullet
\t1. nested number
- [ ] open
- [x] done
> quoted
<details>
<summary>toggle</summary>
\tinside
</details>
<callout icon="🚀" color="gray_background">
\tcallout text
\t- child
</callout>
```python
def f():
\treturn 1
```
$$
e^{i\\pi} + 1 = 0
$$
---
<table_of_contents/>
<breadcrumb/>
![a caption](https://example.com/a.png)
<video src="https://example.com/v.mp4">clip</video>
<file src="https://example.com/f.pdf" name="f.pdf"></file>
<bookmark url="https://example.com">site</bookmark>
<embed url="https://example.com/e"></embed>
<table header-row="true" header-column="false">
\t<tr><td>a</td><td>**b**</td></tr>
\t<tr><td>c</td><td></td></tr>
</table>
<columns>
\t<column>
\t\tleft
\t</column>
\t<column>
\t\tright
\t</column>
</columns>"""


@pytest.fixture
def page_id(notion: Client, root_page_id: str) -> str:
    page = notion.pages.create(
        parent={"page_id": root_page_id}, properties={"title": {"title": title("md")}}
    )
    return str(page["id"])


def test_every_form_reads_back_as_written(notion: Client, page_id: str) -> None:
    answer = notion.pages.update_markdown(
        page_id=page_id, type="replace_content", replace_content={"new_str": EVERY_FORM}
    )
    assert answer["object"] == "page_markdown" and answer["id"] == page_id
    assert answer["truncated"] is False and answer["unknown_block_ids"] == []
    assert answer["markdown"] == EVERY_FORM
    assert notion.pages.retrieve_markdown(page_id=page_id)["markdown"] == EVERY_FORM

    blocks = notion.blocks.children.list(block_id=page_id)["results"]
    assert [b["type"] for b in blocks][:6] == [
        "heading_1",
        "heading_2",
        "heading_3",
        "paragraph",
        "paragraph",
        "bulleted_list_item",
    ]
    assert blocks[0]["heading_1"]["is_toggleable"] is True and blocks[0]["has_children"]
    code = next(b for b in blocks if b["type"] == "code")["code"]
    assert code["language"] == "python"
    assert code["rich_text"][0]["plain_text"] == "def f():\n\treturn 1"


def test_update_content_and_the_deprecated_edits(notion: Client, page_id: str) -> None:
    notion.pages.update_markdown(
        page_id=page_id, type="replace_content", replace_content={"new_str": "one\ntwo\ntwo"}
    )
    answer = notion.pages.update_markdown(
        page_id=page_id,
        type="update_content",
        update_content={
            "content_updates": [
                {"old_str": "one", "new_str": "# One"},
                {"old_str": "two", "new_str": "2", "replace_all_matches": True},
            ]
        },
    )
    assert answer["markdown"] == "# One\n2\n2"
    answer = notion.pages.update_markdown(
        page_id=page_id,
        type="insert_content",
        insert_content={"content": "- first", "position": {"type": "start"}},
    )
    assert answer["markdown"] == "- first\n# One\n2\n2"
    answer = notion.pages.update_markdown(
        page_id=page_id,
        type="insert_content",
        insert_content={"content": "after", "after": "# O...ne"},
    )
    assert answer["markdown"] == "- first\n# One\nafter\n2\n2"
    answer = notion.pages.update_markdown(
        page_id=page_id,
        type="replace_content_range",
        replace_content_range={"content": "middle", "content_range": "after...2\n2"},
    )
    assert answer["markdown"] == "- first\n# One\nmiddle"


def test_child_pages_are_kept_only_when_named_or_deleted_when_allowed(
    notion: Client, page_id: str
) -> None:
    child = notion.pages.create(
        parent={"page_id": page_id}, properties={"title": {"title": title("Child")}}
    )
    notion.blocks.children.append(
        block_id=page_id, children=[{"paragraph": {"rich_text": title("after")}}]
    )
    current = notion.pages.retrieve_markdown(page_id=page_id)["markdown"]
    url = "https://www.notion.so/" + child["id"].replace("-", "")
    assert current == f'<page url="{url}">Child</page>\nafter'

    moved = notion.pages.update_markdown(
        page_id=page_id,
        type="replace_content",
        replace_content={"new_str": f'before\n<page url="{url}">Child</page>'},
    )
    assert moved["markdown"] == f'before\n<page url="{url}">Child</page>'
    assert notion.pages.retrieve(page_id=child["id"])["in_trash"] is False

    with pytest.raises(APIResponseError) as raised:
        notion.pages.update_markdown(
            page_id=page_id, type="replace_content", replace_content={"new_str": "gone"}
        )
    assert raised.value.code == "validation_error"
    assert "allow_deleting_content" in str(raised.value)
    notion.pages.update_markdown(
        page_id=page_id,
        type="replace_content",
        replace_content={"new_str": "gone", "allow_deleting_content": True},
    )
    assert notion.pages.retrieve(page_id=child["id"])["in_trash"] is True


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        ({}, 400, "validation_error", "body.type should be one of"),
        ({"type": "rewrite"}, 400, "validation_error", "body.type should be one of"),
        ({"type": "replace_content"}, 400, "validation_error", "body.replace_content"),
        (
            {"type": "replace_content", "replace_content": {"new_str": 1}},
            400,
            "validation_error",
            "body.replace_content.new_str",
        ),
        (
            {"type": "replace_content", "replace_content": {"new_str": "```\nopen"}},
            400,
            "validation_error",
            "is not closed",
        ),
        (
            {"type": "update_content", "update_content": {"content_updates": [{}] * 101}},
            400,
            "validation_error",
            "content_updates.length should be ≤ `100`",
        ),
        (
            {
                "type": "update_content",
                "update_content": {"content_updates": [{"old_str": "nowhere", "new_str": ""}]},
            },
            400,
            "validation_error",
            "was not found",
        ),
        (
            {
                "type": "insert_content",
                "insert_content": {"content": "x", "after": "a", "position": {"type": "end"}},
            },
            400,
            "validation_error",
            "not both",
        ),
        (
            {"type": "replace_content", "replace_content": {"new_str": "x" * 2001}},
            400,
            "validation_error",
            "body.replace_content",
        ),
        (
            {
                "type": "replace_content",
                "replace_content": {
                    "new_str": '<page url="https://www.notion.so/' + "1" * 32 + '">x</page>'
                },
            },
            400,
            "validation_error",
            "is not a child page",
        ),
    ],
)
def test_update_errors(
    notion: Client, page_id: str, body: dict[str, Any], status: int, code: str, message: str
) -> None:
    with pytest.raises(APIResponseError) as raised:
        notion.pages.update_markdown(page_id=page_id, **body)
    assert raised.value.status == status and raised.value.code == code
    assert message in str(raised.value)


def test_read_errors(notion: Client, page_id: str) -> None:
    with pytest.raises(APIResponseError) as raised:
        notion.pages.retrieve_markdown(page_id="3" * 32)
    assert raised.value.status == 404 and raised.value.code == "object_not_found"
    with pytest.raises(APIResponseError) as raised:
        notion.pages.retrieve_markdown(page_id=page_id, include_transcript="maybe")
    assert raised.value.code == "validation_error"
    assert (
        notion.pages.retrieve_markdown(page_id=page_id, include_transcript="true")["markdown"] == ""
    )


# -- the round trip as a property ----------------------------------------------------------

_TEXT = st.text(
    alphabet=st.sampled_from('ab Z9#-+>.*_~`[](){}<>$\\!|&"\n:é🙂'), min_size=1, max_size=12
).filter(lambda text: text.strip() != "")
_ANNOTATIONS = st.fixed_dictionaries(
    {
        "bold": st.booleans(),
        "italic": st.booleans(),
        "strikethrough": st.booleans(),
        "underline": st.booleans(),
        "code": st.booleans(),
        "color": st.sampled_from(["default", "red", "blue_background"]),
    }
)
_TEXT_ITEM = st.builds(
    lambda text, notes, link: {
        "text": {"content": text, "link": {"url": link} if link else None},
        "annotations": notes,
    },
    _TEXT,
    _ANNOTATIONS,
    st.sampled_from([None, None, "https://example.com/a_(b)"]),
)
_EQUATION_ITEM = st.builds(
    lambda expression, notes: {"equation": {"expression": expression}, "annotations": notes},
    _TEXT,
    _ANNOTATIONS,
)
_MENTION_ITEM = st.builds(
    lambda mention, notes: {"mention": mention, "annotations": notes},
    st.sampled_from(
        [
            {"user": {"id": "0a6e3b1f-1d2c-4a5b-8c9d-0e1f2a3b4c5d"}},
            {"page": {"id": "1b6e3b1f-1d2c-4a5b-8c9d-0e1f2a3b4c5d"}},
            {"database": {"id": "2c6e3b1f-1d2c-4a5b-8c9d-0e1f2a3b4c5d"}},
            {"date": {"start": "2026-01-02", "end": "2026-01-05"}},
            {"date": {"start": "2026-01-02T10:00:00.000+00:00"}},
        ]
    ),
    _ANNOTATIONS,
)
_RICH_TEXT = st.lists(
    st.one_of(_TEXT_ITEM, _TEXT_ITEM, _EQUATION_ITEM, _MENTION_ITEM), min_size=0, max_size=3
)
_COLOR = st.sampled_from(["default", "default", "green", "gray_background"])


def _text_block(kind: str, extra: dict[str, Any] | None = None) -> Any:
    return st.builds(
        lambda rich_text, color: {kind: {"rich_text": rich_text, "color": color, **(extra or {})}},
        _RICH_TEXT,
        _COLOR,
    )


_LEAF = st.one_of(
    _text_block("paragraph"),
    _text_block("heading_2"),
    _text_block("bulleted_list_item"),
    _text_block("numbered_list_item"),
    _text_block("quote"),
    _text_block("to_do", {"checked": True}),
    st.builds(
        lambda t: {"code": {"rich_text": [{"text": {"content": t}}], "language": "rust"}}, _TEXT
    ),
    st.builds(lambda t: {"equation": {"expression": t}}, _TEXT),
    st.just({"divider": {}}),
    st.builds(
        lambda caption: {"image": {"external": {"url": "https://e.com/i.png"}, "caption": caption}},
        _RICH_TEXT,
    ),
)
_WITH_CHILDREN = st.builds(
    lambda kind, rich_text, children: {kind: {"rich_text": rich_text, "children": children}},
    st.sampled_from(["paragraph", "toggle", "bulleted_list_item", "quote", "callout"]),
    _RICH_TEXT,
    st.lists(_LEAF, min_size=1, max_size=3),
)
_BLOCKS = st.lists(st.one_of(_LEAF, _WITH_CHILDREN), min_size=1, max_size=6)

_NOW = datetime(2026, 1, 2, tzinfo=UTC)


def _tree(ws: Workspace, parent_id: str) -> list[Any]:
    """What the store holds under a parent: types, bodies and children, ids left out."""
    return [
        (obj.body["type"], obj.body[obj.body["type"]], _tree(ws, obj.id))
        for obj in ws.storage.children(parent_id, ("block",))
    ]


def _merged(tree: list[Any]) -> list[Any]:
    """Adjacent text items with the same annotations and link are one run of text."""
    result = []
    for kind, stored, children in tree:
        body = dict(stored)
        for key in ("rich_text", "caption"):
            if key in body and kind != "code":
                body[key] = _merge_items(body[key])
        result.append((kind, body, _merged(children)))
    return result


def _merge_items(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    merged: list[tuple[Any, ...]] = []
    for item in items:
        key = (item["type"], item["annotations"], item.get("href"))
        text = item["plain_text"]
        if merged and item["type"] == "text" and merged[-1][:3] == key:
            merged[-1] = (*key, merged[-1][3] + text)
        else:
            merged.append((*key, text))
    return merged


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    path: Path = tmp_path_factory.mktemp("markdown") / "notion.sqlite3"
    return Workspace(Storage(path), clock=lambda: _NOW)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(blocks=_BLOCKS)
@example(  # fences inside the content: the written fence is longer
    blocks=[
        {"code": {"rich_text": [{"text": {"content": "a\n```\n````"}}], "language": "rust"}},
        {"equation": {"expression": "x\n$$\ny"}},
    ]
)
def test_blocks_to_markdown_to_blocks_is_the_identity(
    workspace: Workspace, blocks: list[dict[str, Any]]
) -> None:
    ws = workspace
    page = create_page(ws, {"parent": {"page_id": ws.root_page_id}, "children": blocks})
    before = _tree(ws, page.id)
    markdown = write_markdown(ws, page.id).markdown

    update_markdown(
        ws, page.id, {"type": "replace_content", "replace_content": {"new_str": markdown}}
    )

    assert _merged(_tree(ws, page.id)) == _merged(before)


def test_a_page_is_created_with_markdown_content(notion: Client, root_page_id: str) -> None:
    page = notion.pages.create(
        parent={"page_id": root_page_id},
        properties={"title": {"title": title("from markdown")}},
        markdown="# Heading\n- item\n\t- nested",
        template={"type": "none"},
    )
    blocks = notion.blocks.children.list(block_id=page["id"])["results"]
    assert [b["type"] for b in blocks] == ["heading_1", "bulleted_list_item"]
    assert notion.pages.retrieve_markdown(page_id=page["id"])["markdown"] == (
        "# Heading\n- item\n\t- nested"
    )


@pytest.mark.parametrize(
    ("body", "status", "code", "message"),
    [
        ({"markdown": "a", "children": []}, 400, "validation_error", "`children` or `markdown`"),
        ({"markdown": 5}, 400, "validation_error", "body.markdown should be a string"),
        ({"markdown": "```\nopen"}, 400, "validation_error", "is not closed"),
        ({"template": {"type": "copy"}}, 400, "validation_error", "body.template.type"),
        (
            {"template": {"type": "template_id", "template_id": "x"}},
            400,
            "validation_error",
            "template_id",
        ),
        (
            {"template": {"type": "template_id", "template_id": "5" * 32}},
            404,
            "object_not_found",
            "template",
        ),
    ],
)
def test_create_with_markdown_or_template_errors(
    notion: Client, root_page_id: str, body: dict[str, Any], status: int, code: str, message: str
) -> None:
    with pytest.raises(APIResponseError) as raised:
        notion.pages.create(
            parent={"page_id": root_page_id}, properties={"title": {"title": title("x")}}, **body
        )
    assert raised.value.status == status and raised.value.code == code
    assert message in str(raised.value)


def test_a_new_page_is_placed_among_its_parent_s_children(
    notion: Client, page_id: str, crm: dict[str, str]
) -> None:
    notion.blocks.children.append(
        block_id=page_id,
        children=[{"paragraph": {"rich_text": title(t)}} for t in ("a", "b")],
    )
    first, second = [b["id"] for b in notion.blocks.children.list(block_id=page_id)["results"]]
    top = notion.pages.create(
        parent={"page_id": page_id},
        properties={"title": {"title": title("top")}},
        position={"type": "page_start"},
    )
    middle = notion.pages.create(
        parent={"page_id": page_id},
        properties={"title": {"title": title("middle")}},
        position={"type": "after_block", "after_block": {"id": first}},
    )
    end = notion.pages.create(
        parent={"page_id": page_id},
        properties={"title": {"title": title("end")}},
        position={"type": "page_end"},
    )
    order = [b["id"] for b in notion.blocks.children.list(block_id=page_id)["results"]]
    assert order == [top["id"], first, middle["id"], second, end["id"]]

    for parent, position, message in (
        ({"data_source_id": crm["data_source_id"]}, {"type": "page_start"}, "only allowed when"),
        ({"page_id": page_id}, {"type": "middle"}, "body.position.type"),
        (
            {"page_id": page_id},
            {"type": "after_block", "after_block": {"id": "1" * 32}},
            "is not a child",
        ),
    ):
        with pytest.raises(APIResponseError) as raised:
            notion.pages.create(parent=parent, properties={}, position=position)
        assert raised.value.code == "validation_error" and message in str(raised.value)
