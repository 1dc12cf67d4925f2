"""Tokens of a Notion formula: numbers, "strings", names, operators; ``/* comments */`` skipped."""

from __future__ import annotations

import re
from dataclasses import dataclass

from notionhub.errors import ValidationFailed

# Two-character operators come first so that ">=" is not read as ">" then "=".
_OPERATORS = ("==", "!=", ">=", "<=", "&&", "||", *"+-*/%^<>!?:(),.[]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[^\W\d]\w*")
# How the API writes a property reference in expressions it returns: the property's id, then
# ids Notion adds for its own bookkeeping. Accepted so a retrieved schema can be sent back.
_PROPERTY_TOKEN = re.compile(r"\{\{notion:block_property:([^:}]+)(?::[^}]*)?\}\}")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass(frozen=True)
class Token:
    """One token; ``pos`` is its 0-based offset in the expression."""

    kind: str  # "number" | "string" | "name" | "op" | "property" (by id) | "end"
    text: str
    pos: int
    number: float = 0.0
    text_value: str = ""  # the property id of a "property" token


def syntax_error(field: str, pos: int, problem: str) -> ValidationFailed:
    """A ValidationFailed naming the field and the 1-based character where the problem is."""
    return ValidationFailed(f"{field}: syntax error at character {pos + 1}: {problem}.")


def describe(token: Token) -> str:
    """How a token is named in error messages."""
    return "end of expression" if token.kind == "end" else f'"{token.text}"'


def tokenize(expression: str, field: str) -> list[Token]:
    """The tokens of ``expression``, ending with an ``end`` token."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(expression):
        char = expression[pos]
        if char.isspace():
            pos += 1
        elif expression.startswith("/*", pos):
            close = expression.find("*/", pos + 2)
            if close < 0:
                raise syntax_error(field, pos, "comment is not closed with */")
            pos = close + 2
        elif char == '"':
            token, pos = _string(expression, pos, field)
            tokens.append(token)
        else:
            token = _simple_token(expression, pos, field)
            tokens.append(token)
            pos += len(token.text)
    tokens.append(Token("end", "", len(expression)))
    return tokens


def _simple_token(expression: str, pos: int, field: str) -> Token:
    if reference := _PROPERTY_TOKEN.match(expression, pos):
        return Token("property", reference.group(), pos, text_value=reference.group(1))
    if number := _NUMBER.match(expression, pos):
        return Token("number", number.group(), pos, float(number.group()))
    if name := _NAME.match(expression, pos):
        return Token("name", name.group(), pos)
    for operator in _OPERATORS:
        if expression.startswith(operator, pos):
            return Token("op", operator, pos)
    char = expression[pos]
    hint = ' (use "==" to compare)' if char == "=" else ""
    raise syntax_error(field, pos, f'unexpected character "{char}"{hint}')


def _string(expression: str, start: int, field: str) -> tuple[Token, int]:
    """A double-quoted string starting at ``start``, and the position after it."""
    chars: list[str] = []
    pos = start + 1
    while pos < len(expression):
        char = expression[pos]
        if char == '"':
            return Token("string", "".join(chars), start), pos + 1
        if char == "\\" and pos + 1 < len(expression):
            following = expression[pos + 1]
            # Unknown escapes keep their backslash, so regexes like "\d+" read as written.
            chars.append(_ESCAPES.get(following, "\\" + following))
            pos += 2
            continue
        chars.append(char)
        pos += 1
    raise syntax_error(field, start, "text is not closed with a double quote")
