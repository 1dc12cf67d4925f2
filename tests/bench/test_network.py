"""The network benchmark: its month is deterministic and every delivery is one its provider
accepts; a small run goes end to end and its figures add up (rows as the month implies, ratios
computed from the counts). No timing is checked: the figures depend on the machine."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from bench.__main__ import BENCHMARKS
from bench.month_runs import summary
from bench.network import SECRETS, parsed, request_for, run, unhandled_types
from bench.network_month import Delivery, expected_rows, generate_month, people_of
from bench.report import write_report
from starlette.datastructures import Headers

from bench import BenchOptions
from notionhub.ingest.event import WebhookRequest
from notionhub.ingest.registry import get_provider

PEOPLE = 12


@pytest.fixture(scope="module")
def month() -> list[Delivery]:
    return generate_month(seed=11, people=60)


def test_the_same_seed_gives_the_same_month(month: list[Delivery]) -> None:
    assert generate_month(seed=11, people=60) == month
    assert generate_month(seed=12, people=60) != month


def test_the_month_mixes_every_provider_and_counts_add_up(month: list[Delivery]) -> None:
    counts = summary(month)
    types = {key: value for key, value in counts.items() if ":" in key}
    assert sum(types.values()) + counts["redeliveries"] == counts["deliveries"] == len(month)
    assert {key.split(":")[0] for key in types} == {
        "forms", "typeform", "amelia", "woocommerce", "beehiiv", "circle",
    }  # fmt: skip
    assert types["amelia:bookingAdded"] and types["woocommerce:order.updated"]
    # Many activity events per member.
    activities = sum(v for k, v in types.items() if k.startswith("circle:") and "member" not in k)
    assert activities > 3 * types["circle:community_member.created"]


def test_redeliveries_repeat_an_earlier_body_and_only_they_share_a_key(
    month: list[Delivery],
) -> None:
    keys: set[str] = set()
    for delivery in month:
        key = parsed(delivery).idempotency_key
        assert (key in keys) == delivery.redelivery, delivery
        keys.add(key)
    assert any(d.redelivery for d in month)


def test_every_delivery_passes_its_providers_check(month: list[Delivery]) -> None:
    for delivery in month:
        path, body, headers = request_for(delivery)
        request = WebhookRequest(
            method="POST",
            url=f"http://127.0.0.1{path}",
            headers=Headers(headers),
            body=body,
            received_at=datetime.now(UTC),
        )
        get_provider(delivery.provider).verify(request, SECRETS[delivery.provider])


def test_expected_rows_follow_the_distinct_deliveries(month: list[Delivery]) -> None:
    expected = expected_rows(month)
    assert expected == expected_rows([d for d in month if not d.redelivery])
    emails = {email for d in month for email in people_of(d)}
    assert expected.contacts == len(emails)
    assert expected.bookings == summary(month)["amelia:bookingAdded"]
    assert expected.orders == summary(month)["woocommerce:order.created"]
    assert sum(expected.booking_states.values()) == expected.bookings
    assert sum(expected.order_states.values()) == expected.orders
    # A provider no flow handles makes no rows.
    without_circle = expected_rows(month, lambda d: d.provider != "circle")
    assert without_circle.members == without_circle.rewards == 0
    assert unhandled_types(month) == {}


# -- a small run, end to end ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    report = run(BenchOptions(pages=PEOPLE, quick=True))
    path = write_report(report, tmp_path_factory.mktemp("results"))
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def _table(report: dict[str, Any], title: str) -> list[list[Any]]:
    (table,) = [t for t in report["tables"] if t["title"].startswith(title)]
    rows: list[list[Any]] = table["rows"]
    return rows


@pytest.mark.slow
def test_the_small_run_reports_every_table(small_report: dict[str, Any]) -> None:
    assert "network" in BENCHMARKS
    assert small_report["benchmark"] == "network"
    assert small_report["parameters"]["people"] == PEOPLE
    for table in small_report["tables"]:
        assert all(len(row) == len(table["columns"]) for row in table["rows"])
    agents = small_report["parameters"]["agents"]
    assert {"lead-capture", "booking", "marketing-campaign", "community-engagement"} <= set(agents)


@pytest.mark.slow
def test_the_rows_in_notion_are_what_the_month_implies(small_report: dict[str, Any]) -> None:
    compared = [row for row in _table(small_report, "Rows in Notion") if row[1] is not None]
    assert len(compared) >= 15
    for what, expected, found in compared:
        if isinstance(found, int):
            assert found == expected, what
    data = small_report["data"]
    counts = data["hub"]["rows"]["count"]
    assert counts["Contacts & Profiles"] == data["expected_rows"]["contacts"] > 0
    assert set(data["hub"]["rows"]["duplicates"].values()) == {0}
    targets = {target["name"]: target for target in small_report["targets"]}
    for name in ("row counts ≠ what the month implies", "pages sharing a key",
                 "deliveries no flow handles", "failed events"):  # fmt: skip
        assert targets[name]["measured"] == 0 and targets[name]["met"] is True, name


@pytest.mark.slow
def test_the_request_figures_are_computed_from_the_counts(small_report: dict[str, Any]) -> None:
    data = small_report["data"]
    deliveries = data["month"]["deliveries"]
    naive, hub, limited = data["naive"]["requests"], data["hub"], data["limited"]
    assert naive > hub["requests"] > 0
    compared = {row[0]: row for row in _table(small_report, "Notion requests for the month")}
    assert compared["notionhub, network pack"][2] == round(hub["requests"] / deliveries, 3)
    assert compared["ratio naive ÷ notionhub"][2] == round(naive / hub["requests"], 2)
    # Every distinct event was processed once, and the per-type costs add up to the hub's own
    # count of requests made for events.
    by_type = hub["by_type"]
    webhooks = [entry for kind, entry in by_type.items() if not kind.startswith("notion:")]
    assert sum(entry["events"] for entry in webhooks) == hub["posted"]["new"]
    assert sum(entry["requests"] for entry in by_type.values()) == hub["hub_notion"]["requests"]
    assert hub["posted"]["new"] + hub["posted"]["duplicates"] == deliveries
    # The drain ratio is the drain time over requests ÷ 3; quick runs judge neither goal.
    drain = {row[0]: row[1] for row in _table(small_report, "Draining under Notion's limit")}
    minimum = limited["requests_at_drain"] / 3
    assert drain["physical minimum: requests ÷ 3 (s)"] == round(minimum, 1)
    assert drain["ratio"] == round(limited["drained_s"] / minimum, 3)
    targets = {target["name"]: target for target in small_report["targets"]}
    assert targets["notionhub Notion requests per delivery"]["applies"] is False
    assert targets["drain time ÷ (requests ÷ 3)"]["met"] is None
