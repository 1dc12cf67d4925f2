"""Times per key: set, advanced only forward, and claimed by exactly one caller of many."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, insert

from notionhub.hubdb.marks import TimeMarks
from notionhub.hubdb.tables import change_polls
from tests.first_rows import write_behind_an_uncommitted_row


def marks(engine: Engine) -> TimeMarks:
    return TimeMarks(engine, change_polls, "data_source_id", "polled_at")


def test_put_get_and_advance_only_forward(any_hub_engine: Engine) -> None:
    times = marks(any_hub_engine)
    assert times.get("ds") is None
    times.advance("ds", 10.0)
    times.advance("ds", 5.0)
    assert times.get("ds") == 10.0
    times.put("ds", 3.0)
    assert times.get("ds") == 3.0


def test_of_many_callers_that_saw_one_time_exactly_one_claims_it(any_hub_engine: Engine) -> None:
    times = marks(any_hub_engine)
    won: list[bool] = []
    lock = threading.Lock()

    def claim(seen: float | None, at: float) -> None:
        result = times.claim("ds", seen, at)
        with lock:
            won.append(result)

    for seen, at in ((None, 1.0), (1.0, 2.0)):
        won.clear()
        threads = [threading.Thread(target=claim, args=(seen, at)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert won.count(True) == 1
    assert times.get("ds") == 2.0


@pytest.mark.parametrize("write", ["put", "advance"])
def test_a_first_time_written_by_two_callers_at_once_fails_neither(
    postgres_hub_engine: Engine, write: str
) -> None:
    """On PostgreSQL both can read "no time yet" (a data source adopted, or just reindexed,
    synced by two workers at once); the second one's write lands, the time moves forward."""
    times = marks(postgres_hub_engine)
    first = insert(change_polls).values(data_source_id="ds", polled_at=5.0)
    raised = write_behind_an_uncommitted_row(
        postgres_hub_engine, first, lambda: getattr(times, write)("ds", 9.0)
    )
    assert raised is None
    assert times.get("ds") == 9.0
