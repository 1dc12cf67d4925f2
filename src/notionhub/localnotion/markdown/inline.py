"""Rich text ⇄ the inline part of Notion-flavoured Markdown.

``**bold**``, ``*italic*``, ``~~strikethrough~~``, `` `code` ``, ``[text](url)``,
``<span underline="true" color="red">…</span>``, ``$equation$`` and mentions as Notion's
enhanced Markdown writes them (``<mention-page url="…"/>``, ``<mention-database url="…"/>``,
``<mention-user url="user://…"/>``, ``<mention-date start="…" end="…"/>``). Characters that
would read as markup are escaped with a backslash.

Each item is written whole (opened and closed), so adjacent items give runs like ``***``; the
reader closes every open marker of a run first, then opens with what is left: the two agree.
"""

from __future__ import annotations

import html
import re
from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.rich_text.items import normalize_rich_text

_ESCAPED = "\\*_~`[](){}<>$"
_ID = re.compile(r"([0-9a-fA-F]{32}|[0-9a-fA-F-]{36})$")
_MENTION = re.compile(r"<mention-(page|database|user|date)((?:\s+\w+=\"[^\"]*\")*)\s*/>")
_SPAN_OPEN = re.compile(r"<span((?:\s+\w+=\"[^\"]*\")+)\s*>")
_MERGE_LIMIT = 2000  # text items are merged up to Notion's content limit
_WIDTH = {"bold": 2, "italic": 1, "strikethrough": 2}
_ATTR = re.compile(r"(\w+)=\"([^\"]*)\"")


def escape_text(text: str) -> str:
    """Text as Markdown that reads back as this text: markup escaped, newlines as ``<br>``."""
    escaped = "".join("\\" + char if char in _ESCAPED else char for char in text)
    return escaped.replace("\n", "<br>")


def rich_text_to_markdown(items: list[dict[str, Any]]) -> str:
    """The items as inline Markdown (newlines inside text stay newlines)."""
    return "".join(_item_markdown(item) for item in items)


def _item_markdown(item: dict[str, Any]) -> str:
    kind = item.get("type")
    notes = item.get("annotations") or {}
    href: str | None = None
    if kind == "text":
        text = item["text"]["content"]
        if not text:
            return ""
        core = _code(text) if notes.get("code") else escape_text(text)
        href = (item["text"].get("link") or {}).get("url")
    elif kind == "equation":
        core = "$" + escape_text(item["equation"]["expression"]) + "$"
    elif kind == "mention":
        core = _mention(item["mention"]) or escape_text(str(item.get("plain_text", "")))
    else:
        core = escape_text(str(item.get("plain_text", "")))
    stars = ("**" if notes.get("bold") else "") + ("*" if notes.get("italic") else "")
    core = stars + core + stars[::-1]
    if notes.get("strikethrough"):
        core = "~~" + core + "~~"
    attrs = []
    if notes.get("code") and kind != "text":
        attrs.append('code="true"')  # an equation or mention marked as code
    if notes.get("underline"):
        attrs.append('underline="true"')
    if notes.get("color", "default") != "default":
        attrs.append(f'color="{notes["color"]}"')
    if attrs:
        core = f"<span {' '.join(attrs)}>{core}</span>"
    if href:
        core = f"[{core}]({_escape_url(href)})"
    return core


def _code(text: str) -> str:
    """A code span. Its backslashes, backticks, ``<`` and brackets are escaped (a link's
    text is found by its brackets), as only this reader reads them."""
    escaped = "".join("\\" + char if char in "\\`<[]" else char for char in text)
    return "`" + escaped.replace("\n", "<br>") + "`"


def _escape_url(url: str) -> str:
    return url.replace("\\", "\\\\").replace(")", "\\)").replace("(", "\\(")


def _mention(mention: dict[str, Any]) -> str | None:
    kind = mention.get("type")
    if kind in ("page", "database"):
        object_id = mention[kind]["id"].replace("-", "")
        return f'<mention-{kind} url="https://www.notion.so/{object_id}"/>'
    if kind == "user":
        return f'<mention-user url="user://{mention["user"]["id"]}"/>'
    if kind == "date":
        date = mention["date"]
        end = f' end="{html.escape(date["end"])}"' if date.get("end") else ""
        return f'<mention-date start="{html.escape(date["start"])}"{end}/>'
    return None


def markdown_to_rich_text(markdown: str, field: str) -> list[dict[str, Any]]:
    """Inline Markdown as a rich text array (validated; Notion's limits apply)."""
    return normalize_rich_text(_InlineReader(markdown, field).read(), field)


class _InlineReader:
    """Reads inline Markdown into rich text items (as a request would send them)."""

    def __init__(self, text: str, field: str) -> None:
        self.text = text
        self.field = field
        self.items: list[dict[str, Any]] = []
        self.buffer: list[str] = []
        self.open: list[str] = []  # bold, italic, strikethrough: in the order opened
        self.spans: list[dict[str, Any]] = []
        self.link: str | None = None

    def read(self) -> list[dict[str, Any]]:
        self._read(self.text)
        self._flush()
        return self.items

    def _read(self, text: str) -> None:
        i = 0
        while i < len(text):
            char = text[i]
            if char == "\\" and i + 1 < len(text):
                self.buffer.append(text[i + 1])
                i += 2
            elif char in "*~":
                run = len(text) - i - len(text[i:].lstrip(char))
                self._markers(char, run)
                i += run
            elif char == "`":
                i = self._code_span(text, i)
            elif char == "$":
                i = self._equation(text, i)
            elif char == "[" and self.link is None:
                i = self._link(text, i)
            elif char == "<":
                i = self._tag(text, i)
            else:
                self.buffer.append(char)
                i += 1

    def _markers(self, char: str, run: int) -> None:
        """A run of ``*`` or ``~``: close what is open of that kind, then open with the rest."""
        self._flush()
        kinds = ("bold", "italic") if char == "*" else ("strikethrough",)
        open_width = sum(_WIDTH[kind] for kind in self.open if kind in kinds)
        if open_width and run >= open_width:
            self.open = [kind for kind in self.open if kind not in kinds]
            run -= open_width
        else:
            while self.open and self.open[-1] in kinds and _WIDTH[self.open[-1]] <= run:
                run -= _WIDTH[self.open.pop()]
        for kind in ("bold", "italic", "strikethrough"):
            if kind in kinds and kind not in self.open and run >= _WIDTH[kind]:
                self.open.append(kind)
                run -= _WIDTH[kind]
        self.buffer.append(char * run)

    def _code_span(self, text: str, start: int) -> int:
        chars, end = _delimited(text, start, "`")
        if end is None:
            raise ValidationFailed(f"{self.field}: a code span (`) is not closed.")
        self._flush()
        self._emit({"text": {"content": chars}}, code=True)
        return end

    def _equation(self, text: str, start: int) -> int:
        chars, end = _delimited(text, start, "$")
        if end is None or not chars:
            self.buffer.append("$")
            return start + 1
        self._flush()
        self._emit({"type": "equation", "equation": {"expression": chars}})
        return end

    def _link(self, text: str, start: int) -> int:
        depth, i = 0, start
        while i < len(text):
            if text[i] == "\\":
                i += 2
                continue
            depth += {"[": 1, "]": -1}.get(text[i], 0)
            if depth == 0:
                break
            i += 1
        if i >= len(text) or not text.startswith("(", i + 1):
            self.buffer.append("[")
            return start + 1
        j, url = i + 2, []
        while j < len(text) and text[j] != ")":
            if text[j] == "\\" and j + 1 < len(text):
                j += 1
            url.append(text[j])
            j += 1
        if j >= len(text):
            self.buffer.append("[")
            return start + 1
        self._flush()
        self.link = "".join(url)
        self._read(text[start + 1 : i])
        self._flush()
        self.link = None
        return j + 1

    def _tag(self, text: str, start: int) -> int:
        if text.startswith("<br>", start):
            self.buffer.append("\n")
            return start + 4
        mention = _MENTION.match(text, start)
        if mention:
            self._flush()
            attrs = dict(_ATTR.findall(mention.group(2)))
            self._emit({"type": "mention", "mention": _mention_body(mention.group(1), attrs)})
            return mention.end()
        span = _SPAN_OPEN.match(text, start)
        if span:
            self._flush()
            attrs = dict(_ATTR.findall(span.group(1)))
            self.spans.append(attrs)
            return span.end()
        if text.startswith("</span>", start) and self.spans:
            self._flush()
            self.spans.pop()
            return start + len("</span>")
        self.buffer.append("<")
        return start + 1

    def _flush(self) -> None:
        if self.buffer:
            content = "".join(self.buffer)
            self.buffer = []
            if content:
                self._emit({"text": {"content": content}})

    def _emit(self, item: dict[str, Any], *, code: bool = False) -> None:
        notes: dict[str, Any] = {kind: True for kind in self.open}
        if code:
            notes["code"] = True
        for attrs in self.spans:
            if attrs.get("underline") == "true":
                notes["underline"] = True
            if attrs.get("code") == "true":
                notes["code"] = True
            if "color" in attrs:
                notes["color"] = attrs["color"]
        if self.link is not None and "text" in item:
            item["text"]["link"] = {"url": self.link}
        item["annotations"] = notes
        previous = self.items[-1] if self.items else None
        if (
            previous is not None
            and "text" in item
            and "text" in previous
            and previous["annotations"] == notes
            and previous["text"].get("link") == item["text"].get("link")
            and len(previous["text"]["content"]) + len(item["text"]["content"]) <= _MERGE_LIMIT
        ):
            previous["text"]["content"] += item["text"]["content"]
            return
        self.items.append(item)


def _delimited(text: str, start: int, closing: str) -> tuple[str, int | None]:
    """The text from after ``start`` to the next unescaped ``closing`` (``<br>`` read as a
    newline), and the index just past it; ``None`` if it is not closed."""
    i, chars = start + 1, []
    while i < len(text) and text[i] != closing:
        if text.startswith("<br>", i):
            chars.append("\n")
            i += 4
            continue
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        chars.append(text[i])
        i += 1
    return "".join(chars), (i + 1 if i < len(text) else None)


def _mention_body(kind: str, attrs: dict[str, str]) -> dict[str, Any]:
    if kind == "date":
        date = {"start": html.unescape(attrs.get("start", ""))}
        if attrs.get("end"):
            date["end"] = html.unescape(attrs["end"])
        return {"type": "date", "date": date}
    url = attrs.get("url", "")
    found = _ID.search(url.removeprefix("user://"))
    object_id = found.group(1) if found else url
    return {"type": kind, kind: {"id": object_id}}
