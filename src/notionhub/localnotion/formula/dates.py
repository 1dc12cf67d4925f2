"""Date functions of the formula language (now, dateAdd, dateBetween, formatDate, year...).

Date-only values sit at UTC midnight with ``has_time`` false; adding hours or minutes to one
gives a date with a time. Calendar units (months, quarters, years) keep the day of month when
it exists and clamp it otherwise (Jan 31 + 1 month = Feb 28/29), like Moment.js.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from notionhub.localnotion.formula.date_format import format_datetime
from notionhub.localnotion.formula.spec import DATE, NUM, TEXT, FunctionSpec, fixed, with_context
from notionhub.localnotion.formula.values import (
    DateValue,
    EvalContext,
    FormulaRuntimeError,
    Value,
    as_date,
    as_number,
    as_text,
    aware,
    parse_iso,
)

# Units counted in calendar months, and units with a fixed length.
_MONTH_UNITS = {"years": 12, "quarters": 3, "months": 1}
_FIXED_UNITS = {
    "weeks": timedelta(weeks=1),
    "days": timedelta(days=1),
    "hours": timedelta(hours=1),
    "minutes": timedelta(minutes=1),
    "seconds": timedelta(seconds=1),
    "milliseconds": timedelta(milliseconds=1),
}
_TIME_UNITS = {"hours", "minutes", "seconds", "milliseconds"}


def _unit(value: Value) -> str:
    """A unit name; the singular (``"day"``) is accepted as well as Notion's plural."""
    unit = as_text(value).strip()
    plural = unit if unit.endswith("s") else unit + "s"
    if plural not in _MONTH_UNITS and plural not in _FIXED_UNITS:
        raise FormulaRuntimeError(f"unknown date unit {unit!r}")
    return plural


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` moved by whole calendar months, the day clamped to the month's length."""
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise FormulaRuntimeError("date out of range")
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _shift(moment: datetime, amount: float, unit: str) -> datetime:
    try:
        if unit in _MONTH_UNITS:
            return add_months(moment, int(amount) * _MONTH_UNITS[unit])
        return moment + _FIXED_UNITS[unit] * amount
    except OverflowError as exc:
        raise FormulaRuntimeError("date out of range") from exc


def _date_add(date: Value, amount: Value, unit: Value, sign: int = 1) -> Value:
    value, step, name = as_date(date), as_number(amount) * sign, _unit(unit)
    end = None if value.end is None else _shift(value.end, step, name)
    return DateValue(_shift(value.start, step, name), end, value.has_time or name in _TIME_UNITS)


def _months_between(later: datetime, earlier: datetime) -> int:
    """Whole calendar months from ``earlier`` to ``later``, truncated toward zero."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    anchor = add_months(earlier, months)
    if later >= earlier and anchor > later:
        months -= 1
    elif later < earlier and anchor < later:
        months += 1
    return months


def _date_between(first: Value, second: Value, unit: Value) -> Value:
    """``first - second`` in ``unit``, truncated toward zero (Notion's dateBetween)."""
    name = _unit(unit)
    earlier = as_date(second).start
    later = as_date(first).start.astimezone(earlier.tzinfo)
    if name in _MONTH_UNITS:
        return float(int(_months_between(later, earlier) / _MONTH_UNITS[name]))
    return float(int((later - earlier) / _FIXED_UNITS[name]))


def _part(read: Callable[[datetime], int]) -> FunctionSpec:
    return fixed((DATE,), "number", lambda date: float(read(as_date(date).start)))


def _now(args: list[Value], ctx: EvalContext) -> Value:
    return DateValue(aware(ctx.now), None, has_time=True)


def _today(args: list[Value], ctx: EvalContext) -> Value:
    now = aware(ctx.now)
    return DateValue(datetime(now.year, now.month, now.day, tzinfo=UTC), None, has_time=False)


def _end(date: Value) -> Value:
    value = as_date(date)
    return DateValue(value.end or value.start, None, value.has_time)


def _from_timestamp(millis: Value) -> Value:
    try:
        moment = datetime.fromtimestamp(as_number(millis) / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise FormulaRuntimeError("timestamp out of range") from exc
    return DateValue(moment, None, has_time=True)


def _parse_date(text: Value) -> Value:
    try:
        return parse_iso(as_text(text).strip())
    except ValueError as exc:
        raise FormulaRuntimeError("not an ISO 8601 date") from exc


def _date_range(start: Value, end: Value) -> Value:
    first, last = as_date(start), as_date(end)
    return DateValue(first.start, last.start, first.has_time or last.has_time)


DATE_FUNCTIONS: dict[str, FunctionSpec] = {
    "now": with_context((), "date", _now),
    "today": with_context((), "date", _today),
    "dateAdd": fixed((DATE, NUM, TEXT), "date", _date_add),
    "dateSubtract": fixed((DATE, NUM, TEXT), "date", lambda d, n, u: _date_add(d, n, u, -1)),
    "dateBetween": fixed((DATE, DATE, TEXT), "number", _date_between),
    "dateRange": fixed((DATE, DATE), "date", _date_range),
    "formatDate": fixed(
        (DATE, TEXT), "string", lambda d, p: format_datetime(as_date(d).start, as_text(p))
    ),
    "parseDate": fixed((TEXT,), "date", _parse_date),
    "year": _part(lambda moment: moment.year),
    "month": _part(lambda moment: moment.month),
    "week": _part(lambda moment: moment.isocalendar().week),
    "date": _part(lambda moment: moment.day),
    # Notion 2.0 numbers weekdays from Monday = 1 to Sunday = 7.
    "day": _part(lambda moment: moment.isoweekday()),
    "hour": _part(lambda moment: moment.hour),
    "minute": _part(lambda moment: moment.minute),
    "start": fixed(
        (DATE,), "date", lambda d: DateValue(as_date(d).start, None, as_date(d).has_time)
    ),
    "end": fixed((DATE,), "date", _end),
    "timestamp": fixed((DATE,), "number", lambda d: as_date(d).start.timestamp() * 1000),
    "fromTimestamp": fixed((NUM,), "date", _from_timestamp),
}
