"""Operators of the formula language, as registry entries keyed by their symbol.

Arithmetic follows JavaScript doubles, which Notion uses: ``%`` keeps the dividend's sign,
``^`` is a power. Division by zero and results that are not finite numbers give an empty
number. ``+`` joins text when either side is text. Empty values make arithmetic empty; ordering
comparisons with an empty side are false.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from notionhub.localnotion.formula.spec import (
    ANY,
    BOOL,
    NUM,
    FunctionSpec,
    fixed,
    plain,
    unify,
)
from notionhub.localnotion.formula.syntax_tree import Thunk
from notionhub.localnotion.formula.values import (
    DateValue,
    EvalContext,
    FormulaRuntimeError,
    FType,
    Value,
    as_bool,
    as_number,
    format_value,
    type_of,
)


def finite(number: float) -> float:
    """``number``, or a run-time failure when it is infinite or NaN (shown as empty)."""
    if not math.isfinite(number):
        raise FormulaRuntimeError("the result is not a finite number")
    return number


def _divide(a: Value, b: Value) -> Value:
    divisor = as_number(b)
    if divisor == 0:
        raise FormulaRuntimeError("division by zero")
    return finite(as_number(a) / divisor)


def _remainder(a: Value, b: Value) -> Value:
    divisor = as_number(b)
    if divisor == 0:
        raise FormulaRuntimeError("division by zero")
    return math.fmod(as_number(a), divisor)


def power(a: Value, b: Value) -> Value:
    # math.pow raises (ValueError, OverflowError) where JavaScript gives NaN or Infinity.
    try:
        return finite(math.pow(as_number(a), as_number(b)))
    except (ValueError, OverflowError) as exc:
        raise FormulaRuntimeError("the power is not a finite number") from exc


def _plus(a: Value, b: Value) -> Value:
    if isinstance(a, str) or isinstance(b, str):
        return format_value(a) + format_value(b)
    return finite(as_number(a) + as_number(b))


def _plus_type(types: list[FType]) -> FType | None:
    left, right = types
    if "string" in types:
        return "string"
    if left in ("number", "any") and right in ("number", "any"):
        return "number" if left == right == "number" else "any"
    return None


def values_equal(a: Value, b: Value) -> bool:
    """Notion's ``==``: same type and same value; dates compare as instants, lists item by item."""
    if type_of(a) != type_of(b):
        return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(values_equal, a, b))
    return a == b


def _same_type(types: list[FType]) -> FType | None:
    known = {t for t in types if t != "any"}
    return "boolean" if len(known) <= 1 else None


_ORDERED: frozenset[FType] = frozenset({"number", "string", "date", "boolean", "any"})


def _ordering(compare: str) -> FunctionSpec:
    """``<``, ``<=``, ``>``, ``>=`` on two values of the same ordered type."""

    def apply(a: Value, b: Value) -> Value:
        if a is None or b is None:
            return False
        if type_of(a) != type_of(b) or isinstance(a, list):
            raise FormulaRuntimeError(f"cannot compare {type_of(a)} and {type_of(b)}")
        left, right = (
            (a.start, b.start) if isinstance(a, DateValue) and isinstance(b, DateValue) else (a, b)
        )
        return bool(_COMPARISONS[compare](left, right))

    return fixed((_ORDERED, _ORDERED), _same_type, apply)


_COMPARISONS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _and(args: list[Thunk], ctx: EvalContext) -> Value:
    return all(as_bool(arg()) for arg in args)


def _or(args: list[Thunk], ctx: EvalContext) -> Value:
    return any(as_bool(arg()) for arg in args)


def _conditional(args: list[Thunk], ctx: EvalContext) -> Value:
    condition, when_true, when_false = args
    return when_true() if as_bool(condition()) else when_false()


def _numeric(function: Callable[..., Value]) -> FunctionSpec:
    return fixed((NUM, NUM), "number", function)


def _negate(a: Value) -> Value:
    return -as_number(a)


def _not(a: Value) -> Value:
    return not as_bool(a)


AND = FunctionSpec(2, None, (BOOL,), "boolean", lazy_impl=_and)
OR = FunctionSpec(2, None, (BOOL,), "boolean", lazy_impl=_or)
NOT = fixed((BOOL,), "boolean", _not)
CONDITIONAL = FunctionSpec(
    3, 3, (BOOL, ANY, ANY), lambda types: unify(types[1:]), lazy_impl=_conditional
)

BINARY_OPERATORS: dict[str, FunctionSpec] = {
    "+": fixed((ANY, ANY), _plus_type, _plus),
    "-": _numeric(lambda a, b: finite(as_number(a) - as_number(b))),
    "*": _numeric(lambda a, b: finite(as_number(a) * as_number(b))),
    "/": _numeric(_divide),
    "%": _numeric(_remainder),
    "^": _numeric(power),
    "==": fixed((ANY, ANY), _same_type, values_equal),
    "!=": fixed((ANY, ANY), _same_type, lambda a, b: not values_equal(a, b)),
    "<": _ordering("<"),
    "<=": _ordering("<="),
    ">": _ordering(">"),
    ">=": _ordering(">="),
    "and": AND,
    "&&": AND,
    "or": OR,
    "||": OR,
}

PREFIX_OPERATORS: dict[str, FunctionSpec] = {
    "-": FunctionSpec(1, 1, (NUM,), "number", plain(_negate)),
    "not": NOT,
    "!": NOT,
}
