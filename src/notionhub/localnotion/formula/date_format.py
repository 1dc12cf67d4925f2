"""Date patterns for formulas: the Moment.js-style tokens that Notion's ``formatDate`` accepts.

Each token is an entry in ``_TOKENS``; text in ``[brackets]`` is copied as is, like Moment does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _hour12(dt: datetime) -> int:
    return dt.hour % 12 or 12


_TOKENS: dict[str, Callable[[datetime], str]] = {
    "YYYY": lambda dt: f"{dt.year:04d}",
    "YY": lambda dt: f"{dt.year % 100:02d}",
    "Q": lambda dt: str((dt.month - 1) // 3 + 1),
    "MMMM": lambda dt: _MONTHS[dt.month - 1],
    "MMM": lambda dt: _MONTHS[dt.month - 1][:3],
    "MM": lambda dt: f"{dt.month:02d}",
    "M": lambda dt: str(dt.month),
    "Do": lambda dt: _ordinal(dt.day),
    "DD": lambda dt: f"{dt.day:02d}",
    "D": lambda dt: str(dt.day),
    "dddd": lambda dt: _WEEKDAYS[dt.weekday()],
    "ddd": lambda dt: _WEEKDAYS[dt.weekday()][:3],
    # Moment counts weekdays from Sunday = 0.
    "d": lambda dt: str((dt.weekday() + 1) % 7),
    "HH": lambda dt: f"{dt.hour:02d}",
    "H": lambda dt: str(dt.hour),
    "hh": lambda dt: f"{_hour12(dt):02d}",
    "h": lambda dt: str(_hour12(dt)),
    "mm": lambda dt: f"{dt.minute:02d}",
    "m": lambda dt: str(dt.minute),
    "ss": lambda dt: f"{dt.second:02d}",
    "s": lambda dt: str(dt.second),
    "A": lambda dt: "AM" if dt.hour < 12 else "PM",
    "a": lambda dt: "am" if dt.hour < 12 else "pm",
    "X": lambda dt: str(int(dt.timestamp())),
    "x": lambda dt: str(int(dt.timestamp() * 1000)),
}

# Longest tokens first so that "MMMM" wins over "MM" and "M".
_PATTERN = re.compile(
    r"\[([^\]]*)\]|" + "|".join(re.escape(t) for t in sorted(_TOKENS, key=len, reverse=True))
)


def format_datetime(dt: datetime, pattern: str) -> str:
    """``dt`` written with the Moment.js-style ``pattern`` (e.g. ``"YYYY-MM-DD HH:mm"``)."""

    def replace(match: re.Match[str]) -> str:
        literal = match.group(1)
        if literal is not None:
            return literal
        return _TOKENS[match.group(0)](dt)

    return _PATTERN.sub(replace, pattern)


DATE_PATTERN = "MMMM D, YYYY"
DATETIME_PATTERN = "MMMM D, YYYY h:mm A"
