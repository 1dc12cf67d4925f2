"""The syntax tree of a parsed formula; each node knows its static type and evaluates itself."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from notionhub.localnotion.formula.values import (
    EvalContext,
    FType,
    Value,
    from_property_value,
)

Thunk = Callable[[], Value]
EagerImpl = Callable[[list[Value], EvalContext], Value]
LazyImpl = Callable[[list[Thunk], EvalContext], Value]


@dataclass
class Node:
    """A node of the tree: ``pos`` is its 0-based offset, ``type`` its static type."""

    pos: int
    type: FType
    depth: int = field(default=1, init=False)

    def children(self) -> Sequence[Node]:
        return ()

    def __post_init__(self) -> None:
        # Depth is kept so the parser can refuse trees too deep to evaluate recursively.
        self.depth = 1 + max((child.depth for child in self.children()), default=0)

    def evaluate(self, ctx: EvalContext) -> Value:
        raise NotImplementedError


@dataclass
class Literal(Node):
    value: Value = None

    def evaluate(self, ctx: EvalContext) -> Value:
        return self.value


@dataclass
class ListLiteral(Node):
    items: list[Node] = field(default_factory=list)

    def children(self) -> Sequence[Node]:
        return self.items

    def evaluate(self, ctx: EvalContext) -> Value:
        return [item.evaluate(ctx) for item in self.items]


@dataclass
class PropRef(Node):
    name: str = ""

    def evaluate(self, ctx: EvalContext) -> Value:
        return from_property_value(ctx.properties.get(self.name))


@dataclass
class Variable(Node):
    name: str = ""

    def evaluate(self, ctx: EvalContext) -> Value:
        return ctx.variables.get(self.name)


@dataclass
class Let(Node):
    """``let(x, 1, body)`` / ``lets(x, 1, y, 2, body)``: names bound in order, then the body."""

    bindings: list[tuple[str, Node]] = field(default_factory=list)
    body: Node | None = None

    def children(self) -> Sequence[Node]:
        nodes = [node for _, node in self.bindings]
        return [*nodes, self.body] if self.body is not None else nodes

    def evaluate(self, ctx: EvalContext) -> Value:
        inner = EvalContext(ctx.properties, ctx.now, dict(ctx.variables))
        for name, node in self.bindings:
            inner.variables[name] = node.evaluate(inner)
        assert self.body is not None
        return self.body.evaluate(inner)


@dataclass
class Call(Node):
    """A function or operator applied to arguments (operators are functions named by symbol)."""

    name: str = ""
    args: list[Node] = field(default_factory=list)
    impl: EagerImpl | None = None
    lazy_impl: LazyImpl | None = None

    def children(self) -> Sequence[Node]:
        return self.args

    def evaluate(self, ctx: EvalContext) -> Value:
        if self.lazy_impl is not None:
            thunks = [_thunk(arg, ctx) for arg in self.args]
            return self.lazy_impl(thunks, ctx)
        assert self.impl is not None
        return self.impl([arg.evaluate(ctx) for arg in self.args], ctx)


def _thunk(node: Node, ctx: EvalContext) -> Thunk:
    return lambda: node.evaluate(ctx)
