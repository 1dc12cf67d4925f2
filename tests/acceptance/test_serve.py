"""`notionhub serve` as `make run` starts it: embedded local Notion, packs provisioned."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import free_port


def test_serve_on_embedded_defaults(tmp_path: Path) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("NOTION")}
    env.update({"NOTIONHUB_PACKS": "echo", "LOG_LEVEL": "warning"})
    command = [
        sys.executable,
        "-c",
        "from notionhub.cli import app; app()",
        "serve",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        health = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).json()
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert health is not None, "serve did not answer /health"
        assert health["notion"] == f"http://127.0.0.1:{port}/notion"
        found = httpx.post(
            f"http://127.0.0.1:{port}/notion/v1/search",
            json={"query": "Event Log", "filter": {"property": "object", "value": "data_source"}},
            headers={"Authorization": "Bearer local-notion-token", "Notion-Version": "2025-09-03"},
            timeout=10,
        ).json()
        assert [s["title"][0]["plain_text"] for s in found["results"]] == ["Event Log"]
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0].decode()
    assert f"notionhub 0.1.0: http://127.0.0.1:{port}" in output
    assert "Databases: Event Log (created)" in output
    assert (tmp_path / ".notionhub" / "hub.sqlite3").exists()
