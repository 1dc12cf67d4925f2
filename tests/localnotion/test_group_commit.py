"""Group commit: requests handled together share one COMMIT, each still all or nothing."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import httpx

from notionhub.localnotion.app import DEFAULT_TOKEN, LocalNotionConfig, create_app
from notionhub.localnotion.in_process import InProcessTransport
from notionhub.localnotion.storage.store import Storage
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


def _in_daemon_thread(work: Callable[[], list[int]]) -> Future[list[int]]:
    """Run ``work`` in a daemon thread: a request that never returns can't hold up the exit."""
    done: Future[list[int]] = Future()

    def run() -> None:
        try:
            done.set_result(work())
        except BaseException as error:
            done.set_exception(error)

    threading.Thread(target=run, daemon=True).start()
    return done


def test_requests_from_two_event_loops_are_all_answered(tmp_path: Path) -> None:
    """The embedded hub: its client on the in-process transport's loop, people on uvicorn's.

    Both loops serve the same app, so the same group commit; a request on one loop must never
    wait on a group of the other loop, whose wake-up would not reach it.
    """
    app = create_app(LocalNotionConfig(data_dir=tmp_path))
    in_process = InProcessTransport(app)
    hub = httpx.Client(transport=in_process, base_url="http://local", headers=HEADERS)
    root = hub.post("/v1/search", json={"query": "notionhub"}).json()["results"][0]["id"]
    db = hub.post(
        "/v1/databases",
        json={
            "parent": {"page_id": root},
            "title": title("Two loops"),
            "initial_data_source": {"properties": CRM_PROPERTIES},
        },
    )
    ds = db.json()["data_sources"][0]["id"]
    page = {"parent": {"data_source_id": ds}, "properties": {"Name": {"title": title("p")}}}
    rounds = 40

    def hub_worker() -> list[int]:
        statuses = []
        for _ in range(rounds):
            statuses.append(hub.post("/v1/pages", json=page).status_code)
            statuses.append(hub.post(f"/v1/data_sources/{ds}/query", json={}).status_code)
        return statuses

    async def people() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://local", headers=HEADERS
        ) as http:

            async def one() -> list[int]:
                created = await http.post("/v1/pages", json=page)
                listed = await http.post(f"/v1/data_sources/{ds}/query", json={})
                return [created.status_code, listed.status_code]

            statuses = []
            for _ in range(rounds // 5):  # in waves: many groups on this loop, not one
                answers = await asyncio.gather(*(one() for _ in range(5)))
                statuses.extend(status for pair in answers for status in pair)
            return statuses

    try:
        running = [_in_daemon_thread(hub_worker) for _ in range(3)]
        running.append(_in_daemon_thread(lambda: asyncio.run(people())))
        statuses = [status for work in running for status in work.result(timeout=60)]
        assert statuses == [200] * (2 * rounds * 4)
        found = hub.post(f"/v1/data_sources/{ds}/query", json={"page_size": 100}).json()
        count = len(found["results"])
        while found["has_more"]:
            more = {"start_cursor": found["next_cursor"], "page_size": 100}
            found = hub.post(f"/v1/data_sources/{ds}/query", json=more).json()
            count += len(found["results"])
        assert count == rounds * 4
    finally:
        hub.close()
