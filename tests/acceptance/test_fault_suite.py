"""Accepted = applied or failed-and-visible, and no duplicate page, under every fault.

Each test is one seeded ``fault_run`` (see ``fault_run.py``) of a coaching month posted to
``notionhub serve`` by providers that retry, with everything breaking at once: the hub killed
twice (``kill -9``), its storage taken away for a while (SQLite: the data folder made read-only;
PostgreSQL: every connection cut), and Notion answering 429 with Retry-After, 500, 503, slowly,
or not at all (connections reset, before or after Notion applied the request). The long version,
ten seeds of 2,000 deliveries per database, is ``make soak`` (``test_fault_soak.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.acceptance.fault_run import NOTION_FAULTS, Figures, RunPlan, fault_run
from tests.acceptance.storage_faults import DatabaseCut, ReadOnlyFolder, database_behind_proxy

DELIVERIES = 200
NOTION_DROP_RATE = 0.02
# Retry-After: 0 s and short slow answers here, so the suite waits on faults, not the clock
# (the soak keeps the 1 s of NOTION_FAULTS).
QUICK_FAULTS = {**NOTION_FAULTS, "retry_after": 0, "slow_seconds": 0.2}


def check(figures: Figures) -> None:
    print(figures.line())  # shown with -s
    assert figures.kills == 2
    assert figures.refused > 0, "the hub never said 503 while its storage was away"
    assert figures.notion_dropped > 0
    assert figures.lost == figures.duplicate_pages == 0


@pytest.mark.slow
def test_sqlite_hub_killed_made_read_only_and_notion_failing(tmp_path: Path) -> None:
    """``chattr +i`` on the hub's folder and files (binding even for root) for a while: 503s,
    never a 202 that is then lost; kills and Notion faults around it change nothing."""
    folder = ReadOnlyFolder(tmp_path / "hub")
    plan = RunPlan(
        seed=1,
        deliveries=DELIVERIES,
        kills=2,
        notion_faults={**QUICK_FAULTS, "seed": 1},
        notion_drop_rate=NOTION_DROP_RATE,
        disruptions=[(0.4, folder)],
    )
    try:
        figures = fault_run(tmp_path, plan)
    finally:
        folder.end()  # pytest must be able to remove it
    check(figures)


@pytest.mark.slow
def test_postgresql_hub_killed_cut_off_and_notion_failing(
    tmp_path: Path, postgres_url: str
) -> None:
    """The hub reaches PostgreSQL through a proxy cut for a while (every connection reset, new
    ones refused): 503s while it is away, everything acknowledged applied once it is back."""
    with database_behind_proxy(postgres_url) as (url, proxy):
        plan = RunPlan(
            seed=2,
            deliveries=DELIVERIES,
            kills=2,
            database="postgresql",
            notion_faults={**QUICK_FAULTS, "seed": 2},
            notion_drop_rate=NOTION_DROP_RATE,
            disruptions=[(0.4, DatabaseCut(proxy))],
        )
        figures = fault_run(tmp_path, plan, url)
    check(figures)
