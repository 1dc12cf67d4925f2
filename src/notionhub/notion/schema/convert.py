"""Records to page property values and back."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, TypeVar

import pydantic

from notionhub.errors import PropertyValueError, SchemaDefinitionError
from notionhub.notion.schema.model import NotionModel, properties_of

__all__ = ["from_page", "to_properties"]

_Model = TypeVar("_Model", bound=NotionModel)


def to_properties(record: NotionModel, *, only: Collection[str] | None = None) -> dict[str, Any]:
    """Property values for POST/PATCH /v1/pages, keyed by Notion property name.

    Computed (read-only) properties are never included. ``only`` names the fields to include
    (field names, not Notion names); an unknown name is a ``SchemaDefinitionError``.
    """
    fields = properties_of(type(record))
    if only is not None:
        unknown = set(only) - {f.field_name for f in fields}
        if unknown:
            raise SchemaDefinitionError(
                f"{type(record).__qualname__} has no property fields {sorted(unknown)}."
            )
    out: dict[str, Any] = {}
    for field in fields:
        if not field.spec.writable or (only is not None and field.field_name not in only):
            continue
        value = getattr(record, field.field_name)
        out[field.name] = {field.spec.type: field.spec.encode(value, field.hint)}
    return out


def from_page(model: type[_Model], page: Mapping[str, Any]) -> _Model:
    """The record of a retrieved page object, ``page_id`` set.

    Properties missing from the page keep the field default. A property of another type than
    the model declares, or a value the field cannot hold, is a ``PropertyValueError``.
    """
    properties = page.get("properties")
    if not isinstance(properties, Mapping):
        raise PropertyValueError(f"a page object with properties was expected, not {page!r}.")
    values: dict[str, Any] = {"page_id": page.get("id")}
    for field in properties_of(model):
        prop = properties.get(field.name)
        if prop is None:
            continue
        kind = prop.get("type") if isinstance(prop, Mapping) else None
        if kind != field.spec.type:
            raise PropertyValueError(
                f"{model.__database__.name}.{field.name}: the model declares a {field.spec.type} "
                f"property, but the page has a {kind} property (has the schema drifted?)."
            )
        values[field.field_name] = field.spec.decode(prop.get(kind), field.hint)
    try:
        return model.model_validate(values)
    except pydantic.ValidationError as error:
        raise PropertyValueError(
            f"page {page.get('id')} does not fit {model.__qualname__}: {error}"
        ) from error
