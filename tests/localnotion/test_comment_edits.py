"""Comments by id: ``comments.retrieve``, ``comments.update``, ``comments.delete``."""

from __future__ import annotations

import pytest
from notion_client import APIResponseError, Client

from tests.localnotion.conftest import title


@pytest.fixture
def comment(notion: Client, root_page_id: str) -> dict[str, str]:
    page = notion.pages.create(
        parent={"page_id": root_page_id}, properties={"title": {"title": title("talk")}}
    )
    made = notion.comments.create(parent={"page_id": page["id"]}, rich_text=title("first"))
    return {"page_id": page["id"], "id": made["id"], "discussion_id": made["discussion_id"]}


def test_retrieve_update_and_delete_a_comment(notion: Client, comment: dict[str, str]) -> None:
    got = notion.comments.retrieve(comment_id=comment["id"])
    assert got["object"] == "comment" and got["id"] == comment["id"]
    assert got["rich_text"][0]["plain_text"] == "first"

    updated = notion.comments.update(comment_id=comment["id"], rich_text=title("second"))
    assert updated["rich_text"][0]["plain_text"] == "second"
    assert updated["discussion_id"] == comment["discussion_id"]
    assert updated["last_edited_time"] >= got["last_edited_time"]

    marked = notion.comments.update(comment_id=comment["id"], markdown="**bold** and *it*")
    assert [(t["plain_text"], t["annotations"]["bold"]) for t in marked["rich_text"]][:2] == [
        ("bold", True),
        (" and ", False),
    ]
    assert marked["rich_text"][2]["annotations"]["italic"] is True

    deleted = notion.comments.delete(comment_id=comment["id"])
    assert deleted["id"] == comment["id"]
    assert notion.comments.list(block_id=comment["page_id"])["results"] == []
    with pytest.raises(APIResponseError) as raised:
        notion.comments.retrieve(comment_id=comment["id"])
    assert raised.value.status == 404 and raised.value.code == "object_not_found"
    with pytest.raises(APIResponseError) as raised:
        notion.comments.delete(comment_id=comment["id"])
    assert raised.value.code == "object_not_found"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "exactly one of `rich_text` or `markdown`"),
        ({"rich_text": title("a"), "markdown": "b"}, "exactly one of"),
        ({"rich_text": []}, "body.rich_text should not be empty"),
        ({"markdown": ""}, "body.markdown should not be empty"),
        ({"markdown": 3}, "body.markdown should be a string"),
        ({"rich_text": [{"text": {"content": "x" * 2001}}]}, "body.rich_text[0].text.content"),
    ],
)
def test_update_errors(
    notion: Client, comment: dict[str, str], body: dict[str, object], message: str
) -> None:
    with pytest.raises(APIResponseError) as raised:
        notion.comments.update(comment_id=comment["id"], **body)
    assert raised.value.status == 400 and raised.value.code == "validation_error"
    assert message in str(raised.value)


def test_unknown_and_malformed_ids(notion: Client, root_page_id: str) -> None:
    with pytest.raises(APIResponseError) as raised:
        notion.comments.retrieve(comment_id="5" * 32)
    assert raised.value.code == "object_not_found" and "comment" in str(raised.value)
    with pytest.raises(APIResponseError) as raised:
        notion.comments.retrieve(comment_id=root_page_id)  # a page, not a comment
    assert raised.value.code == "object_not_found"
    with pytest.raises(APIResponseError) as raised:
        notion.comments.update(comment_id="nope", rich_text=title("x"))
    assert raised.value.code == "validation_error" and "path.comment_id" in str(raised.value)


def test_create_with_markdown_attachments_and_a_display_name(
    notion: Client, root_page_id: str
) -> None:
    upload = notion.file_uploads.create(filename="shot.png", content_type="image/png")
    notion.file_uploads.send(
        file_upload_id=upload["id"], file=("shot.png", b"\x89PNG", "image/png")
    )
    made = notion.comments.create(
        parent={"page_id": root_page_id},
        markdown="see **this**",
        attachments=[{"file_upload_id": upload["id"]}],
        display_name={"type": "custom", "custom": {"name": "Release bot"}},
    )
    assert [t["plain_text"] for t in made["rich_text"]] == ["see ", "this"]
    assert made["display_name"] == {"type": "custom", "resolved_name": "Release bot"}
    assert made["attachments"][0]["category"] == "image"
    assert made["attachments"][0]["file"]["url"].endswith("/shot.png")
    assert notion.comments.retrieve(comment_id=made["id"])["attachments"] == made["attachments"]
    plain = notion.comments.create(parent={"page_id": root_page_id}, rich_text=title("x"))
    assert plain["display_name"]["type"] == "integration" and "attachments" not in plain


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"rich_text": title("a"), "markdown": "b"}, "exactly one of"),
        (
            {"markdown": "x", "attachments": [{"file_upload_id": "1" * 32}] * 4},
            "body.attachments.length should be ≤ `3`",
        ),
        (
            {"markdown": "x", "attachments": [{"file_upload_id": "1" * 32}]},
            "body.attachments[0].file_upload_id.id: no file upload",
        ),
        ({"markdown": "x", "display_name": {"type": "robot"}}, "body.display_name.type"),
        (
            {"markdown": "x", "display_name": {"type": "custom", "custom": {"name": ""}}},
            "custom.name",
        ),
    ],
)
def test_create_errors(
    notion: Client, root_page_id: str, body: dict[str, object], message: str
) -> None:
    with pytest.raises(APIResponseError) as raised:
        notion.comments.create(parent={"page_id": root_page_id}, **body)
    assert raised.value.status == 400 and raised.value.code == "validation_error"
    assert message in str(raised.value)
