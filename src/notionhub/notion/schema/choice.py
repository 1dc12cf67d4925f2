"""Option properties: select, multi_select and status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from notionhub.notion.schema.base import DriftFound, PropertySpec, ValueHint, expect, register

__all__ = ["MultiSelect", "Option", "Select", "Status"]


@dataclass(frozen=True)
class Option:
    """An option of a select, multi_select or status property, with its Notion colour."""

    name: str
    color: str = "default"


def _option_name(spec: PropertySpec, value: object) -> str:
    expect(
        isinstance(value, str) and bool(value.strip()) and "," not in value,
        spec,
        "a non-empty option name without commas",
        value,
    )
    assert isinstance(value, str)
    return value


@dataclass(frozen=True)
class _ChoiceSpec(PropertySpec):
    options: Sequence[Option] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(self.options))

    def config(self, data_source_ids: Mapping[str, str]) -> dict[str, Any] | None:
        return {"options": [{"name": o.name, "color": o.color} for o in self.options]}

    def drifts(
        self, existing: Mapping[str, Any], data_source_ids: Mapping[str, str]
    ) -> list[DriftFound]:
        present = {o.get("name") for o in _existing_options(existing, self.type)}
        return [("missing_option", o.name, None) for o in self.options if o.name not in present]

    def missing_options_fix(
        self, existing: Mapping[str, Any], missing: list[str]
    ) -> dict[str, Any] | None:
        # Notion's PATCH replaces a select's option list: restate every existing option by id.
        kept = [{"id": o["id"], "name": o["name"]} for o in _existing_options(existing, self.type)]
        colors = {o.name: o.color for o in self.options}
        added = [{"name": name, "color": colors.get(name, "default")} for name in missing]
        return {"options": kept + added}


def _existing_options(existing: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    config = existing.get(kind) or {}
    options = config.get("options") or []
    return [o for o in options if isinstance(o, dict)]


@dataclass(frozen=True)
class _SingleChoice(_ChoiceSpec):
    keyable = True

    def encode(self, value: Any, hint: ValueHint) -> Any:
        if value is None or value == "":
            return None
        return {"name": _option_name(self, value)}

    def decode(self, inner: Any, hint: ValueHint) -> Any:
        if inner is None:
            return None
        expect(isinstance(inner, dict) and "name" in inner, self, "an option", inner)
        return inner["name"]


@register
@dataclass(frozen=True)
class Select(_SingleChoice):
    """A select property -> ``str | None``; a name not among the options adds one (as Notion)."""

    type = "select"


@register
@dataclass(frozen=True)
class Status(_SingleChoice):
    """A status property -> ``str | None``; values must name an existing option."""

    type = "status"

    def config(self, data_source_ids: Mapping[str, str]) -> dict[str, Any] | None:
        return super().config(data_source_ids) if self.options else {}


@register
@dataclass(frozen=True)
class MultiSelect(_ChoiceSpec):
    """A multi_select property -> ``list[str]`` (option names, duplicates dropped)."""

    type = "multi_select"
    list_valued = True

    def encode(self, value: Any, hint: ValueHint) -> Any:
        if value is None:
            return []
        expect(isinstance(value, list | tuple | set | frozenset), self, "a list of names", value)
        names = list(dict.fromkeys(_option_name(self, v) for v in value))
        return [{"name": name} for name in names]

    def decode(self, inner: Any, hint: ValueHint) -> Any:
        expect(isinstance(inner, list), self, "a list of options", inner)
        return [o["name"] for o in inner if isinstance(o, dict)]
