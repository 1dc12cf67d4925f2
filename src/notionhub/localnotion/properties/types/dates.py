"""Date property values: validated from client input, rendered the way Notion answers them.

Notion answers a date as given and a datetime as ``YYYY-MM-DDTHH:MM:SS.mmm+HH:MM``, keeping
the offset the client sent (UTC when none was sent). A ``time_zone`` may only accompany
datetimes without an offset; Notion then answers the datetimes with that zone's offset and
``time_zone`` null ("the public API will always return the time_zone field as null").
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.fields import fail, require_dict, require_str
from notionhub.localnotion.properties.types.json_shapes import missing

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(?P<offset>Z|[+-]\d{2}:?\d{2})?$"
)
_EXPECTED = "an ISO 8601 date or datetime string"

Moment = date | datetime


def _zone(value: object, field: str) -> ZoneInfo | None:
    if value is None:
        return None
    name = require_str(value, field)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise fail(field, "an IANA time zone such as `Europe/Paris`", value) from error


def parse_moment(value: object, field: str, zone: ZoneInfo | None) -> Moment:
    """The date or aware datetime ``value`` names; naive datetimes are read in ``zone`` or UTC."""
    text = require_str(value, field)
    if _DATE.match(text):
        if zone is not None:
            raise ValidationFailed(f"{field}: a date with a time_zone must include a time.")
        try:
            return date.fromisoformat(text)
        except ValueError as error:
            raise fail(field, _EXPECTED, value) from error
    match = _DATETIME.match(text)
    if match is None:
        raise fail(field, _EXPECTED, value)
    if match["offset"] and zone is not None:
        raise ValidationFailed(f"{field}: a datetime with a time_zone cannot have a UTC offset.")
    # Python 3.11 reads at most 6 fractional digits; Notion keeps milliseconds anyway.
    trimmed = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        moment = datetime.fromisoformat(trimmed)
    except ValueError as error:
        raise fail(field, _EXPECTED, value) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or UTC)
    return moment


def render_moment(moment: Moment) -> str:
    """Notion's text for a date or datetime."""
    if not isinstance(moment, datetime):
        return moment.isoformat()
    offset_seconds = (moment.utcoffset() or timedelta()).total_seconds()
    if offset_seconds % 60:
        # Historical local mean times have second offsets that ±HH:MM cannot show.
        try:
            moment = moment.astimezone(UTC)
        except OverflowError:  # the first hours of year 1 east of UTC: before year 1 in UTC
            moment = datetime.min.replace(tzinfo=UTC)
    offset = moment.strftime("%z")  # "+0100"
    millis = moment.microsecond // 1000
    # isoformat, not strftime: strftime does not pad years before 1000 to four digits.
    return f"{moment.date().isoformat()}T{moment:%H:%M:%S}.{millis:03d}{offset[:3]}:{offset[3:]}"


def sort_key(moment: Moment) -> datetime:
    """A comparable instant: a date is its UTC midnight."""
    if isinstance(moment, datetime):
        return moment
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def _not_before(start: Moment, end: Moment) -> bool:
    if isinstance(start, datetime) != isinstance(end, datetime):
        # One side without a time: compare calendar days, as the Notion app shows them.
        return _day(end) >= _day(start)
    return sort_key(end) >= sort_key(start)


def _day(moment: Moment) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def normalize_date_value(value: object, field: str) -> dict[str, Any] | None:
    """The rendered date value for the client's ``{"start", "end"?, "time_zone"?}`` or null."""
    if value is None:
        return None
    obj = require_dict(value, field)
    if obj.get("start") is None:
        raise missing(f"{field}.start")
    zone = _zone(obj.get("time_zone"), f"{field}.time_zone")
    start = parse_moment(obj["start"], f"{field}.start", zone)
    end = None if obj.get("end") is None else parse_moment(obj["end"], f"{field}.end", zone)
    if end is not None and not _not_before(start, end):
        raise ValidationFailed(f"{field}.end should not be before {field}.start.")
    return {
        "start": render_moment(start),
        "end": None if end is None else render_moment(end),
        "time_zone": None,
    }


def moment_of(text: str) -> Moment | None:
    """The moment a rendered date string names (for rollups); None if it is not one."""
    try:
        return parse_moment(text, "date", None)
    except ValidationFailed:
        return None
