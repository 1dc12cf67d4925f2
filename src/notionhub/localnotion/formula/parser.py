"""A Pratt parser for Notion formulas: tokens -> typed syntax tree, checking names, arity and types.

Precedence, loosest first: ``? :`` (right), ``or ||``, ``and &&``, ``not !`` (prefix),
comparisons, ``+ -``, ``* / %``, unary ``-``, ``^`` (right; ``-2^2`` is -4), ``.method()``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from notionhub.errors import ValidationFailed
from notionhub.localnotion.formula.functions import FUNCTIONS
from notionhub.localnotion.formula.lexer import Token, describe, syntax_error
from notionhub.localnotion.formula.operators import BINARY_OPERATORS, CONDITIONAL, PREFIX_OPERATORS
from notionhub.localnotion.formula.spec import FunctionSpec
from notionhub.localnotion.formula.syntax_tree import (
    Call,
    Let,
    ListLiteral,
    Literal,
    Node,
    PropRef,
    Variable,
)
from notionhub.localnotion.formula.values import FType, Value

# (left binding power, right binding power): right-associative operators bind less to the right.
_INFIX: dict[str, tuple[int, int]] = {
    "?": (2, 1),
    "or": (3, 4),
    "||": (3, 4),
    "and": (5, 6),
    "&&": (5, 6),
    **dict.fromkeys(("==", "!=", "<", "<=", ">", ">="), (9, 10)),
    "+": (11, 12),
    "-": (11, 12),
    "*": (13, 14),
    "/": (13, 14),
    "%": (13, 14),
    "^": (18, 17),
    ".": (19, 20),
}
_PREFIX: dict[str, int] = {"not": 7, "!": 7, "-": 15}
_KEYWORDS = {"and", "or", "not", "true", "false", "prop", "let", "lets"}
_CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
_TYPE_NAMES = {"string": "text"}

MAX_NESTING = 50
"""Deepest bracket/operator nesting accepted: keeps parsing off Python's recursion limit."""
MAX_DEPTH = 100
"""Deepest syntax tree accepted (long ``a + b + c ...`` chains count too)."""


def _type_name(kind: FType) -> str:
    return _TYPE_NAMES.get(kind, kind)


class Parser:
    """Parses one expression; ``prop_types`` gives the static type of each known property."""

    def __init__(
        self,
        tokens: list[Token],
        field: str,
        prop_types: Mapping[str, FType],
        names_by_id: Mapping[str, str],
    ) -> None:
        self.field = field
        self.tokens = tokens
        self.index = 0
        self.prop_types = prop_types
        self.names_by_id = names_by_id
        self.variables: dict[str, FType] = {}
        self.referenced: set[str] = set()
        self.nesting = 0

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise ValidationFailed(f"{self.field}: the formula expression is empty.")
        node = self.expression(0)
        token = self.peek()
        if token.kind != "end":
            raise syntax_error(self.field, token.pos, f"unexpected {describe(token)}")
        return node

    # --- token access ---

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self.index += 1
        return token

    def expect(self, text: str) -> Token:
        token = self.advance()
        if token.kind != "op" or token.text != text:
            raise syntax_error(
                self.field, token.pos, f'expected "{text}" but found {describe(token)}'
            )
        return token

    def at(self, text: str) -> bool:
        token = self.peek()
        return token.kind == "op" and token.text == text

    @staticmethod
    def operator_of(token: Token) -> str | None:
        if token.kind == "op" or (token.kind == "name" and token.text in ("and", "or", "not")):
            return token.text
        return None

    # --- expressions ---

    def expression(self, min_power: int) -> Node:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise syntax_error(self.field, self.peek().pos, "the formula is nested too deeply")
        try:
            left = self.prefix()
            while True:
                token = self.peek()
                operator = self.operator_of(token)
                if operator not in _INFIX or _INFIX[operator][0] < min_power:
                    return left
                self.advance()
                left = self.infix(left, operator, token)
        finally:
            self.nesting -= 1

    def infix(self, left: Node, operator: str, token: Token) -> Node:
        right_power = _INFIX[operator][1]
        if operator == "?":
            when_true = self.expression(0)
            self.expect(":")
            when_false = self.expression(right_power)
            return self.apply("?", CONDITIONAL, [left, when_true, when_false], token.pos, True)
        if operator == ".":
            return self.method(left)
        right = self.expression(right_power)
        return self.apply(operator, BINARY_OPERATORS[operator], [left, right], token.pos, True)

    def prefix(self) -> Node:
        token = self.advance()
        if token.kind == "number":
            return Literal(token.pos, "number", token.number)
        if token.kind == "string":
            return Literal(token.pos, "string", token.text)
        operator = self.operator_of(token)
        if operator in _PREFIX:
            operand = self.expression(_PREFIX[operator])
            return self.apply(operator, PREFIX_OPERATORS[operator], [operand], token.pos, True)
        if token.kind == "name":
            return self.name(token)
        if token.kind == "property":
            return self.property_by_id(token)
        if operator == "(":
            inner = self.expression(0)
            self.expect(")")
            return inner
        if operator == "[":
            items = self.arguments("]")
            return self.checked(ListLiteral(token.pos, "list", items))
        raise syntax_error(self.field, token.pos, f"expected a value but found {describe(token)}")

    def name(self, token: Token) -> Node:
        name = token.text
        if name in ("true", "false"):
            return Literal(token.pos, "boolean", name == "true")
        if self.at("("):
            return self.call(token)
        if name in ("and", "or"):
            raise syntax_error(
                self.field, token.pos, f"expected a value but found {describe(token)}"
            )
        if name in self.variables:
            return Variable(token.pos, self.variables[name], name)
        if name in _CONSTANTS:
            value: Value = _CONSTANTS[name]
            return Literal(token.pos, "number", value)
        if name in FUNCTIONS:
            raise syntax_error(self.field, token.pos, f"{name} is a function: write {name}()")
        raise syntax_error(self.field, token.pos, f'unknown name "{name}"')

    def call(self, token: Token) -> Node:
        name = token.text
        if name == "prop":
            return self.prop(token)
        if name in ("let", "lets"):
            return self.let(token)
        spec = FUNCTIONS.get(name)
        if spec is None:
            raise ValidationFailed(
                f'{self.field}: unknown function "{name}" at character {token.pos + 1}.'
            )
        self.expect("(")
        return self.apply(name, spec, self.arguments(")"), token.pos)

    def method(self, receiver: Node) -> Node:
        token = self.advance()
        spec = FUNCTIONS.get(token.text) if token.kind == "name" else None
        if token.kind != "name":
            raise syntax_error(
                self.field,
                token.pos,
                f'expected a function name after "." but found {describe(token)}',
            )
        if spec is None:
            raise ValidationFailed(
                f'{self.field}: unknown function "{token.text}" at character {token.pos + 1}.'
            )
        self.expect("(")
        return self.apply(token.text, spec, [receiver, *self.arguments(")")], token.pos)

    def arguments(self, closing: str) -> list[Node]:
        """Comma-separated expressions up to ``closing`` (the opening bracket is already read)."""
        items: list[Node] = []
        if self.at(closing):
            self.advance()
            return items
        while True:
            items.append(self.expression(0))
            if self.at(","):
                self.advance()
                continue
            self.expect(closing)
            return items

    def prop(self, token: Token) -> Node:
        self.expect("(")
        name_token = self.advance()
        if name_token.kind != "string":
            raise syntax_error(
                self.field,
                name_token.pos,
                'prop() takes a property name in double quotes, like prop("Price")',
            )
        self.expect(")")
        name = name_token.text
        if name not in self.prop_types:
            raise ValidationFailed(f'{self.field}: unknown property "{name}" in prop("{name}").')
        return self.reference(token, name)

    def property_by_id(self, token: Token) -> Node:
        name = self.names_by_id.get(token.text_value)
        if name is None or name not in self.prop_types:
            raise ValidationFailed(
                f'{self.field}: unknown property id "{token.text_value}" in {token.text}.'
            )
        return self.reference(token, name)

    def reference(self, token: Token, name: str) -> Node:
        self.referenced.add(name)
        return PropRef(token.pos, self.prop_types[name], name)

    def let(self, token: Token) -> Node:
        """``let(name, value, body)`` and ``lets(a, 1, b, 2, body)``; names are visible in order."""
        self.expect("(")
        outer = dict(self.variables)
        bindings: list[tuple[str, Node]] = []
        try:
            while not bindings or (token.text == "lets" and self._binding_ahead()):
                name_token = self.advance()
                if name_token.kind != "name" or name_token.text in _KEYWORDS:
                    raise syntax_error(
                        self.field, name_token.pos, f"{token.text}() expects a variable name"
                    )
                self.expect(",")
                value = self.expression(0)
                self.expect(",")
                bindings.append((name_token.text, value))
                self.variables[name_token.text] = value.type
            body = self.expression(0)
            self.expect(")")
        finally:
            self.variables = outer
        return self.checked(Let(token.pos, body.type, bindings, body))

    def _binding_ahead(self) -> bool:
        following = self.peek(1)
        return self.peek().kind == "name" and following.kind == "op" and following.text == ","

    # --- checks ---

    def apply(
        self, name: str, spec: FunctionSpec, args: list[Node], pos: int, operator: bool = False
    ) -> Node:
        """A Call node after checking arity and argument types statically."""
        count = len(args)
        if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
            raise ValidationFailed(
                f"{self.field}: {name}() takes {_arity(spec)} but got {count} "
                f"(character {pos + 1})."
            )
        types = [arg.type for arg in args]
        for index, kind in enumerate(types):
            allowed = spec.allowed(index)
            if kind != "any" and kind not in allowed:
                if operator:
                    raise self._operator_mismatch(name, types, pos)
                wanted = " or ".join(sorted(_type_name(t) for t in allowed))
                raise ValidationFailed(
                    f"{self.field}: argument {index + 1} of {name}() should be {wanted}, "
                    f"not {_type_name(kind)} (character {pos + 1})."
                )
        result = spec.result_type(types)
        if result is None:
            if operator:
                raise self._operator_mismatch(name, types, pos)
            raise ValidationFailed(
                f"{self.field}: {name}() cannot be used with "
                f"{', '.join(_type_name(t) for t in types)} (character {pos + 1})."
            )
        return self.checked(Call(pos, result, name, args, spec.impl, spec.lazy_impl))

    def _operator_mismatch(self, name: str, types: list[FType], pos: int) -> ValidationFailed:
        if name == "?":
            problem = f'the condition before "?" should be boolean, not {_type_name(types[0])}'
        else:
            shown = " and ".join(_type_name(t) for t in types)
            problem = f'"{name}" cannot be used with {shown}'
        return ValidationFailed(f"{self.field}: type mismatch at character {pos + 1}: {problem}.")

    def checked(self, node: Node) -> Node:
        if node.depth > MAX_DEPTH:
            raise syntax_error(self.field, node.pos, "the formula is nested too deeply")
        return node


def _arity(spec: FunctionSpec) -> str:
    low, high = spec.min_args, spec.max_args
    plural = "" if (high if high is not None else low) == 1 else "s"
    if high is None:
        return f"at least {low} argument{plural}"
    if low == high:
        return f"{low} argument{plural}"
    return f"{low} to {high} arguments"
