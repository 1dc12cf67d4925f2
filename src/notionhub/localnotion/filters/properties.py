"""Compiling the condition of one property filter into a test of the property's payload.

``PROPERTY_COMPILERS`` maps a property type to a function ``(condition, path, now) -> test``,
where the test takes the payload of the page's property value (``value[type]``). Plain types
go through their ``ValueKind``; formula and rollup first pick the part of their result the
condition names.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.filters.conditions import ValueTest, compile_condition, fail
from notionhub.localnotion.filters.values import (
    FORMULA_RESULTS,
    ROLLUP_ELEMENT_FILTERS,
    VALUE_KINDS,
    ValueKind,
    date_span,
    number,
)

PayloadTest = Callable[[Any], bool]
PropertyCompiler = Callable[[object, str, datetime], PayloadTest]


def _plain(kind: ValueKind) -> PropertyCompiler:
    def compile_plain(condition: object, path: str, now: datetime) -> PayloadTest:
        test = compile_condition(kind.family, condition, path, now)
        extract = kind.extract
        return lambda raw: test(extract(raw))

    return compile_plain


def _single_key(condition: object, path: str, keys: tuple[str, ...]) -> tuple[str, object]:
    """The one key of ``condition`` (which must be among ``keys``) and its value."""
    allowed = ", ".join(f"`{key}`" for key in keys)
    if not isinstance(condition, dict) or len(condition) != 1:
        raise fail(path, f"an object with exactly one of {allowed}", condition)
    ((key, value),) = condition.items()
    if key not in keys:
        raise ValidationFailed(
            f"{path}.{key} is not a valid key here; {path} should have exactly one of {allowed}."
        )
    return key, value


def compile_formula(condition: object, path: str, now: datetime) -> PayloadTest:
    """``{"string"|"number"|"checkbox"|"date": {...}}`` on a formula's result.

    A result of another type than the condition names never matches.
    """
    key, inner = _single_key(condition, path, tuple(FORMULA_RESULTS))
    result_type, kind = FORMULA_RESULTS[key]
    test = compile_condition(kind.family, inner, f"{path}.{key}", now)
    extract = kind.extract

    def formula_test(raw: Any) -> bool:
        if not isinstance(raw, dict) or raw.get("type") != result_type:
            return False
        return test(extract(raw.get(result_type)))

    return formula_test


_QUANTIFIERS: dict[str, Callable[[list[bool]], bool]] = {
    "any": any,
    "every": all,
    "none": lambda results: not any(results),
}
_ROLLUP_SCALARS: dict[str, Callable[[Any], Any]] = {"number": number, "date": date_span}


def compile_rollup(condition: object, path: str, now: datetime) -> PayloadTest:
    """``any``/``every``/``none`` over an array rollup, or ``number``/``date`` on a scalar one.

    ``every`` and ``none`` hold for an empty array, as "for all" does.
    """
    key, inner = _single_key(condition, path, (*_QUANTIFIERS, *_ROLLUP_SCALARS))
    if key in _ROLLUP_SCALARS:
        test = compile_condition(key, inner, f"{path}.{key}", now)
        extract = _ROLLUP_SCALARS[key]
        return lambda raw: (
            isinstance(raw, dict) and raw.get("type") == key and test(extract(raw.get(key)))
        )
    element_test = _compile_element_test(inner, f"{path}.{key}", now)
    quantifier = _QUANTIFIERS[key]

    def rollup_test(raw: Any) -> bool:
        if not isinstance(raw, dict) or raw.get("type") != "array":
            return False
        elements = raw.get("array")
        if not isinstance(elements, list):
            return False
        return quantifier([element_test(e) for e in elements if isinstance(e, dict)])

    return rollup_test


def _compile_element_test(condition: object, path: str, now: datetime) -> Callable[[Any], bool]:
    """A test of one rollup array element (``{"type": T, T: payload}``).

    The condition applies to elements of its own family (a ``rich_text`` condition also reads
    title and url elements); elements of any other type don't match.
    """
    key, inner = _single_key(condition, path, ROLLUP_ELEMENT_FILTERS)
    family = VALUE_KINDS[key].family
    test: ValueTest = compile_condition(family, inner, f"{path}.{key}", now)

    def element_test(element: dict[str, Any]) -> bool:
        element_type = element.get("type")
        if not isinstance(element_type, str):
            return False
        kind = VALUE_KINDS.get(element_type)
        if kind is None or kind.family != family:
            return False
        return test(kind.extract(element.get(element_type)))

    return element_test


PROPERTY_COMPILERS: dict[str, PropertyCompiler] = {
    **{type_: _plain(kind) for type_, kind in VALUE_KINDS.items()},
    "formula": compile_formula,
    "rollup": compile_rollup,
}
"""Property type -> compiler of its filter condition. Adding a filterable type is an entry here."""
