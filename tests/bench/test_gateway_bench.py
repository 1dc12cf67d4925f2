"""The gateway benchmark runs end to end at a tiny size and its figures add up."""

from __future__ import annotations

from pathlib import Path

from bench.gateway import generate, reservation_cost, run

from bench import BenchOptions
from notionhub.hubdb.engine import create_hub_engine


def test_workload_counts_every_kind_of_upsert() -> None:
    workload = generate(upserts=50, keys=10, seed=3)
    assert len(workload.upserts) == 50
    assert workload.creates == 10
    assert workload.creates + workload.changes + workload.noops == 50
    assert {r.email for r in workload.upserts} == set(workload.final)


def test_tiny_run_reaches_the_physical_minimum() -> None:
    report = run(BenchOptions(pages=15))
    figures = report.data
    assert (
        figures["requests"] == figures["minimum"]
    )  # one request per create or change, none per no-op
    assert figures["rate_limited"] == 0
    wrong = next(t for t in report.targets if t.name == "pages with wrong final values")
    assert wrong.measured == 0
    assert all(
        t.applies is False for t in report.targets if t.name != "pages with wrong final values"
    )


def test_a_reservation_stores_only_the_slots_of_the_last_window(tmp_path: Path) -> None:
    engine = create_hub_engine(f"sqlite:///{tmp_path / 'budget.sqlite3'}")
    try:
        at_the_rate = reservation_cost(engine, 3.0, 3.0)
        under_it = reservation_cost(engine, 100.0, 5.0)
    finally:
        engine.dispose()
    assert at_the_rate.slots_stored == 30  # a full window: 3/s × 10 s
    # 5 requests/s for 10.1 s (window and margin), not the 1,000 that 100/s × 10 s allows.
    assert 45 <= under_it.slots_stored <= 51
    assert under_it.cpu_ms > 0
