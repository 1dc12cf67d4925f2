"""The gateway benchmark runs end to end at a tiny size and its figures add up."""

from __future__ import annotations

from bench.gateway import generate, run

from bench import BenchOptions


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
