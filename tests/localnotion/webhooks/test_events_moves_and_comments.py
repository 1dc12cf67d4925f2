"""The events of page moves and of comment edits and deletions."""

from __future__ import annotations

from notion_client import Client

from tests.conftest import RunningServer
from tests.localnotion.conftest import title
from tests.localnotion.webhooks.conftest import Receiver, make_crm, subscribe


def test_a_move_is_page_moved_and_both_places_change(
    server: RunningServer, receiver: Receiver, bot: Client, root: str
) -> None:
    subscribe(server, receiver)
    crm = make_crm(bot, root)
    page = bot.pages.create(parent={"page_id": root}, properties={"title": title("Moving")})
    bot.pages.move(page_id=page["id"], parent={"data_source_id": crm["data_source_id"]})

    moved = receiver.wait_for_event("page.moved", page["id"])
    assert moved["entity"] == {"id": page["id"], "type": "page"}
    assert moved["data"] == {
        "parent": {
            "id": crm["database_id"],
            "type": "database",
            "data_source_id": crm["data_source_id"],
        }
    }
    joined = receiver.wait_for_event("data_source.content_updated", crm["data_source_id"])
    assert joined["data"]["updated_blocks"] == [{"id": page["id"], "type": "block"}]
    receiver.wait_for(
        lambda got: any(
            r.json.get("type") == "page.content_updated"
            and r.json["entity"]["id"] == root
            and {"id": page["id"], "type": "block"} in r.json["data"]["updated_blocks"]
            and r.json["timestamp"] >= moved["timestamp"]
            for r in got
            if not r.is_verification
        )
    )


def test_comment_updates_and_deletions_are_told(
    server: RunningServer, receiver: Receiver, bot: Client, root: str
) -> None:
    subscribe(server, receiver)
    page = bot.pages.create(parent={"page_id": root}, properties={"title": title("Talk")})
    comment = bot.comments.create(parent={"page_id": page["id"]}, rich_text=title("Hi"))
    bot.comments.update(comment_id=comment["id"], rich_text=title("Hello"))
    bot.comments.delete(comment_id=comment["id"])

    expected = {"page_id": page["id"], "parent": {"id": page["id"], "type": "page"}}
    for kind in ("comment.updated", "comment.deleted"):
        event = receiver.wait_for_event(kind, comment["id"])
        assert event["entity"] == {"id": comment["id"], "type": "comment"}
        assert event["data"] == expected
