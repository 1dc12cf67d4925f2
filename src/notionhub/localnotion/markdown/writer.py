"""A page's blocks ⇄ Notion-flavoured Markdown, one block a line, children indented by a tab.

Written forms: paragraphs as text (``<empty-block/>`` when empty), ``#``/``##``/``###``
headings, ``- `` bullets, ``1. `` numbered items, ``- [ ]``/``- [x]`` to-dos, ``> `` quotes,
fenced code with its language, ``$$`` equations (each fence longer than any run of its
character inside), ``---`` dividers, ``<details>``/``<summary>``
toggles, ``<callout icon="…">``, ``![caption](url)`` images, ``<video|audio|pdf|file src="…">``,
``<bookmark|embed url="…">``, ``<table>`` of ``<tr><td>`` rows, ``<columns>``/``<column>``,
``<table_of_contents/>``, ``<breadcrumb/>``, ``<link_to_page url="…"/>``; child pages and
databases as ``<page url="…">title</page>`` / ``<database …>``; anything else (synced blocks)
as ``<unknown url="…" alt="type"/>``. A text block's color is a trailing ``{color="…"}``.

``read_markdown`` gives request-shaped blocks (``{"type": …, type: {…, "children": […]}}``)
and, for ``<page>``/``<database>``/``<unknown>`` lines, ``Kept`` markers naming the object
to keep in that place.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from notionhub.localnotion.markdown.inline import (
    escape_text,
    rich_text_to_markdown,
)
from notionhub.localnotion.rich_text.items import plain_text
from notionhub.localnotion.storage.store import StoredObject
from notionhub.localnotion.workspace import Workspace

_CHILD_KINDS = ("block", "page", "database")
_LIST_PREFIXES = {"bulleted_list_item": "- ", "numbered_list_item": "1. ", "quote": "> "}
_HEADINGS = {"heading_1": "# ", "heading_2": "## ", "heading_3": "### "}
_MEDIA = ("video", "audio", "pdf", "file")
_ATTR = re.compile(r"([\w-]+)=\"([^\"]*)\"")
_ID = re.compile(r"([0-9a-fA-F]{32}|[0-9a-fA-F-]{36})$")
_COLOR = re.compile(r" \{color=\"([a-z_]+)\"\}$")


@dataclass(frozen=True)
class Kept:
    """An existing child page, database or unknown block named by the Markdown, kept there."""

    id: str


# -- blocks → Markdown -------------------------------------------------------------------


@dataclass
class Written:
    markdown: str
    unknown_block_ids: list[str]


def write_markdown(ws: Workspace, parent_id: str) -> Written:
    """The Markdown of every live child of ``parent_id``, descendants included."""
    writer = _Writer(ws)
    writer.children(parent_id, 0)
    return Written("\n".join(writer.lines), writer.unknown)


class _Writer:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.lines: list[str] = []
        self.unknown: list[str] = []

    def children(self, parent_id: str, depth: int) -> None:
        for obj in self.ws.storage.children(parent_id, _CHILD_KINDS):
            self.block(obj, depth)

    def line(self, depth: int, text: str) -> None:
        self.lines.append("\t" * depth + text)

    def block(self, obj: StoredObject, depth: int) -> None:
        if obj.kind in ("page", "database"):
            kind = "page" if obj.kind == "page" else "database"
            title = _object_title(obj)
            self.line(depth, f'<{kind} url="{_url(obj.id)}">{escape_text(title)}</{kind}>')
            return
        kind = obj.body["type"]
        content: dict[str, Any] = obj.body[kind]
        writer = _BLOCK_WRITERS.get(kind)
        if writer is None:
            self.unknown.append(obj.id)
            self.line(depth, f'<unknown url="{_url(obj.id)}" alt="{kind}"/>')
            return
        writer(self, obj, content, depth)


def _url(object_id: str) -> str:
    return "https://www.notion.so/" + object_id.replace("-", "")


def _object_title(obj: StoredObject) -> str:
    if obj.kind == "page":
        title = obj.body.get("values", {}).get("title", {}).get("title", [])
        return plain_text(title) if isinstance(title, list) else ""
    return plain_text(obj.body.get("title", []))


def _color_suffix(content: dict[str, Any]) -> str:
    color = content.get("color", "default")
    return "" if color == "default" else f' {{color="{color}"}}'


def _inline_line(content: dict[str, Any]) -> str:
    text = rich_text_to_markdown(content.get("rich_text", []))
    return text + _color_suffix(content)


def _paragraph(w: _Writer, obj: StoredObject, content: dict[str, Any], depth: int) -> None:
    text = rich_text_to_markdown(content["rich_text"])
    if not text:
        text = "<empty-block/>"
    elif re.match(r"(#{1,3} |[-+] |\d+\. |---$|```|\$\$)", text):
        text = "\\" + text  # would read as another block's marker
    w.line(depth, text + _color_suffix(content))
    w.children(obj.id, depth + 1)


def _prefixed(prefix: str) -> Callable[[_Writer, StoredObject, dict[str, Any], int], None]:
    def write(w: _Writer, obj: StoredObject, content: dict[str, Any], depth: int) -> None:
        suffix = ' {toggle="true"}' if content.get("is_toggleable") else ""
        w.line(depth, prefix + _inline_line(content) + suffix)
        w.children(obj.id, depth + 1)

    return write


def _to_do(w: _Writer, obj: StoredObject, content: dict[str, Any], depth: int) -> None:
    box = "[x]" if content.get("checked") else "[ ]"
    w.line(depth, f"- {box} " + _inline_line(content))
    w.children(obj.id, depth + 1)


def _toggle(w: _Writer, obj: StoredObject, content: dict[str, Any], depth: int) -> None:
    w.line(depth, "<details>")
    w.line(depth, f"<summary>{_inline_line(content)}</summary>")
    w.children(obj.id, depth + 1)
    w.line(depth, "</details>")


def _callout(w: _Writer, obj: StoredObject, content: dict[str, Any], depth: int) -> None:
    icon = content.get("icon") or {}
    source = icon.get("emoji") or (icon.get(icon.get("type", "")) or {}).get("url", "")
    color = _color_suffix(content).strip().strip("{}")
    w.line(depth, f'<callout icon="{html.escape(source)}"{" " + color if color else ""}>')
    w.line(depth + 1, rich_text_to_markdown(content["rich_text"]) or "<empty-block/>")
    w.children(obj.id, depth + 1)
    w.line(depth, "</callout>")


def _fence(char: str, shortest: int, content: str) -> str:
    """A fence longer than any run of its character in the content, so none closes it early."""
    longest = max((len(run) for run in re.findall(f"{re.escape(char)}+", content)), default=0)
    return char * max(shortest, longest + 1)


def _code(w: _Writer, obj: StoredObject, content: dict[str, Any], depth: int) -> None:
    code = plain_text(content["rich_text"])
    fence = _fence("`", 3, code)
    w.line(depth, fence + content.get("language", "plain text"))
    for code_line in code.split("\n"):
        w.line(depth, code_line)
    w.line(depth, fence)


def _equation(w: _Writer, obj: StoredObject, content: dict[str, Any], depth: int) -> None:
    fence = _fence("$", 2, content["expression"])
    w.line(depth, fence)
    for expression_line in content["expression"].split("\n"):
        w.line(depth, expression_line)
    w.line(depth, fence)


def _bare(text: str) -> Callable[[_Writer, StoredObject, dict[str, Any], int], None]:
    def write(w: _Writer, obj: StoredObject, content: dict[str, Any], depth: int) -> None:
        color = _color_suffix(content) if "color" in content else ""
        w.line(depth, text + color)

    return write


def _source_url(content: dict[str, Any]) -> str:
    kind = content.get("type", "external")
    return str((content.get(kind) or {}).get("url", ""))


def _media(w: _Writer, obj: StoredObject, content: dict[str, Any], depth: int) -> None:
    kind = obj.body["type"]
    caption = rich_text_to_markdown(content.get("caption", []))
    url = html.escape(_source_url(content))
    if kind == "image":
        w.line(depth, f"![{caption}]({url.replace(')', '%29')})")
        return
    name = f' name="{html.escape(content["name"])}"' if content.get("name") else ""
    w.line(depth, f'<{kind} src="{url}"{name}>{caption}</{kind}>')


def _url_block(w: _Writer, obj: StoredObject, content: dict[str, Any], depth: int) -> None:
    kind = obj.body["type"]
    caption = rich_text_to_markdown(content.get("caption", []))
    w.line(depth, f'<{kind} url="{html.escape(content["url"])}">{caption}</{kind}>')


def _link_to_page(w: _Writer, obj: StoredObject, content: dict[str, Any], depth: int) -> None:
    kind = content["type"]
    w.line(depth, f'<link_to_page url="{_url(content[kind])}" type="{kind}"/>')


def _table(w: _Writer, obj: StoredObject, content: dict[str, Any], depth: int) -> None:
    row_header = "true" if content.get("has_row_header") else "false"
    column_header = "true" if content.get("has_column_header") else "false"
    w.line(depth, f'<table header-row="{column_header}" header-column="{row_header}">')
    for row in w.ws.storage.children(obj.id, ("block",)):
        cells = row.body["table_row"]["cells"]
        tds = "".join(f"<td>{rich_text_to_markdown(cell)}</td>" for cell in cells)
        w.line(depth + 1, f"<tr>{tds}</tr>")
    w.line(depth, "</table>")


def _columns(w: _Writer, obj: StoredObject, content: dict[str, Any], depth: int) -> None:
    w.line(depth, "<columns>")
    for column in w.ws.storage.children(obj.id, ("block",)):
        w.line(depth + 1, "<column>")
        w.children(column.id, depth + 2)
        w.line(depth + 1, "</column>")
    w.line(depth, "</columns>")


_BLOCK_WRITERS: dict[str, Callable[[_Writer, StoredObject, dict[str, Any], int], None]] = {
    "paragraph": _paragraph,
    **{kind: _prefixed(prefix) for kind, prefix in {**_HEADINGS, **_LIST_PREFIXES}.items()},
    "to_do": _to_do,
    "toggle": _toggle,
    "callout": _callout,
    "code": _code,
    "equation": _equation,
    "divider": _bare("---"),
    "table_of_contents": _bare("<table_of_contents/>"),
    "breadcrumb": _bare("<breadcrumb/>"),
    "image": _media,
    **{kind: _media for kind in _MEDIA},
    "bookmark": _url_block,
    "embed": _url_block,
    "link_to_page": _link_to_page,
    "table": _table,
    "column_list": _columns,
}


def has_writer(block_type: str) -> bool:
    """Whether Markdown holds blocks of this type (others are written as ``<unknown>``)."""
    return block_type in _BLOCK_WRITERS
