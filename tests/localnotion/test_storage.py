"""Data safety: a restart keeps everything; concurrent clients never corrupt the store."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from notion_client import Client

from notionhub.localnotion.app import DEFAULT_TOKEN
from tests.conftest import start_server
from tests.localnotion.conftest import CRM_PROPERTIES, title


def _client(base_url: str) -> Client:
    return Client(auth=DEFAULT_TOKEN, base_url=base_url, retry=False)


def _root(client: Client) -> str:
    return str(
        client.search(query="notionhub", filter={"property": "object", "value": "page"})["results"][
            0
        ]["id"]
    )


def test_restart_keeps_everything(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    client = _client(server.base_url)
    root = _root(client)
    db = client.databases.create(
        parent={"page_id": root},
        title=title("Kept"),
        initial_data_source={"properties": CRM_PROPERTIES},
    )
    ds = db["data_sources"][0]["id"]
    page = client.pages.create(
        parent={"data_source_id": ds},
        properties={"Name": {"title": title("persist")}, "Price": {"number": 7}},
    )
    client.close()
    server.stop()

    again = start_server(tmp_path)
    try:
        client = _client(again.base_url)
        assert _root(client) == root  # the workspace page is not created twice
        kept = client.pages.retrieve(page_id=page["id"])
        assert kept["properties"]["Price"]["number"] == 7
        found = client.data_sources.query(
            data_source_id=ds, filter={"property": "Price", "number": {"equals": 7}}
        )
        assert [p["id"] for p in found["results"]] == [page["id"]]
        client.close()
    finally:
        again.stop()


def test_concurrent_clients_never_lose_a_write(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        setup = _client(server.base_url)
        db = setup.databases.create(
            parent={"page_id": _root(setup)},
            title=title("Busy"),
            initial_data_source={"properties": CRM_PROPERTIES},
        )
        ds = db["data_sources"][0]["id"]

        def writer(worker: int) -> list[str]:
            client = _client(server.base_url)
            ids = []
            for i in range(25):
                page = client.pages.create(
                    parent={"data_source_id": ds},
                    properties={
                        "Name": {"title": title(f"w{worker}-{i}")},
                        "Price": {"number": worker},
                    },
                )
                client.pages.update(page_id=page["id"], properties={"Done": {"checkbox": True}})
                ids.append(page["id"])
            client.close()
            return ids

        with ThreadPoolExecutor(max_workers=8) as pool:
            created = [pid for ids in pool.map(writer, range(8)) for pid in ids]
        assert len(set(created)) == 200
        seen: list[str] = []
        cursor = None
        while True:
            kwargs = {
                "data_source_id": ds,
                "filter": {"property": "Done", "checkbox": {"equals": True}},
            }
            if cursor:
                kwargs["start_cursor"] = cursor
            answer = setup.data_sources.query(**kwargs)
            seen += [p["id"] for p in answer["results"]]
            if not answer["has_more"]:
                break
            cursor = answer["next_cursor"]
        assert sorted(seen) == sorted(created)
        setup.close()
    finally:
        server.stop()
