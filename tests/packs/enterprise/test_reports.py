"""The enterprise pack's reports end to end over HTTP: sales, agents' hours and audit entries put
in the pack's tables, each report written to the Reports database of the hub's local Notion,
then read back as a person reads it (properties, then the blocks one by one: headings,
paragraphs' figures, tables' cells); a second run updates the same page with a new body; an
empty period says so; the schedules' days; `notionhub report` from the command line."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert
from typer.testing import CliRunner

from notionhub.cli import app
from notionhub.hubdb.audit_log import AuditLog
from notionhub.packs.enterprise import PACK
from notionhub.packs.enterprise.report_figures import money, sparkline
from notionhub.packs.enterprise.reports import (
    BUILDERS,
    LOOK_BACK,
    REPORTS,
    Published,
    publish,
    report_day,
)
from notionhub.packs.enterprise.tables import enterprise_agent_hours, enterprise_revenue
from notionhub.packs.pack import FlowContext
from tests.packs.coaching.test_hub_end_to_end import plain
from tests.packs.enterprise.conftest import EnterpriseHub

# Wednesday of ISO week 2026-W10 (Monday 2026-03-02 to Sunday 2026-03-08).
DAY = date(2026, 3, 4)
EMPTY = date(2025, 1, 15)
Body = list[tuple[str, Any]]


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


SALES = [  # (id, service, amount, currency, status, created UTC)
    ("s1", "Resume Generation", 100.0, "USD", "Completed", "2026-03-04T09:00:00"),
    ("s2", "Resume Generation", 50.5, "USD", "Processing", "2026-03-04T10:00:00"),
    ("s3", "Trading Signals", 1200.0, "USD", "Completed", "2026-03-04T23:59:59"),
    ("s4", "AI Consultation", 99.0, "USD", "Failed", "2026-03-04T12:00:00"),
    ("s5", "Trading Signals", 10.0, "USD", "Pending", "2026-03-04T13:00:00"),
    ("s6", "AI Consultation", 300.0, "USD", "Completed", "2026-03-02T00:00:00"),
    ("s7", "Resume Generation", 25.0, "USD", "Completed", "2026-03-01T08:00:00"),
    ("s8", "Trading Signals", 700.0, "USD", "Completed", "2026-02-28T08:00:00"),
    ("s9", "AI Consultation", 80.0, "EUR", "Completed", "2026-03-10T08:00:00"),
    ("s10", "Resume Generation", 20.0, "USD", "Completed", "2026-03-31T23:59:59"),
    ("s11", "Resume Generation", 5000.0, "USD", "Completed", "2026-04-01T00:00:00"),
]
HOURS = [  # (agent, hour UTC, beats, performance sum, cpu sum, memory sum, errors)
    ("agent-a", "2026-03-04T10:00:00", 10, 9.0, 5.0, 4.0, 1),
    ("agent-a", "2026-03-04T11:00:00", 10, 8.0, 3.0, 2.0, 0),
    ("agent-b", "2026-03-04T10:00:00", 5, 4.75, 1.0, 2.5, 0),
    ("agent-c", "2026-03-03T23:00:00", 4, 2.0, 2.0, 2.0, 0),
    ("agent-a", "2026-03-05T00:00:00", 10, 10.0, 5.0, 5.0, 0),
]
AUDIT = [  # (when UTC, key, action, resource, success, details)
    ("2026-03-03T23:59:59", "pm", "project.create", "project Early", True, ""),
    ("2026-03-04T09:00:00", "pm", "project.create", "project Alpha", True, ""),
    ("2026-03-04T09:05:00", "pm", "project.create", "project Beta", True, ""),
    ("2026-03-04T10:00:00", "bi", "denied", "POST /api/projects", False, "403 projects:write"),
    ("2026-03-04T11:00:00", None, "denied", "GET /api/audit", False, "401 no key"),
    ("2026-03-05T00:00:00", "pm", "project.create", "project Late", True, ""),
]


def add_sale(engine: Engine, sale_id: str, service: str, amount: float, *rest: str) -> None:
    currency, status, created = rest
    with engine.begin() as connection:
        connection.execute(
            insert(enterprise_revenue).values(
                transaction_id=sale_id,
                service_type=service,
                amount=amount,
                currency=currency,
                status=status,
                agent="agent-a",  # a Processing sale with an agent waits for nobody
                created_at=at(created),
                written_status=status,  # as written: the collector leaves it alone
            )
        )


@pytest.fixture(scope="module")
def context(enterprise: EnterpriseHub) -> FlowContext:
    """The pack's context, its tables holding the sales, hours and audit entries above."""
    context = enterprise.context()
    for sale in SALES:
        add_sale(context.engine, *sale)
    with context.engine.begin() as connection:
        for name, hour, beats, performance, cpu, memory, errors in HOURS:
            connection.execute(
                insert(enterprise_agent_hours).values(
                    name=name,
                    hour=at(hour),
                    beats=beats,
                    performance_sum=performance,
                    performance_beats=beats,
                    cpu_sum=cpu,
                    cpu_beats=beats,
                    memory_sum=memory,
                    memory_beats=beats,
                    errors=errors,
                    written=1,  # no System Metrics row for these
                )
            )
    for when, key, action, resource, success, details in AUDIT:
        AuditLog(context.engine, clock=lambda when=when: at(when)).record(
            key_name=key,
            role=None,
            action=action,
            resource=resource,
            success=success,
            details=details,
        )
    return context


def texts(rich: list[dict[str, Any]]) -> str:
    return "".join(part["plain_text"] for part in rich)


def body(hub: EnterpriseHub, page_id: str) -> Body:
    """The page's blocks as a person reads them: (type, text), tables as rows of cells."""
    found: Body = []
    blocks: Any = hub.person.blocks.children.list(block_id=page_id, page_size=100)
    assert not blocks["has_more"]
    for block in blocks["results"]:
        kind = block["type"]
        if kind != "table":
            found.append((kind, texts(block[kind]["rich_text"])))
            continue
        rows: Any = hub.person.blocks.children.list(block_id=block["id"], page_size=100)
        assert block["table"]["has_column_header"] is True
        cells = [[texts(cell) for cell in row["table_row"]["cells"]] for row in rows["results"]]
        found.append(("table", cells))
    return found


def page(hub: EnterpriseHub, published: Published) -> dict[str, Any]:
    found: dict[str, Any] = hub.person.pages.retrieve(published.page_id)
    return found


def written(
    hub: EnterpriseHub, context: FlowContext, kind: str, title: str
) -> tuple[Published, dict[str, Any]]:
    """The report ``kind`` of ``DAY`` written, and its page, titled ``title`` and typed."""
    published = publish(context, kind, DAY)
    found = page(hub, published)
    assert plain(found, "Report") == title
    assert plain(found, "Report Type") == title.rsplit(" ", 1)[0]
    return published, found


def figures(found: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        found["properties"][name]["number"]
        for name in ("Total Revenue", "Transaction Count", "Average Transaction Value")
    )


def pages_titled(hub: EnterpriseHub, title: str) -> list[dict[str, Any]]:
    answer: Any = hub.person.data_sources.query(
        hub.source("Reports"), filter={"property": "Report", "title": {"equals": title}}
    )
    return [p for p in answer["results"] if plain(p, "Report") == title]


REVENUE_HEADER = ["Sales", "Revenue", "Average", "Failed"]
DAY_BY_SERVICE = [
    ["Service type", *REVENUE_HEADER],
    ["AI Consultation", "0", "$0.00", "—", "1"],
    ["Resume Generation", "2", "$150.50", "$75.25", "0"],
    ["Trading Signals", "1", "$1,200.00", "$1,200.00", "0"],
]


def test_daily_revenue_of_one_day_with_its_trend(
    enterprise: EnterpriseHub, context: FlowContext
) -> None:
    published, found = written(enterprise, context, "daily", "Daily Revenue 2026-03-04")
    assert found["properties"]["Date"]["date"]["start"] == "2026-03-04"
    # s1 + s2 + s3 (Completed and Processing): the failed s4 and the pending s5 do not count.
    assert figures(found) == (1350.5, 3, 450.17)
    assert published.summary == "Daily Revenue 2026-03-04: $1,350.50 from 3 sales, 1 failed"
    # 02-26, 02-27: nothing; 02-28: $700; 03-01: $25; 03-02: $300; 03-03: nothing; 03-04.
    assert body(enterprise, published.page_id) == [
        ("heading_2", "Summary"),
        (
            "paragraph",
            "$1,350.50 from 3 sales on 2026-03-04 (UTC) (Completed and Processing), average"
            " $450.17. Failed payments: 1 ($99.00). Pending: 1.",
        ),
        ("heading_2", "By service type"),
        ("table", DAY_BY_SERVICE),
        ("heading_2", "7-day trend"),
        (
            "paragraph",
            "▁▁▅▁▃▁█  revenue a day from 2026-02-26 to 2026-03-04; highest $1,350.50, lowest $0.00",
        ),
    ]


def test_weekly_summary_of_the_iso_week(enterprise: EnterpriseHub, context: FlowContext) -> None:
    published, found = written(enterprise, context, "weekly", "Weekly Summary 2026-W10")
    assert found["properties"]["Date"]["date"]["start"] == "2026-03-02"
    assert found["properties"]["Date"]["date"]["end"] == "2026-03-08"
    # 1650.50 / 4 = 412.625: money rounds halves up.
    assert figures(found) == (1650.5, 4, 412.63)
    zero = ["0", "$0.00", "—", "0"]
    assert body(enterprise, published.page_id) == [
        ("heading_2", "Summary"),
        (
            "paragraph",
            "$1,650.50 from 4 sales from 2026-03-02 to 2026-03-08 (UTC) (Completed and"
            " Processing), average $412.63. Failed payments: 1 ($99.00). Pending: 1.",
        ),
        ("heading_2", "By day"),
        (
            "table",
            [
                ["Day", *REVENUE_HEADER],
                ["Mon 2026-03-02", "1", "$300.00", "$300.00", "0"],
                ["Tue 2026-03-03", *zero],
                ["Wed 2026-03-04", "3", "$1,350.50", "$450.17", "1"],
                ["Thu 2026-03-05", *zero],
                ["Fri 2026-03-06", *zero],
                ["Sat 2026-03-07", *zero],
                ["Sun 2026-03-08", *zero],
            ],
        ),
        ("heading_2", "By service type"),
        (
            "table",
            [
                ["Service type", *REVENUE_HEADER],
                ["AI Consultation", "1", "$300.00", "$300.00", "1"],
                ["Resume Generation", "2", "$150.50", "$75.25", "0"],
                ["Trading Signals", "1", "$1,200.00", "$1,200.00", "0"],
            ],
        ),
        ("heading_2", "Agents"),
        (
            "table",
            [
                ["Agent", "Average performance", "Heartbeats", "Errors"],
                ["agent-b", "95.0%", "5", "0"],
                ["agent-a", "90.0%", "30", "1"],
                ["agent-c", "50.0%", "4", "0"],
            ],
        ),
    ]


def test_monthly_performance_of_the_calendar_month(
    enterprise: EnterpriseHub, context: FlowContext
) -> None:
    published, found = written(enterprise, context, "monthly", "Monthly Performance 2026-03")
    assert found["properties"]["Date"]["date"]["start"] == "2026-03-01"
    assert found["properties"]["Date"]["date"]["end"] == "2026-03-31"
    # March's first and last seconds count; February's s8 and April's s11 do not.
    assert figures(found) == (1775.5, 7, 253.64)
    assert published.summary == "Monthly Performance 2026-03: $1,775.50 from 7 sales, 1 failed"
    zero = ["0", "$0.00", "—", "0"]
    assert body(enterprise, published.page_id) == [
        ("heading_2", "Summary"),
        (
            "paragraph",
            "$1,775.50 from 7 sales in March 2026 (UTC) (Completed and Processing), average"
            " $253.64. Failed payments: 1 ($99.00). Pending: 1.",
        ),
        ("paragraph", "Amounts are summed as recorded; some sales are in EUR."),
        ("heading_2", "By week"),
        (
            "table",
            [
                ["Week", *REVENUE_HEADER],
                ["W09 (2026-03-01 to 2026-03-01)", "1", "$25.00", "$25.00", "0"],
                ["W10 (2026-03-02 to 2026-03-08)", "4", "$1,650.50", "$412.63", "1"],
                ["W11 (2026-03-09 to 2026-03-15)", "1", "$80.00", "$80.00", "0"],
                ["W12 (2026-03-16 to 2026-03-22)", *zero],
                ["W13 (2026-03-23 to 2026-03-29)", *zero],
                ["W14 (2026-03-30 to 2026-03-31)", "1", "$20.00", "$20.00", "0"],
            ],
        ),
        ("heading_2", "By service type"),
        (
            "table",
            [
                ["Service type", *REVENUE_HEADER],
                ["AI Consultation", "2", "$380.00", "$190.00", "1"],
                ["Resume Generation", "4", "$195.50", "$48.88", "0"],
                ["Trading Signals", "1", "$1,200.00", "$1,200.00", "0"],
            ],
        ),
        ("heading_2", "Agent ranking"),
        (
            "table",
            [
                ["Rank", "Agent", "Average performance", "Heartbeats", "Errors"],
                ["1", "agent-b", "95.0%", "5", "0"],
                ["2", "agent-a", "90.0%", "30", "1"],
                ["3", "agent-c", "50.0%", "4", "0"],
            ],
        ),
    ]


def test_agent_performance_over_the_days_24_hours(
    enterprise: EnterpriseHub, context: FlowContext
) -> None:
    published, found = written(enterprise, context, "agents", "Agent Performance 2026-03-04")
    assert figures(found) == (None, None, None)
    # agent-c's hour ends the day before, agent-a's third begins the day after.
    assert body(enterprise, published.page_id) == [
        ("heading_2", "Summary"),
        (
            "paragraph",
            "2 agents sent 25 heartbeats on 2026-03-04 (UTC, 00:00 to 24:00); average"
            " performance 87.0%, 1 error.",
        ),
        ("heading_2", "Agents"),
        (
            "table",
            [
                ["Agent", "Heartbeats", "Performance", "CPU", "Memory", "Errors"],
                ["agent-b", "5", "95.0%", "20.0%", "50.0%", "0"],
                ["agent-a", "20", "85.0%", "40.0%", "30.0%", "1"],
            ],
        ),
    ]
    assert published.summary == "Agent Performance 2026-03-04: 2 agents, 25 heartbeats"


def test_audit_report_of_the_day(enterprise: EnterpriseHub, context: FlowContext) -> None:
    published, found = written(enterprise, context, "audit", "Audit 2026-03-04")
    assert found["properties"]["Date"]["date"]["start"] == "2026-03-04"
    assert body(enterprise, published.page_id) == [
        ("heading_2", "Summary"),
        ("paragraph", "4 audit entries on 2026-03-04 (UTC): 2 writes, 2 refusals."),
        ("heading_2", "By key and action"),
        (
            "table",
            [
                ["Key", "Action", "Writes", "Refusals"],
                ["anonymous", "denied", "0", "1"],
                ["bi", "denied", "0", "1"],
                ["pm", "project.create", "2", "0"],
            ],
        ),
        ("heading_2", "Refusals"),
        (
            "table",
            [
                ["Time (UTC)", "Key", "Action", "Resource", "Details"],
                ["10:00:00", "bi", "denied", "POST /api/projects", "403 projects:write"],
                ["11:00:00", "anonymous", "denied", "GET /api/audit", "401 no key"],
            ],
        ),
    ]
    assert published.summary == "Audit 2026-03-04: 2 writes, 2 refusals"


def test_a_second_run_updates_the_same_page_with_a_new_body(
    enterprise: EnterpriseHub, context: FlowContext
) -> None:
    day = date(2026, 5, 12)
    add_sale(context.engine, "r1", "Trading Signals", 40.0, "USD", "Completed", "2026-05-12T08:00")
    first = publish(context, "daily", day)
    old_blocks = [b["id"] for b in enterprise.person.blocks.children.list(first.page_id)["results"]]
    add_sale(context.engine, "r2", "Trading Signals", 60.0, "USD", "Completed", "2026-05-12T09:00")

    second = publish(context, "daily", day)

    assert (first.action, second.action) == ("created", "updated")
    assert second.page_id == first.page_id
    [only] = pages_titled(enterprise, "Daily Revenue 2026-05-12")
    assert only["id"] == first.page_id and figures(only) == (100.0, 2, 50.0)
    blocks = body(enterprise, first.page_id)
    assert len(blocks) == 6  # the new body alone
    assert blocks[1] == (
        "paragraph",
        "$100.00 from 2 sales on 2026-05-12 (UTC) (Completed and Processing), average $50.00."
        " Failed payments: 0 ($0.00).",
    )
    assert blocks[3] == (
        "table",
        [["Service type", *REVENUE_HEADER], ["Trading Signals", "2", "$100.00", "$50.00", "0"]],
    )
    assert blocks[5][1].startswith("▁▁▁▁▁▁█  ")
    for block_id in old_blocks:  # the old body is in the trash
        assert enterprise.person.blocks.retrieve(block_id)["in_trash"] is True

    third = publish(context, "daily", day)  # nothing new: properties unchanged, body as is
    assert third.action == "unchanged" and body(enterprise, first.page_id) == blocks


def test_an_empty_period_says_so(enterprise: EnterpriseHub, context: FlowContext) -> None:
    daily = publish(context, "daily", EMPTY)
    assert figures(page(enterprise, daily)) == (0.0, 0, None)
    assert body(enterprise, daily.page_id) == [
        ("heading_2", "Summary"),
        ("paragraph", "No sales on 2025-01-15 (UTC)."),
        ("heading_2", "By service type"),
        ("paragraph", "No sales."),
        ("heading_2", "7-day trend"),
        (
            "paragraph",
            "▁▁▁▁▁▁▁  revenue a day from 2025-01-09 to 2025-01-15; highest $0.00, lowest $0.00",
        ),
    ]
    assert daily.summary == "Daily Revenue 2025-01-15: $0.00 from 0 sales, 0 failed"
    monthly = body(enterprise, publish(context, "monthly", EMPTY).page_id)
    assert monthly == [
        ("heading_2", "Summary"),
        ("paragraph", "No sales in January 2025 (UTC)."),
        ("heading_2", "By week"),
        ("paragraph", "No sales."),
        ("heading_2", "By service type"),
        ("paragraph", "No sales."),
        ("heading_2", "Agent ranking"),
        ("paragraph", "No heartbeats."),
    ]
    weekly = body(enterprise, publish(context, "weekly", EMPTY).page_id)
    assert weekly[1] == ("paragraph", "No sales from 2025-01-13 to 2025-01-19 (UTC).")
    assert body(enterprise, publish(context, "agents", EMPTY).page_id) == [
        ("heading_2", "Summary"),
        ("paragraph", "No heartbeats on 2025-01-15 (UTC, 00:00 to 24:00)."),
    ]
    assert body(enterprise, publish(context, "audit", EMPTY).page_id) == [
        ("heading_2", "Summary"),
        ("paragraph", "No audit entries on 2025-01-15 (UTC)."),
    ]


def test_schedules_report_on_the_period_just_ended() -> None:
    crons = {schedule.name: schedule.cron for schedule in REPORTS.schedules}
    assert crons == {
        "enterprise.reports.daily": "0 6 * * *",
        "enterprise.reports.weekly": "10 6 * * 1",
        "enterprise.reports.monthly": "20 6 1 * *",
        "enterprise.reports.agents": "5 * * * *",
        "enterprise.reports.audit": "30 6 * * *",
    }
    assert REPORTS in PACK.agents
    # What `notionhub report KIND` offers: every report, each with its look-back.
    assert set(PACK.reports) == set(BUILDERS) == set(LOOK_BACK)
    monday = datetime(2026, 3, 9, 6, 10, tzinfo=UTC)
    assert report_day("weekly", monday) == date(2026, 3, 8)  # Sunday: its week is W10
    assert report_day("monthly", datetime(2026, 4, 1, 6, 20, tzinfo=UTC)) == date(2026, 3, 31)
    assert report_day("daily", datetime(2026, 3, 5, 6, 0, tzinfo=UTC)) == DAY
    assert report_day("audit", datetime(2026, 3, 5, 6, 30, tzinfo=UTC)) == DAY
    # Hourly at :05: the day of the last whole hour, so 00:05 completes the day before.
    assert report_day("agents", datetime(2026, 3, 5, 0, 5, tzinfo=UTC)) == DAY
    assert report_day("agents", datetime(2026, 3, 5, 1, 5, tzinfo=UTC)) == date(2026, 3, 5)


def test_a_scheduled_tick_writes_the_report_of_the_day_before(
    enterprise: EnterpriseHub, context: FlowContext
) -> None:
    [job] = [s.run for s in REPORTS.schedules if s.name == "enterprise.reports.daily"]
    tick = datetime(2026, 3, 5, 6, 0, tzinfo=UTC)
    note = job(replace(context, scheduled_at=tick))
    assert note is not None and note.startswith("Daily Revenue 2026-03-04: $1,350.50 from 3 sales")
    assert len(pages_titled(enterprise, "Daily Revenue 2026-03-04")) == 1


def test_money_and_sparklines() -> None:
    assert [money(v) for v in (1234.5, 0.0, -3.0, 1_000_000.0, None)] == [
        "$1,234.50",
        "$0.00",
        "-$3.00",
        "$1,000,000.00",
        "—",
    ]
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert sparkline([0, 0]) == "▁▁" and sparkline([]) == ""


@pytest.fixture
def cli_env(
    enterprise: EnterpriseHub, context: FlowContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> EnterpriseHub:
    """The command's environment: the module hub's database and its Notion over HTTP."""
    monkeypatch.chdir(tmp_path)  # no .env
    for name in ("NOTION_TOKEN", "DATABASE_URL", "NOTION_PARENT_PAGE_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NOTIONHUB_HOME", str(enterprise.runtime.settings.notionhub_home))
    monkeypatch.setenv("NOTION_BASE_URL", f"{str(enterprise.client.base_url).rstrip('/')}/notion")
    monkeypatch.setenv("NOTIONHUB_PACKS", "enterprise")
    return enterprise


# A log line of the module's hub: its ingest logger was bound before any logging was configured,
# so it prints to whatever stdout is at the time, the command's own during ``invoke``.
HUB_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[\w+ *\] ")


def command_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if not HUB_LOG_LINE.match(line)]


def test_the_report_command_prints_the_pages_url_and_a_summary(cli_env: EnterpriseHub) -> None:
    result = CliRunner().invoke(app, ["report", "daily", "--date", "2026-03-04"])

    assert result.exit_code == 0, result.output
    url, summary = command_lines(result.stdout)
    [found] = pages_titled(cli_env, "Daily Revenue 2026-03-04")
    assert url == found["url"]
    assert summary.startswith("Daily Revenue 2026-03-04: $1,350.50 from 3 sales, 1 failed (")
    assert body(cli_env, found["id"])[3] == ("table", DAY_BY_SERVICE)


def test_the_report_command_refuses_in_one_line(
    cli_env: EnterpriseHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = CliRunner().invoke(app, ["report", "daily", "--date", "2026-02-30"])
    assert bad.exit_code == 2 and command_lines(bad.stdout) == []
    assert len(bad.stderr.strip().splitlines()) == 1 and "YYYY-MM-DD" in bad.stderr

    monkeypatch.setenv("NOTIONHUB_PACKS", "coaching")
    off = CliRunner().invoke(app, ["report", "weekly"])
    assert off.exit_code == 2 and command_lines(off.stdout) == []
    assert len(off.stderr.strip().splitlines()) == 1 and "NOTIONHUB_PACKS" in off.stderr

    unknown = CliRunner().invoke(app, ["report", "yearly"])
    assert unknown.exit_code == 2
