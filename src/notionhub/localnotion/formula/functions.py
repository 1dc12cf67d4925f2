"""The formula function registry: name -> FunctionSpec (logic, text, numbers, lists; dates live in
``formula_dates``). Adding a function is adding an entry to one of the dicts below.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Callable
from functools import lru_cache

from notionhub.localnotion.formula.dates import DATE_FUNCTIONS
from notionhub.localnotion.formula.operators import (
    AND,
    BINARY_OPERATORS,
    CONDITIONAL,
    NOT,
    OR,
    finite,
    power,
    values_equal,
)
from notionhub.localnotion.formula.spec import (
    ANY,
    LIST,
    NUM,
    TEXT,
    FunctionSpec,
    fixed,
    same_as_first,
    unify,
    variadic,
)
from notionhub.localnotion.formula.syntax_tree import Thunk
from notionhub.localnotion.formula.values import (
    DateValue,
    EvalContext,
    FormulaRuntimeError,
    FType,
    Value,
    as_bool,
    as_list,
    as_number,
    as_text,
    format_value,
    is_number,
)

TEXT_OR_LIST: frozenset[FType] = TEXT | LIST
NUM_OR_LIST: frozenset[FType] = NUM | LIST

# --- logic ---


def _ifs(args: list[Thunk], ctx: EvalContext) -> Value:
    """``ifs(c1, v1, c2, v2, ..., otherwise)``; without ``otherwise`` no match is empty."""
    for index in range(0, len(args) - 1, 2):
        if as_bool(args[index]()):
            return args[index + 1]()
    return args[-1]() if len(args) % 2 else None


def _ifs_type(types: list[FType]) -> FType:
    results = types[1::2] + ([types[-1]] if len(types) % 2 else [])
    return unify(results)


def is_empty(value: Value) -> bool:
    """Notion's ``empty()``: no value, "", [], 0 and false all count as empty."""
    return value is None or value in ("", 0, False) or value == []


LOGIC_FUNCTIONS: dict[str, FunctionSpec] = {
    "if": CONDITIONAL,
    "ifs": FunctionSpec(3, None, (ANY,), _ifs_type, lazy_impl=_ifs),
    "empty": fixed((ANY,), "boolean", is_empty),
    "and": AND,
    "or": OR,
    "not": NOT,
    "equal": BINARY_OPERATORS["=="],
    "unequal": BINARY_OPERATORS["!="],
}

# --- text ---


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise FormulaRuntimeError(f"invalid regular expression {pattern!r}") from exc


_JS_REPLACEMENT = re.compile(r"\$(\d+|&|\$)")


def _replacement(template: str) -> Callable[[re.Match[str]], str]:
    """JavaScript replacement text (``$1``, ``$&``, ``$$``) as a function of the match."""

    def expand(match: re.Match[str]) -> str:
        def one(ref: re.Match[str]) -> str:
            token = ref.group(1)
            if token == "$":
                return "$"
            if token == "&":
                return match.group(0)
            index = int(token)
            return (match.group(index) or "") if index <= (match.re.groups) else ref.group(0)

        return _JS_REPLACEMENT.sub(one, template)

    return expand


def _replace(count: int) -> FunctionSpec:
    def apply(text: Value, pattern: Value, replacement: Value) -> Value:
        regex = _regex(as_text(pattern))
        return regex.sub(_replacement(as_text(replacement)), format_value(text), count=count)

    return fixed((ANY, TEXT, TEXT), "string", apply)


def _concat(*values: Value) -> Value:
    if all(isinstance(value, list) for value in values):
        return [item for value in values for item in as_list(value)]
    return "".join(format_value(value) for value in values)


def _concat_type(types: list[FType]) -> FType:
    if all(t == "list" for t in types):
        return "list"
    return "any" if "any" in types else "string"


def _join(first: Value, *rest: Value) -> Value:
    if isinstance(first, list):  # 2.0: join(list, separator)
        if len(rest) != 1:
            raise FormulaRuntimeError("join(list, separator) takes a separator")
        return as_text(rest[0]).join(format_value(item) for item in first)
    return as_text(first).join(format_value(item) for item in rest)  # 1.0: join(sep, a, b...)


def _contains(haystack: Value, needle: Value) -> Value:
    if isinstance(haystack, list):
        return any(values_equal(item, needle) for item in haystack)
    return format_value(needle) in as_text(haystack)


def _slice(target: Value, start: Value, end: Value = None) -> Value:
    # Python slices count from the end for negative indexes, exactly as JavaScript's slice().
    stop = None if end is None else int(as_number(end))
    if isinstance(target, list):
        return target[int(as_number(start)) : stop]
    return as_text(target)[int(as_number(start)) : stop]


def _substring(text: Value, start: Value, end: Value = None) -> Value:
    """JavaScript's substring(): negative indexes are 0 and a reversed range is swapped."""
    value = as_text(text)
    stop = len(value) if end is None else int(as_number(end))
    low, high = sorted(min(max(i, 0), len(value)) for i in (int(as_number(start)), stop))
    return value[low:high]


def _length(value: Value) -> Value:
    return float(len(value if isinstance(value, list) else as_text(value)))


MAX_TEXT = 1_000_000
"""Longest text ``repeat`` may build, so one formula cannot exhaust the server's memory."""


def _repeat(text: Value, times: Value) -> Value:
    value, count = as_text(text), int(as_number(times))
    if len(value) * count > MAX_TEXT:
        raise FormulaRuntimeError("the repeated text would be too long")
    return value * count


_LEADING_NUMBER = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def to_number(value: Value) -> Value:
    """``toNumber``: text is read up to the first character that is not part of a number."""
    if value is None or is_number(value):
        return value
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, DateValue):
        return value.start.timestamp() * 1000
    match = _LEADING_NUMBER.match(as_text(value))
    return float(match.group()) if match else None


TEXT_FUNCTIONS: dict[str, FunctionSpec] = {
    "length": fixed((TEXT_OR_LIST,), "number", _length),
    "concat": FunctionSpec(1, None, (ANY,), _concat_type, lambda args, ctx: _concat(*args)),
    "join": FunctionSpec(2, None, (ANY,), "string", lambda args, ctx: _join(*args)),
    "lower": fixed((TEXT,), "string", lambda v: as_text(v).lower()),
    "upper": fixed((TEXT,), "string", lambda v: as_text(v).upper()),
    "trim": fixed((TEXT,), "string", lambda v: as_text(v).strip()),
    "repeat": fixed((TEXT, NUM), "string", _repeat),
    "split": fixed((TEXT, TEXT), "list", lambda v, sep: list(as_text(v).split(as_text(sep)))),
    "contains": fixed((TEXT_OR_LIST, ANY), "boolean", _contains),
    "includes": fixed((TEXT_OR_LIST, ANY), "boolean", _contains),
    "replace": _replace(1),
    "replaceAll": _replace(0),
    "test": fixed(
        (ANY, TEXT), "boolean", lambda v, p: _regex(as_text(p)).search(format_value(v)) is not None
    ),
    "slice": fixed((TEXT_OR_LIST, NUM, NUM), same_as_first, _slice, optional=1),
    "substring": fixed((TEXT, NUM, NUM), "string", _substring, optional=1),
    "format": fixed((ANY,), "string", format_value),
    "toNumber": fixed((ANY,), "number", to_number),
}

# --- numbers ---


def _js_round(value: Value, places: Value = None) -> Value:
    """JavaScript's Math.round (halves go up), optionally to ``places`` decimals."""
    number = as_number(value)
    # A float scale: absurd ``places`` overflow (caught as empty) instead of building huge ints.
    scale = math.pow(10, int(as_number(places))) if places is not None else 1.0
    return finite(math.floor(number * scale + 0.5) / scale)


def _numbers(values: tuple[Value, ...]) -> list[float]:
    """The numbers among the arguments, lists flattened (``sum(prop("Rollup"), 2)``)."""
    flat: list[float] = []
    for value in values:
        items = value if isinstance(value, list) else [value]
        flat.extend(as_number(item) for item in items if item is not None)
    return flat


def _aggregate(function: Callable[[list[float]], float], allow_none: bool = False) -> FunctionSpec:
    def apply(*values: Value) -> Value:
        numbers = _numbers(values)
        if not numbers and not allow_none:
            raise FormulaRuntimeError("no numbers to aggregate")
        return float(function(numbers))

    return variadic(NUM_OR_LIST, "number", apply)


def _math(function: Callable[[float], float]) -> FunctionSpec:
    def apply(value: Value) -> Value:
        try:
            return finite(float(function(as_number(value))))
        except (ValueError, OverflowError) as exc:
            raise FormulaRuntimeError(str(exc)) from exc

    return fixed((NUM,), "number", apply)


NUMBER_FUNCTIONS: dict[str, FunctionSpec] = {
    "round": fixed((NUM, NUM), "number", _js_round, optional=1),
    "floor": _math(math.floor),
    "ceil": _math(math.ceil),
    "abs": _math(abs),
    "sqrt": _math(math.sqrt),
    "cbrt": _math(lambda x: math.copysign(abs(x) ** (1 / 3), x)),
    "exp": _math(math.exp),
    "ln": _math(math.log),
    "log10": _math(math.log10),
    "log2": _math(math.log2),
    "sign": _math(lambda x: (x > 0) - (x < 0)),
    "min": _aggregate(min),
    "max": _aggregate(max),
    "sum": _aggregate(sum, allow_none=True),
    "mean": _aggregate(statistics.fmean),
    "median": _aggregate(statistics.median),
    "mod": BINARY_OPERATORS["%"],
    "pow": fixed((NUM, NUM), "number", power),
}

# --- lists ---


def _at(items: Value, index: Value) -> Value:
    values = as_list(items)
    position = int(as_number(index))
    return values[position] if -len(values) <= position < len(values) else None


LIST_FUNCTIONS: dict[str, FunctionSpec] = {
    "first": fixed((LIST,), "any", lambda v: _at(v, 0.0)),
    "last": fixed((LIST,), "any", lambda v: _at(v, -1.0)),
    "at": fixed((LIST, NUM), "any", _at),
}

FUNCTIONS: dict[str, FunctionSpec] = {
    **LOGIC_FUNCTIONS,
    **TEXT_FUNCTIONS,
    **NUMBER_FUNCTIONS,
    **LIST_FUNCTIONS,
    **DATE_FUNCTIONS,
}
"""Every function a formula may call, by name."""
