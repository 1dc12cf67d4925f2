"""The registry of block types: which keys each type body has, their defaults and checks.

A block type is one ``BlockSpec`` in ``BLOCK_SPECS``; its ``fields`` are in the order the API
renders them. Adding a block type means adding an entry here, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.fields import (
    UNDEFINED,
    fail,
    reject_unknown_keys,
    require_bool,
    require_choice,
    require_dict,
    require_key,
    require_list,
    require_str,
    require_url,
    show,
)
from notionhub.localnotion.api.ids import parse_id
from notionhub.localnotion.files.sources import SOURCE_TYPES, parse_file_source
from notionhub.localnotion.rich_text.items import (
    MAX_EQUATION_LENGTH,
    normalize_color,
    normalize_rich_text,
)

FieldParser = Callable[[object, str], Any]
Children = Sequence[tuple[str, Mapping[str, Any]]]
"""The (type, content) of each already normalized child, for checks across parent and child."""

CODE_LANGUAGES = (
    "abap", "abc", "agda", "arduino", "ascii art", "assembly", "bash", "basic", "bnf", "c",
    "c#", "c++", "clojure", "coffeescript", "coq", "css", "dart", "dhall", "diff", "docker",
    "ebnf", "elixir", "elm", "erlang", "f#", "flow", "fortran", "gherkin", "glsl", "go",
    "graphql", "groovy", "haskell", "hcl", "html", "idris", "java", "javascript", "json",
    "julia", "kotlin", "latex", "less", "lisp", "livescript", "llvm ir", "lua", "makefile",
    "markdown", "markup", "matlab", "mathematica", "mermaid", "nix", "notion formula",
    "objective-c", "ocaml", "pascal", "perl", "php", "plain text", "powershell", "prolog",
    "protobuf", "purescript", "python", "r", "racket", "reason", "ruby", "rust", "sass",
    "scala", "scheme", "scss", "shell", "smalltalk", "solidity", "sql", "swift", "toml",
    "typescript", "vb.net", "verilog", "vhdl", "visual basic", "webassembly", "xml", "yaml",
    "java/c/c++/c#",
)  # fmt: skip
"""Notion's code block languages, in the order its validation message lists them."""

DEFAULT_CALLOUT_ICON = {"type": "emoji", "emoji": "💡"}
"""The icon Notion gives a callout created without one."""


@dataclass(frozen=True)
class BodyField:
    parse: FieldParser
    default: Callable[[], Any] | None = None
    """Value when the key is absent at creation; ``None`` makes the key required."""
    create_only: bool = False
    """Fixed once the block exists (Notion refuses to change it through an update)."""
    optional: bool = False
    """Left out when absent, for ``BlockSpec.complete`` to derive."""


@dataclass(frozen=True)
class ChildRule:
    allowed: Callable[[Mapping[str, Any]], bool] = lambda content: False
    """Whether a block with this content may have children at all."""
    only: frozenset[str] | None = None
    """The only child types allowed, when restricted."""
    minimum: int = 0
    """Children a new block of this type must be created with."""
    check: Callable[[Mapping[str, Any], Children, str], None] | None = None


@dataclass(frozen=True)
class BlockSpec:
    fields: dict[str, BodyField] = field(default_factory=dict)
    children: ChildRule = ChildRule()
    whole: FieldParser | None = None
    """Parser of the whole body, for bodies that are one of several shapes (link_to_page)."""
    complete: Callable[[dict[str, Any]], None] | None = None
    """Fills defaults that depend on other keys, after the fields are parsed."""


# Field parsers ------------------------------------------------------------------------------


def _rich_text(value: object, where: str) -> list[dict[str, Any]]:
    return normalize_rich_text(value, where)


def _empty_list() -> list[Any]:
    return []


def _false() -> bool:
    return False


def _default_color() -> str:
    return "default"


def _positive_int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise fail(where, "a positive integer", value)
    return value


def parse_icon(value: object, where: str) -> dict[str, Any]:
    """An emoji, external or uploaded icon, of a callout, a page, a database or a data source."""
    body = require_dict(value, where)
    kind = body.get("type", "emoji" if "emoji" in body else "external")
    kind = require_choice(kind, where + ".type", ["emoji", "external", *SOURCE_TYPES])
    reject_unknown_keys(body, ("type", kind), where)
    if kind in SOURCE_TYPES:
        return parse_file_source(kind, require_key(body, kind, where), f"{where}.{kind}")
    if kind == "emoji":
        emoji = require_str(require_key(body, "emoji", where), where + ".emoji", max_length=32)
        if not emoji:
            raise fail(where + ".emoji", "an emoji", emoji)
        return {"type": "emoji", "emoji": emoji}
    return {
        "type": "external",
        "external": parse_external(require_key(body, "external", where), where + ".external"),
    }


def parse_external(value: object, where: str) -> dict[str, Any]:
    """The ``{"url"}`` of an external file: a media block's source, an icon, a cover."""
    body = require_dict(value, where)
    reject_unknown_keys(body, ("url",), where)
    return {"url": require_url(require_key(body, "url", where), where + ".url")}


def _media_type(value: object, where: str) -> str:
    return require_choice(value, where, ["external", *SOURCE_TYPES])


def keep_media_source(content: dict[str, Any]) -> None:
    """Keep the one source ``type`` names; an upload is stored as the ``file`` it became."""
    kind = content["type"]
    source = content.get(kind)
    if source is None:
        raise ValidationFailed(
            f"The media block's `{kind}` should be defined, as its `type` is `{kind}`."
        )
    for key in ("external", *SOURCE_TYPES):
        content.pop(key, None)
    if kind == "external":
        content["external"] = source
    else:
        content["type"], content["file"] = "file", source["file"]


def _media_complete(named: bool) -> Callable[[dict[str, Any]], None]:
    def complete(content: dict[str, Any]) -> None:
        keep_media_source(content)
        if named:
            _file_name_from_url(content)

    return complete


def _source_field(kind: str) -> BodyField:
    return BodyField(lambda value, where: parse_file_source(kind, value, where), optional=True)


def _cells(value: object, where: str) -> list[list[dict[str, Any]]]:
    cells = require_list(value, where)
    return [normalize_rich_text(cell, f"{where}[{index}]") for index, cell in enumerate(cells)]


def _synced_from(value: object, where: str) -> dict[str, Any] | None:
    if value is None:
        return None
    body = require_dict(value, where)
    reject_unknown_keys(body, ("type", "block_id"), where)
    require_choice(body.get("type", "block_id"), where + ".type", ["block_id"])
    block_id = parse_id(require_key(body, "block_id", where), where + ".block_id")
    return {"type": "block_id", "block_id": block_id}


def _link_to_page(value: object, where: str) -> dict[str, Any]:
    body = require_dict(value, where)
    targets = ["page_id", "database_id"]
    kind = body.get("type", next((key for key in targets if key in body), "page_id"))
    kind = require_choice(kind, where + ".type", targets)
    reject_unknown_keys(body, ("type", kind), where)
    return {"type": kind, kind: parse_id(require_key(body, kind, where), f"{where}.{kind}")}


def _file_name_from_url(content: dict[str, Any]) -> None:
    source = content.get("external") or content.get("file")
    if "name" not in content and source is not None:
        path = urlsplit(source["url"]).path
        content["name"] = unquote(path.rsplit("/", 1)[-1])


def _check_table_rows(content: Mapping[str, Any], children: Children, where: str) -> None:
    width = content["table_width"]
    for index, (_, row) in enumerate(children):
        count = len(row["cells"])
        if count != width:
            raise ValidationFailed(
                f"{where}[{index}].table_row.cells.length should be `{width}` "
                f"(the table_width), instead was `{count}`."
            )


# Registry -----------------------------------------------------------------------------------

RICH_TEXT = BodyField(_rich_text)
CAPTION = BodyField(_rich_text, _empty_list)
COLOR = BodyField(normalize_color, _default_color)
ANY_CHILDREN = ChildRule(allowed=lambda content: True)


def _text_block(children: ChildRule = ANY_CHILDREN, **extra: BodyField) -> BlockSpec:
    return BlockSpec({"rich_text": RICH_TEXT, **extra, "color": COLOR}, children)


def _heading() -> BlockSpec:
    # Only toggle headings can hold children.
    toggle_only = ChildRule(allowed=lambda content: bool(content.get("is_toggleable")))
    return _text_block(toggle_only, is_toggleable=BodyField(require_bool, _false))


def _media(**extra: BodyField) -> BlockSpec:
    return BlockSpec(
        {
            "caption": CAPTION,
            "type": BodyField(_media_type, lambda: "external"),
            "external": BodyField(parse_external, optional=True),
            **{kind: _source_field(kind) for kind in SOURCE_TYPES},
            **extra,
        },
        complete=_media_complete(named=bool(extra)),
    )


def _url_block() -> BlockSpec:
    return BlockSpec({"caption": CAPTION, "url": BodyField(require_url)})


BLOCK_SPECS: dict[str, BlockSpec] = {
    "paragraph": _text_block(),
    "heading_1": _heading(),
    "heading_2": _heading(),
    "heading_3": _heading(),
    "bulleted_list_item": _text_block(),
    "numbered_list_item": _text_block(),
    "to_do": _text_block(checked=BodyField(require_bool, _false)),
    "toggle": _text_block(),
    "quote": _text_block(),
    "callout": _text_block(icon=BodyField(parse_icon, lambda: dict(DEFAULT_CALLOUT_ICON))),
    "code": BlockSpec(
        {
            "caption": CAPTION,
            "rich_text": RICH_TEXT,
            "language": BodyField(lambda v, w: require_choice(v, w, CODE_LANGUAGES)),
        }
    ),
    "divider": BlockSpec(),
    "breadcrumb": BlockSpec(),
    "table_of_contents": BlockSpec({"color": COLOR}),
    "equation": BlockSpec(
        {"expression": BodyField(lambda v, w: require_str(v, w, max_length=MAX_EQUATION_LENGTH))}
    ),
    "bookmark": _url_block(),
    "embed": _url_block(),
    "image": _media(),
    "video": _media(),
    "audio": _media(),
    "pdf": _media(),
    "file": _media(name=BodyField(lambda v, w: require_str(v, w, max_length=2000), optional=True)),
    "link_to_page": BlockSpec(whole=_link_to_page),
    "table": BlockSpec(
        {
            "table_width": BodyField(_positive_int, create_only=True),
            "has_column_header": BodyField(require_bool, _false),
            "has_row_header": BodyField(require_bool, _false),
        },
        ChildRule(
            allowed=lambda content: True,
            only=frozenset({"table_row"}),
            minimum=1,
            check=_check_table_rows,
        ),
    ),
    "table_row": BlockSpec({"cells": BodyField(_cells)}),
    "column_list": BlockSpec(
        children=ChildRule(allowed=lambda content: True, only=frozenset({"column"}), minimum=2)
    ),
    "column": BlockSpec(children=ChildRule(allowed=lambda content: True, minimum=1)),
    "synced_block": BlockSpec(
        {"synced_from": BodyField(_synced_from, create_only=True)},
        # Only an original synced block (synced_from null) holds content; copies mirror it.
        ChildRule(allowed=lambda content: content.get("synced_from") is None),
    ),
}

MEDIA_TYPES = frozenset({"image", "video", "audio", "pdf", "file"})

PARENT_ONLY: dict[str, str] = {"table_row": "table", "column": "column_list"}
"""Child types that may live only under one parent type."""

NOT_APPENDABLE: dict[str, str] = {
    "child_page": "create pages with POST /v1/pages",
    "child_database": "create databases with POST /v1/databases",
}
"""Block types that exist but are made through other endpoints."""


def render_body(block_type: str, value: object, where: str) -> dict[str, Any]:
    """The full rendered body of a new ``block_type`` block; ``children`` must be removed first."""
    spec = BLOCK_SPECS[block_type]
    body = require_dict(value, where)
    if spec.whole is not None:
        whole: dict[str, Any] = spec.whole(body, where)
        return whole
    content: dict[str, Any] = {}
    for key, body_field in spec.fields.items():
        if key in body:
            content[key] = body_field.parse(body[key], f"{where}.{key}")
        elif body_field.default is not None:
            content[key] = body_field.default()
        elif body_field.optional:
            continue
        else:
            raise fail(f"{where}.{key}", "defined", UNDEFINED)
    # Known keys first, so that a wrong `type` is reported rather than the body it names.
    reject_unknown_keys(body, spec.fields, where)
    if spec.complete is not None:
        spec.complete(content)
    return content


def render_update(block_type: str, value: object, where: str) -> dict[str, Any]:
    """The keys of an existing ``block_type`` body that an update changes, rendered."""
    spec = BLOCK_SPECS[block_type]
    body = require_dict(value, where)
    if spec.whole is not None:
        whole: dict[str, Any] = spec.whole(body, where)
        return whole
    reject_unknown_keys(body, spec.fields, where)
    changes: dict[str, Any] = {}
    for key, raw in body.items():
        if spec.fields[key].create_only:
            raise ValidationFailed(
                f"{where}.{key} cannot be changed once the block exists, instead was {show(raw)}."
            )
        changes[key] = spec.fields[key].parse(raw, f"{where}.{key}")
    return changes
