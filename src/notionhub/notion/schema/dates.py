"""Date properties and ``NotionDate``: the conversions shared with date formulas and rollups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from notionhub.errors import PropertyValueError
from notionhub.notion.schema.base import PropertySpec, ValueHint, expect, register

__all__ = ["Date", "NotionDate", "date_from_notion", "date_to_notion", "parse_moment"]

Moment = date | datetime


@dataclass(frozen=True)
class NotionDate:
    """A Notion date value: a date or datetime, an optional end, an optional IANA time zone.

    ``time_zone`` is how a naive ``start``/``end`` is read when written; it is not part of
    equality, because Notion answers ``time_zone: null`` with the zone's offset on each
    datetime instead. Naive datetimes with a ``time_zone`` are made aware in that zone, so a
    value read back compares equal to the one written (datetimes compare as instants).
    """

    start: datetime | date
    end: datetime | date | None = None
    time_zone: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.time_zone is None:
            return
        zone = ZoneInfo(self.time_zone)
        for name in ("start", "end"):
            moment = getattr(self, name)
            if isinstance(moment, datetime) and moment.tzinfo is None:
                object.__setattr__(self, name, moment.replace(tzinfo=zone))


def parse_moment(text: object) -> Moment:
    """The date or aware datetime of a rendered Notion date string."""
    if not isinstance(text, str):
        raise PropertyValueError(f"a date string was expected, instead was {text!r}.")
    try:
        if "T" not in text:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise PropertyValueError(f"{text!r} is not an ISO 8601 date or datetime.") from error
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _render(moment: Moment, zone: ZoneInfo | None) -> str:
    if not isinstance(moment, datetime):
        return moment.isoformat()
    if zone is not None:  # Notion wants a local time without offset next to time_zone
        local = moment.astimezone(zone) if moment.tzinfo is not None else moment
        return local.replace(tzinfo=None).isoformat(timespec="milliseconds")
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    offset = aware.utcoffset()
    if offset is not None and offset.total_seconds() % 60:
        aware = aware.astimezone(UTC)  # Notion's ±HH:MM cannot show an offset with seconds
    return aware.isoformat(timespec="milliseconds")


def date_to_notion(value: object) -> dict[str, Any] | None:
    """Notion's ``{"start", "end", "time_zone"}`` for a NotionDate, datetime or date."""
    if value is None:
        return None
    if isinstance(value, date):  # datetime is a date too
        value = NotionDate(value)
    if not isinstance(value, NotionDate):
        raise PropertyValueError(f"a NotionDate, datetime or date was expected, not {value!r}.")
    zone = None
    if value.time_zone is not None and isinstance(value.start, datetime):
        zone = ZoneInfo(value.time_zone)
    return {
        "start": _render(value.start, zone),
        "end": None if value.end is None else _render(value.end, zone),
        "time_zone": None if zone is None else value.time_zone,
    }


def _as(moment: Moment, wanted: Any) -> Moment:
    if wanted is datetime and not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    if wanted is date and isinstance(moment, datetime):
        return moment.date()
    return moment


def date_from_notion(inner: Any, hint: ValueHint) -> Any:
    """The Python value of a rendered date: a NotionDate, or its start for datetime/date fields."""
    if inner is None:
        return None
    if not isinstance(inner, dict) or inner.get("start") is None:
        raise PropertyValueError(f"a date object was expected, instead was {inner!r}.")
    start = parse_moment(inner["start"])
    if hint.base in (datetime, date):
        return _as(start, hint.base)
    end = None if inner.get("end") is None else parse_moment(inner["end"])
    return NotionDate(start, end, inner.get("time_zone"))


@register
@dataclass(frozen=True)
class Date(PropertySpec):
    """A date property -> ``NotionDate``, or ``datetime``/``date`` (start only)."""

    type = "date"
    keyable = True

    def check_annotation(self, hint: ValueHint) -> str | None:
        if hint.base not in (NotionDate, datetime, date):
            return "a date property needs a NotionDate, datetime or date annotation"
        return None

    def encode(self, value: Any, hint: ValueHint) -> Any:
        expect(value is None or isinstance(value, NotionDate | date), self, "a date", value)
        return date_to_notion(value)

    def decode(self, inner: Any, hint: ValueHint) -> Any:
        return date_from_notion(inner, hint)
