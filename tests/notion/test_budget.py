"""The shared Notion budget: token bucket plus window cap, and 429 blocking."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from notionhub.hubdb.engine import create_hub_engine
from notionhub.notion.budget import (
    WINDOW_MARGIN,
    BudgetPolicy,
    NotionBudget,
    bucket_name,
    next_slot,
    still_binding,
)


class FakeTime:
    """A clock that only moves when someone sleeps or time is advanced."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best = start = 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def make_budget(tmp_path: Path, policy: BudgetPolicy, fake: FakeTime) -> NotionBudget:
    engine = create_hub_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    return NotionBudget(engine, "secret-token", policy, clock=fake.clock, sleep=fake.sleep)


def test_burst_then_steady_rate_and_window_cap(tmp_path: Path) -> None:
    fake = FakeTime()
    budget = make_budget(tmp_path, BudgetPolicy(rate=3, burst=3, window=10), fake)
    sent = []
    for _ in range(300):
        budget.acquire()
        sent.append(fake.now)
    assert sent[:3] == [1_000.0] * 3  # the burst goes at once
    assert most_in_any_window(sent, 10.0) <= 30
    # 300 requests at 3/s take about 100 s: the burst is paid back, nothing more.
    assert 98.0 <= sent[-1] - sent[0] <= 101.0


@settings(max_examples=40, deadline=None)
@given(gaps=st.lists(st.floats(min_value=0, max_value=3), min_size=1, max_size=120))
def test_no_window_ever_exceeds_the_cap(gaps: list[float]) -> None:
    fake = FakeTime()
    with tempfile.TemporaryDirectory() as folder:
        budget = make_budget(Path(folder), BudgetPolicy(rate=3, burst=3, window=10), fake)
        sent = []
        for gap in gaps:
            fake.now += gap  # callers arrive whenever they like
            budget.acquire()
            sent.append(fake.now)
        budget.engine.dispose()
    assert most_in_any_window(sent, 10.0) <= 30
    assert most_in_any_window(sent, 1.0) <= 3 + 3  # the burst plus one second of rate


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.floats(min_value=-0.5, max_value=1.5), min_size=1, max_size=150),
    rate=st.sampled_from([3.0, 10.0, 50.0]),
    burst=st.integers(min_value=1, max_value=4),
)
def test_forgetting_slots_past_the_window_changes_no_slot(
    gaps: list[float], rate: float, burst: int
) -> None:
    """The stored slots are only those that can still hold a later one back; every slot is
    the one the whole history (the last ``window_cap`` slots) gives, even when a caller's
    clock goes back."""
    policy = BudgetPolicy(rate=rate, burst=burst, window=2.0)
    now, tat, history, kept = 1_000.0, 0.0, [], []
    for gap in gaps:
        now += gap
        slot = next_slot(policy, now, tat, history[-policy.window_cap :], 0.0)
        assert next_slot(policy, now, tat, kept, 0.0) == slot
        history.append(slot)
        kept = still_binding(policy, kept, slot)
        assert kept[-1] == slot
        assert all(earlier > slot - policy.window - WINDOW_MARGIN for earlier in kept)
        tat = max(tat, slot) + policy.interval


def test_a_429_blocks_every_caller_of_the_token(tmp_path: Path) -> None:
    fake = FakeTime()
    policy = BudgetPolicy(rate=3, burst=3, window=10)
    budget = make_budget(tmp_path, policy, fake)
    other_worker = NotionBudget(
        budget.engine, "secret-token", policy, clock=fake.clock, sleep=fake.sleep
    )
    budget.acquire()
    budget.block(30)
    waited = other_worker.acquire()
    assert waited >= 30


def test_the_token_itself_is_never_stored(tmp_path: Path) -> None:
    fake = FakeTime()
    budget = make_budget(tmp_path, BudgetPolicy(), fake)
    budget.acquire()
    budget.engine.dispose()
    assert b"secret-token" not in (tmp_path / "hub.sqlite3").read_bytes()
    assert budget.bucket == bucket_name("secret-token") != "secret-token"


def test_workers_share_one_budget_in_both_databases(any_hub_engine: Engine) -> None:
    fake = FakeTime()
    policy = BudgetPolicy(rate=3, burst=3, window=10)
    workers = [
        NotionBudget(any_hub_engine, "secret-token", policy, clock=fake.clock, sleep=fake.sleep)
        for _ in range(3)
    ]
    slots = [workers[n % 3].reserve() for n in range(90)]
    assert most_in_any_window(slots, 10.0) <= 30
    assert slots == sorted(slots)


def test_workers_meeting_a_new_token_at_once_all_get_a_slot(any_hub_engine: Engine) -> None:
    """The first request of a token, from many workers at the same moment: no insert race."""
    policy = BudgetPolicy(rate=3, burst=3, window=10)
    start = threading.Barrier(8)
    slots: list[float] = []
    errors: list[BaseException] = []

    def first_request() -> None:
        budget = NotionBudget(any_hub_engine, "brand-new-token", policy, clock=lambda: 1_000.0)
        start.wait()
        try:
            slots.append(budget.reserve())
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    workers = [threading.Thread(target=first_request) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    one_worker = NotionBudget(any_hub_engine, "another-new-token", policy, clock=lambda: 1_000.0)
    assert sorted(slots) == [one_worker.reserve() for _ in range(8)]
