"""Segment rules: the small language of a campaign's Segment Rule, parsed to a typed tree.

```
rule       := any
any        := all ("or" all)*
all        := negation ("and" negation)*
negation   := "not" negation | "(" rule ")" | condition
condition  := field ":" value | "score" op number
field      := source | tag | newsletter
op         := >= | <= | > | < | = | !=
value      := right after the ':', a word without spaces or parentheses, or "a quoted text"
              (\\" and \\\\ inside)
```

``source:Typeform and tag:retreat``, ``newsletter:Subscribed or tag:vip``, ``not tag:customer``,
``score>=10``, ``(tag:"Retreat waitlist" or tag:vip) and not source:Snov.io``. Keywords and
field names are case-insensitive, and so is matching (``tag:VIP`` matches the tag ``vip``);
``newsletter:`` takes Subscribed, Pending or Unsubscribed. A contact without an Engagement Score
has a score of 0. ``not`` binds tighter than ``and``, which binds tighter than ``or``.

A rule that does not parse raises ``SegmentRuleError`` (a ``ValueError``) naming the character
where it went wrong. ``render`` writes a tree back as text that parses to the same tree.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal, TypeAlias, cast

from notionhub.packs.network.models import NEWSLETTER_STATUSES, Contact

FieldName = Literal["source", "tag", "newsletter"]
Operator = Literal[">=", "<=", ">", "<", "=", "!="]
FIELDS: tuple[FieldName, ...] = ("source", "tag", "newsletter")
OPERATORS: tuple[Operator, ...] = (">=", "<=", "!=", ">", "<", "=")
NEWSLETTER_VALUES = tuple(option.name for option in NEWSLETTER_STATUSES)
KEYWORDS = ("and", "or", "not")
MAX_DEPTH = 50  # nested parentheses and nots: deeper is refused, never a RecursionError

_WORD = re.compile(r"[A-Za-z_]+")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_QUOTES = {'"': '"', "“": "”"}  # Notion may turn a typed quote into a curly one
_NOT_BARE = frozenset('()"\\“”')


class SegmentRuleError(ValueError):
    """A Segment Rule that does not parse; ``position`` is the 0-based index it points at."""

    def __init__(self, position: int, message: str) -> None:
        super().__init__(f"at character {position + 1}: {message}")
        self.position = position


@dataclass(frozen=True)
class Has:
    """The contact's Lead Sources or Tags hold ``value``, or its Newsletter status is it."""

    field: FieldName
    value: str


@dataclass(frozen=True)
class Score:
    """The contact's Engagement Score (0 when it has none) compared with ``value``."""

    op: Operator
    value: float


@dataclass(frozen=True)
class Not:
    rule: Rule


@dataclass(frozen=True)
class And:
    rules: tuple[Rule, ...]  # two or more


@dataclass(frozen=True)
class Or:
    rules: tuple[Rule, ...]  # two or more


Rule: TypeAlias = Has | Score | Not | And | Or


# -- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: Literal["(", ")", "and", "or", "not", "condition", "end"]
    at: int
    text: str = ""
    condition: Has | Score | None = None


def parse(text: str) -> Rule:
    """The rule written in ``text``; ``SegmentRuleError`` says where and why it does not parse."""
    tokens = _tokens(text)
    if tokens[0].kind == "end":
        raise SegmentRuleError(0, "the rule is empty")
    parser = _Parser(tokens)
    rule = parser.any(0)
    token = parser.peek()
    if token.kind == ")":
        raise SegmentRuleError(token.at, "this ')' closes no '('")
    if token.kind != "end":
        raise SegmentRuleError(token.at, f"expected 'and' or 'or' before {token.text!r}")
    return rule


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def any(self, depth: int) -> Rule:
        rules = [self.all(depth)]
        while self.peek().kind == "or":
            self.take()
            rules.append(self.all(depth))
        return rules[0] if len(rules) == 1 else Or(tuple(rules))

    def all(self, depth: int) -> Rule:
        rules = [self.negation(depth)]
        while self.peek().kind == "and":
            self.take()
            rules.append(self.negation(depth))
        return rules[0] if len(rules) == 1 else And(tuple(rules))

    def negation(self, depth: int) -> Rule:
        token = self.take()
        if depth > MAX_DEPTH:
            raise SegmentRuleError(token.at, f"nested more than {MAX_DEPTH} deep")
        if token.kind == "not":
            return Not(self.negation(depth + 1))
        if token.kind == "(":
            inner = self.any(depth + 1)
            closing = self.take()
            if closing.kind != ")":
                found = "the end" if closing.kind == "end" else repr(closing.text)
                raise SegmentRuleError(
                    token.at, f"this '(' is never closed (found {found} at character"
                    f" {closing.at + 1})",
                )  # fmt: skip
            return inner
        if token.kind == "condition":
            assert token.condition is not None
            return token.condition
        found = "the end of the rule" if token.kind == "end" else repr(token.text)
        raise SegmentRuleError(
            token.at, f"expected a condition (tag:…, source:…, newsletter:…, score>=…), 'not'"
            f" or '(' but found {found}",
        )  # fmt: skip


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    at = 0
    while True:
        at = _skip_spaces(text, at)
        if at >= len(text):
            tokens.append(_Token("end", at))
            return tokens
        char = text[at]
        if char in "()":
            tokens.append(_Token("(" if char == "(" else ")", at, char))
            at += 1
            continue
        word = _WORD.match(text, at)
        if word is None:
            raise SegmentRuleError(at, f"unexpected {char!r}: a rule starts with a field name")
        token, at = _after_word(text, at, word.group())
        tokens.append(token)


def _after_word(text: str, start: int, word: str) -> tuple[_Token, int]:
    name = word.lower()
    after = start + len(word)
    if text.startswith(":", after):
        field = _field(name, start)
        value, end = _value(text, after + 1, field)
        return _Token("condition", start, text[start:end], Has(field, value)), end
    at = _skip_spaces(text, after)
    if text.startswith(":", at):
        raise SegmentRuleError(after, f"no space before ':' (write {name}:value)")
    if at < len(text) and text[at] in "<>=!":
        return _comparison(text, start, name, at)
    if name in KEYWORDS:
        keyword = cast(Literal["and", "or", "not"], name)
        return _Token(keyword, start, word), start + len(word)
    raise SegmentRuleError(
        start, f"{word!r} is neither a condition nor and/or/not (write field:value or score>=N)"
    )


def _field(name: str, at: int) -> FieldName:
    if name in FIELDS:
        return name
    if name == "score":
        raise SegmentRuleError(at, "score is compared, not matched: write score>=10")
    raise SegmentRuleError(at, f"unknown field {name!r} (use {', '.join(FIELDS)} or score)")


def _value(text: str, at: int, field: FieldName) -> tuple[str, int]:
    if at < len(text) and text[at] in _QUOTES:
        value, end = _quoted(text, at)
    else:
        end = at
        while end < len(text) and not text[end].isspace() and text[end] not in "()":
            end += 1
        value = text[at:end]
    if not value.strip():
        raise SegmentRuleError(at, f"{field}: needs a value")
    if field == "newsletter":
        canonical = {name.casefold(): name for name in NEWSLETTER_VALUES}
        if value.strip().casefold() not in canonical:
            raise SegmentRuleError(
                at, f"newsletter: is one of {', '.join(NEWSLETTER_VALUES)}, not {value!r}"
            )
        value = canonical[value.strip().casefold()]
    return value, end


def _quoted(text: str, start: int) -> tuple[str, int]:
    closing = _QUOTES[text[start]]
    chars: list[str] = []
    at = start + 1
    while at < len(text):
        char = text[at]
        if char == closing:
            return "".join(chars), at + 1
        if char == "\\" and closing == '"' and at + 1 < len(text):
            at += 1
            char = text[at]
        chars.append(char)
        at += 1
    raise SegmentRuleError(start, f"this quote is never closed (end it with {closing})")


def _comparison(text: str, start: int, name: str, at: int) -> tuple[_Token, int]:
    op = next((op for op in (*OPERATORS, "==") if text.startswith(op, at)), None)
    if op is None:
        raise SegmentRuleError(at, f"unknown comparison (use {', '.join(OPERATORS)})")
    if name != "score":
        raise SegmentRuleError(
            start, f"only score is compared with {op}; write {name}:value to match a value"
        )
    number_at = _skip_spaces(text, at + len(op))
    number = _NUMBER.match(text, number_at)
    if number is None:
        raise SegmentRuleError(number_at, f"score{op} needs a number")
    value = float(number.group())
    if not math.isfinite(value):
        raise SegmentRuleError(number_at, f"{number.group()} is too large a number")
    operator = cast(Operator, "=" if op == "==" else op)
    end = number.end()
    return _Token("condition", start, text[start:end], Score(operator, value)), end


def _skip_spaces(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


# -- writing ------------------------------------------------------------------------------------


def render(rule: Rule) -> str:
    """The rule as text (``parse(render(rule)) == rule``)."""
    if isinstance(rule, Has):
        return f"{rule.field}:{_render_value(rule.value)}"
    if isinstance(rule, Score):
        return f"score{rule.op}{_render_number(rule.value)}"
    if isinstance(rule, Not):
        inner = render(rule.rule)
        return f"not ({inner})" if isinstance(rule.rule, And | Or) else f"not {inner}"
    if isinstance(rule, And):
        return " and ".join(
            f"({render(part)})" if isinstance(part, And | Or) else render(part)
            for part in rule.rules
        )
    return " or ".join(
        f"({render(part)})" if isinstance(part, Or) else render(part) for part in rule.rules
    )


def _render_value(value: str) -> str:
    if value and not any(char.isspace() or char in _NOT_BARE for char in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _render_number(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


# -- matching -----------------------------------------------------------------------------------


def matches(rule: Rule, contact: Contact) -> bool:
    """Whether the contact is in the segment the rule describes."""
    if isinstance(rule, Has):
        wanted = _folded(rule.value)
        if rule.field == "newsletter":
            return _folded(contact.newsletter or "") == wanted
        held = contact.lead_sources if rule.field == "source" else contact.tags
        return any(_folded(item) == wanted for item in held)
    if isinstance(rule, Score):
        return _compare(contact.engagement_score or 0.0, rule.op, rule.value)
    if isinstance(rule, Not):
        return not matches(rule.rule, contact)
    if isinstance(rule, And):
        return all(matches(part, contact) for part in rule.rules)
    return any(matches(part, contact) for part in rule.rules)


def _compare(score: float, op: Operator, value: float) -> bool:
    if op == ">=":
        return score >= value
    if op == "<=":
        return score <= value
    if op == ">":
        return score > value
    if op == "<":
        return score < value
    if op == "=":
        return score == value
    return score != value


def _folded(text: str) -> str:
    return text.strip().casefold()
