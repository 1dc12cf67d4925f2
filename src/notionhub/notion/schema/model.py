"""``NotionModel``: a Notion database described as a pydantic model, and its field discovery.

Each field carries one property marker in ``Annotated`` metadata (plus ``Key()`` on at most
one). The declaration is checked when the class is created (if it names its
``__database__``) and at the latest on first use; errors are ``SchemaDefinitionError``.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Literal

import pydantic

from notionhub.errors import SchemaDefinitionError
from notionhub.notion.schema.base import PropertySpec, ValueHint
from notionhub.notion.schema.dates import NotionDate
from notionhub.notion.schema.number import whole
from notionhub.notion.schema.text import Email

__all__ = [
    "DatabaseSpec",
    "Key",
    "NotionModel",
    "Owned",
    "Owner",
    "PropertyField",
    "key_of",
    "key_value",
    "properties_of",
]

_NOT_PROPERTIES = frozenset({"page_id"})


@dataclass(frozen=True)
class DatabaseSpec:
    """Which Notion database a model lives in."""

    name: str  # logical name, unique among the enabled packs' databases; the default title
    env: str  # environment variable holding an existing database id to adopt
    icon: str | None = None  # an emoji
    # The title in Notion when it is not the name: two packs may both have a "Clients" database
    # (names "Clients" and "Enterprise Clients", both titled "Clients"; docs/schema-as-code.md).
    title: str = ""

    @property
    def notion_title(self) -> str:
        """The title the database is created with and adopted by."""
        return self.title or self.name


@dataclass(frozen=True)
class Key:
    """Marks the property that identifies a record (upserts find pages by it)."""


Owner = Literal["hub", "person", "both", "notion"]
"""Who may change a property's value (see docs/schema-as-code.md, "Who owns a property"):

- ``hub``: the hub computes it; a person's edit is put back (and logged);
- ``person``: people keep it; the hub may set it on a page it creates, never on one that exists;
- ``both``: whoever writes last wins (a person's edit stands until the hub next writes it);
- ``notion``: Notion computes it (formulas, rollups, times): nobody writes it.
"""


@dataclass(frozen=True)
class Owned:
    """Marks who owns a property (``Annotated[str, RichText("Notes"), Owned("person")]``);
    unmarked writable properties are the hub's."""

    by: Owner


@dataclass(frozen=True)
class PropertyField:
    """A model field and the Notion property it maps to."""

    field_name: str
    spec: PropertySpec
    hint: ValueHint = field(default_factory=lambda: ValueHint(Any, True))
    is_key: bool = False
    owner: Owner = "hub"

    @property
    def name(self) -> str:
        """The Notion property name."""
        return self.spec.name


class NotionModel(pydantic.BaseModel):
    """A Notion database record. Subclasses declare __database__ and one field per property."""

    __database__: ClassVar[DatabaseSpec]
    page_id: str | None = None  # not a property; filled by from_page

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "__database__" in cls.__dict__:
            properties_of(cls)


_CACHE: weakref.WeakKeyDictionary[type[NotionModel], tuple[PropertyField, ...]] = (
    weakref.WeakKeyDictionary()
)


def properties_of(model: type[NotionModel]) -> list[PropertyField]:
    """The model's properties in declaration order; ``SchemaDefinitionError`` if ill-declared."""
    found = _CACHE.get(model)
    if found is None:
        found = _discover(model)
        _CACHE[model] = found
    return list(found)


def key_of(model: type[NotionModel]) -> PropertyField | None:
    """The property marked ``Key()``, if any."""
    return next((f for f in properties_of(model) if f.is_key), None)


def key_value(record: NotionModel) -> str | None:
    """The record's key as a string, normalised so that equal keys compare equal.

    Text is stripped; emails are also lower-cased; whole numbers print without ``.0``;
    dates print in ISO 8601 (a NotionDate by its start). Empty gives ``None``.
    """
    key = key_of(type(record))
    if key is None:
        return None
    value = getattr(record, key.field_name)
    if isinstance(value, NotionDate):
        value = value.start
    if value is None:
        return None
    if isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        text = str(whole(value))
    else:
        text = str(value).strip()
        if isinstance(key.spec, Email):
            text = text.lower()
    return text or None


def _fail(model: type[NotionModel], message: str) -> SchemaDefinitionError:
    return SchemaDefinitionError(f"{model.__qualname__}: {message}")


def _discover(model: type[NotionModel]) -> tuple[PropertyField, ...]:
    database = getattr(model, "__database__", None)
    if not isinstance(database, DatabaseSpec):
        raise _fail(model, "__database__ should be a DatabaseSpec(name, env=...).")
    fields: list[PropertyField] = []
    for field_name, info in model.model_fields.items():
        if field_name in _NOT_PROPERTIES:
            continue
        fields.append(_field(model, field_name, info))
    _check_model(model, fields)
    return tuple(fields)


def _field(model: type[NotionModel], field_name: str, info: Any) -> PropertyField:
    specs = [m for m in info.metadata if isinstance(m, PropertySpec)]
    keys = [m for m in info.metadata if isinstance(m, Key)]
    owners = [m.by for m in info.metadata if isinstance(m, Owned)]
    where = f"field {field_name!r}"
    if len(specs) != 1:
        raise _fail(
            model,
            f"{where} should carry exactly one property marker such as Title('Name'), "
            f"instead had {len(specs)}.",
        )
    spec = specs[0]
    if not isinstance(spec.name, str) or not spec.name.strip():
        raise _fail(model, f"{where}: the Notion property name should be a non-empty string.")
    hint = ValueHint.of(info.annotation)
    problem = spec.check_annotation(hint)
    if problem is not None:
        raise _fail(model, f"{where}: {problem}.")
    if keys and (not spec.writable or not spec.keyable):
        raise _fail(
            model,
            f"{where}: Key() cannot mark a {spec.type} property; use a writable single-valued "
            "property (title, rich_text, number, select, status, date, email, phone, url).",
        )
    if len(owners) > 1 or (owners and owners[0] not in ("hub", "person", "both")):
        raise _fail(
            model, f"{where}: mark it Owned('hub'), Owned('person') or Owned('both'), once."
        )
    if owners and not spec.writable:
        raise _fail(model, f"{where}: a {spec.type} property is Notion's; it cannot be Owned().")
    owner: Owner = owners[0] if owners else ("hub" if spec.writable else "notion")
    return PropertyField(field_name, spec, hint, bool(keys), owner)


def _check_model(model: type[NotionModel], fields: list[PropertyField]) -> None:
    titles = [f.field_name for f in fields if f.spec.type == "title"]
    if len(titles) != 1:
        raise _fail(model, f"a model needs exactly one Title property, instead had {titles}.")
    keys = [f.field_name for f in fields if f.is_key]
    if len(keys) > 1:
        raise _fail(model, f"at most one field may carry Key(), instead {keys} do.")
    names: dict[str, str] = {}
    for f in fields:
        if f.name in names:
            raise _fail(
                model,
                f"fields {names[f.name]!r} and {f.field_name!r} both map to property {f.name!r}.",
            )
        names[f.name] = f.field_name
    by_name = {f.name: f for f in fields}
    for f in fields:
        for needed in f.spec.depends_on():
            other = by_name.get(needed)
            if other is None:
                raise _fail(
                    model,
                    f"field {f.field_name!r} reads property {needed!r}, which is not declared.",
                )
            if f.spec.type == "rollup" and other.spec.type != "relation":
                raise _fail(
                    model, f"field {f.field_name!r}: rollup relation {needed!r} is not a Relation."
                )
