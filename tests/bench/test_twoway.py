"""The two-way benchmark runs end to end at a small size, and its matching of edits to events is
right (no timing is checked: the figures depend on the machine)."""

from __future__ import annotations

import json
import math
from itertools import pairwise
from typing import Any

import pytest
from bench.__main__ import BENCHMARKS
from bench.report import write_report
from bench.twoway import STATUSES, Edit, plan_edits, reaction_lags, run

from bench import BenchOptions


@pytest.fixture(scope="module")
def small_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    report = run(BenchOptions(pages=12, quick=True))
    path = write_report(report, tmp_path_factory.mktemp("results"))
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def test_report_has_the_figures(small_report: dict[str, Any]) -> None:
    assert small_report["benchmark"] == "twoway"
    assert small_report["parameters"]["sessions"] == 12
    titles = [table["title"] for table in small_report["tables"]]
    assert titles[0].startswith("The hub's Notion requests")
    assert any(title.startswith("Edit-to-reaction lag") for title in titles)
    for table in small_report["tables"]:
        assert all(len(row) == len(table["columns"]) for row in table["rows"])
    (only,) = small_report["data"]["runs"]
    figures = only["figures"]
    assert figures["edits"] == figures["person_writes"] == 60
    assert figures["reads"] >= 1
    assert figures["unmatched"] == 0
    assert not math.isnan(figures["lag_p50"]) and figures["lag_p50"] <= figures["lag_p99"]
    assert only["totals"]["received"] >= 12 + 60  # the bookings and the person's edits


def test_no_echo_loop_and_every_edit_stands(small_report: dict[str, Any]) -> None:
    targets = {target["name"]: target for target in small_report["targets"]}
    assert targets["echo loops"]["measured"] == 0
    assert targets["edits without a reaction"]["measured"] == 0
    assert targets["rows not at the status last set"]["measured"] == 0
    assert targets["failed events"]["measured"] == 0
    # Per-edit requests and lag are judged on full-size runs only.
    assert targets["hub page reads per edit"]["applies"] is False
    assert targets["edit-to-reaction lag p99"]["met"] is None


def test_each_edit_changes_the_status_of_its_page() -> None:
    plan = plan_edits(["a", "b", "c", "d"], 14)
    assert [page for page, _ in plan[:5]] == ["a", "b", "c", "d", "a"]
    for page in "abcd":
        statuses = [status for p, status in plan if p == page]
        assert all(status in STATUSES for status in statuses)
        assert all(one != two for one, two in pairwise(statuses))


def _event(page: str, received: float, updated: float, *, person: bool = True) -> dict[str, Any]:
    return {
        "page_id": page,
        "received_at": received,
        "updated_at": updated,
        "status": "processed",
        "person": person,
    }


def test_an_edit_is_matched_to_the_first_person_event_after_it() -> None:
    edits = [Edit("a", "No-show", 10.0, 10.1), Edit("a", "Cancelled", 20.0, 20.1)]
    events = [
        _event("a", 10.05, 10.3),
        _event("a", 12.0, 12.2, person=False),  # the hub's own write: not a reaction
        _event("b", 20.05, 20.2),  # another page
        _event("a", 20.08, 20.6),
    ]
    lags = reaction_lags(edits, events)
    assert lags == [pytest.approx(0.2), pytest.approx(0.5)]
    assert reaction_lags([Edit("a", "Completed", 30.0, 30.1)], events) == [None]


def test_command_line_knows_the_benchmark() -> None:
    assert "twoway" in BENCHMARKS
