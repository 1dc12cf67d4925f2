"""The ingest benchmark runs end to end at a tiny size, burst and streams, and its accounting holds.

No timing is checked: the figures depend on the machine. What is checked is what would be wrong
on any machine: an accepted event not stored or not processed, a table missing or misshapen.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from bench.ingest import STEADY_RATE, run
from bench.ingest_stream import StreamOutcome
from bench.load import LoadResult, Stream
from bench.report import write_report

from bench import BenchOptions

STREAM_S = 2.0
HUB_STREAMS = ("notionhub", f"notionhub, steady {STEADY_RATE:g}/s")


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    report = run(BenchOptions(pages=50, quick=True), stream_s=STREAM_S)
    path = write_report(report, tmp_path_factory.mktemp("results"))
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def test_burst_and_streams_have_their_tables(tiny_report: dict[str, Any]) -> None:
    assert tiny_report["parameters"]["stream_s"] == STREAM_S
    tables = {table["title"].split(":")[0]: table for table in tiny_report["tables"]}
    assert set(tables) >= {"Burst", "Sustained"}
    for name in ("Burst", "Sustained"):
        assert tables[name]["columns"] == ["server", "202/s", "p50 ms", "p99 ms", "other"]
    assert [row[0] for row in tables["Sustained"]["rows"]] == ["bare FastAPI 202", *HUB_STREAMS]
    (during,) = [t for t in tiny_report["tables"] if t["title"].startswith("Processing during")]
    assert [row[0] for row in during["rows"]] == list(HUB_STREAMS)
    for table in tiny_report["tables"]:
        assert all(len(row) == len(table["columns"]) for row in table["rows"])


def test_every_accepted_event_is_stored_and_the_burst_processed(
    tiny_report: dict[str, Any],
) -> None:
    parameters, data = tiny_report["parameters"], tiny_report["data"]
    burst = parameters["events"] + parameters["warm_up"]
    assert data["final"]["processed"] == burst and data["final"]["failed"] == 0
    streams = data["streams"]
    assert set(streams["bare FastAPI 202"]["statuses"]) == {"202"}
    left = 0  # the backlog the previous stream left: processing goes on between streams
    for name in HUB_STREAMS:
        stream = streams[name]
        accepted = stream["statuses"]["202"]
        assert set(stream["statuses"]) == {"202"} and accepted > 0
        assert stream["stored"] == accepted
        assert 0 <= stream["backlog_before"] <= left
        # Within a stream the event log balances exactly: in, less what was processed.
        assert stream["backlog_after"] == stream["backlog_before"] + accepted - stream["processed"]
        left = stream["backlog_after"]
    steady = streams[HUB_STREAMS[1]]["statuses"]["202"]
    assert steady <= STEADY_RATE * STREAM_S
    assert not tiny_report["notes"]


def test_targets_do_not_apply_to_a_tiny_run(tiny_report: dict[str, Any]) -> None:
    names = [target["name"] for target in tiny_report["targets"]]
    assert "burst: hub ÷ bare rate" in names and "sustained: hub ÷ bare rate" in names
    assert all(target["met"] is None for target in tiny_report["targets"])


def test_a_steady_stream_is_due_on_schedule_and_ends_at_its_deadline() -> None:
    now = [100.0]
    stream = Stream(lambda n: str(n).encode(), seconds=1.0, rate=4.0, clock=lambda: now[0])
    fed = [stream() for _ in range(5)]
    assert fed[:4] == [(b"0", 100.0), (b"1", 100.25), (b"2", 100.5), (b"3", 100.75)]
    assert fed[4] is None
    closed = Stream(lambda n: str(n).encode(), seconds=1.0, clock=lambda: now[0])
    assert closed() == (b"0", 100.0) and closed() == (b"1", 100.0)
    now[0] = 101.0
    assert closed() is None and closed.sent == 2


def test_progress_counts_the_readings_in_which_processing_advanced() -> None:
    def stats(received: int, finished: int) -> dict[str, int]:
        return {"received": received, "finished": finished, "pending": received - finished}

    load = LoadResult(elapsed_s=10.0)
    load.statuses[202] = 40
    outcome = StreamOutcome(load, stats(10, 10), stats(50, 30), [stats(20, 10), stats(30, 25)])
    progress = outcome.progress()
    assert progress["stored"] == 40 and progress["processed"] == 20
    assert progress["processed_per_s"] == 2.0
    assert (progress["readings_with_progress"], progress["readings"]) == (2, 3)
    assert (progress["backlog_before"], progress["backlog_after"]) == (0, 20)
