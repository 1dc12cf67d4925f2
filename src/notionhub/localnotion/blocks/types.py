"""Block children arrays and block updates: validated, with every default filled in.

``normalize_children`` takes the ``children`` array of an append or create request and returns
a tree of ``NormalizedBlock``s whose ``content`` is the type body exactly as the API renders
it. Notion's limits hold: at most 100 blocks in any one array, children nested at most two
levels below the request's top level, at most 1000 blocks in the whole request.

The top level of a request may hold ``table_row`` and ``column`` blocks (appending rows to an
existing table, columns to an existing column list); whether they fit the block they are
appended to is ``check_children_fit``'s job, which callers run once they know the parent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.fields import (
    UNDEFINED,
    fail,
    reject_unknown_keys,
    require_choice,
    require_dict,
    require_list,
    show,
)
from notionhub.localnotion.blocks.bodies import (
    BLOCK_SPECS,
    NOT_APPENDABLE,
    PARENT_ONLY,
    ChildRule,
    render_body,
    render_update,
)

MAX_CHILDREN_PER_REQUEST = 100
MAX_NESTING_DEPTH = 2
"""Levels of ``children`` allowed below the request's own ``children`` array."""
MAX_BLOCKS_PER_REQUEST = 1000

_RESPONSE_KEYS = frozenset(
    {
        "object",
        "id",
        "parent",
        "created_time",
        "last_edited_time",
        "created_by",
        "last_edited_by",
        "has_children",
        "archived",
        "in_trash",
    }
)
"""Keys of a block as the API renders it; ignored so copied blocks can be sent back."""

_PAGE_PARENTS = frozenset({"page", "child_page"})
"""Parents that are pages: they take any block that is not bound to a special parent."""


@dataclass
class NormalizedBlock:
    type: str
    content: dict[str, Any]
    """The rendered type body, without ``children``."""
    children: list[NormalizedBlock] = field(default_factory=list)

    def count(self) -> int:
        """This block and all its descendants."""
        return 1 + sum(child.count() for child in self.children)


def normalize_children(children: object, field: str, *, depth: int = 0) -> list[NormalizedBlock]:
    """The blocks of a ``children`` array at nesting ``depth`` (0 for the request's own array)."""
    if depth == 0:
        _check_request_size(children, field)
    limit = MAX_CHILDREN_PER_REQUEST if depth >= 0 else None
    items = require_list(children, field, max_items=limit)
    return [_normalize_block(item, f"{field}[{index}]", depth) for index, item in enumerate(items)]


_UNLIMITED = -(10**9)
"""A ``depth`` so deep below zero that no nesting or count limit of a request applies."""


def normalize_tree(children: object, field: str) -> list[NormalizedBlock]:
    """Like ``normalize_children``, without the per-request limits on counts and nesting:
    for blocks read from a Markdown body, which only the body's size limits."""
    return normalize_children(children, field, depth=_UNLIMITED)


def normalize_block_update(block_type: str, body: object, field: str) -> dict[str, Any]:
    """The keys of an existing ``block_type`` block's content that a PATCH request changes.

    ``body`` is the whole request body; keys other than the type body (``archived``,
    ``in_trash``) are left to the caller. Naming another block type fails: types never change.
    """
    request = require_dict(body, field)
    given_type = request.get("type", block_type)
    if given_type != block_type:
        raise ValidationFailed(
            f'{field}.type should be `"{block_type}"` (a block\'s type cannot be changed), '
            f"instead was {show(given_type)}."
        )
    for key in request:
        if key != block_type and _is_block_type(key):
            raise ValidationFailed(
                f"{field}.{key} should be not present: the block is a `{block_type}` "
                "and a block's type cannot be changed."
            )
    if block_type not in request:
        return {}
    if block_type not in BLOCK_SPECS:
        reason = NOT_APPENDABLE.get(block_type, "this block type cannot be edited")
        raise ValidationFailed(f"{field}.{block_type} cannot be updated here: {reason}.")
    return render_update(block_type, request[block_type], f"{field}.{block_type}")


def check_children_fit(
    parent_type: str,
    parent_content: dict[str, Any],
    children: list[NormalizedBlock],
    field: str,
) -> None:
    """Refuse ``children`` that a ``parent_type`` block (or ``"page"``) cannot hold.

    Covers headings that are not toggles, rows of the wrong width for a table, non-columns in a
    column list, and table rows or columns anywhere but under their own parent type.
    """
    if parent_type in _PAGE_PARENTS:
        rule = ChildRule(allowed=lambda content: True)
    elif parent_type in BLOCK_SPECS:
        rule = BLOCK_SPECS[parent_type].children
    else:
        rule = ChildRule()
    if children and not rule.allowed(parent_content):
        raise ValidationFailed(
            f"{field} should be not present: a `{parent_type}` block cannot have children."
        )
    for index, child in enumerate(children):
        where = f"{field}[{index}]"
        if rule.only is not None:
            require_choice(child.type, where + ".type", sorted(rule.only))
        home = PARENT_ONLY.get(child.type)
        if home is not None and home != parent_type:
            raise ValidationFailed(
                f"{where}.{child.type} can only be a child of a `{home}` block, "
                f"instead its parent is a `{parent_type}`."
            )
    if rule.check is not None:
        rule.check(parent_content, [(child.type, child.content) for child in children], field)


def _is_block_type(key: str) -> bool:
    return key in BLOCK_SPECS or key in NOT_APPENDABLE


def _block_type(block: dict[str, Any], field: str) -> str:
    kind = block.get("type", UNDEFINED)
    if kind is UNDEFINED:
        present = [key for key in block if _is_block_type(key)]
        if not present:
            raise fail(field, "a block object with a type such as `paragraph`", block)
        kind = present[0]
    if not isinstance(kind, str) or not _is_block_type(kind):
        raise fail(field + ".type", "a supported block type such as `paragraph`", kind)
    if kind in NOT_APPENDABLE:
        raise ValidationFailed(
            f"{field}.{kind} cannot be appended as a block: {NOT_APPENDABLE[kind]}."
        )
    if kind not in block:
        raise fail(f"{field}.{kind}", "defined", UNDEFINED)
    reject_unknown_keys(block, _RESPONSE_KEYS | {"type", kind}, field)
    if block.get("object", "block") != "block":
        raise fail(field + ".object", '`"block"`', block["object"])
    return kind


def _normalize_block(value: object, field: str, depth: int) -> NormalizedBlock:
    block = require_dict(value, field)
    block_type = _block_type(block, field)
    where = f"{field}.{block_type}"
    body = dict(require_dict(block[block_type], where))
    raw_children = body.pop("children", UNDEFINED)
    content = render_body(block_type, body, where)
    children = _nested_children(block_type, content, raw_children, where + ".children", depth)
    return NormalizedBlock(block_type, content, children)


def _nested_children(
    block_type: str, content: dict[str, Any], raw: object, field: str, depth: int
) -> list[NormalizedBlock]:
    rule = BLOCK_SPECS[block_type].children
    if raw is UNDEFINED or (raw == [] and not rule.allowed(content)):
        if rule.minimum:
            raise fail(field, "defined", UNDEFINED)
        return []
    if not rule.allowed(content):
        raise fail(field, "not present", raw)
    if depth >= MAX_NESTING_DEPTH:
        raise ValidationFailed(
            f"{field} should be not present: children can be nested at most "
            f"{MAX_NESTING_DEPTH} levels deep in one request, instead was {show(raw)}."
        )
    children = normalize_children(raw, field, depth=depth + 1)
    if len(children) < rule.minimum:
        raise ValidationFailed(
            f"{field}.length should be ≥ `{rule.minimum}`, instead was `{len(children)}`."
        )
    check_children_fit(block_type, content, children, field)
    return children


def _check_request_size(children: object, field: str) -> None:
    # Counted on the raw JSON before any work, so that an oversized request costs little.
    total = _count_blocks(children, 0)
    if total > MAX_BLOCKS_PER_REQUEST:
        raise ValidationFailed(
            f"{field} should hold ≤ `{MAX_BLOCKS_PER_REQUEST}` blocks in one request, "
            f"nested children included, instead held `{total}`."
        )


def _count_blocks(children: object, depth: int) -> int:
    if not isinstance(children, list):
        return 0
    total = len(children)
    if depth >= MAX_NESTING_DEPTH:
        return total  # deeper arrays are refused anyway
    for item in children:
        if not isinstance(item, dict):
            continue
        for body in item.values():
            if isinstance(body, dict) and "children" in body:
                total += _count_blocks(body["children"], depth + 1)
    return total
