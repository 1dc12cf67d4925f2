"""Times per key: set, advanced only forward, and claimed by exactly one caller of many."""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from notionhub.hubdb.marks import TimeMarks
from notionhub.hubdb.tables import change_polls


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
