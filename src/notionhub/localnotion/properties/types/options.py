"""Options of select, multi_select and status properties: in schemas and in page values."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.fields import (
    fail,
    require_choice,
    require_dict,
    require_key,
    require_list,
    require_str,
    show,
)
from notionhub.localnotion.api.ids import random_id
from notionhub.localnotion.properties.types.catalog import (
    MAX_OPTION_NAME_LENGTH,
    OPTION_TYPES,
    SELECT_COLORS,
)
from notionhub.localnotion.properties.types.json_shapes import optional_str

# Notion's defaults for a status property created without options.
_DEFAULT_STATUS = (
    ("To-do", "gray", (("Not started", "default"),)),
    ("In progress", "blue", (("In progress", "blue"),)),
    ("Complete", "green", (("Done", "green"),)),
)
_TODO_GROUP = "To-do"


def option_name(value: object, field: str) -> str:
    """A valid option name: a non-empty string without commas (Notion splits on them)."""
    name = require_str(value, field, max_length=MAX_OPTION_NAME_LENGTH)
    if not name.strip():
        raise fail(field, "a non-empty string", value)
    if "," in name:
        raise fail(field, "an option name without commas", value)
    return name


def option_color(value: object, field: str) -> str:
    """A colour of the select palette."""
    return require_choice(value, field, SELECT_COLORS)


def chosen_color(name: str) -> str:
    """The colour given to an option a page value creates; derived from the name so reruns agree."""
    palette = SELECT_COLORS[1:]
    return palette[zlib.crc32(name.encode()) % len(palette)]


def _new_option(raw: dict[str, Any], field: str, default_color: str) -> dict[str, Any]:
    name = option_name(require_key(raw, "name", field), f"{field}.name")
    color = option_color(raw["color"], f"{field}.color") if "color" in raw else default_color
    description = optional_str(raw.get("description"), f"{field}.description")
    return {"id": random_id(), "name": name, "color": color, "description": description}


def _check_unique_names(options: list[dict[str, Any]], field: str) -> None:
    seen: set[str] = set()
    for option in options:
        if option["name"] in seen:
            raise ValidationFailed(f"{field}: duplicate option name {option['name']!r}.")
        seen.add(option["name"])


def create_options(raw: object, field: str) -> list[dict[str, Any]]:
    """The schema options of a new select/multi_select/status from the client's list."""
    items = require_list(raw, field)
    options = [
        _new_option(require_dict(item, f"{field}[{i}]"), f"{field}[{i}]", "default")
        for i, item in enumerate(items)
    ]
    _check_unique_names(options, field)
    return options


def _find(options: list[dict[str, Any]], raw: dict[str, Any]) -> dict[str, Any] | None:
    if "id" in raw:
        return next((o for o in options if o["id"] == raw["id"]), None)
    return next((o for o in options if o["name"] == raw.get("name")), None)


def _updated_option(old: dict[str, Any], raw: dict[str, Any], field: str) -> dict[str, Any]:
    """An existing option as the client restated it: renamable by id, never recoloured."""
    option = dict(old)
    if "name" in raw:
        option["name"] = option_name(raw["name"], f"{field}.name")
    if "color" in raw and option_color(raw["color"], f"{field}.color") != old["color"]:
        raise ValidationFailed(f"{field}: cannot update color of option with name: {old['name']}.")
    if "description" in raw:
        option["description"] = optional_str(raw["description"], f"{field}.description")
    return option


def merge_options(
    existing: list[dict[str, Any]], raw: object, field: str, *, drop_omitted: bool
) -> list[dict[str, Any]]:
    """The options after an update: restated ones keep their id, unknown ones are added.

    Notion drops select options the update omits, but only ever adds status options.
    """
    merged: list[dict[str, Any]] = []
    touched: set[str] = set()
    for i, item in enumerate(require_list(raw, field)):
        where = f"{field}[{i}]"
        restated = require_dict(item, where)
        old = _find(existing, restated)
        if old is None and "id" in restated:
            raise ValidationFailed(f"{where}.id: no option with id {show(restated['id'])}.")
        option = (
            _new_option(restated, where, "default")
            if old is None
            else _updated_option(old, restated, where)
        )
        touched.add(option["id"])
        merged.append(option)
    if not drop_omitted:
        merged = [o for o in existing if o["id"] not in touched] + merged
        merged = _ordered_like(existing, merged)
    _check_unique_names(merged, field)
    return merged


def _ordered_like(
    existing: list[dict[str, Any]], merged: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Existing options first in their old order, then the new ones."""
    order = {o["id"]: i for i, o in enumerate(existing)}
    return sorted(merged, key=lambda o: order.get(o["id"], len(order)))


def default_status_config() -> dict[str, Any]:
    """Notion's status config for a status created without options."""
    options: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    for group_name, group_color, members in _DEFAULT_STATUS:
        ids = []
        for name, color in members:
            option = {"id": random_id(), "name": name, "color": color, "description": None}
            options.append(option)
            ids.append(option["id"])
        groups.append(
            {"id": random_id(), "name": group_name, "color": group_color, "option_ids": ids}
        )
    return {"options": options, "groups": groups}


def status_config(options: list[dict[str, Any]]) -> dict[str, Any]:
    """A status config whose options all start in the To-do group, as Notion files them."""
    config = default_status_config()
    config["options"] = options
    for group in config["groups"]:
        group["option_ids"] = [o["id"] for o in options] if group["name"] == _TODO_GROUP else []
    return config


def add_status_options(config: dict[str, Any], options: list[dict[str, Any]]) -> dict[str, Any]:
    """``config`` with ``options`` as its option list; options new to it join the To-do group."""
    known = {o["id"] for o in config["options"]}
    groups = [dict(g, option_ids=list(g["option_ids"])) for g in config["groups"]]
    todo = next((g for g in groups if g["name"] == _TODO_GROUP), groups[0] if groups else None)
    for option in options:
        if option["id"] not in known and todo is not None:
            todo["option_ids"].append(option["id"])
    return {"options": options, "groups": groups}


def rendered_option(option: dict[str, Any]) -> dict[str, Any]:
    """An option as a page value shows it: id, name, colour."""
    return {"id": option["id"], "name": option["name"], "color": option["color"]}


def pick_option(
    options: list[dict[str, Any]], raw: object, field: str, *, may_create: bool
) -> tuple[dict[str, Any], bool]:
    """The schema option a page value names (by id or name) and whether it is new.

    A name the schema lacks becomes a new option when ``may_create`` (select and
    multi_select, as in Notion); status options are never created from page values.
    """
    ref = require_dict(raw, field)
    if "id" in ref:
        found = next((o for o in options if o["id"] == ref["id"]), None)
        if found is None:
            raise ValidationFailed(f"{field}.id: no option with id {show(ref['id'])}.")
        return found, False
    if "name" not in ref:
        raise ValidationFailed(f"{field} should have a `name` or an `id`, instead was {show(ref)}.")
    name = option_name(ref["name"], f"{field}.name")
    found = next((o for o in options if o["name"] == name), None)
    if found is not None:
        return found, False
    if not may_create:
        raise ValidationFailed(
            f"{field}.name: no option named {show(name)} exists, and the API cannot add one."
        )
    color = option_color(ref["color"], f"{field}.color") if "color" in ref else chosen_color(name)
    return {"id": random_id(), "name": name, "color": color, "description": None}, True


@dataclass(frozen=True)
class OptionChange:
    """What a schema update did to one option property's options."""

    options: dict[str, dict[str, Any]]  # the options now, as page values show them, by id
    stale_names: tuple[str, ...]  # names that pages may hold and that changed or went


def changed_options(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]
) -> dict[str, OptionChange]:
    """The option properties whose options a schema update renamed or removed, by id."""
    before = {prop["id"]: prop for prop in old.values()}
    changed: dict[str, OptionChange] = {}
    for prop in new.values():
        kind, previous = prop["type"], before.get(prop["id"])
        if kind not in OPTION_TYPES or previous is None or previous["type"] != kind:
            continue
        now = {o["id"]: rendered_option(o) for o in prop[kind]["options"]}
        stale = tuple(
            o["name"] for o in previous[kind]["options"] if now.get(o["id"]) != rendered_option(o)
        )
        if stale:
            changed[prop["id"]] = OptionChange(now, stale)
    return changed


def follow_options(value: dict[str, Any], options: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A stored select, multi_select or status value as the ``options`` now show it: a renamed
    option carries its new name, a removed one is gone (the value empties), as in Notion."""
    kind = value["type"]
    chosen = value.get(kind)
    if kind == "multi_select":
        current: Any = [options[o["id"]] for o in chosen or [] if o["id"] in options]
    else:
        current = None if chosen is None else options.get(chosen["id"])
    return {**value, kind: current}
