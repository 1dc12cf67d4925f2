"""The gateway over HTTP: retries under injected faults, errors, budget, pagination, reports."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from notion_client import Client

from notionhub.errors import AmbiguousWrite, NotionUnreachable, ObjectNotFound, ValidationFailed
from notionhub.notion.budget import BudgetPolicy
from notionhub.notion.documents import (
    Bullets,
    Callout,
    Document,
    Heading,
    Paragraph,
    Table,
    append_blocks,
    create_report_page,
)
from notionhub.notion.gateway import KEEPALIVE_SECONDS, NotionGateway
from notionhub.notion.retry import RetryPolicy
from notionhub.web.server import ServerLimits
from tests.conftest import RunningServer, start_server
from tests.notion.conftest import GatewayFactory
from tests.notion.test_budget import most_in_any_window


@pytest.fixture
def faulty_server(tmp_path: Path) -> Iterator[RunningServer]:
    """A server of its own, so its faults touch no other test."""
    server = start_server(tmp_path / "notion")
    yield server
    server.stop()


def root_page(gateway: NotionGateway) -> str:
    return str(next(gateway.search({"query": "notionhub"}))["id"])


def outcomes(gateway: NotionGateway) -> dict[str, float]:
    counts: dict[str, float] = {}
    for metric in gateway.metrics.notion_requests.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                key = sample.labels["outcome"]
                counts[key] = counts.get(key, 0) + sample.value
    return counts


def test_reads_and_updates_survive_429_and_5xx(
    make_gateway: GatewayFactory, faulty_server: RunningServer
) -> None:
    gateway = make_gateway(faulty_server)
    root = root_page(gateway)
    faulty_server.admin(
        "POST",
        "/_admin/faults",
        {"rate_limited": 0.2, "server_error": 0.2, "seed": 11, "retry_after": 0},
    )
    for _ in range(30):
        assert gateway.retrieve_page(root)["id"] == root
        gateway.update_page(root, {"icon": {"type": "emoji", "emoji": "📥"}})
    seen = outcomes(gateway)
    assert seen["ok"] >= 60
    assert seen.get("rate_limited", 0) > 0
    assert seen.get("retry_500", 0) + seen.get("retry_503", 0) > 0


def test_retry_after_blocks_the_budget(
    make_gateway: GatewayFactory, faulty_server: RunningServer
) -> None:
    waits: list[float] = []
    gateway = make_gateway(faulty_server)
    gateway.budget.sleep = waits.append  # record instead of sleeping
    root = root_page(gateway)
    faulty_server.admin(
        "POST", "/_admin/faults", {"rate_limited": 0.5, "seed": 2, "retry_after": 7}
    )
    for _ in range(6):
        gateway.retrieve_page(root)
    assert any(6.5 <= wait <= 7.0 for wait in waits)  # the next request waited out Retry-After


def test_client_errors_are_never_retried(
    make_gateway: GatewayFactory, faulty_server: RunningServer
) -> None:
    gateway = make_gateway(faulty_server)
    faulty_server.admin("POST", "/_admin/reset-stats")
    with pytest.raises(ObjectNotFound) as raised:
        gateway.retrieve_page("00000000-0000-4000-8000-000000000000")
    assert "Could not find page" in raised.value.message
    with pytest.raises(ValidationFailed):
        gateway.create_page(
            {"parent": {"page_id": root_page(gateway)}, "properties": {"Nope": {"number": 1}}}
        )
    stats = faulty_server.admin("GET", "/_admin/stats").json()["by_route"]
    assert stats["GET /v1/pages/{page_id}"] == 1
    assert stats["POST /v1/pages"] == 1


def test_timeouts_retry_reads_and_refuse_to_guess_on_creates(
    make_gateway: GatewayFactory, faulty_server: RunningServer
) -> None:
    gateway = make_gateway(
        faulty_server, timeout_seconds=0.2, retry=RetryPolicy(max_attempts=2, base_delay=0.01)
    )
    root = root_page(gateway)
    faulty_server.admin("POST", "/_admin/faults", {"timeout": 1.0, "slow_seconds": 0.6, "seed": 1})
    try:
        with pytest.raises(NotionUnreachable):
            gateway.retrieve_page(root)
        with pytest.raises(AmbiguousWrite):
            gateway.create_page(
                {"parent": {"page_id": root}, "properties": {"title": {"title": []}}}
            )
    finally:
        faulty_server.admin("POST", "/_admin/faults", {})


def test_its_own_client_lets_an_idle_connection_go_before_our_server_closes_it(
    gateway: NotionGateway,
) -> None:
    """Equal idle timeouts on both ends let a request go out on a connection being closed: no
    answer, so an ambiguous create (a CI run's client met 'connection reset' that way)."""
    pool = gateway.client.client._transport._pool  # type: ignore[attr-defined]  # httpx's limits
    assert pool._keepalive_expiry == KEEPALIVE_SECONDS < ServerLimits().keep_alive_seconds
    root = root_page(gateway)
    assert gateway.retrieve_page(root)["id"] == root  # the client the gateway talks with


def test_query_follows_cursors(gateway: NotionGateway, notion: Client, root_page_id: str) -> None:
    db = notion.databases.create(
        parent={"page_id": root_page_id},
        title=[{"text": {"content": "Many"}}],
        initial_data_source={"properties": {"Name": {"title": {}}}},
    )
    ds = db["data_sources"][0]["id"]
    for i in range(230):
        notion.pages.create(
            parent={"data_source_id": ds},
            properties={"Name": {"title": [{"text": {"content": str(i)}}]}},
        )
    titles = [p["properties"]["Name"]["title"][0]["plain_text"] for p in gateway.query(ds)]
    assert sorted(titles, key=int) == [str(i) for i in range(230)]


def test_budget_holds_over_any_window_as_the_server_counts(
    make_gateway: GatewayFactory, faulty_server: RunningServer
) -> None:
    """Three workers share one token: the server never sees more than rate × window."""
    policy = BudgetPolicy(rate=3, burst=3, window=10)
    gateways = [make_gateway(faulty_server, policy=policy) for _ in range(3)]
    root = root_page(gateways[0])
    faulty_server.admin("POST", "/_admin/reset-stats")

    def worker(gateway: NotionGateway) -> None:
        for _ in range(14):
            gateway.retrieve_page(root)

    threads = [threading.Thread(target=worker, args=(g,)) for g in gateways]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log = faulty_server.admin("GET", "/_admin/stats?log=1").json()["requests"]
    times = [entry["time"] for entry in log if entry["route"].startswith("GET /v1/pages")]
    assert len(times) == 42
    assert most_in_any_window(times, 10.0) <= 30


def test_report_page_with_more_than_100_blocks_and_a_long_table(
    gateway: NotionGateway, notion: Client, root_page_id: str
) -> None:
    document = Document(
        title="Monthly report",
        elements=[
            Heading("Revenue", level=1),
            Paragraph("x" * 4_500),
            Callout("All good", emoji="✅"),
            Bullets([f"item {i}" for i in range(120)]),
            Table(header=["Client", "Paid"], rows=[[f"c{i}", str(i)] for i in range(150)]),
        ],
    )
    page_id = create_report_page(gateway, root_page_id, document)
    blocks = list(gateway.list_children(page_id))
    assert [b["type"] for b in blocks[:3]] == ["heading_1", "paragraph", "callout"]
    assert len(blocks[1]["paragraph"]["rich_text"]) == 3
    assert sum(1 for b in blocks if b["type"] == "bulleted_list_item") == 120
    table = blocks[-1]
    assert table["type"] == "table"
    rows = list(gateway.list_children(table["id"]))
    assert len(rows) == 151
    assert rows[-1]["table_row"]["cells"][0][0]["plain_text"] == "c149"
    assert (
        notion.pages.retrieve(page_id=page_id)["properties"]["title"]["title"][0]["plain_text"]
        == "Monthly report"
    )


def test_append_blocks_of_any_depth_and_width(gateway: NotionGateway, root_page_id: str) -> None:
    def item(text: str, children: list[dict[str, object]] | None = None) -> dict[str, object]:
        body: dict[str, object] = {"rich_text": [{"type": "text", "text": {"content": text}}]}
        if children:
            body["children"] = children
        return {"type": "bulleted_list_item", "bulleted_list_item": body}

    deep = item(
        "level 0", [item("level 1", [item("level 2", [item("level 3", [item("level 4")])])])]
    )
    wide = item("wide", [item(f"child {n}") for n in range(130)])
    page = gateway.create_page(
        {"parent": {"page_id": root_page_id}, "properties": {"title": {"title": []}}}
    )
    append_blocks(gateway, page["id"], [deep, wide] + [item(f"top {n}") for n in range(105)])

    top = list(gateway.list_children(page["id"]))
    assert len(top) == 107
    texts = []
    block = top[0]
    while True:
        texts.append(block["bulleted_list_item"]["rich_text"][0]["plain_text"])
        if not block["has_children"]:
            break
        block = next(gateway.list_children(block["id"]))
    assert texts == ["level 0", "level 1", "level 2", "level 3", "level 4"]
    wide_children = list(gateway.list_children(top[1]["id"]))
    assert [c["bulleted_list_item"]["rich_text"][0]["plain_text"] for c in wide_children] == [
        f"child {n}" for n in range(130)
    ]


def test_delete_block_moves_one_block_to_the_trash(
    gateway: NotionGateway, notion: Client, root_page_id: str
) -> None:
    page = gateway.create_page(
        {"parent": {"page_id": root_page_id}, "properties": {"title": {"title": []}}}
    )
    kept, dropped = (
        {"type": "paragraph", "paragraph": {"rich_text": [{"text": {"content": text}}]}}
        for text in ("kept", "dropped")
    )
    created = gateway.append_children(page["id"], [kept, dropped])["results"]

    answer = gateway.delete_block(created[1]["id"])

    assert answer["id"] == created[1]["id"] and answer["in_trash"] is True
    children = list(gateway.list_children(page["id"]))
    assert [c["paragraph"]["rich_text"][0]["plain_text"] for c in children] == ["kept"]
    assert notion.blocks.retrieve(block_id=created[1]["id"])["in_trash"] is True
