"""The parts of a comment a request gives: its text (``rich_text`` or inline ``markdown``, one
of them), up to 3 ``attachments`` (uploaded files) and a ``display_name``."""

from __future__ import annotations

from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.fields import require_list
from notionhub.localnotion.api.request_body import require_object
from notionhub.localnotion.files.sources import parse_file_source
from notionhub.localnotion.markdown.inline import markdown_to_rich_text
from notionhub.localnotion.rich_text.items import normalize_rich_text

MAX_ATTACHMENTS = 3
_DISPLAY_TYPES = ("integration", "user", "custom")


def comment_text(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The comment's rich text, from exactly one of ``rich_text`` and ``markdown``."""
    given = [key for key in ("rich_text", "markdown") if body.get(key) is not None]
    if len(given) != 1:
        raise ValidationFailed("body should define exactly one of `rich_text` or `markdown`.")
    if given == ["markdown"]:
        markdown = body["markdown"]
        if not isinstance(markdown, str):
            raise ValidationFailed(f"body.markdown should be a string, instead was `{markdown!r}`.")
        rich_text = markdown_to_rich_text(markdown, "body.markdown")
    else:
        rich_text = normalize_rich_text(body["rich_text"], "body.rich_text")
    if not rich_text:
        raise ValidationFailed(f"body.{given[0]} should not be empty.")
    return rich_text


def comment_attachments(raw: object) -> list[dict[str, Any]]:
    """``[{"file_upload_id"}]`` (at most 3) as Notion answers them: ``{"category", "file"}``."""
    if raw is None:
        return []
    items = require_list(raw, "body.attachments", max_items=MAX_ATTACHMENTS)
    attachments = []
    for index, item in enumerate(items):
        where = f"body.attachments[{index}]"
        attachment = require_object(item, where)
        if attachment.get("type", "file_upload") != "file_upload":
            raise ValidationFailed(f"{where}.type should be `file_upload`.")
        source = {"id": attachment.get("file_upload_id")}
        stored = parse_file_source("file_upload", source, f"{where}.file_upload_id")
        attachments.append({"category": _category(stored["file"]["url"]), "file": stored["file"]})
    return attachments


def _category(url: str) -> str:
    """Notion's attachment categories, from the file's extension."""
    extension = url.rsplit(".", 1)[-1].lower() if "." in url.rsplit("/", 1)[-1] else ""
    if extension in ("png", "jpg", "jpeg", "gif", "webp", "svg", "heic", "bmp", "tif", "tiff"):
        return "image"
    if extension in ("mp3", "wav", "ogg", "m4a", "aac", "flac", "mid", "midi", "wma"):
        return "audio"
    if extension in ("mp4", "mov", "webm", "avi", "mkv", "wmv", "m4v"):
        return "video"
    return "pdf" if extension == "pdf" else "productivity"


def display_name(raw: object, integration_name: str, user_name: str) -> dict[str, Any]:
    """The ``display_name`` a comment is shown with: the integration's name, unless the request
    asks for ``user`` (the acting user's) or ``custom`` (``{"custom": {"name"}}``)."""
    if raw is None:
        return {"type": "integration", "resolved_name": integration_name}
    given = require_object(raw, "body.display_name")
    kind = given.get("type")
    if kind not in _DISPLAY_TYPES:
        raise ValidationFailed(
            "body.display_name.type should be `integration`, `user` or `custom`, instead was"
            f" `{kind!r}`."
        )
    if kind == "custom":
        custom = require_object(given.get("custom"), "body.display_name.custom")
        name = custom.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise ValidationFailed(
                "body.display_name.custom.name should be a non-empty string of at most 200"
                " characters."
            )
        return {"type": "custom", "resolved_name": name}
    return {"type": kind, "resolved_name": user_name if kind == "user" else integration_name}
