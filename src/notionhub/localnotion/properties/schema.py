"""Data source schemas: created from a POST body, changed by a PATCH body.

A schema maps property name → property object exactly as the API returns it. This module
checks the client's input and fills what Notion fills (ids, option ids and colours, status
groups, number format); it knows nothing of other data sources, so the caller checks
relation targets, fills ``database_id``, creates dual relation counterparts and checks
``rollup_property_name``/``rollup_property_id`` against the related schema.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from notionhub.errors import InternalServerError, ValidationFailed
from notionhub.localnotion.api.fields import fail, require_dict
from notionhub.localnotion.formula import parse_formula
from notionhub.localnotion.properties.types.configs import CONFIG_NORMALIZERS
from notionhub.localnotion.properties.types.json_shapes import optional_str
from notionhub.localnotion.properties.types.lookup import find_property

Schema = dict[str, dict[str, Any]]
__all__ = ["SchemaChange", "apply_schema_update", "find_property", "normalize_schema_on_create"]

_SPEC_KEYS = frozenset({"type", "name", "description", "id"})
_ID_ATTEMPTS = 1000  # a random id generator collides rarely; a broken one must not hang
_RETYPE_KEEPS_OPTIONS = frozenset({"select", "multi_select"})


@dataclass
class SchemaChange:
    """What a PATCH did to a schema."""

    schema: Schema  # the new schema
    renamed: dict[str, str]  # old name -> new name
    removed: list[str]  # removed property ids
    retyped: list[str]  # ids whose type changed


def _property_name(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(field, "a non-empty string", value)
    return value


def _type_and_config(spec: dict[str, Any], field: str) -> tuple[str, object] | None:
    """The property type a spec declares and its raw config; ``None`` if it declares none."""
    unknown = [k for k in spec if k not in _SPEC_KEYS and k not in CONFIG_NORMALIZERS]
    if unknown:
        raise ValidationFailed(f"{field}: `{unknown[0]}` is not a supported property type.")
    declared = spec.get("type")
    if declared is not None and declared not in CONFIG_NORMALIZERS:
        raise ValidationFailed(f"{field}.type: `{declared}` is not a supported property type.")
    given = [k for k in spec if k in CONFIG_NORMALIZERS]
    if len(given) > 1 or (declared is not None and given and given[0] != declared):
        raise ValidationFailed(f"{field} should declare exactly one property type.")
    if given:
        return given[0], spec[given[0]]
    return (str(declared), {}) if declared is not None else None


def _fresh_id(new_prop_id: Callable[[], str], taken: set[str]) -> str:
    """An id from ``new_prop_id`` that no property of the schema has yet."""
    for _ in range(_ID_ATTEMPTS):
        prop_id = new_prop_id()
        if prop_id not in taken and prop_id != "title":
            taken.add(prop_id)
            return prop_id
    raise InternalServerError("Could not find an unused property id.")


def _property(
    prop_id: str, name: str, prop_type: str, config: dict[str, Any], description: object
) -> dict[str, Any]:
    return {
        "id": prop_id,
        "name": name,
        "type": prop_type,
        prop_type: config,
        "description": description,
    }


def normalize_schema_on_create(
    properties: object, field: str, *, new_prop_id: Callable[[], str]
) -> Schema:
    """The schema of a new data source from the ``properties`` of its POST body."""
    specs = require_dict(properties, field)
    schema: Schema = {}
    taken: set[str] = set()
    for name, raw in specs.items():
        where = f"{field}.{name}"
        _property_name(name, where)
        spec = require_dict(raw, where)
        typed = _type_and_config(spec, where)
        if typed is None:
            raise ValidationFailed(f"{where} should declare a property type.")
        prop_type, raw_config = typed
        config = CONFIG_NORMALIZERS[prop_type](raw_config, f"{where}.{prop_type}", None)
        prop_id = "title" if prop_type == "title" else _fresh_id(new_prop_id, taken)
        description = optional_str(spec.get("description"), f"{where}.description")
        schema[name] = _property(prop_id, name, prop_type, config, description)
    titles = [p for p in schema.values() if p["type"] == "title"]
    if len(titles) != 1:
        raise ValidationFailed(
            f"{field} should have exactly one property of type title, instead had {len(titles)}."
        )
    _check_references(schema, field, {p["id"] for p in schema.values()})
    return schema


def apply_schema_update(
    schema: Schema, changes: object, field: str, *, new_prop_id: Callable[[], str]
) -> SchemaChange:
    """The schema after the ``properties`` of a PATCH /v1/data_sources/{id} body."""
    updates = require_dict(changes, field)
    # A deep copy: the caller completes relation configs in place and must not touch the old.
    by_id = {p["id"]: copy.deepcopy(p) for p in schema.values()}
    taken = set(by_id)
    change = SchemaChange(schema={}, renamed={}, removed=[], retyped=[])
    touched: set[str] = set()
    for key, raw in updates.items():
        where = f"{field}.{key}"
        current = find_property(schema, key)
        if current is not None and current["id"] not in by_id:
            raise ValidationFailed(f"{key} is not a property that exists.")  # removed just now
        if raw is None:
            _remove(current, key, where, by_id, change)
            continue
        spec = require_dict(raw, where)
        if current is None:
            prop = _added(key, spec, where, _fresh_id(new_prop_id, taken))
        else:
            prop = _updated(by_id[current["id"]], spec, where, change)
        by_id[prop["id"]] = prop
        touched.add(prop["id"])
    change.schema = _by_name(by_id.values(), field)
    _rewrite_formula_names(change.schema, change.renamed)
    _check_references(change.schema, field, touched)
    return change


def _remove(
    current: dict[str, Any] | None,
    key: str,
    where: str,
    by_id: dict[str, dict[str, Any]],
    change: SchemaChange,
) -> None:
    if current is None:
        raise ValidationFailed(f"{key} is not a property that exists.")
    if current["type"] == "title":
        raise ValidationFailed(f"{where}: the title property cannot be removed.")
    del by_id[current["id"]]
    change.removed.append(current["id"])


def _added(key: str, spec: dict[str, Any], where: str, prop_id: str) -> dict[str, Any]:
    typed = _type_and_config(spec, where)
    if typed is None:
        raise ValidationFailed(f"{key} is not a property that exists.")
    prop_type, raw_config = typed
    if prop_type == "title":
        raise ValidationFailed(f"{where}: a data source has exactly one title property.")
    name = _property_name(spec.get("name", key), f"{where}.name")
    config = CONFIG_NORMALIZERS[prop_type](raw_config, f"{where}.{prop_type}", None)
    description = optional_str(spec.get("description"), f"{where}.description")
    return _property(prop_id, name, prop_type, config, description)


def _updated(
    prop: dict[str, Any], spec: dict[str, Any], where: str, change: SchemaChange
) -> dict[str, Any]:
    result = dict(prop)
    typed = _type_and_config(spec, where)
    if typed is not None:
        new_type, raw_config = typed
        old_type = prop["type"]
        if new_type != old_type and "title" in (new_type, old_type):
            raise ValidationFailed(f"{where}: the type of the title property cannot be changed.")
        keeps = new_type == old_type or {new_type, old_type} <= _RETYPE_KEEPS_OPTIONS
        old_config = prop[old_type] if keeps else None
        config = CONFIG_NORMALIZERS[new_type](raw_config, f"{where}.{new_type}", old_config)
        del result[old_type]
        result.update(type=new_type, **{new_type: config})
        if new_type != old_type:
            change.retyped.append(prop["id"])
    if "name" in spec:
        name = _property_name(spec["name"], f"{where}.name")
        if name != prop["name"]:
            change.renamed[prop["name"]] = name
            result["name"] = name
    if "description" in spec:
        result["description"] = optional_str(spec["description"], f"{where}.description")
    return _property(
        result["id"], result["name"], result["type"], result[result["type"]], result["description"]
    )


def _by_name(props: Iterable[dict[str, Any]], field: str) -> Schema:
    schema: Schema = {}
    for prop in props:
        if prop["name"] in schema:
            raise ValidationFailed(f"{field}: more than one property is named {prop['name']!r}.")
        schema[prop["name"]] = prop
    return schema


def _rewrite_formula_names(schema: Schema, renamed: dict[str, str]) -> None:
    """Point ``prop("Old")`` at the new name: Notion formulas follow renames."""
    if not renamed:
        return
    pattern = re.compile(r'prop\(\s*"((?:[^"\\]|\\.)*)"\s*\)')

    def rename(match: re.Match[str]) -> str:
        old = match.group(1)
        return f'prop("{renamed[old]}")' if old in renamed else match.group(0)

    for prop in schema.values():
        if prop["type"] == "formula":
            expression = prop["formula"]["expression"]
            prop["formula"] = dict(prop["formula"], expression=pattern.sub(rename, expression))


def _check_references(schema: Schema, field: str, checked_ids: set[str]) -> None:
    """Resolve rollup relations and parse formulas of the properties in ``checked_ids``."""
    for name, prop in schema.items():
        strict = prop["id"] in checked_ids
        if prop["type"] == "rollup":
            prop["rollup"] = _resolved_rollup(
                schema, prop["rollup"], f"{field}.{name}.rollup", strict
            )
        elif prop["type"] == "formula" and strict:
            where = f"{field}.{name}.formula.expression"
            parse_formula(prop["formula"]["expression"], schema, where)


def _resolved_rollup(
    schema: Schema, config: dict[str, Any], field: str, strict: bool
) -> dict[str, Any]:
    """The rollup config with its relation property's current id and name filled in."""
    relation = next(
        (p for p in schema.values() if p["id"] == config.get("relation_property_id")), None
    )
    if relation is None and config.get("relation_property_name") is not None:
        relation = schema.get(config["relation_property_name"])
    if relation is None or relation["type"] != "relation":
        if not strict:
            return config
        shown = config.get("relation_property_name") or config.get("relation_property_id")
        raise ValidationFailed(f"{field}: {shown} is not a relation property of this data source.")
    return dict(
        config, relation_property_id=relation["id"], relation_property_name=relation["name"]
    )
