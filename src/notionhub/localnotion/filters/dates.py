"""Dates for query filters and sorts, as half-open spans of UTC epoch milliseconds.

Every date Notion hands us becomes a ``Span``: a datetime is the one millisecond it names
(Notion compares datetimes "with millisecond precision"), a date without a time is the whole
UTC day. Comparing spans instead of points is what makes a date-only filter value match any
time on that day, and a date-only page value fall on either side of a datetime filter value.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_MS = 86_400_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Span:
    """The half-open interval ``[start, end)`` in UTC epoch milliseconds."""

    start: int
    end: int

    def before(self, other: Span) -> bool:
        """Whether all of this span lies before all of ``other``."""
        return self.end <= other.start

    def after(self, other: Span) -> bool:
        """Whether all of this span lies after all of ``other``."""
        return self.start >= other.end

    def overlaps(self, other: Span) -> bool:
        """Whether the spans share at least one millisecond."""
        return not self.before(other) and not self.after(other)


def day_span(day: date) -> Span:
    """The whole UTC day ``day``."""
    start = _to_ms(datetime(day.year, day.month, day.day, tzinfo=UTC))
    return Span(start, start + DAY_MS)


def parse_span(text: object, time_zone: object = None) -> Span | None:
    """The span an ISO 8601 date or datetime names; ``None`` if ``text`` is not one.

    A datetime without an offset is read in ``time_zone`` when that is a known IANA zone,
    else in UTC (Notion: "If no timezone is provided, then the timezone defaults to UTC").
    """
    if not isinstance(text, str):
        return None
    if _DATE_ONLY.match(text):
        try:
            return day_span(date.fromisoformat(text))
        except ValueError:
            return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_zone(time_zone))
    start = _to_ms(moment)
    return Span(start, start + 1)


def relative_span(name: str, now: datetime) -> Span:
    """The days a relative date filter (``past_week``, ``this_week``, ...) covers, as of ``now``."""
    today = (now if now.tzinfo is not None else now.replace(tzinfo=UTC)).astimezone(UTC).date()
    first, last = RELATIVE_RANGES[name](today)
    return Span(day_span(first).start, day_span(last).end)


def _add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamped to the end of a shorter month (Mar 31 -> Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _week_of(day: date) -> tuple[date, date]:
    """Sunday to Saturday around ``day``: Notion's default week ("Start week on Monday" off)."""
    sunday = day - timedelta(days=(day.weekday() + 1) % 7)
    return sunday, sunday + timedelta(days=6)


RELATIVE_RANGES: dict[str, Callable[[date], tuple[date, date]]] = {
    "past_week": lambda d: (d - timedelta(days=7), d),
    "past_month": lambda d: (_add_months(d, -1), d),
    "past_year": lambda d: (_add_months(d, -12), d),
    "this_week": _week_of,
    "next_week": lambda d: (d, d + timedelta(days=7)),
    "next_month": lambda d: (d, _add_months(d, 1)),
    "next_year": lambda d: (d, _add_months(d, 12)),
}
"""Relative date filter name -> first and last day (inclusive) it covers, given today."""


def _zone(name: object) -> tzinfo:
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC


def _to_ms(moment: datetime) -> int:
    # Integer floor division keeps this exact, where float timestamps would round.
    return (moment - _EPOCH) // _ONE_MS
