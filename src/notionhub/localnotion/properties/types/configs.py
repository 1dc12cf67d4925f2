"""Schema configs: the ``"<type>": {...}`` part of a data source property, one normaliser a type.

Each normaliser takes the client's config, the field path for messages, and the property's
current config of the same type when an update restates it (``None`` on creation).
Cross-property checks (formula expressions, rollup relations) need the whole schema and are
done by ``properties.schema`` once every property is known.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.fields import (
    fail,
    require_choice,
    require_dict,
    require_key,
    require_str,
    show,
)
from notionhub.localnotion.api.ids import parse_id
from notionhub.localnotion.properties.types.catalog import NUMBER_FORMATS, ROLLUP_FUNCTIONS
from notionhub.localnotion.properties.types.json_shapes import optional_str
from notionhub.localnotion.properties.types.options import (
    add_status_options,
    create_options,
    default_status_config,
    merge_options,
    status_config,
)

Config = dict[str, Any]
ConfigNormalizer = Callable[[object, str, "Config | None"], Config]


def _no_settings(raw: object, field: str, old: Config | None) -> Config:
    require_dict(raw, field)
    return {}


def _number(raw: object, field: str, old: Config | None) -> Config:
    obj = require_dict(raw, field)
    fmt = obj.get("format", (old or {}).get("format", "number"))
    if fmt not in NUMBER_FORMATS:
        raise fail(f"{field}.format", "a Notion number format such as `dollar`", fmt)
    return {"format": fmt}


def _select(raw: object, field: str, old: Config | None) -> Config:
    obj = require_dict(raw, field)
    if "options" not in obj:
        return {"options": list((old or {}).get("options", []))}
    if old is None:
        return {"options": create_options(obj["options"], f"{field}.options")}
    merged = merge_options(old["options"], obj["options"], f"{field}.options", drop_omitted=True)
    return {"options": merged}


def _status(raw: object, field: str, old: Config | None) -> Config:
    obj = require_dict(raw, field)
    if old is None:
        if "options" not in obj:
            return default_status_config()
        return status_config(create_options(obj["options"], f"{field}.options"))
    if "options" not in obj:
        return old
    merged = merge_options(old["options"], obj["options"], f"{field}.options", drop_omitted=False)
    return add_status_options(old, merged)


def _formula(raw: object, field: str, old: Config | None) -> Config:
    obj = require_dict(raw, field)
    if "expression" not in obj and old is not None:
        return dict(old)
    return {"expression": require_str(require_key(obj, "expression", field), f"{field}.expression")}


def _relation(raw: object, field: str, old: Config | None) -> Config:
    obj = require_dict(raw, field)
    data_source_id = parse_id(require_key(obj, "data_source_id", field), f"{field}.data_source_id")
    kind = obj.get("type", "dual_property" if "dual_property" in obj else "single_property")
    if kind == "single_property":
        require_dict(obj.get("single_property", {}), f"{field}.single_property")
        return {"data_source_id": data_source_id, "type": kind, kind: {}}
    require_choice(kind, f"{field}.type", ("single_property", "dual_property"))
    dual = require_dict(obj.get("dual_property", {}), f"{field}.dual_property")
    synced = {
        "synced_property_name": optional_str(
            dual.get("synced_property_name"), f"{field}.dual_property.synced_property_name"
        ),
        "synced_property_id": optional_str(
            dual.get("synced_property_id"), f"{field}.dual_property.synced_property_id"
        ),
    }
    return {"data_source_id": data_source_id, "type": kind, kind: synced}


def _rollup(raw: object, field: str, old: Config | None) -> Config:
    obj = require_dict(raw, field)
    function = require_choice(
        require_key(obj, "function", field), f"{field}.function", ROLLUP_FUNCTIONS
    )
    config: Config = {"function": function}
    for side in ("relation_property", "rollup_property"):
        name = optional_str(obj.get(f"{side}_name"), f"{field}.{side}_name")
        prop_id = optional_str(obj.get(f"{side}_id"), f"{field}.{side}_id")
        if name is None and prop_id is None:
            raise ValidationFailed(
                f"{field} should have `{side}_name` or `{side}_id`, instead was {show(obj)}."
            )
        config[f"{side}_name"] = name
        config[f"{side}_id"] = prop_id
    return config


def _unique_id(raw: object, field: str, old: Config | None) -> Config:
    obj = require_dict(raw, field)
    return {"prefix": optional_str(obj.get("prefix"), f"{field}.prefix")}


CONFIG_NORMALIZERS: dict[str, ConfigNormalizer] = {
    "title": _no_settings,
    "rich_text": _no_settings,
    "number": _number,
    "select": _select,
    "multi_select": _select,
    "status": _status,
    "date": _no_settings,
    "people": _no_settings,
    "files": _no_settings,
    "checkbox": _no_settings,
    "url": _no_settings,
    "email": _no_settings,
    "phone_number": _no_settings,
    "formula": _formula,
    "relation": _relation,
    "rollup": _rollup,
    "created_time": _no_settings,
    "created_by": _no_settings,
    "last_edited_time": _no_settings,
    "last_edited_by": _no_settings,
    "unique_id": _unique_id,
}
