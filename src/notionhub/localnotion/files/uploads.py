"""File uploads: create (``single_part``, ``multi_part``, ``external_url``), send, complete,
retrieve and list, with Notion's limits; the bytes are kept under the data folder.

An upload is an object of kind ``file_upload`` in the store; its bytes are files in
``<data>/files/<id>/`` (``content`` once whole, ``part-<n>`` while a multi-part upload is
under way). It expires an hour after it was made unless it is attached to something first
(``files.sources``), as Notion's do; an expired upload can no longer be sent to, completed
or attached. An ``external_url`` upload is fetched by a background thread (``files.imports``).
"""

from __future__ import annotations

import mimetypes
import shutil
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.fields import require_str
from notionhub.localnotion.api.pagination import PageRequest, list_body, paginate
from notionhub.localnotion.storage.store import StoredObject
from notionhub.localnotion.workspace import Workspace, format_time

MIB = 1024 * 1024
MAX_SINGLE_PART_BYTES = 20 * MIB
"""Notion: a single-part upload is at most 20 MB (its guide counts binary megabytes)."""
MIN_PART_BYTES = 5 * MIB
MAX_PART_BYTES = 20 * MIB
"""Notion: each part of a multi-part upload is 5–20 MB, except the last, which may be smaller."""
MAX_PARTS = 1000
MAX_FILENAME_BYTES = 900
"""Notion: ``filename`` is at most 900 bytes, its extension included."""
MAX_FILE_BYTES = 5 * 1024 * MIB
"""Notion: a multi-part upload or an import is at most 5 GB (paid workspaces)."""
EXPIRY = timedelta(hours=1)
MODES = ("single_part", "multi_part", "external_url")
STATUSES = ("pending", "uploaded", "expired", "failed")
KIND = "file_upload"


def files_dir(ws: Workspace, upload_id: str) -> Path:
    """The folder of one upload's bytes, under the data folder."""
    return Path(ws.storage.path).parent / "files" / upload_id


def content_path(ws: Workspace, upload_id: str) -> Path:
    return files_dir(ws, upload_id) / "content"


def file_url(ws: Workspace, upload: StoredObject) -> str:
    """Where this server serves the upload's bytes (``GET /_files/{id}/{filename}``)."""
    name = upload.body.get("filename") or "file"
    return f"{ws.public_url}/_files/{upload.id}/{name}"


def effective_status(ws: Workspace, upload: StoredObject) -> str:
    """The stored status, or ``expired`` once ``expiry_time`` has passed."""
    status = str(upload.body["status"])
    expiry = upload.body.get("expiry_time")
    if status in ("pending", "uploaded") and expiry is not None and ws.now() >= expiry:
        return "expired"
    return status


def render_file_upload(ws: Workspace, upload: StoredObject) -> dict[str, Any]:
    body = upload.body
    status = effective_status(ws, upload)
    creator = ws.user(body["created_by"]["id"]) or {"type": "bot"}
    rendered: dict[str, Any] = {
        "object": "file_upload",
        "id": upload.id,
        "created_time": upload.created_time,
        "created_by": {"id": body["created_by"]["id"], "type": creator["type"]},
        "last_edited_time": upload.last_edited_time,
        "archived": False,
        "in_trash": False,
        "expiry_time": body.get("expiry_time"),
        "status": status,
        "filename": body.get("filename"),
        "content_type": body.get("content_type"),
        "content_length": body.get("content_length"),
    }
    base = f"{ws.public_url}/v1/file_uploads/{upload.id}"
    if body["mode"] != "external_url" and status == "pending":
        rendered["upload_url"] = f"{base}/send"
    if body["mode"] == "multi_part":
        rendered["number_of_parts"] = {
            "total": body["number_of_parts"],
            "sent": len(body.get("parts_sent", [])),
        }
        if status == "pending":
            rendered["complete_url"] = f"{base}/complete"
    if body["mode"] == "external_url" and body.get("file_import_result") is not None:
        rendered["file_import_result"] = body["file_import_result"]
    return rendered


def _optional_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    return None if value is None else require_str(value, f"body.{key}")


def create_file_upload(ws: Workspace, body: dict[str, Any]) -> StoredObject:
    """``POST /v1/file_uploads``: a ``pending`` upload."""
    mode = body.get("mode", "single_part")
    if mode not in MODES:
        raise ValidationFailed(
            f"body.mode should be `single_part`, `multi_part` or `external_url`, instead was"
            f" `{mode!r}`."
        )
    filename = _optional_str(body, "filename")
    content_type = _optional_str(body, "content_type")
    if filename is not None:
        _check_filename(filename, content_type)
    if content_type is not None and "/" not in content_type:
        raise ValidationFailed(
            f"body.content_type should be a MIME type, instead was `{content_type}`."
        )
    parts = body.get("number_of_parts")
    external_url = _optional_str(body, "external_url")
    if mode == "multi_part":
        if filename is None:
            raise ValidationFailed("body.filename should be defined when mode is `multi_part`.")
        if isinstance(parts, bool) or not isinstance(parts, int) or not 1 <= parts <= MAX_PARTS:
            raise ValidationFailed(
                f"body.number_of_parts should be an integer from 1 to {MAX_PARTS} when mode is"
                f" `multi_part`, instead was `{parts!r}`."
            )
    elif parts is not None:
        raise ValidationFailed("body.number_of_parts is only allowed when mode is `multi_part`.")
    if mode == "external_url":
        if filename is None or external_url is None:
            raise ValidationFailed(
                "body.filename and body.external_url should be defined when mode is `external_url`."
            )
        _check_external_url(ws, external_url)
    elif external_url is not None:
        raise ValidationFailed("body.external_url is only allowed when mode is `external_url`.")
    if content_type is None and filename is not None:
        content_type = mimetypes.guess_type(filename)[0]
    now = ws.clock()
    upload = StoredObject(
        ws.ids.new_id(),
        KIND,
        None,
        None,
        False,
        format_time(now),
        format_time(now),
        {
            "mode": mode,
            "status": "pending",
            "filename": filename,
            "content_type": content_type,
            "content_length": None,
            "expiry_time": format_time(now + EXPIRY),
            "number_of_parts": parts,
            "parts_sent": [],
            "external_url": external_url,
            "file_import_result": None,
            "created_by": ws.actor_ref(),
        },
    )
    ws.storage.put(upload, new=True)
    return upload


def _check_filename(filename: str, content_type: str | None) -> None:
    if len(filename.encode()) > MAX_FILENAME_BYTES:
        raise ValidationFailed(
            f"body.filename should be at most {MAX_FILENAME_BYTES} bytes long, instead was"
            f" {len(filename.encode())} bytes."
        )
    if not filename or "/" in filename or "\\" in filename or filename in (".", ".."):
        raise ValidationFailed(f"body.filename should be a file name, instead was `{filename}`.")
    if "." not in filename.strip(".") and content_type is None:
        raise ValidationFailed(
            f"body.filename `{filename}` needs an extension, or a content_type to infer one from."
        )


def own_file_url(ws: Workspace, url: str) -> bool:
    """Whether ``url`` is one of this server's file URLs (``/_files/…``)."""
    return url.startswith(f"{ws.public_url}/_files/")


def _check_external_url(ws: Workspace, url: str) -> None:
    """Notion imports from public HTTPS URLs; the server's own file URLs may be plain HTTP."""
    if not (url.startswith("https://") or own_file_url(ws, url)) or len(url) > 2000:
        raise ValidationFailed(
            f"body.external_url should be an https:// URL of at most 2000 characters, instead"
            f" was `{url[:200]}`."
        )


def find_upload(ws: Workspace, raw_id: object, field: str = "path.file_upload_id") -> StoredObject:
    return ws.find(raw_id, (KIND,), field)


def _refuse_unless_pending(ws: Workspace, upload: StoredObject, action: str) -> None:
    status = effective_status(ws, upload)
    if status != "pending":
        raise ValidationFailed(
            f"File upload {upload.id} is `{status}`: only a `pending` upload can be {action}."
        )


def send_file_upload(ws: Workspace, raw_id: object, form: dict[str, Any]) -> StoredObject:
    """``POST /v1/file_uploads/{id}/send``: the ``file`` form field, with ``part_number`` in a
    multi-part upload."""
    upload = find_upload(ws, raw_id)
    if upload.body["mode"] == "external_url":
        raise ValidationFailed(
            f"File upload {upload.id} imports from an external URL: nothing can be sent to it."
        )
    _refuse_unless_pending(ws, upload, "sent to")
    sent = form.get("file")
    if not isinstance(sent, FormFile):
        raise ValidationFailed(
            "body.file should be a file in multipart/form-data, instead was missing."
        )
    raw_part = form.get("part_number")
    folder = files_dir(ws, upload.id)
    folder.mkdir(parents=True, exist_ok=True)
    body = dict(upload.body)
    if body["mode"] == "single_part":
        if raw_part is not None:
            raise ValidationFailed("body.part_number is only allowed when mode is `multi_part`.")
        if len(sent.data) > MAX_SINGLE_PART_BYTES:
            raise ValidationFailed(
                f"The file is {len(sent.data)} bytes; a single-part upload is at most"
                f" {MAX_SINGLE_PART_BYTES} bytes (20 MB). Use mode `multi_part`."
            )
        (folder / "content").write_bytes(sent.data)
        body.update(status="uploaded", content_length=len(sent.data))
    else:
        total = int(body["number_of_parts"])
        part = _part_number(raw_part, total)
        size = len(sent.data)
        if size > MAX_PART_BYTES or (part < total and size < MIN_PART_BYTES):
            raise ValidationFailed(
                f"Part {part} is {size} bytes; each part is {MIN_PART_BYTES} to {MAX_PART_BYTES}"
                " bytes (5–20 MB), except the last, which may be smaller."
            )
        (folder / f"part-{part}").write_bytes(sent.data)
        body["parts_sent"] = sorted({*body.get("parts_sent", []), part})
    if body.get("filename") is None and sent.filename:
        body["filename"] = sent.filename
    if body.get("content_type") is None:
        body["content_type"] = sent.content_type or mimetypes.guess_type(sent.filename or "")[0]
    updated = replace(upload, last_edited_time=ws.now(), body=body)
    ws.storage.put(updated)
    return updated


def _part_number(raw: object, total: int) -> int:
    if raw is None:
        raise ValidationFailed("body.part_number should be defined when mode is `multi_part`.")
    text = str(raw)
    if not text.isdigit() or not 1 <= int(text) <= total:
        raise ValidationFailed(
            f"body.part_number should be an integer from 1 to {total}, instead was `{text}`."
        )
    return int(text)


def complete_file_upload(ws: Workspace, raw_id: object) -> StoredObject:
    """``POST /v1/file_uploads/{id}/complete``: the parts of a multi-part upload made one."""
    upload = find_upload(ws, raw_id)
    if upload.body["mode"] != "multi_part":
        raise ValidationFailed(
            f"File upload {upload.id} is `{upload.body['mode']}`: only a `multi_part` upload is"
            " completed."
        )
    _refuse_unless_pending(ws, upload, "completed")
    total = int(upload.body["number_of_parts"])
    missing = sorted(set(range(1, total + 1)) - set(upload.body.get("parts_sent", [])))
    if missing:
        shown = ", ".join(str(n) for n in missing[:10])
        raise ValidationFailed(
            f"File upload {upload.id} is missing parts ({shown}) of {total}: send every part"
            " before completing it."
        )
    folder = files_dir(ws, upload.id)
    with (folder / "content").open("wb") as whole:
        for number in range(1, total + 1):
            part = folder / f"part-{number}"
            with part.open("rb") as piece:
                shutil.copyfileobj(piece, whole, MIB)
            part.unlink()
    length = (folder / "content").stat().st_size
    body = {**upload.body, "status": "uploaded", "content_length": length}
    updated = replace(upload, last_edited_time=ws.now(), body=body)
    ws.storage.put(updated)
    return updated


def list_file_uploads(ws: Workspace, status: object, request: PageRequest) -> dict[str, Any]:
    """``GET /v1/file_uploads``: newest first, optionally of one ``status``."""
    if status is not None and status not in STATUSES:
        raise ValidationFailed(
            "query.status should be one of `pending`, `uploaded`, `expired`, `failed`,"
            f" instead was `{status}`."
        )
    uploads = sorted(
        ws.storage.get_many(ws.storage.ids_of_kind(KIND)).values(),
        key=lambda upload: upload.id,
        reverse=True,
    )
    if status is not None:
        uploads = [upload for upload in uploads if effective_status(ws, upload) == status]
    page, cursor = paginate(uploads, request, lambda upload: upload.id)
    return list_body([render_file_upload(ws, upload) for upload in page], cursor, "file_upload")


class FormFile:
    """The ``file`` field of a multipart form: its bytes, file name and content type."""

    def __init__(self, data: bytes, filename: str | None, content_type: str | None) -> None:
        self.data = data
        self.filename = filename
        self.content_type = content_type
