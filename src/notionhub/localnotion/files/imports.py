"""The import of an ``external_url`` file upload: fetched off the request path, as Notion does.

``start_import`` runs one daemon thread per import: it streams the URL to the upload's
``content`` file (at most ``MAX_FILE_BYTES``, 30 seconds a read), then marks the upload
``uploaded`` with ``file_import_result.type = "success"``, or ``failed`` with the error.

Only public addresses are fetched, redirects not followed: a client must not make the server
read what only its own machine or network may (a hub's loopback-only API, a cloud metadata
address), then hand it back as a file. The one exception is the server's own file URLs.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx
import structlog

from notionhub.localnotion.files.uploads import (
    MAX_FILE_BYTES,
    content_path,
    files_dir,
    own_file_url,
)
from notionhub.localnotion.storage.store import StoredObject
from notionhub.localnotion.workspace import Workspace

log = structlog.get_logger("notionhub.localnotion.files.imports")
_TIMEOUT = 30.0


def start_import(ws: Workspace, upload: StoredObject) -> threading.Thread:
    """Fetch the upload's ``external_url`` in the background; the thread, started."""
    thread = threading.Thread(
        target=_import, args=(ws, upload.id, upload.body["external_url"]), daemon=True
    )
    thread.start()
    return thread


def _import(ws: Workspace, upload_id: str, url: str) -> None:
    try:
        length, content_type = _fetch(ws, upload_id, url)
    except Exception as error:  # any failure of the fetch is the import's failure
        log.info("file_import_failed", upload_id=upload_id, error=str(error))
        _finish(ws, upload_id, {"status": "failed"}, _error_result(ws, error))
        return
    body = {"status": "uploaded", "content_length": length}
    _finish(
        ws,
        upload_id,
        body,
        {"imported_time": ws.now(), "type": "success", "success": {}},
        content_type,
    )


def _check_public(url: str) -> None:
    """Refuse a host that resolves to a loopback, private, link-local or reserved address."""
    host = urlsplit(url).hostname or ""
    port = urlsplit(url).port or 443
    for *_, address in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP):
        ip = ipaddress.ip_address(address[0])
        if not ip.is_global:
            raise ValueError(f"{host} is not a public address ({ip})")


def _fetch(ws: Workspace, upload_id: str, url: str) -> tuple[int, str | None]:
    if not own_file_url(ws, url):
        _check_public(url)
    files_dir(ws, upload_id).mkdir(parents=True, exist_ok=True)
    length = 0
    with httpx.stream("GET", url, timeout=_TIMEOUT, follow_redirects=False) as answer:
        if answer.is_redirect:
            raise ValueError(f"the URL redirects ({answer.status_code}); give the final URL")
        answer.raise_for_status()
        with content_path(ws, upload_id).open("wb") as out:
            for chunk in answer.iter_bytes():
                length += len(chunk)
                if length > MAX_FILE_BYTES:
                    raise ValueError(f"the file is over {MAX_FILE_BYTES} bytes")
                out.write(chunk)
        content_type = answer.headers.get("content-type")
    return length, content_type.split(";")[0].strip() if content_type else None


def _error_result(ws: Workspace, error: Exception) -> dict[str, Any]:
    status = error.response.status_code if isinstance(error, httpx.HTTPStatusError) else None
    return {
        "imported_time": ws.now(),
        "type": "error",
        "error": {
            "type": "download_error" if status is not None else "validation_error",
            "code": "file_import_failed",
            "message": f"The file could not be imported: {error}",
            "parameter": "external_url",
            "status_code": status,
        },
    }


def _finish(
    ws: Workspace,
    upload_id: str,
    changes: dict[str, Any],
    result: dict[str, Any],
    content_type: str | None = None,
) -> None:
    with ws.storage.transaction():
        upload = ws.storage.get(upload_id)
        if upload is None:
            return
        body = {**upload.body, **changes, "file_import_result": result}
        if body.get("content_type") is None:
            body["content_type"] = content_type
        ws.storage.put(replace(upload, last_edited_time=ws.now(), body=body))
