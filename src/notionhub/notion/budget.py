"""The Notion request budget: one per integration token, shared by every worker.

Each request reserves a time slot in the hub database and sleeps until it. A slot keeps two
promises at once:

- a token bucket: ``rate`` requests/s on average, at most ``burst`` at once (GCRA form: the
  *theoretical arrival time* advances by ``1 / rate`` per request);
- a window cap: never more than ``rate × window`` requests in any ``window`` seconds, so a burst
  is paid back before the window ends and Notion's average is never exceeded.

A 429 blocks the whole bucket until its ``Retry-After`` has passed, for every worker.
"""

from __future__ import annotations

import hashlib
import time
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from notionhub.hubdb.tables import notion_budget

# Slots are spaced a little wider than the window so that network jitter between the hub and
# Notion can never put one request too many in a window as Notion counts it.
WINDOW_MARGIN = 0.1
FLOAT_SLACK = 1e-9  # so that a burst of n is n, not n - 1 plus rounding


@dataclass(frozen=True)
class BudgetPolicy:
    """How fast one token may call Notion."""

    rate: float = 3.0
    # Two at once: a burst, yet one token of slack left in a Notion-like bucket of three, so
    # jitter between our clock and Notion's never turns a steady stream into 429s.
    burst: int = 2
    window: float = 10.0

    @property
    def interval(self) -> float:
        return 1.0 / self.rate

    @property
    def window_cap(self) -> int:
        return max(1, int(self.rate * self.window))


def bucket_name(token: str) -> str:
    """The bucket of a token: a hash, so the token itself is never stored."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def next_slot(
    policy: BudgetPolicy, now: float, tat: float, recent: list[float], blocked_until: float
) -> float:
    """The earliest time the next request may be sent, given the bucket's state."""
    tolerance = (policy.burst - 1) * policy.interval + FLOAT_SLACK
    slot = max(now, blocked_until, tat - tolerance)
    if recent:
        slot = max(slot, recent[-1])  # slots are handed out in order
    if len(recent) >= policy.window_cap:
        slot = max(slot, recent[-policy.window_cap] + policy.window + WINDOW_MARGIN)
    return slot


def still_binding(policy: BudgetPolicy, recent: list[float], slot: float) -> list[float]:
    """The slots handed out (``slot`` last) that can still hold back a later one.

    A slot older than ``slot - window - margin`` never can: every later slot is at least
    ``slot`` (slots are handed out in order), and so past its window. Only the last
    ``window_cap`` can either. What is kept grows with the requests of the last window, not with
    the budget: at 1,000 requests/s allowed and 50 sent, about 500 slots instead of 10,000.
    """
    kept = [*recent, slot][-policy.window_cap :]
    return kept[bisect_right(kept, slot - policy.window - WINDOW_MARGIN) :]


class NotionBudget:
    """The shared budget of one token, stored in the hub database."""

    def __init__(
        self,
        engine: Engine,
        token: str,
        policy: BudgetPolicy | None = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self.bucket = bucket_name(token)
        self.policy = policy or BudgetPolicy()
        self.clock = clock
        self.sleep = sleep
        self._bucket_exists = False

    def _ensure_bucket(self) -> None:
        """Create the bucket's row once, so that every later change is a locked update.

        Two workers meeting a new bucket at the same moment both try to create it; the one
        that loses the race finds the row there and goes on.
        """
        if self._bucket_exists:
            return
        where = notion_budget.c.bucket == self.bucket
        with self.engine.begin() as conn:
            exists = conn.execute(select(notion_budget.c.bucket).where(where)).first()
        if exists is None:
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        insert(notion_budget).values(
                            bucket=self.bucket,
                            tat=0.0,
                            recent_json="[]",
                            blocked_until=0.0,
                            requests=0,
                        )
                    )
            except IntegrityError:
                pass  # another worker created it first: the row is there either way
        self._bucket_exists = True

    def reserve(self) -> float:
        """Reserve the next slot; returns its time (may be in the future)."""
        policy = self.policy
        self._ensure_bucket()
        where = notion_budget.c.bucket == self.bucket
        with self.engine.begin() as conn:
            row = conn.execute(select(notion_budget).where(where).with_for_update()).one()
            now = self.clock()
            tat, recent = row.tat, orjson.loads(row.recent_json)
            slot = next_slot(policy, now, tat, recent, row.blocked_until)
            conn.execute(
                update(notion_budget)
                .where(where)
                .values(
                    tat=max(tat, slot) + policy.interval,
                    recent_json=orjson.dumps(still_binding(policy, recent, slot)).decode(),
                    requests=row.requests + 1,
                )
            )
        return slot

    def acquire(self) -> float:
        """Wait for this request's slot; returns the seconds waited."""
        wait = self.reserve() - self.clock()
        if wait > 0:
            self.sleep(wait)
            return wait
        return 0.0

    def block(self, seconds: float) -> None:
        """Notion said 429: nobody sends with this token for ``seconds``."""
        until = self.clock() + seconds
        self._ensure_bucket()
        with self.engine.begin() as conn:
            conn.execute(
                update(notion_budget)
                .where(notion_budget.c.bucket == self.bucket)
                .where(notion_budget.c.blocked_until < until)
                .values(blocked_until=until)
            )
