"""The property marker base class, the registry of property types, and value hints.

A marker (``Title("Name")``, ``Number("Price")``…) is a frozen dataclass that knows one Notion
property type: its schema config, how a Python value is written and how a page value is read,
and what drift of an existing property means for it. Adding a property type is adding one
subclass decorated with ``@register``.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar, Union, get_args, get_origin

from notionhub.errors import PropertyValueError

__all__ = [
    "PROPERTY_TYPES",
    "DriftFound",
    "DriftKind",
    "PropertySpec",
    "ValueHint",
    "register",
]

DriftKind = Literal["missing_property", "wrong_type", "missing_option", "wrong_relation_target"]
DriftFound = tuple[DriftKind, str, str | None]
"""A type-specific drift: ``(kind, expected, actual)``."""


@dataclass(frozen=True)
class ValueHint:
    """What a field wants: its annotation without ``None``, and whether ``None`` is allowed."""

    base: Any
    optional: bool

    @classmethod
    def of(cls, annotation: Any) -> ValueHint:
        """The hint of a field annotation such as ``str | None`` or ``list[str]``."""
        origin = get_origin(annotation)
        if origin is Union or origin is types.UnionType:
            members = [a for a in get_args(annotation) if a is not type(None)]
            optional = len(members) < len(get_args(annotation))
            base: Any = members[0] if len(members) == 1 else Union[tuple(members)]  # noqa: UP007
            return cls(base, optional)
        return cls(annotation, annotation is None or annotation is Any)

    @property
    def is_list(self) -> bool:
        return get_origin(self.base) is list or self.base is list


@dataclass(frozen=True)
class PropertySpec:
    """One Notion property of a model: the Notion property name and the type's settings."""

    name: str

    type: ClassVar[str]  # the Notion property type, e.g. "rich_text"
    writable: ClassVar[bool] = True  # False for computed properties: never written
    keyable: ClassVar[bool] = False  # may carry Key()
    list_valued: ClassVar[bool] = False  # the field must be a list

    def config(self, data_source_ids: Mapping[str, str]) -> dict[str, Any] | None:
        """The ``"<type>": {...}`` config for a schema; ``None`` if it cannot be built yet."""
        return {}

    def depends_on(self) -> tuple[str, ...]:
        """Names of other properties of the same model that must exist before this one."""
        return ()

    def encode(self, value: Any, hint: ValueHint) -> Any:
        """The page value under the type key for a Python value (writable types only)."""
        raise PropertyValueError(f"{self.name!r} is a {self.type} property, which is read-only.")

    def decode(self, inner: Any, hint: ValueHint) -> Any:
        """The Python value of the page value under the type key."""
        return inner

    def check_annotation(self, hint: ValueHint) -> str | None:
        """Why the field's annotation cannot hold this property's values, or ``None``."""
        if self.list_valued and not hint.is_list:
            return f"a {self.type} property needs a list annotation such as list[str]"
        return None

    def drifts(
        self, existing: Mapping[str, Any], data_source_ids: Mapping[str, str]
    ) -> list[DriftFound]:
        """Drift of an existing property of the same type beyond its type (options, targets)."""
        return []

    def missing_options_fix(
        self, existing: Mapping[str, Any], missing: list[str]
    ) -> dict[str, Any] | None:
        """The PATCH config adding the ``missing`` options; ``None`` if the type has none."""
        return None


PROPERTY_TYPES: dict[str, type[PropertySpec]] = {}
"""Notion property type -> marker class. Filled by ``@register``."""

_Spec = TypeVar("_Spec", bound=type[PropertySpec])


def register(cls: _Spec) -> _Spec:
    """Class decorator: make ``cls`` the marker of its Notion property type."""
    if cls.type in PROPERTY_TYPES and PROPERTY_TYPES[cls.type] is not cls:
        raise TypeError(f"property type {cls.type!r} is already registered")
    PROPERTY_TYPES[cls.type] = cls
    return cls


def expect(condition: bool, spec: PropertySpec, wanted: str, value: object) -> None:
    """Raise a ``PropertyValueError`` naming the property unless ``condition``."""
    if not condition:
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        raise PropertyValueError(
            f"{spec.name!r} ({spec.type}) should be {wanted}, instead was {shown}."
        )


def reader(kind: str) -> PropertySpec | None:
    """A marker of the registered ``kind`` usable only to ``decode`` (e.g. rollup array items)."""
    cls = PROPERTY_TYPES.get(kind)
    if cls is None:
        return None
    spec = object.__new__(cls)
    object.__setattr__(spec, "name", f"({kind})")
    return spec
