"""One filter condition as SQL over the property index rows of one property (a ``Leaf``).

Text is indexed lower-cased, as the filter engine folds it (``str.lower``), and compared with
``=`` or ``LIKE`` (escaped; both sides lower-cased, so ``LIKE``'s ASCII case folding changes
nothing): exact. Option names are indexed as they are and compare exactly, numbers and
checkboxes (1 when checked; unchecked has no row) too. Dates are indexed by the start of the
span the filter engine compares (epoch milliseconds). A page's span is a millisecond or a whole
UTC day, so a condition whose own span starts at a UTC midnight compares exactly on the start
alone; other date conditions widen by a day where the span's end matters, a superset.

A leaf is ``exact`` when its rows are exactly the pages that match, and ``negated`` when the
pages that match are those *without* such a row (``does_not_equal``, ``does_not_contain``, an
unchecked checkbox): those are always exact, and can only check pages found otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from notionhub.localnotion.api.ids import is_id, parse_id
from notionhub.localnotion.filters.dates import (
    DAY_MS,
    RELATIVE_RANGES,
    Span,
    parse_span,
    relative_span,
)
from notionhub.localnotion.filters.grammar import find_property

TEXT_TYPES = frozenset({"title", "rich_text", "email", "url", "phone_number"})
SEARCHABLE = frozenset({"title"})  # text types also in the substring (trigram) index
SINGLE_VALUED = frozenset(
    {*TEXT_TYPES, "number", "unique_id", "checkbox", "select", "status", "date"}
)
_LIKE_ESCAPE = " ESCAPE '\\'"
# SQLite refuses a LIKE pattern longer than this (SQLITE_MAX_LIKE_PATTERN_LENGTH, in bytes).
# Filter operands are held far below it (``filters.conditions._string``); a longer one
# would be left to the filter engine rather than fail in SQLite.
_MAX_LIKE_PATTERN_BYTES = 50_000
_PIECE = 3  # the trigram tokenizer's piece length
_MAX_PIECES = 4  # pieces a substring search looks up


@dataclass(frozen=True)
class Leaf:
    """One condition the index can answer for one property.

    ``where``/``args`` select index rows of ``prop_id``; ``pieces``, when there are any, are the
    three-character pieces a substring condition needs, for the text search index.
    """

    prop_id: str
    where: str
    args: tuple[Any, ...]
    single: bool  # one index row per page: conditions on this property can share a row
    pieces: tuple[str, ...] = ()
    kind: str = ""  # the property's type
    exact: bool = False
    negated: bool = False


def leaf_of(
    node: object, schema: dict[str, dict[str, Any]], now: datetime | None, text_search: bool
) -> Leaf | None:
    """The leaf of a property condition, or ``None`` when the index cannot answer it.

    ``now`` is the instant the filter was compiled at; without it, relative date conditions
    are left to the filter engine.
    """
    if not isinstance(node, dict) or not isinstance(node.get("property"), str):
        return None
    prop = find_property(schema, node["property"])
    if prop is None:
        return None
    kind = str(prop.get("type"))
    body = node.get(kind)
    if not isinstance(body, dict) or len(body) != 1:
        return None
    ((op, arg),) = body.items()
    single = kind in SINGLE_VALUED
    if kind in TEXT_TYPES:
        return _text_leaf(prop["id"], kind, op, arg, text_search)
    negated = _NEGATIONS.get(op)
    if negated is not None and kind in ("number", "unique_id", "select", "status", "multi_select"):
        positive = _condition(kind, negated, arg, now)
        if positive is None:
            return None
        return Leaf(prop["id"], positive[0], positive[1], single, (), kind, True, negated=True)
    if kind == "checkbox":
        return _checkbox_leaf(prop["id"], op, arg)
    condition = _condition(kind, op, arg, now)
    if condition is None:
        return None
    where, args, exact = condition
    return Leaf(prop["id"], where, args, single, kind=kind, exact=exact)


_NEGATIONS = {"does_not_equal": "equals", "does_not_contain": "contains"}
_SUBSTRING_OPS = {"contains": "%{}%", "starts_with": "{}%", "ends_with": "%{}"}


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_leaf(prop_id: str, kind: str, op: str, arg: object, text_search: bool) -> Leaf | None:
    if not isinstance(arg, str) or not arg:
        return None
    text = arg.lower()
    positive = _NEGATIONS.get(op, op)
    pieces: tuple[str, ...] = ()
    if positive == "equals":
        where, args = "text_value = ?", (text,)
    elif positive in _SUBSTRING_OPS:
        pattern = _SUBSTRING_OPS[positive].format(_escape_like(text))
        if len(pattern.encode("utf-8", "surrogatepass")) > _MAX_LIKE_PATTERN_BYTES:
            return None
        where = "text_value IS NOT NULL AND text_value LIKE ?" + _LIKE_ESCAPE
        args = (pattern,)
        pieces = _search_pieces(text) if text_search and kind in SEARCHABLE else ()
    else:
        return None
    negated = op in _NEGATIONS
    return Leaf(prop_id, where, args, True, () if negated else pieces, kind, True, negated=negated)


def _search_pieces(text: str) -> tuple[str, ...]:
    """A few of the text's three-character pieces, spread from its start to its end.

    Text holding the argument holds each of its pieces, so any of them select a superset of
    the matches (``LIKE`` then decides). Each piece costs the search a pass over every text
    holding it, so a few narrow about as well as all of them, at a fraction of the cost.
    """
    last = len(text) - _PIECE
    if last < 0:
        return ()
    count = min(_MAX_PIECES, -(-len(text) // _PIECE))  # enough to cover the text, at most
    starts = [0] if count == 1 else [round(i * last / (count - 1)) for i in range(count)]
    return tuple(dict.fromkeys(text[start : start + _PIECE] for start in starts))


def _checkbox_leaf(prop_id: str, op: str, arg: object) -> Leaf | None:
    """Checked pages have a row of 1; unchecked ones (or never set) have none."""
    if op not in ("equals", "does_not_equal") or not isinstance(arg, bool):
        return None
    checked = arg if op == "equals" else not arg
    return Leaf(prop_id, "number_value = 1.0", (), True, (), "checkbox", True, not checked)


# A condition the index can answer: (SQL over text_value/number_value, its arguments, exact).
_Condition = tuple[str, tuple[Any, ...], bool]
_NUMBER_OPS = {
    "equals": "number_value = ?",
    "greater_than": "number_value > ?",
    "less_than": "number_value < ?",
    "greater_than_or_equal_to": "number_value >= ?",
    "less_than_or_equal_to": "number_value <= ?",
}


def _condition(kind: str, op: str, arg: object, now: datetime | None) -> _Condition | None:
    is_number = isinstance(arg, (int, float)) and not isinstance(arg, bool)
    if kind in ("number", "unique_id") and op in _NUMBER_OPS and is_number:
        return _NUMBER_OPS[op], (float(arg),), True  # type: ignore[arg-type]
    if kind == "date":
        return _date_condition(op, arg, now)
    if kind in ("select", "status") and op == "equals" and isinstance(arg, str) and arg:
        return "text_value = ?", (arg,), True
    if kind == "multi_select" and op == "contains" and isinstance(arg, str) and arg:
        return "text_value = ?", (arg,), True
    if kind in ("relation", "people") and op == "contains" and is_id(arg):
        # Ids compare in their compact form in the filter engine: a superset only.
        return "text_value = ?", (parse_id(arg, "filter"),), False
    return None


def _date_condition(op: str, arg: object, now: datetime | None) -> _Condition | None:
    """Index rows hold a page span's start ``s``; the span is 1 ms or a whole UTC day long.

    Against a target ``[a, b)``: *after* is ``s >= b`` and *on or before* ``s < b`` whatever
    the span's length. *Before* (``s + length <= a``), *on or after* and overlap also need the
    length, unless ``a`` is a UTC midnight: a day-long span then starts at ``a`` or a day
    before, never in between, so ``s < a`` decides. Otherwise they widen by a day (a superset).
    """
    target: Span | None
    if op in RELATIVE_RANGES:
        if now is None or arg != {}:
            return None
        target, op = relative_span(op, now), "equals"  # relative ranges test overlap
    else:
        target = parse_span(arg)
    if target is None:
        return None
    start, end, day = float(target.start), float(target.end), float(DAY_MS)
    aligned = target.start % DAY_MS == 0
    low = start if aligned else start - day  # first span start that can reach the target
    conditions: dict[str, _Condition] = {
        "equals": ("number_value >= ? AND number_value < ?", (low, end), aligned),
        "before": ("number_value < ?", (start,), aligned),
        "after": ("number_value >= ?", (end,), True),
        "on_or_before": ("number_value < ?", (end,), True),
        "on_or_after": ("number_value >= ?", (low,), aligned),
    }
    return conditions.get(op)
