"""File uploads through ``notion-client`` (``file_uploads.create/send/complete/retrieve/list``),
attached to files properties, media blocks, icons and covers, and served back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from notion_client import APIResponseError, Client

from notionhub.localnotion.app import API_VERSION, DEFAULT_TOKEN
from notionhub.localnotion.files.sources import serving_uploads
from notionhub.localnotion.files.uploads import (
    MIB,
    FormFile,
    create_file_upload,
    render_file_upload,
    send_file_upload,
)
from notionhub.localnotion.pages.writes import create_page
from notionhub.localnotion.storage.store import Storage
from notionhub.localnotion.workspace import Workspace
from tests.conftest import RunningServer
from tests.localnotion.conftest import title

HEADERS = {"Authorization": f"Bearer {DEFAULT_TOKEN}", "Notion-Version": API_VERSION}
DEADLINE = 20.0  # seconds: a guard against a hang, not a measure


def _uploaded(notion: Client, data: bytes = b"hello, file", name: str = "hello.txt") -> str:
    upload = notion.file_uploads.create(filename=name, content_type="text/plain")
    sent = notion.file_uploads.send(file_upload_id=upload["id"], file=(name, data, "text/plain"))
    assert sent["status"] == "uploaded"
    return str(upload["id"])


def test_single_part_upload_is_attached_everywhere_and_served(
    notion: Client, notion_server: RunningServer, root_page_id: str, crm: dict[str, str]
) -> None:
    created = notion.file_uploads.create(filename="hello.txt", content_type="text/plain")
    assert created["object"] == "file_upload" and created["status"] == "pending"
    assert created["upload_url"] == f"{notion_server.base_url}/v1/file_uploads/{created['id']}/send"
    assert created["filename"] == "hello.txt" and created["content_length"] is None
    assert created["expiry_time"] > created["created_time"]

    sent = notion.file_uploads.send(
        file_upload_id=created["id"], file=("hello.txt", b"hello, file", "text/plain")
    )
    assert sent["status"] == "uploaded" and sent["content_length"] == 11
    assert "upload_url" not in sent
    assert notion.file_uploads.retrieve(file_upload_id=created["id"])["status"] == "uploaded"

    upload = {"type": "file_upload", "file_upload": {"id": created["id"]}}
    page = notion.pages.create(
        parent={"data_source_id": crm["data_source_id"]},
        properties={"Name": {"title": title("with files")}},
        icon=upload,
        cover=upload,
        children=[{"image": upload}, {"file": {**upload, "name": "notes.txt"}}],
    )
    for field in ("icon", "cover"):
        assert page[field]["type"] == "file"
        assert page[field]["file"]["url"].startswith(f"{notion_server.base_url}/_files/")
        assert page[field]["file"]["expiry_time"]
    after = notion.file_uploads.retrieve(file_upload_id=created["id"])
    assert after["expiry_time"] is None  # attached: it no longer expires

    blocks = notion.blocks.children.list(block_id=page["id"])["results"]
    image, file_block = blocks[0]["image"], blocks[1]["file"]
    assert image["type"] == "file" and "external" not in image
    assert file_block["name"] == "notes.txt"
    served = httpx.get(image["file"]["url"])
    assert served.status_code == 200 and served.content == b"hello, file"
    assert served.headers["content-type"].startswith("text/plain")

    markdown = notion.pages.retrieve_markdown(page_id=page["id"])["markdown"]
    assert markdown.startswith(f"![]({image['file']['url']})")
    notion.pages.update_markdown(
        page_id=page["id"], type="replace_content", replace_content={"new_str": markdown}
    )
    blocks = notion.blocks.children.list(block_id=page["id"])["results"]
    assert blocks[0]["image"]["file"]["url"] == image["file"]["url"]  # still an uploaded file

    data_source = notion.data_sources.update(
        data_source_id=crm["data_source_id"], properties={"Attachments": {"files": {}}}
    )
    assert "Attachments" in data_source["properties"]
    updated = notion.pages.update(
        page_id=page["id"], properties={"Attachments": {"files": [{"name": "a.txt", **upload}]}}
    )
    files = updated["properties"]["Attachments"]["files"]
    assert files[0]["name"] == "a.txt" and files[0]["type"] == "file"
    again = notion.pages.update(page_id=page["id"], properties={"Attachments": {"files": files}})
    assert again["properties"]["Attachments"]["files"] == files  # a rendered value goes back

    changed = notion.blocks.update(
        block_id=blocks[0]["id"],
        image={"external": {"url": "https://e.com/x.png"}, "type": "external"},
    )
    assert changed["image"]["type"] == "external" and "file" not in changed["image"]


def test_multi_part_upload_is_completed_from_its_parts(
    notion: Client, notion_server: RunningServer
) -> None:
    first, last = b"a" * (5 * MIB), b"tail"
    upload = notion.file_uploads.create(
        mode="multi_part",
        filename="big.bin",
        content_type="application/octet-stream",
        number_of_parts=2,
    )
    assert upload["number_of_parts"] == {"total": 2, "sent": 0}
    assert upload["complete_url"].endswith(f"/v1/file_uploads/{upload['id']}/complete")

    with pytest.raises(APIResponseError) as raised:
        notion.file_uploads.complete(file_upload_id=upload["id"])
    assert raised.value.code == "validation_error" and "missing parts (1, 2)" in str(raised.value)

    sent = notion.file_uploads.send(
        file_upload_id=upload["id"], file=("big.bin", last), part_number="2"
    )
    assert sent["status"] == "pending" and sent["number_of_parts"] == {"total": 2, "sent": 1}
    notion.file_uploads.send(file_upload_id=upload["id"], file=("big.bin", first), part_number="1")
    done = notion.file_uploads.complete(file_upload_id=upload["id"])
    assert done["status"] == "uploaded" and done["content_length"] == len(first) + len(last)
    assert "complete_url" not in done and done["number_of_parts"] == {"total": 2, "sent": 2}

    page = notion.pages.create(
        parent={"page_id": notion.search(query="notionhub")["results"][0]["id"]},
        properties={"title": {"title": title("big")}},
        children=[{"file": {"type": "file_upload", "file_upload": {"id": upload["id"]}}}],
    )
    block = notion.blocks.children.list(block_id=page["id"])["results"][0]["file"]
    assert block["name"] == "big.bin"
    served = httpx.get(block["file"]["url"])
    assert served.content == first + last


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"mode": "several"}, "body.mode should be"),
        (
            {"mode": "multi_part", "filename": "a.bin"},
            "body.number_of_parts should be an integer from 1 to 1000",
        ),
        ({"mode": "multi_part", "filename": "a.bin", "number_of_parts": 1001}, "from 1 to 1000"),
        ({"mode": "multi_part", "number_of_parts": 2}, "body.filename should be defined"),
        ({"number_of_parts": 2, "filename": "a.txt"}, "only allowed when mode is `multi_part`"),
        ({"mode": "external_url", "filename": "a.txt"}, "body.external_url should be defined"),
        (
            {"mode": "external_url", "filename": "a.txt", "external_url": "ftp://x/a.txt"},
            "https://",
        ),
        (
            {"mode": "external_url", "filename": "a.txt", "external_url": "http://e.com/a"},
            "https://",
        ),
        ({"external_url": "https://e.com/a.txt"}, "only allowed when mode is `external_url`"),
        ({"filename": "é" * 451 + ".txt"}, "at most 900 bytes"),
        ({"filename": "noextension"}, "needs an extension"),
        ({"filename": "a.txt", "content_type": "text"}, "should be a MIME type"),
        ({"filename": 3}, "body.filename should be a string"),
    ],
)
def test_create_errors(notion: Client, body: dict[str, Any], message: str) -> None:
    with pytest.raises(APIResponseError) as raised:
        notion.file_uploads.create(**body)
    assert raised.value.status == 400 and raised.value.code == "validation_error"
    assert message in str(raised.value)


def test_send_and_complete_errors(notion: Client, notion_server: RunningServer) -> None:
    single = notion.file_uploads.create(filename="a.txt")
    multi = notion.file_uploads.create(mode="multi_part", filename="b.bin", number_of_parts=2)
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {"file_upload_id": single["id"], "file": ("a.txt", b"x"), "part_number": "1"},
            "only allowed when mode is `multi_part`",
        ),
        (
            {"file_upload_id": multi["id"], "file": ("b.bin", b"x")},
            "body.part_number should be defined",
        ),
        (
            {"file_upload_id": multi["id"], "file": ("b.bin", b"x"), "part_number": "3"},
            "from 1 to 2",
        ),
        (
            {"file_upload_id": multi["id"], "file": ("b.bin", b"x"), "part_number": "one"},
            "from 1 to 2",
        ),
        (
            {"file_upload_id": multi["id"], "file": ("b.bin", b"x"), "part_number": "1"},
            "each part is 5242880 to 20971520 bytes",
        ),
        ({"file_upload_id": single["id"], "part_number": "1"}, "multipart/form-data"),
    ]
    for kwargs, message in cases:
        with pytest.raises(APIResponseError) as raised:
            notion.file_uploads.send(**kwargs)
        assert raised.value.code == "validation_error", kwargs
        assert message in str(raised.value), kwargs
    with pytest.raises(APIResponseError) as raised:
        notion.file_uploads.complete(file_upload_id=single["id"])
    assert "only a `multi_part` upload is completed" in str(raised.value)
    notion.file_uploads.send(file_upload_id=single["id"], file=("a.txt", b"x"))
    with pytest.raises(APIResponseError) as raised:
        notion.file_uploads.send(file_upload_id=single["id"], file=("a.txt", b"x"))
    assert "is `uploaded`: only a `pending` upload can be sent to" in str(raised.value)
    with pytest.raises(APIResponseError) as raised:
        notion.file_uploads.retrieve(file_upload_id="4" * 32)
    assert raised.value.status == 404 and raised.value.code == "object_not_found"

    base = f"{notion_server.base_url}/v1/file_uploads/{multi['id']}/send"
    not_a_form = httpx.post(base, json={"file": "x"}, headers=HEADERS)
    assert not_a_form.status_code == 400 and "multipart/form-data" in not_a_form.json()["message"]
    total, sent = 40 * MIB, 0

    def endless() -> Iterator[bytes]:
        nonlocal sent
        while sent < total:
            sent += 64 * 1024
            yield b" " * (64 * 1024)

    too_large = httpx.post(
        base,
        headers={**HEADERS, "Content-Type": "multipart/form-data; boundary=x"},
        content=endless(),
        timeout=DEADLINE,
    )
    assert too_large.status_code == 400 and too_large.json()["code"] == "validation_error"
    assert sent < total  # the server stopped reading past a part's size
    assert "Request body too large" in too_large.json()["message"]


def test_a_single_part_file_is_at_most_20_mib(notion: Client) -> None:
    upload = notion.file_uploads.create(filename="big.bin")
    with pytest.raises(APIResponseError) as raised:
        notion.file_uploads.send(
            file_upload_id=upload["id"], file=("big.bin", b"\0" * (20 * MIB + 1))
        )
    assert raised.value.code == "validation_error"
    assert "a single-part upload is at most 20971520 bytes" in str(raised.value)


def test_attaching_needs_an_uploaded_upload(notion: Client, root_page_id: str) -> None:
    pending = notion.file_uploads.create(filename="p.txt")
    for upload_id, message in ((pending["id"], "is `pending`"), ("9" * 32, "no file upload")):
        with pytest.raises(APIResponseError) as raised:
            notion.pages.create(
                parent={"page_id": root_page_id},
                properties={"title": {"title": title("x")}},
                icon={"type": "file_upload", "file_upload": {"id": upload_id}},
            )
        assert raised.value.code == "validation_error" and message in str(raised.value)
        assert "body.icon.file_upload" in str(raised.value)
    with pytest.raises(APIResponseError) as raised:
        notion.pages.create(
            parent={"page_id": root_page_id},
            properties={"title": {"title": title("x")}},
            cover={"type": "file", "file": {"url": "https://elsewhere.example/a.png"}},
        )
    assert "can only be one this server serves" in str(raised.value)


def test_list_filters_by_status_and_pages(notion: Client) -> None:
    made = [_uploaded(notion, name=f"l{i}.txt") for i in range(3)]
    pending = notion.file_uploads.create(filename="waiting.txt")["id"]
    uploaded = notion.file_uploads.list(status="uploaded", page_size=2)
    assert uploaded["object"] == "list" and uploaded["type"] == "file_upload"
    assert [u["id"] for u in uploaded["results"]] == [made[2], made[1]]
    rest = notion.file_uploads.list(status="uploaded", start_cursor=uploaded["next_cursor"])
    assert rest["results"][0]["id"] == made[0]
    assert pending in [u["id"] for u in notion.file_uploads.list(status="pending")["results"]]
    with pytest.raises(APIResponseError) as raised:
        notion.file_uploads.list(status="done")
    assert raised.value.code == "validation_error" and "query.status" in str(raised.value)


def test_external_url_is_imported(
    notion: Client, notion_server: RunningServer, root_page_id: str
) -> None:
    source = _uploaded(notion, b"imported bytes", "source.txt")
    page = notion.pages.create(
        parent={"page_id": root_page_id},
        properties={"title": {"title": title("src")}},
        icon={"type": "file_upload", "file_upload": {"id": source}},
    )
    url = page["icon"]["file"]["url"]
    made = notion.file_uploads.create(mode="external_url", filename="copy.txt", external_url=url)
    assert made["status"] == "pending" and "upload_url" not in made
    broken = notion.file_uploads.create(
        mode="external_url",
        filename="gone.txt",
        external_url=f"{notion_server.base_url}/_files/{'1' * 32}/gone.txt",
    )
    private = notion.file_uploads.create(
        mode="external_url", filename="secret.txt", external_url="https://127.0.0.1:9/secret.txt"
    )
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        done = notion.file_uploads.retrieve(file_upload_id=made["id"])
        failed = notion.file_uploads.retrieve(file_upload_id=broken["id"])
        refused = notion.file_uploads.retrieve(file_upload_id=private["id"])
        if all(u["status"] != "pending" for u in (done, failed, refused)):
            break
    assert done["status"] == "uploaded" and done["content_length"] == len(b"imported bytes")
    assert done["file_import_result"]["type"] == "success"
    assert failed["status"] == "failed"
    assert failed["file_import_result"]["error"]["status_code"] == 404
    assert refused["status"] == "failed"  # the server reads no address of its own network
    assert "is not a public address" in refused["file_import_result"]["error"]["message"]


def test_an_upload_expires_an_hour_after_it_was_made(tmp_path: Path) -> None:
    now = [datetime(2026, 1, 2, 10, 0, tzinfo=UTC)]
    ws = Workspace(Storage(tmp_path / "notion.sqlite3"), clock=lambda: now[0])
    upload = create_file_upload(ws, {"filename": "a.txt"})
    sent = send_file_upload(ws, upload.id, {"file": FormFile(b"x", "a.txt", "text/plain")})
    now[0] += timedelta(hours=1)
    assert render_file_upload(ws, sent)["status"] == "expired"
    with serving_uploads(ws), pytest.raises(Exception, match="is `expired`"):
        create_page(
            ws,
            {
                "parent": {"page_id": ws.root_page_id},
                "icon": {"type": "file_upload", "file_upload": {"id": upload.id}},
            },
        )
