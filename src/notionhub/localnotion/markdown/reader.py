"""Notion-flavoured Markdown → blocks: the reverse of ``markdown.writer``, same forms.

``read_markdown`` returns, for each top-level line, either a request-shaped block
(``{"type": t, t: {…, "children": […]}}``) or ``Kept(id)`` for a ``<page>``, ``<database>`` or
``<unknown>`` line, which names an existing object to keep in that place. Blank lines are
ignored; a line's depth is its number of leading tabs.
"""

from __future__ import annotations

import html
import re
from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.ids import is_id, parse_id
from notionhub.localnotion.markdown.inline import markdown_to_rich_text
from notionhub.localnotion.markdown.writer import Kept

_ATTR = re.compile(r"([\w-]+)=\"([^\"]*)\"")
_ID = re.compile(r"([0-9a-fA-F]{32}|[0-9a-fA-F-]{36})$")
_COLOR = re.compile(r" \{color=\"([a-z_]+)\"\}$")
_FENCE = re.compile(r"(`{3,})(?!`)")
_TOGGLE = ' {toggle="true"}'
_KEPT = re.compile(
    r"<(page|database)\s+url=\"([^\"]*)\">.*</\1>$|<unknown\s+url=\"([^\"]*)\"[^>]*/>$"
)
_MEDIA = re.compile(r"<(video|audio|pdf|file)((?:\s+[\w-]+=\"[^\"]*\")*)>(.*)</\1>$")
_URL_BLOCK = re.compile(r"<(bookmark|embed)\s+url=\"([^\"]*)\">(.*)</\1>$")
_IMAGE = re.compile(r"!\[(.*)\]\(([^)]*)\)$")
_LIST = re.compile(r"(- \[ \] |- \[x\] |- |\d+\. |> |### |## |# )")
_LIST_TYPES = {
    "- [ ] ": "to_do",
    "- [x] ": "to_do",
    "- ": "bulleted_list_item",
    "> ": "quote",
    "# ": "heading_1",
    "## ": "heading_2",
    "### ": "heading_3",
}
_CODE_CHUNK = 1000  # characters per rich text item of a code block (≤ 2,000 UTF-16 units)

Block = dict[str, Any]


def read_markdown(markdown: str, field: str) -> list[Block | Kept]:
    """The blocks of a Markdown body; ``ValidationFailed`` naming ``field`` if malformed."""
    lines = [
        (len(raw) - len(raw.lstrip("\t")), raw.lstrip("\t"), raw)
        for raw in markdown.replace("\r\n", "\n").split("\n")
    ]
    reader = _Reader(lines, field)
    return reader.blocks(0)


def _object_id(url: str, field: str) -> str:
    found = _ID.search(html.unescape(url))
    if found is None or not is_id(found.group(1)):
        raise ValidationFailed(f"{field}: `{url}` names no page, database or block.")
    return parse_id(found.group(1), field)


class _Reader:
    def __init__(self, lines: list[tuple[int, str, str]], field: str) -> None:
        self.lines = lines
        self.field = field
        self.i = 0

    def _skip_blank(self) -> None:
        while self.i < len(self.lines) and not self.lines[self.i][1].strip():
            self.i += 1

    def blocks(self, depth: int) -> list[Block | Kept]:
        found: list[Block | Kept] = []
        while True:
            self._skip_blank()
            if self.i >= len(self.lines) or self.lines[self.i][0] < depth:
                return found
            text = self.lines[self.i][1]
            if text.startswith("</"):
                return found  # a closing tag of the caller's block
            self.i += 1
            found.append(self._block(text, depth))

    def _expect(self, closing: str, depth: int) -> None:
        self._skip_blank()
        if self.i >= len(self.lines) or self.lines[self.i][1].rstrip() != closing:
            raise ValidationFailed(f"{self.field}: `{closing}` expected, not found.")
        self.i += 1

    def _inline(self, text: str) -> list[dict[str, Any]]:
        return markdown_to_rich_text(text, self.field)

    def _children(self, depth: int) -> list[Block]:
        children = self.blocks(depth + 1)
        if any(isinstance(child, Kept) for child in children):
            raise ValidationFailed(
                f"{self.field}: child pages and databases can only be at the top level."
            )
        return [child for child in children if not isinstance(child, Kept)]

    def _block(self, text: str, depth: int) -> Block | Kept:
        text = text.rstrip("\r")
        kept = _KEPT.match(text)
        if kept:
            return Kept(_object_id(kept.group(2) or kept.group(3), self.field))
        fence = _FENCE.match(text)
        if fence:
            language = text[len(fence.group(1)) :].strip() or "plain text"
            return self._fenced("code", depth, fence.group(1), language)
        if len(text) >= 2 and text == "$" * len(text):
            return self._fenced("equation", depth, text)
        for opening, reader in _CONTAINERS.items():
            if text.startswith(opening):
                return reader(self, text, depth)
        simple = _simple_block(text)
        if simple is not None:
            return simple
        return self._text_block(text, depth)

    def _fenced(self, kind: str, depth: int, fence: str, language: str = "") -> Block:
        """The lines up to the closing ``fence`` (the opening one, exactly) at this depth."""
        body: list[str] = []
        while self.i < len(self.lines):
            level, _, raw = self.lines[self.i]
            self.i += 1
            if raw[depth:].rstrip() == fence and level == depth:
                text = "\n".join(body)
                if kind == "equation":
                    return {"type": "equation", "equation": {"expression": text}}
                chunks = [text[n : n + _CODE_CHUNK] for n in range(0, len(text), _CODE_CHUNK)]
                rich_text = [{"text": {"content": chunk}} for chunk in chunks]
                return {"type": "code", "code": {"rich_text": rich_text, "language": language}}
            body.append(raw[min(depth, level) :])
        raise ValidationFailed(f"{self.field}: `{fence}` is not closed.")

    def _text_block(self, text: str, depth: int) -> Block:
        toggleable = text.endswith(_TOGGLE)
        text = text.removesuffix(_TOGGLE)
        color = _COLOR.search(text)
        if color:
            text = text[: color.start()]
        marker = _LIST.match(text)
        kind, rest = "paragraph", text
        if marker:
            prefix = marker.group(1)
            kind = _LIST_TYPES.get(prefix, "numbered_list_item")
            rest = text[len(prefix) :]
        body: dict[str, Any] = {"rich_text": [] if rest == "<empty-block/>" else self._inline(rest)}
        if color:
            body["color"] = color.group(1)
        if kind == "to_do":
            body["checked"] = marker is not None and marker.group(1) == "- [x] "
        if kind.startswith("heading_"):
            body["is_toggleable"] = toggleable
            if not toggleable:
                return {"type": kind, kind: body}
        children = self._children(depth)
        if children:
            body["children"] = children
        return {"type": kind, kind: body}

    def _toggle(self, text: str, depth: int) -> Block:
        self._skip_blank()
        summary = self.lines[self.i][1].rstrip() if self.i < len(self.lines) else ""
        if not (summary.startswith("<summary>") and summary.endswith("</summary>")):
            raise ValidationFailed(f"{self.field}: `<details>` needs a `<summary>` line.")
        self.i += 1
        inner = summary[len("<summary>") : -len("</summary>")]
        color = _COLOR.search(inner)
        body: dict[str, Any] = {
            "rich_text": self._inline(inner[: color.start()] if color else inner)
        }
        if color:
            body["color"] = color.group(1)
        children = self._children(depth)
        if children:
            body["children"] = children
        self._expect("</details>", depth)
        return {"type": "toggle", "toggle": body}

    def _callout(self, text: str, depth: int) -> Block:
        attrs = dict(_ATTR.findall(text))
        icon = html.unescape(attrs.get("icon", "💡"))
        body: dict[str, Any] = {
            "icon": {"type": "external", "external": {"url": icon}}
            if icon.startswith(("http://", "https://"))
            else {"type": "emoji", "emoji": icon},
            "rich_text": [],
        }
        if "color" in attrs:
            body["color"] = attrs["color"]
        children = self._children(depth)
        first = children[0] if children else None
        if first is not None and first["type"] == "paragraph":
            body["rich_text"] = first["paragraph"]["rich_text"]
            nested = first["paragraph"].get("children", [])
            children = nested + children[1:]
        if children:
            body["children"] = children
        self._expect("</callout>", depth)
        return {"type": "callout", "callout": body}

    def _table(self, text: str, depth: int) -> Block:
        attrs = dict(_ATTR.findall(text))
        rows: list[Block] = []
        widths: list[int] = []
        while True:
            self._skip_blank()
            row = self.lines[self.i][1].rstrip() if self.i < len(self.lines) else ""
            if not (row.startswith("<tr><td>") and row.endswith("</td></tr>")):
                break
            self.i += 1
            cells = row[len("<tr><td>") : -len("</td></tr>")].split("</td><td>")
            rich = [self._inline(cell) for cell in cells]
            widths.append(len(rich))
            rows.append({"type": "table_row", "table_row": {"cells": rich}})
        self._expect("</table>", depth)
        width = widths[0] if widths else 0
        table = {
            "table_width": width,
            "has_column_header": attrs.get("header-row") == "true",
            "has_row_header": attrs.get("header-column") == "true",
            "children": rows,
        }
        return {"type": "table", "table": table}

    def _columns(self, text: str, depth: int) -> Block:
        columns = []
        while True:
            self._skip_blank()
            line = self.lines[self.i][1].rstrip() if self.i < len(self.lines) else ""
            if line != "<column>":
                break
            self.i += 1
            children = self._children(depth + 1)
            self._expect("</column>", depth + 1)
            columns.append({"type": "column", "column": {"children": children}})
        self._expect("</columns>", depth)
        return {"type": "column_list", "column_list": {"children": columns}}


_CONTAINERS = {
    "<details>": _Reader._toggle,
    "<callout": _Reader._callout,
    "<table ": _Reader._table,
    "<table>": _Reader._table,
    "<columns>": _Reader._columns,
}


def _simple_block(text: str) -> Block | None:
    """The one-line blocks that hold no children: dividers, media, links, tables of contents."""
    color = _COLOR.search(text)
    bare = text[: color.start()] if color else text
    if text == "---":
        return {"type": "divider", "divider": {}}
    if bare in ("<table_of_contents/>", "<breadcrumb/>"):
        kind = bare[1:-2]
        return {"type": kind, kind: {"color": color.group(1)} if color else {}}
    if text.startswith("<link_to_page"):
        attrs = dict(_ATTR.findall(text))
        kind = attrs.get("type", "page_id")
        target = _object_id(attrs.get("url", ""), "link_to_page.url")
        return {"type": "link_to_page", "link_to_page": {"type": kind, kind: target}}
    image = _IMAGE.match(text)
    if image:
        url = html.unescape(image.group(2)).replace("%29", ")")
        return _media_block("image", url, image.group(1), {})
    media = _MEDIA.match(text)
    if media:
        attrs = {key: html.unescape(value) for key, value in _ATTR.findall(media.group(2))}
        return _media_block(media.group(1), attrs.get("src", ""), media.group(3), attrs)
    url_block = _URL_BLOCK.match(text)
    if url_block:
        kind = url_block.group(1)
        caption = markdown_to_rich_text(url_block.group(3), "caption")
        return {kind: {"url": html.unescape(url_block.group(2)), "caption": caption}, "type": kind}
    return None


def _media_block(kind: str, url: str, caption: str, attrs: dict[str, str]) -> Block:
    # A file this server serves (an attached upload) stays one; any other URL is external.
    source = "file" if "/_files/" in url else "external"
    body: dict[str, Any] = {
        "type": source,
        source: {"url": url},
        "caption": markdown_to_rich_text(caption, "caption"),
    }
    if kind == "file" and "name" in attrs:
        body["name"] = attrs["name"]
    return {"type": kind, kind: body}
