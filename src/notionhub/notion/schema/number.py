"""Number and checkbox properties."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from notionhub.notion.schema.base import PropertySpec, ValueHint, expect, register

__all__ = ["Checkbox", "Number", "whole"]

_EXACT_INT = 2**53  # beyond this a JSON double (Notion's number) is no longer exact


def whole(number: int | float) -> int | float:
    """``number`` as an int when it is a whole float that a double holds exactly."""
    if isinstance(number, float) and number.is_integer() and abs(number) <= _EXACT_INT:
        return int(number)
    return number


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@register
@dataclass(frozen=True)
class Number(PropertySpec):
    """A number property -> ``int | float | None``; ``format`` is Notion's display format."""

    format: str = "number"

    type = "number"
    keyable = True

    def config(self, data_source_ids: Mapping[str, str]) -> dict[str, Any] | None:
        return {"format": self.format}

    def encode(self, value: Any, hint: ValueHint) -> Any:
        if value is None:
            return None
        expect(_is_number(value) and math.isfinite(value), self, "a finite number", value)
        return value

    def decode(self, inner: Any, hint: ValueHint) -> Any:
        if inner is None:
            return None
        expect(_is_number(inner), self, "a number or null", inner)
        return whole(inner)


@register
@dataclass(frozen=True)
class Checkbox(PropertySpec):
    """A checkbox property -> ``bool``."""

    type = "checkbox"

    def encode(self, value: Any, hint: ValueHint) -> Any:
        if value is None:
            return False
        expect(isinstance(value, bool), self, "a bool", value)
        return value

    def decode(self, inner: Any, hint: ValueHint) -> Any:
        expect(isinstance(inner, bool), self, "a boolean", inner)
        return inner
