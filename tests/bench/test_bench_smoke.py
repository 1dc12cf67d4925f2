"""The local Notion benchmark runs end to end at a tiny size and writes a well-formed report.

Only the structure is checked, never a timing: the figures depend on the machine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bench.__main__ import BENCHMARKS, main
from bench.localnotion import QUERIES, check_answer, generate, latency_summary, percentile, run
from bench.report import Report, Table, Target, write_report

from bench import BenchOptions


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    report = run(BenchOptions(pages=300, quick=True))
    path = write_report(report, tmp_path_factory.mktemp("results"))
    assert path.name == "localnotion.json"
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def test_report_has_every_section(tiny_report: dict[str, Any]) -> None:
    assert tiny_report["benchmark"] == "localnotion"
    assert tiny_report["parameters"]["pages"] == 300
    assert tiny_report["machine"]["cpus"] >= 1
    titles = [table["title"] for table in tiny_report["tables"]]
    assert titles[0].startswith("Page creation")
    assert any(title.startswith("Queries over 300 pages") for title in titles)
    assert any(title.startswith("Server memory") for title in titles)
    for table in tiny_report["tables"]:
        assert all(len(row) == len(table["columns"]) for row in table["rows"])


def test_every_query_is_reported_and_was_checked(tiny_report: dict[str, Any]) -> None:
    queries = tiny_report["data"]["queries"]
    assert len(queries) == len(QUERIES) + 1  # plus the one-page email query
    assert [q["selective"] for q in queries].count(False) == sum(not q.selective for q in QUERIES)
    for query in queries:
        assert query["runs"] >= 1
        assert query["matches"] >= 0
        assert 0 < query["p50_ms"] <= query["p95_ms"] <= query["p99_ms"] <= query["max_ms"]
    assert next(q for q in queries if q["name"].startswith("email"))["matches"] == 1
    assert all(query["first_ms"] > 0 for query in queries)


def test_upload_and_markdown_are_measured(tiny_report: dict[str, Any]) -> None:
    upload = tiny_report["data"]["upload"]
    assert upload["mib"] == 20
    assert upload["mib_per_s"] and all(rate > 0 for rate in upload["mib_per_s"])
    markdown = tiny_report["data"]["markdown"]
    assert markdown["blocks"] == 1_000
    assert markdown["characters"] > 10_000
    assert 0 < markdown["p50_ms"] <= markdown["p99_ms"]
    titles = [table["title"] for table in tiny_report["tables"]]
    assert any(title.startswith("File upload") for title in titles)
    assert any(title.startswith("Page Markdown") for title in titles)


def test_creation_phases_add_up(tiny_report: dict[str, Any]) -> None:
    phases = tiny_report["data"]["creation"]
    seeded = [p for p in phases if "stored" not in p["name"]]
    assert sum(p["pages"] for p in seeded) == 300
    assert phases[0]["clients"] == 1
    assert all(p["pages_per_s"] > 0 and p["server_cpu_ms_per_page"] >= 0 for p in phases)
    memory = tiny_report["data"]["server_memory_kib"]
    assert memory["seeded"]["VmRSS"] > 0


def test_targets_do_not_apply_to_a_tiny_run(tiny_report: dict[str, Any]) -> None:
    targets = tiny_report["targets"]
    assert targets
    assert all(t["applies"] is False and t["met"] is None for t in targets)
    assert tiny_report["targets_met"] is True


def test_answers_are_checked_against_the_data() -> None:
    specs = generate(50)
    query = QUERIES[0]
    expected = sorted(
        (s for s in specs if query.matches(s)), key=query.sort_key, reverse=query.descending
    )
    ids = {f"id-{s.index}": s.index for s in specs}
    good = {"results": [{"id": f"id-{s.index}"} for s in expected], "has_more": False}
    assert check_answer(query, good, specs, ids) == len(expected)
    wrong = {"results": [{"id": f"id-{s.index}"} for s in specs[:3]], "has_more": True}
    with pytest.raises(AssertionError):
        check_answer(query, wrong, specs, ids)


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 201)]
    assert percentile(values, 50) == 100
    assert percentile(values, 99) == 198
    summary = latency_summary(list(reversed(values)))
    assert (summary["p50_ms"], summary["max_ms"], summary["runs"]) == (100, 200, 200)


def test_report_json_and_targets(tmp_path: Path) -> None:
    report = Report(name="demo", parameters={"n": 1})
    table = Table("t", ["a", "b"])
    table.add("x", 1.5)
    with pytest.raises(ValueError, match="columns"):
        table.add("too few")
    report.tables.append(table)
    report.targets += [
        Target("fast", 10, 20, "ms"),
        Target("rate", 400, 500, "pages/s", higher_is_better=True),
        Target("skipped", 99, 1, "ms", applies=False),
    ]
    assert [t.met for t in report.targets] == [True, False, None]
    assert not report.targets_met
    saved = json.loads(write_report(report, tmp_path).read_text())
    assert saved["tables"] == [{"title": "t", "columns": ["a", "b"], "rows": [["x", 1.5]]}]
    assert saved["targets_met"] is False


def test_command_line_refuses_unknown_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert "localnotion" in BENCHMARKS
    assert main(["no-such-benchmark"]) == 2
    assert "unknown benchmark" in capsys.readouterr().out
