"""The file upload endpoints (``/v1/file_uploads…``), the form reader of ``send``, and
``GET /_files/{id}/{name}``, where attached files are served.

``send`` is the one endpoint whose body is ``multipart/form-data`` instead of JSON
(``BODY_READERS`` tells the app); its body may be up to a part's size (20 MB) plus the form's
framing, read no further than that.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api.ids import is_id, parse_id
from notionhub.localnotion.api.request_body import BodyTooLarge, read_limited
from notionhub.localnotion.files import uploads as file_uploads
from notionhub.localnotion.files.imports import start_import
from notionhub.localnotion.files.uploads import FormFile, render_file_upload
from notionhub.localnotion.http.endpoints import Call
from notionhub.localnotion.workspace import Workspace

MAX_FORM_BYTES = file_uploads.MAX_PART_BYTES + 1024 * 1024
"""A part (or a single-part file) at its largest, plus room for the form's framing."""
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?')
_PARAM = re.compile(r'(\w+)="([^"]*)"')


def file_uploads_create(call: Call) -> dict[str, Any]:
    upload = file_uploads.create_file_upload(call.ws, call.body)
    if upload.body["mode"] == "external_url":
        start_import(call.ws, upload)  # its write waits for this request's commit
    return render_file_upload(call.ws, upload)


def file_uploads_send(call: Call) -> dict[str, Any]:
    upload = file_uploads.send_file_upload(call.ws, call.path["file_upload_id"], call.body)
    return render_file_upload(call.ws, upload)


def file_uploads_complete(call: Call) -> dict[str, Any]:
    upload = file_uploads.complete_file_upload(call.ws, call.path["file_upload_id"])
    return render_file_upload(call.ws, upload)


def file_uploads_retrieve(call: Call) -> dict[str, Any]:
    upload = file_uploads.find_upload(call.ws, call.path["file_upload_id"])
    return render_file_upload(call.ws, upload)


def file_uploads_list(call: Call) -> dict[str, Any]:
    return file_uploads.list_file_uploads(
        call.ws, call.query.get("status"), call.page_request_from_query()
    )


FILE_UPLOAD_ENDPOINTS: list[tuple[str, str, Callable[[Call], dict[str, Any]]]] = [
    ("POST", "/v1/file_uploads", file_uploads_create),
    ("GET", "/v1/file_uploads", file_uploads_list),
    ("GET", "/v1/file_uploads/{file_upload_id}", file_uploads_retrieve),
    ("POST", "/v1/file_uploads/{file_upload_id}/send", file_uploads_send),
    ("POST", "/v1/file_uploads/{file_upload_id}/complete", file_uploads_complete),
]


async def read_send_form(request: Request) -> dict[str, Any]:
    """The fields of a ``multipart/form-data`` body: ``FormFile`` for files, text otherwise."""
    content_type = request.headers.get("content-type", "")
    boundary = _BOUNDARY.search(content_type)
    if not content_type.startswith("multipart/form-data") or boundary is None:
        raise ValidationFailed(
            "Content-Type should be multipart/form-data with a boundary, instead was"
            f" `{content_type or 'undefined'}`."
        )
    raw = await read_limited(request, MAX_FORM_BYTES, _form_too_large)
    return parse_form(raw, boundary.group(1).encode())


def _form_too_large(size: str) -> BodyTooLarge:
    return BodyTooLarge(
        f"Request body too large: {size} bytes; a file upload's part is at most"
        f" {file_uploads.MAX_PART_BYTES} bytes (20 MB)."
    )


def parse_form(raw: bytes, boundary: bytes) -> dict[str, Any]:
    """Split a form body at its boundary (bytes.split: fast on megabytes, unlike ``email``)."""
    fields: dict[str, Any] = {}
    for chunk in raw.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, separator, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            raise ValidationFailed("body: a part of the multipart form has no headers.")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        params = dict(_PARAM.findall(headers.get("content-disposition", "")))
        data = data.removesuffix(b"\r\n")
        if "name" not in params:
            continue
        if "filename" in params:
            fields[params["name"]] = FormFile(data, params["filename"], headers.get("content-type"))
        else:
            fields[params["name"]] = data.decode("utf-8", "replace")
    return fields


BODY_READERS: dict[str, Callable[[Request], Awaitable[dict[str, Any]]]] = {
    "POST /v1/file_uploads/{file_upload_id}/send": read_send_form,
}
"""Routes whose body is not JSON, and how to read it."""


def file_routes(ws: Workspace) -> list[Route]:
    """``GET /_files/{id}/{name}``: the bytes of an uploaded file, like Notion's file URLs
    (which carry their own signature instead of a bearer token)."""

    async def serve_file(request: Request) -> Response:
        raw_id = request.path_params["upload_id"]
        upload = ws.storage.get(parse_id(raw_id, "id")) if is_id(raw_id) else None
        path = file_uploads.content_path(ws, upload.id) if upload is not None else None
        if upload is None or upload.kind != file_uploads.KIND or path is None or not path.exists():
            body = {
                "object": "error",
                "status": 404,
                "code": "object_not_found",
                "message": f"Could not find file {raw_id}.",
            }
            return JSONResponse(body, 404)
        media_type = upload.body.get("content_type") or "application/octet-stream"
        return FileResponse(path, media_type=media_type)

    return [Route("/_files/{upload_id}/{filename:path}", serve_file, methods=["GET"])]
