"""How a formula function (or operator) is described in the registries: arity, types, behaviour."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from notionhub.localnotion.formula.syntax_tree import EagerImpl, LazyImpl
from notionhub.localnotion.formula.values import ALL_TYPES, EvalContext, FType, Value

TypeRule = Callable[[list[FType]], "FType | None"]

NUM: frozenset[FType] = frozenset({"number"})
TEXT: frozenset[FType] = frozenset({"string"})
BOOL: frozenset[FType] = frozenset({"boolean"})
DATE: frozenset[FType] = frozenset({"date"})
LIST: frozenset[FType] = frozenset({"list"})
ANY: frozenset[FType] = ALL_TYPES


@dataclass(frozen=True)
class FunctionSpec:
    """One entry of a registry.

    ``params`` lists the static types allowed at each position, the last one repeating for
    variadic functions. ``result`` is the static result type, or a rule computing it from the
    argument types that answers None when the combination is a type error. Exactly one of
    ``impl`` (arguments evaluated first) and ``lazy_impl`` (arguments as thunks, for ``if``,
    ``and``...) is set.
    """

    min_args: int
    max_args: int | None
    params: tuple[frozenset[FType], ...]
    result: FType | TypeRule
    impl: EagerImpl | None = None
    lazy_impl: LazyImpl | None = None

    def allowed(self, index: int) -> frozenset[FType]:
        return self.params[min(index, len(self.params) - 1)] if self.params else ANY

    def result_type(self, arg_types: list[FType]) -> FType | None:
        return self.result(arg_types) if callable(self.result) else self.result


def plain(function: Callable[..., Value]) -> EagerImpl:
    """An implementation taking the evaluated arguments positionally."""
    return lambda args, ctx: function(*args)


def fixed(
    params: tuple[frozenset[FType], ...],
    result: FType | TypeRule,
    function: Callable[..., Value],
    optional: int = 0,
) -> FunctionSpec:
    """A function with ``len(params)`` arguments, the last ``optional`` of which may be left out."""
    return FunctionSpec(len(params) - optional, len(params), params, result, plain(function))


def variadic(
    param: frozenset[FType], result: FType | TypeRule, function: Callable[..., Value]
) -> FunctionSpec:
    """A function taking one or more arguments of the same kind."""
    return FunctionSpec(1, None, (param,), result, plain(function))


def with_context(
    params: tuple[frozenset[FType], ...],
    result: FType,
    function: Callable[[list[Value], EvalContext], Value],
) -> FunctionSpec:
    """A function that needs the evaluation context (``now()``, ``today()``)."""
    return FunctionSpec(len(params), len(params), params, result, function)


def unify(types: list[FType]) -> FType:
    """One static type for values that may come from several branches."""
    distinct = set(types)
    return distinct.pop() if len(distinct) == 1 else "any"


def same_as_first(types: list[FType]) -> FType:
    return types[0]
