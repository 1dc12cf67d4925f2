"""Formula properties: parse and check an expression against a schema, then compute it per page.

``parse_formula`` validates (syntax, known properties and functions, arity, static types,
circular references) and raises ``ValidationFailed`` naming the field. ``Formula.evaluate``
never raises: a run-time problem gives Notion's empty result of the expression's type.

The language, value conversions and rendering rules are described in ``formula_values``,
``formula_operators``, ``formula_functions``, ``formula_dates`` and ``formula_parser``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from notionhub.errors import ValidationFailed
from notionhub.localnotion.formula.lexer import Token, tokenize
from notionhub.localnotion.formula.parser import Parser
from notionhub.localnotion.formula.syntax_tree import Node
from notionhub.localnotion.formula.values import (
    EvalContext,
    FormulaRuntimeError,
    FType,
    render_result,
    static_type_of_property,
)


class Formula:
    """A checked formula expression, ready to be evaluated for any page of its data source."""

    def __init__(self, expression: str, root: Node, referenced: frozenset[str]) -> None:
        self.expression = expression
        self.referenced_properties = referenced
        self._root = root

    @property
    def result_type(self) -> FType:
        """The static type of the result (``"any"`` when it depends on the data)."""
        return self._root.type

    def evaluate(
        self, properties: Mapping[str, Mapping[str, Any]], *, now: datetime
    ) -> dict[str, Any]:
        """The rendered formula value for a page whose property values are ``properties``."""
        try:
            value = self._root.evaluate(EvalContext(properties, now))
        except (FormulaRuntimeError, ArithmeticError, ValueError, RecursionError):
            # Notion shows an empty cell when a formula fails on a page's data.
            value = None
        return render_result(value, self._root.type)

    def __repr__(self) -> str:
        return f"Formula({self.expression!r})"


@dataclass
class _Resolution:
    """Shared state while inferring the types of formulas that reference other formulas."""

    schema: Mapping[str, Mapping[str, Any]]
    names_by_id: dict[str, str] = field(default_factory=dict)
    types: dict[str, FType] = field(default_factory=dict)
    cycle: list[str] | None = None


def parse_formula(expression: str, schema: Mapping[str, Mapping[str, Any]], field: str) -> Formula:
    """Parse and check ``expression`` for a data source with ``schema``.

    ``field`` is the path used in error messages, e.g.
    ``body.properties.Total.formula.expression``.
    """
    if not isinstance(expression, str):
        raise ValidationFailed(f"{field} should be a string, instead was `{expression!r}`.")
    return _parse_keyed(expression, field, _schema_key(schema))


class FormulaCache:
    """Parsed formulas by expression and the parts of the schema a formula depends on.

    Held by the workspace, so rendering many pages parses each formula once.
    """

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._parsed: dict[tuple[str, str, SchemaKey], Formula] = {}

    def parse(
        self, expression: str, schema: Mapping[str, Mapping[str, Any]], field: str
    ) -> Formula:
        if not isinstance(expression, str):
            return parse_formula(expression, schema, field)
        key = (expression, field, _schema_key(schema))
        found = self._parsed.get(key)
        if found is None:
            found = _parse_keyed(*key)
            if len(self._parsed) >= self.size:
                self._parsed.clear()
            self._parsed[key] = found
        return found


SchemaKey = tuple[tuple[str, str | None, str, str | None], ...]

# The one setting of each property type that changes a formula's static type.
_TYPE_DETAIL = {"formula": "expression", "unique_id": "prefix", "rollup": "function"}


def _schema_key(schema: Mapping[str, Mapping[str, Any]]) -> SchemaKey:
    """What of ``schema`` a formula depends on: names, ids, types and the type details above."""
    key = []
    for name, prop in schema.items():
        kind = prop.get("type")
        kind = kind if isinstance(kind, str) else ""
        prop_id, config = prop.get("id"), prop.get(kind)
        detail = config.get(_TYPE_DETAIL.get(kind, "")) if isinstance(config, dict) else None
        key.append(
            (
                name,
                prop_id if isinstance(prop_id, str) else None,
                kind,
                detail if isinstance(detail, str) else None,
            )
        )
    return tuple(key)


def _parse_keyed(expression: str, field: str, key: SchemaKey) -> Formula:
    schema: dict[str, dict[str, Any]] = {}
    for name, prop_id, kind, detail in key:
        config = {_TYPE_DETAIL[kind]: detail} if kind in _TYPE_DETAIL else {}
        schema[name] = {"id": prop_id, "type": kind, kind: config}
    state = _Resolution(schema, _names_by_id(schema))
    formula = _parse(expression, field, state, ())
    if state.cycle is not None:
        chain = " → ".join(f'prop("{name}")' for name in state.cycle)
        raise ValidationFailed(f"{field}: circular reference: {chain}.")
    return formula


def _parse(expression: str, field: str, state: _Resolution, resolving: tuple[str, ...]) -> Formula:
    # Referenced formulas are typed before parsing starts, so that chains of formulas do not
    # nest one parser's recursion inside another's.
    tokens = tokenize(expression, field)
    prop_types = {
        name: _property_type(name, state, resolving)
        for name in _prop_names(tokens, state.names_by_id)
        if name in state.schema
    }
    parser = Parser(tokens, field, prop_types, state.names_by_id)
    root = parser.parse()
    return Formula(expression, root, frozenset(parser.referenced))


def _names_by_id(schema: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Property name by id, under the stored id and its URL-decoded form (``a%3Fb`` / ``a?b``)."""
    names: dict[str, str] = {}
    for name, prop in schema.items():
        prop_id = prop.get("id")
        if isinstance(prop_id, str):
            names[prop_id] = name
            names.setdefault(unquote(prop_id), name)
    return names


def _prop_names(tokens: list[Token], names_by_id: Mapping[str, str]) -> set[str]:
    """The names in ``prop("...")`` calls and id references, found from the tokens alone."""
    names = {
        names_by_id[token.text_value]
        for token in tokens
        if token.kind == "property" and token.text_value in names_by_id
    }
    for index in range(len(tokens) - 3):
        name, opening, text, closing = tokens[index : index + 4]
        if (name.kind, name.text, opening.text, text.kind, closing.text) == (
            "name",
            "prop",
            "(",
            "string",
            ")",
        ):
            names.add(text.text)
    return names


def _property_type(name: str, state: _Resolution, resolving: tuple[str, ...]) -> FType:
    schema_prop = state.schema[name]
    if schema_prop.get("type") != "formula":
        return static_type_of_property(schema_prop)
    if name in resolving:
        if state.cycle is None:
            state.cycle = [*resolving[resolving.index(name) :], name]
        return "any"
    if name not in state.types:
        expression = (schema_prop.get("formula") or {}).get("expression")
        if not isinstance(expression, str):
            return "any"
        try:
            nested = _parse(expression, name, state, (*resolving, name))
            state.types[name] = nested.result_type
        except ValidationFailed:
            # That formula is checked on its own; here its result is just of unknown type.
            state.types[name] = "any"
    return state.types[name]
