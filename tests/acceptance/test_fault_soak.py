"""The soak (``make soak``): seeded fault runs of 2,000 deliveries on SQLite and on PostgreSQL.

Skipped unless ``NOTIONHUB_SOAK=1``. ``NOTIONHUB_SOAK_RUNS`` (default 10) seeds per database,
``NOTIONHUB_SOAK_DELIVERIES`` (default 2,000) deliveries per run, seeds from
``NOTIONHUB_SOAK_FIRST_SEED`` (default 100). Every run kills the hub 3 to 5
times; the seed also picks what else breaks: Notion faults (odd seeds), dropped connections to
Notion (every third seed), and the storage going away once (even seeds: PostgreSQL cut off, or
the SQLite folder made read-only). Each run prints its figures as one JSON line, and appends it
to ``NOTIONHUB_SOAK_FIGURES`` when that names a file (see docs/soak.md).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from tests.acceptance.fault_run import NOTION_FAULTS, Disruption, Figures, RunPlan, fault_run
from tests.acceptance.storage_faults import DatabaseCut, ReadOnlyFolder, database_behind_proxy

SOAK = os.environ.get("NOTIONHUB_SOAK", "") not in ("", "0")
RUNS = int(os.environ.get("NOTIONHUB_SOAK_RUNS", "10"))
DELIVERIES = int(os.environ.get("NOTIONHUB_SOAK_DELIVERIES", "2000"))
FIRST_SEED = int(os.environ.get("NOTIONHUB_SOAK_FIRST_SEED", "100"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SOAK, reason="the soak runs with NOTIONHUB_SOAK=1 (make soak)"),
]


def soak_plan(seed: int, database: str, storage: Disruption | None) -> RunPlan:
    rng = random.Random(seed)
    return RunPlan(
        seed=seed,
        deliveries=DELIVERIES,
        kills=rng.randint(3, 5),
        database="postgresql" if database == "postgresql" else "sqlite",
        notion_faults={**NOTION_FAULTS, "seed": seed} if seed % 2 else None,
        notion_drop_rate=0.02 if seed % 3 == 0 else 0.0,
        disruptions=[(rng.uniform(0.2, 0.8), storage)] if storage is not None else [],
        drain_timeout=1800.0,
    )


@contextmanager
def storage_for(
    database: str, seed: int, tmp_path: Path, postgres_url: str | None
) -> Iterator[tuple[str | None, Disruption | None]]:
    """The hub's database URL, and the storage disruption of this seed (even seeds only)."""
    with ExitStack() as stack:
        if database == "postgresql":
            assert postgres_url is not None
            if seed % 2:
                yield postgres_url, None
                return
            url, proxy = stack.enter_context(database_behind_proxy(postgres_url))
            yield url, DatabaseCut(proxy)
            return
        if seed % 2:
            yield None, None
            return
        folder = ReadOnlyFolder(tmp_path / "hub")
        stack.callback(folder.end)
        yield None, folder


def record(figures: Figures) -> None:
    line = figures.line()
    print(line)
    target = os.environ.get("NOTIONHUB_SOAK_FIGURES")
    if target:
        with Path(target).open("a") as out:
            out.write(line + "\n")


@pytest.mark.parametrize("seed", range(FIRST_SEED, FIRST_SEED + RUNS))
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_soak(database: str, seed: int, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    postgres_url = request.getfixturevalue("postgres_url") if database == "postgresql" else None
    with storage_for(database, seed, tmp_path, postgres_url) as (url, storage):
        figures = fault_run(tmp_path, soak_plan(seed, database, storage), url)
    record(figures)
    assert figures.lost == figures.duplicate_pages == 0
