"""Page property values as clients send them, one normaliser a writable type.

A normaliser takes the client's value for the type key (``{"number": 3}`` → ``3``), the field
path for messages, the schema property and the ``ValueState`` of the request, and returns
the value as the API renders it under that type key.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.fields import (
    fail,
    require_dict,
    require_key,
    require_list,
    require_str,
)
from notionhub.localnotion.api.ids import parse_id
from notionhub.localnotion.files.sources import SOURCE_TYPES, parse_file_source
from notionhub.localnotion.properties.types.catalog import (
    MAX_ARRAY_ITEMS,
    MAX_EMAIL_LENGTH,
    MAX_FILE_NAME_LENGTH,
    MAX_PHONE_LENGTH,
    MAX_URL_LENGTH,
)
from notionhub.localnotion.properties.types.dates import normalize_date_value
from notionhub.localnotion.properties.types.json_shapes import optional_str
from notionhub.localnotion.properties.types.options import pick_option, rendered_option
from notionhub.localnotion.rich_text.items import normalize_rich_text


class ValueContext(Protocol):
    """What value normalisation needs from the workspace."""

    def user(self, user_id: str) -> dict[str, Any] | None:
        """The user object, or None if unknown."""

    def now_iso(self) -> str:
        """The current time as an ISO 8601 string."""


@dataclass
class ValueState:
    """One request's normalisation: the context and the options created along the way."""

    ctx: ValueContext
    schema: dict[str, dict[str, Any]]
    schema_changed: bool = False
    relation_changes: dict[str, list[str]] = field(default_factory=dict)

    def options(self, prop: dict[str, Any]) -> list[dict[str, Any]]:
        """The current options of the select-like property ``prop``."""
        options: list[dict[str, Any]] = self.schema[prop["name"]][prop["type"]]["options"]
        return options

    def add_option(self, prop: dict[str, Any], option: dict[str, Any]) -> None:
        """Add ``option`` to a copy of the schema, leaving the caller's schema untouched."""
        if not self.schema_changed:
            self.schema = dict(self.schema)
            self.schema_changed = True
        current = self.schema[prop["name"]]
        config = current[current["type"]]
        new_config = dict(config, options=[*config["options"], option])
        self.schema[prop["name"]] = dict(current, **{current["type"]: new_config})


ValueNormalizer = Callable[[object, str, dict[str, Any], ValueState], Any]


def _rich_text(raw: object, where: str, prop: dict[str, Any], state: ValueState) -> Any:
    return normalize_rich_text(raw, where)


def _number(raw: object, where: str, prop: dict[str, Any], state: ValueState) -> Any:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise fail(where, "a number or null", raw)
    return raw


def _checkbox(raw: object, where: str, prop: dict[str, Any], state: ValueState) -> Any:
    if not isinstance(raw, bool):
        raise fail(where, "a boolean", raw)
    return raw


def _limited_text(limit: int) -> ValueNormalizer:
    def normalize(raw: object, where: str, prop: dict[str, Any], state: ValueState) -> Any:
        return optional_str(raw, where, max_length=limit)

    return normalize


def _option(raw: object, where: str, prop: dict[str, Any], state: ValueState) -> Any:
    if raw is None:
        return None
    may_create = prop["type"] != "status"  # Notion never creates status options from values
    option, new = pick_option(state.options(prop), raw, where, may_create=may_create)
    if new:
        state.add_option(prop, option)
    return rendered_option(option)


def _multi_select(raw: object, where: str, prop: dict[str, Any], state: ValueState) -> Any:
    items = require_list(raw, where, max_items=MAX_ARRAY_ITEMS)
    chosen: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(items):
        option, new = pick_option(state.options(prop), item, f"{where}[{i}]", may_create=True)
        if new:
            state.add_option(prop, option)
        chosen.setdefault(option["id"], rendered_option(option))
    return list(chosen.values())


def _ids(raw: object, where: str) -> list[str]:
    """The distinct ids of a list of ``{"id": ...}`` references, in order."""
    items = require_list(raw, where, max_items=MAX_ARRAY_ITEMS)
    ids: list[str] = []
    for i, item in enumerate(items):
        ref = require_dict(item, f"{where}[{i}]")
        item_id = parse_id(require_key(ref, "id", f"{where}[{i}]"), f"{where}[{i}].id")
        if item_id not in ids:
            ids.append(item_id)
    return ids


def _people(raw: object, where: str, prop: dict[str, Any], state: ValueState) -> Any:
    users = []
    for i, user_id in enumerate(_ids(raw, where)):
        user = state.ctx.user(user_id)
        if user is None:
            raise ValidationFailed(f"{where}[{i}].id: no user with id {user_id} exists.")
        users.append(user)
    return users


def _relation(raw: object, where: str, prop: dict[str, Any], state: ValueState) -> Any:
    ids = _ids(raw, where)
    state.relation_changes[prop["name"]] = ids
    return [{"id": page_id} for page_id in ids]


def _file(raw: object, where: str) -> dict[str, Any]:
    obj = require_dict(raw, where)
    kind = obj.get("type", "external")
    if kind in SOURCE_TYPES and kind in obj:
        stored = parse_file_source(kind, obj[kind], f"{where}.{kind}")
        name = optional_str(obj.get("name"), f"{where}.name", max_length=MAX_FILE_NAME_LENGTH)
        default_name = stored["file"]["url"].rsplit("/", 1)[-1]
        return {"name": name or default_name, **stored}
    if kind != "external" or "external" not in obj:
        raise ValidationFailed(
            f'{where} should be an external file `{{"name", "external": {{"url"}}}}` or an'
            ' uploaded one `{"name", "file_upload": {"id"}}`.'
        )
    external = require_dict(obj["external"], f"{where}.external")
    url = require_str(
        require_key(external, "url", f"{where}.external"),
        f"{where}.external.url",
        max_length=MAX_URL_LENGTH,
    )
    if not url:
        raise fail(f"{where}.external.url", "a non-empty string", url)
    name = optional_str(obj.get("name"), f"{where}.name", max_length=MAX_FILE_NAME_LENGTH)
    return {"name": name or url, "type": "external", "external": {"url": url}}


def _files(raw: object, where: str, prop: dict[str, Any], state: ValueState) -> Any:
    items = require_list(raw, where, max_items=MAX_ARRAY_ITEMS)
    return [_file(item, f"{where}[{i}]") for i, item in enumerate(items)]


def _date(raw: object, where: str, prop: dict[str, Any], state: ValueState) -> Any:
    return normalize_date_value(raw, where)


VALUE_NORMALIZERS: dict[str, ValueNormalizer] = {
    "title": _rich_text,
    "rich_text": _rich_text,
    "number": _number,
    "checkbox": _checkbox,
    "url": _limited_text(MAX_URL_LENGTH),
    "email": _limited_text(MAX_EMAIL_LENGTH),
    "phone_number": _limited_text(MAX_PHONE_LENGTH),
    "select": _option,
    "status": _option,
    "multi_select": _multi_select,
    "date": _date,
    "people": _people,
    "relation": _relation,
    "files": _files,
}
