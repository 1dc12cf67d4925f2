"""Group commit: requests handled together share one COMMIT, each still all or nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from notionhub.localnotion.app import DEFAULT_TOKEN, LocalNotionConfig, create_app
from notionhub.localnotion.storage import Storage
from tests.localnotion.conftest import CRM_PROPERTIES, title

HEADERS = {"Authorization": f"Bearer {DEFAULT_TOKEN}", "Notion-Version": "2025-09-03"}


def test_concurrent_writes_share_a_commit_and_fail_alone(tmp_path: Path) -> None:
    app = create_app(LocalNotionConfig(data_dir=tmp_path))

    async def scenario() -> tuple[str, list[httpx.Response], dict[str, Any]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://local", headers=HEADERS
        ) as http:
            found = await http.post("/v1/search", json={"query": "notionhub"})
            root = found.json()["results"][0]["id"]
            db = await http.post(
                "/v1/databases",
                json={
                    "parent": {"page_id": root},
                    "title": title("Group"),
                    "initial_data_source": {"properties": CRM_PROPERTIES},
                },
            )
            ds = db.json()["data_sources"][0]["id"]

            def create(price: object) -> Any:
                return http.post(
                    "/v1/pages",
                    json={
                        "parent": {"data_source_id": ds},
                        "properties": {"Name": {"title": title("p")}, "Price": {"number": price}},
                    },
                )

            answers = await asyncio.gather(*(create(p) for p in (1, 2, "bad", 4, 5)))
            listed = await http.post(f"/v1/data_sources/{ds}/query", json={})
            return ds, list(answers), listed.json()

    ds, answers, listed = asyncio.run(scenario())
    assert [answer.status_code for answer in answers] == [200, 200, 400, 200, 200]
    prices = sorted(page["properties"]["Price"]["number"] for page in listed["results"])
    assert prices == [1, 2, 4, 5]
    # Everything answered is committed: another connection to the file sees it.
    other = Storage(tmp_path / "notion.sqlite3")
    try:
        assert len([p for p in other.pages_of(ds)]) == 4
    finally:
        other.close()


def test_a_group_is_one_transaction_of_savepoints(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "notion.sqlite3")
    try:
        storage.open_group()
        storage.set_meta("kept", "1")
        try:
            with storage.transaction():
                storage.set_meta("undone", "1")
                raise ValueError("this request fails")
        except ValueError:
            pass
        other = Storage(tmp_path / "notion.sqlite3")
        assert other.get_meta("kept") is None  # not committed yet
        storage.commit_group()
        assert other.get_meta("kept") == "1"
        assert other.get_meta("undone") is None
        other.close()
    finally:
        storage.close()
