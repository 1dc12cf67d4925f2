"""Schemas from models, and drift between a model and a live data source.

``schema_for`` builds the ``properties`` of a new data source; ``diff_schema`` compares a
model with the properties a data source has; ``fix_properties`` builds the PATCH that adds
what is missing, never deleting, renaming a user's column or changing a type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from notionhub.notion.schema.base import DriftKind
from notionhub.notion.schema.model import NotionModel, PropertyField, properties_of

__all__ = ["Drift", "DriftKind", "diff_schema", "fix_properties", "schema_for"]


@dataclass(frozen=True)
class Drift:
    """One way a data source differs from its model.

    ``expected``/``actual``: the property type for ``missing_property`` and ``wrong_type``
    (actual ``None`` when missing), the option name for ``missing_option`` (actual ``None``),
    the data source ids for ``wrong_relation_target``.
    """

    database: str
    property: str
    kind: DriftKind
    expected: str
    actual: str | None


def _buildable(
    fields: Iterable[PropertyField], data_source_ids: Mapping[str, str], present: set[str]
) -> dict[str, dict[str, Any]]:
    """The ``{name: {type: config}}`` of the fields that can be created now.

    A field is left out when its config cannot be built (a relation whose target has no data
    source id yet) or when it reads a property that is neither ``present`` nor buildable.
    """
    candidates: dict[str, tuple[PropertyField, dict[str, Any]]] = {}
    for field in fields:
        config = field.spec.config(data_source_ids)
        if config is not None:
            candidates[field.name] = (field, config)
    changed = True
    while changed:
        changed = False
        for name, (field, _) in list(candidates.items()):
            needs = field.spec.depends_on()
            if any(n not in candidates and n not in present for n in needs):
                del candidates[name]
                changed = True
    return {name: {f.spec.type: config} for name, (f, config) in candidates.items()}


def schema_for(model: type[NotionModel], data_source_ids: Mapping[str, str]) -> dict[str, Any]:
    """The ``properties`` body creating the model's data source.

    ``data_source_ids`` maps ``DatabaseSpec.name`` to data source id. Relations whose target is
    not in it, and rollups and formulas that read them, are left out; the provisioner adds
    them in a second pass (``diff_schema`` + ``fix_properties``).
    """
    return _buildable(properties_of(model), data_source_ids, set())


def diff_schema(
    model: type[NotionModel],
    existing: Mapping[str, dict[str, Any]],
    data_source_ids: Mapping[str, str],
) -> list[Drift]:
    """How the data source's ``existing`` properties (name -> property) differ from the model.

    Properties Notion has and the model does not declare are not drift (users add their own
    columns). A relation target is checked only when its target is in ``data_source_ids``.
    """
    database = model.__database__.name
    drifts: list[Drift] = []
    for field in properties_of(model):
        prop = existing.get(field.name)
        expected = field.spec.type
        if prop is None:
            drifts.append(Drift(database, field.name, "missing_property", expected, None))
            continue
        actual = prop.get("type")
        if actual != expected:
            drifts.append(Drift(database, field.name, "wrong_type", expected, str(actual)))
            continue
        for kind, wanted, found in field.spec.drifts(prop, data_source_ids):
            drifts.append(Drift(database, field.name, kind, wanted, found))
    return drifts


def fix_properties(
    model: type[NotionModel],
    drifts: Sequence[Drift],
    existing: Mapping[str, dict[str, Any]],
    data_source_ids: Mapping[str, str],
) -> dict[str, Any]:
    """The PATCH /v1/data_sources ``properties`` adding missing properties and options.

    Nothing is deleted or retyped: ``wrong_type`` and ``wrong_relation_target`` are left for
    a person. A missing title is the existing title property renamed to the model's name (a
    data source has exactly one title). Options are sent as the existing ones plus the missing
    ones, because Notion's PATCH replaces a select's option list. Properties that cannot be
    built yet (relation target unknown, or reading one) are left out.
    """
    by_name = {f.name: f for f in properties_of(model)}
    missing = [d.property for d in drifts if d.kind == "missing_property" and d.property in by_name]
    body: dict[str, Any] = {}
    addable = [by_name[name] for name in missing if by_name[name].spec.type != "title"]
    body.update(_buildable(addable, data_source_ids, set(existing)))
    for name in missing:
        if by_name[name].spec.type == "title":
            current = next((n for n, p in existing.items() if p.get("type") == "title"), None)
            if current is not None:
                body[current] = {"name": name}
    wanted: dict[str, list[str]] = {}
    for drift in drifts:
        if drift.kind == "missing_option" and drift.property in by_name:
            wanted.setdefault(drift.property, []).append(drift.expected)
    for name, options in wanted.items():
        prop = existing.get(name)
        spec = by_name[name].spec
        if prop is None or prop.get("type") != spec.type:
            continue
        config = spec.missing_options_fix(prop, options)
        if config is not None:
            body[name] = {spec.type: config}
    return body
