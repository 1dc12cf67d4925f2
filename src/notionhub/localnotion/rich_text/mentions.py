"""Mention rich text items: users, pages, databases, dates, link previews, template mentions.

Each mention type is one entry in ``MENTION_TYPES``: a function from the client's mention body
to the rendered body plus the item's ``plain_text`` and ``href``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from notionhub.localnotion.api.fields import (
    UNDEFINED,
    fail,
    reject_unknown_keys,
    require_choice,
    require_dict,
    require_key,
    require_str,
    require_url,
)
from notionhub.localnotion.api.ids import parse_id

UNRESOLVED_TITLE = "Untitled"
"""Plain text of a page or database mention; the title is not known while validating."""

_USER_KEYS = {"object", "id", "name", "type", "person", "bot", "avatar_url"}
"""Keys of a user object as the API renders it; accepted so rendered items round-trip."""


@dataclass(frozen=True)
class RenderedMention:
    body: dict[str, Any]
    plain_text: str
    href: str | None


MentionRenderer = Callable[[object, str], RenderedMention]


def notion_url(object_id: str) -> str:
    """The notion.so link of a page or database, the ``href`` Notion gives its mentions."""
    return "https://www.notion.so/" + object_id.replace("-", "")


def _user(value: object, field: str) -> RenderedMention:
    body = require_dict(value, field)
    reject_unknown_keys(body, _USER_KEYS, field)
    user: dict[str, Any] = {
        "object": "user",
        "id": parse_id(require_key(body, "id", field), field + ".id"),
    }
    label = user["id"]
    if body.get("name") is not None:
        user["name"] = label = require_str(body["name"], field + ".name")
    return RenderedMention(user, f"@{label}", None)


def _object_mention(value: object, field: str) -> RenderedMention:
    body = require_dict(value, field)
    reject_unknown_keys(body, {"id"}, field)
    object_id = parse_id(require_key(body, "id", field), field + ".id")
    return RenderedMention({"id": object_id}, UNRESOLVED_TITLE, notion_url(object_id))


def _link_preview(value: object, field: str) -> RenderedMention:
    body = require_dict(value, field)
    reject_unknown_keys(body, {"url"}, field)
    url = require_url(require_key(body, "url", field), field + ".url")
    return RenderedMention({"url": url}, url, url)


def _time_zone(value: object, field: str) -> str | None:
    if value is None:
        return None
    name = require_str(value, field)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(field, "an IANA time zone such as `America/New_York`", value) from None
    return name


def render_date_text(value: object, field: str, *, has_time_zone: bool) -> str:
    """An ISO 8601 date as Notion answers it: ``2025-01-02`` or ``2025-01-02T10:00:00.000+00:00``.

    Times without an offset are wall-clock times in ``time_zone`` when one is given, else UTC.
    """
    text = require_str(value, field)
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise fail(field, "a valid ISO 8601 date string", value) from None
    if moment.tzinfo is None and not has_time_zone:
        moment = moment.replace(tzinfo=UTC)
    clock = f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}"
    offset = moment.utcoffset()
    return clock if offset is None else clock + _format_offset(offset)


def _format_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def _date(value: object, field: str) -> RenderedMention:
    body = require_dict(value, field)
    reject_unknown_keys(body, {"start", "end", "time_zone"}, field)
    zone = _time_zone(body.get("time_zone"), field + ".time_zone")
    start = render_date_text(
        require_key(body, "start", field), field + ".start", has_time_zone=bool(zone)
    )
    end = body.get("end")
    if end is not None:
        end = render_date_text(end, field + ".end", has_time_zone=bool(zone))
    shown = start if end is None else f"{start} → {end}"
    return RenderedMention({"start": start, "end": end, "time_zone": zone}, shown, None)


_TEMPLATE_LABELS = {
    "template_mention_date": {"today": "@Today", "now": "@Now"},
    "template_mention_user": {"me": "@Me"},
}


def _template_mention(value: object, field: str) -> RenderedMention:
    body = require_dict(value, field)
    kind = body.get("type")
    if kind is None:
        kind = next((key for key in _TEMPLATE_LABELS if key in body), None)
    kind = require_choice(kind, field + ".type", list(_TEMPLATE_LABELS))
    reject_unknown_keys(body, {"type", kind}, field)
    labels = _TEMPLATE_LABELS[kind]
    choice = require_choice(require_key(body, kind, field), f"{field}.{kind}", list(labels))
    return RenderedMention({"type": kind, kind: choice}, labels[choice], None)


MENTION_TYPES: dict[str, MentionRenderer] = {
    "user": _user,
    "page": _object_mention,
    "database": _object_mention,
    "date": _date,
    "link_preview": _link_preview,
    "template_mention": _template_mention,
}


def render_mention(value: object, field: str) -> RenderedMention:
    """The rendered ``mention`` body (``{"type": t, t: {...}}``) with its plain text and href."""
    body = require_dict(value, field)
    kind = body.get("type")
    if kind is None:
        kind = next((key for key in body if key in MENTION_TYPES), None)
        if kind is None:
            raise fail(f"{field}.type", "a mention type such as `user` or `page`", UNDEFINED)
    kind = require_choice(kind, field + ".type", list(MENTION_TYPES))
    reject_unknown_keys(body, {"type", kind}, field)
    inner = MENTION_TYPES[kind](require_key(body, kind, field), f"{field}.{kind}")
    return RenderedMention({"type": kind, kind: inner.body}, inner.plain_text, inner.href)
