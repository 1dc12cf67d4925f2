"""Dashboard Metrics: exact figures from the rows, written only when a value changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import httpx

from notionhub.notion.schema import NotionDate
from notionhub.packs.coaching.metrics import figures
from notionhub.packs.coaching.models import Client, DashboardMetric, Invoice, Session
from tests.packs.coaching.conftest import Coaching
from tests.packs.coaching.day import a_day

PARIS = ZoneInfo("Europe/Paris")


def test_month_figures_follow_the_coachs_time_zone() -> None:
    # 30 November, 23:30 UTC is already December in Paris.
    late = NotionDate(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    invoices = [Invoice(title="i", checkout_session_id="cs", paid_amount=100, paid_at=late)]
    sessions = [
        Session(title="s", booking_id="b", status="Scheduled", when=late),
        Session(title="t", booking_id="c", status="Cancelled", when=late),
    ]
    shown = {
        f.metric: (f.value, f.period)
        for f in figures([], sessions, invoices, today=date(2026, 12, 1), zone=PARIS)
    }
    assert shown["Revenue This Month"] == (100, "2026-12")
    assert shown["Sessions This Month"] == (1, "2026-12")
    in_utc = figures([], sessions, invoices, today=date(2026, 12, 1), zone=ZoneInfo("UTC"))
    assert {f.metric: f.value for f in in_utc}["Revenue This Month"] == 0


def test_no_show_rate_is_a_share_of_the_sessions_held() -> None:
    sessions = [
        Session(title=str(i), booking_id=str(i), status=status)
        for i, status in enumerate(["Completed", "Completed", "Completed", "No-show", "Cancelled"])
    ]
    clients = [Client(name="a", email="a@x.io", status="Active"), Client(name="b", email="b@x.io")]
    shown = {
        f.metric: f.value
        for f in figures(clients, sessions, [], today=date(2026, 11, 1), zone=PARIS)
    }
    assert shown["No-show Rate"] == 25
    assert (shown["Total Clients"], shown["Active Clients"]) == (2, 1)
    empty = {f.metric: f.value for f in figures([], [], [], today=date(2026, 11, 1), zone=PARIS)}
    assert empty["No-show Rate"] == 0


def test_metrics_are_written_once_and_not_again_when_nothing_changed(coaching: Coaching) -> None:
    for delivery in a_day().deliveries:
        coaching.receive(delivery)
    stats = coaching.connection.settings.notion_base_url + "/_admin"
    first = coaching.upkeep()
    assert "Total Revenue = 450" in first
    httpx.post(f"{stats}/reset-stats")
    assert coaching.upkeep() == "no change"
    # Delivered again, every event changes nothing: no request, and revenue is not inflated.
    for delivery in a_day().deliveries:
        coaching.receive(delivery)
    assert coaching.upkeep() == "no change"
    assert httpx.get(f"{stats}/stats").json()["total"] == 0
    revenue = {m.metric: m.value for m in coaching.rows(DashboardMetric)}["Total Revenue"]
    assert revenue == 450
