"""Attaching file uploads: ``{"type": "file_upload", "file_upload": {"id"}}`` wherever Notion
takes one (files properties, file/image/video/audio/pdf blocks, icons, covers).

The value is stored as Notion renders an uploaded file: ``{"type": "file", "file": {"url",
"expiry_time"}}``, the URL this server's (``GET /_files/{id}/{name}``), the expiry an hour
after attaching. Attaching clears the upload's own ``expiry_time`` (it no longer expires).
A ``file`` value the server rendered (its own URL) is accepted back unchanged.

The validators that meet these values have no workspace at hand; the request's workspace is
set for them around each request (``serving_uploads``), a context variable, so servers in one
process never see each other's uploads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.fields import reject_unknown_keys, require_dict, require_key
from notionhub.localnotion.api.ids import is_id, parse_id
from notionhub.localnotion.files.uploads import (
    EXPIRY,
    KIND,
    effective_status,
    file_url,
)
from notionhub.localnotion.workspace import Workspace, format_time

_SERVING: ContextVar[Workspace | None] = ContextVar("local_notion_uploads", default=None)
SOURCE_TYPES = ("file_upload", "file")


@contextmanager
def serving_uploads(ws: Workspace) -> Iterator[None]:
    """File uploads named while the block runs are this workspace's."""
    token = _SERVING.set(ws)
    try:
        yield
    finally:
        _SERVING.reset(token)


def parse_file_source(kind: str, value: object, where: str) -> dict[str, Any]:
    """The stored ``{"type": "file", "file": {...}}`` of a ``file_upload`` or ``file`` source
    (``where`` names the source's body: ``body.icon.file_upload``)."""
    ws = _SERVING.get()
    if ws is None:
        raise ValidationFailed(f"{where}: file uploads are not available here.")
    body = require_dict(value, where)
    if kind == "file":
        return {"type": "file", "file": _own_file(ws, body, where)}
    reject_unknown_keys(body, ("id",), where)
    raw_id = require_key(body, "id", where)
    if not is_id(raw_id):
        raise ValidationFailed(f"{where}.id should be a valid uuid, instead was `{raw_id}`.")
    upload = ws.storage.get(parse_id(raw_id, where + ".id"))
    if upload is None or upload.kind != KIND:
        raise ValidationFailed(f"{where}.id: no file upload {raw_id}.")
    status = effective_status(ws, upload)
    if status != "uploaded":
        raise ValidationFailed(
            f"{where}.id: file upload {upload.id} is `{status}`; only an `uploaded` one can be"
            " attached."
        )
    if upload.body.get("expiry_time") is not None:
        body_after = {**upload.body, "expiry_time": None}
        ws.storage.put(replace(upload, last_edited_time=ws.now(), body=body_after))
    expiry = format_time(ws.clock() + EXPIRY)
    return {"type": "file", "file": {"url": file_url(ws, upload), "expiry_time": expiry}}


def _own_file(ws: Workspace, body: dict[str, Any], where: str) -> dict[str, Any]:
    reject_unknown_keys(body, ("url", "expiry_time"), where)
    url = require_key(body, "url", where)
    if not isinstance(url, str) or not url.startswith(f"{ws.public_url}/_files/"):
        raise ValidationFailed(
            f"{where}.url: a Notion-hosted `file` can only be one this server serves; upload"
            " the file (type `file_upload`) or link it (type `external`)."
        )
    expiry = body.get("expiry_time") or format_time(ws.clock() + EXPIRY)
    return {"url": url, "expiry_time": expiry}
