"""The endpoints added to the local server (page moves, comments by id, page Markdown, file
uploads, views, empty lists) driven by ``@notionhq/client`` on node:
``tests/node/new_endpoints.mjs`` prints one JSON summary, asserted here. Skipped without node,
as ``test_js_client`` is."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from notionhub.localnotion.app import DEFAULT_TOKEN
from tests.conftest import RunningServer
from tests.localnotion.test_js_client import node_smoke_dir  # noqa: F401 (a fixture)

pytestmark = pytest.mark.node
RUN_TIMEOUT = 60


@pytest.fixture(scope="module")
def observed(node_smoke_dir: Path, notion_server: RunningServer) -> dict[str, Any]:  # noqa: F811
    node = shutil.which("node")
    assert node is not None
    env = {**os.environ, "NOTION_BASE_URL": notion_server.base_url, "NOTION_TOKEN": DEFAULT_TOKEN}
    ran = subprocess.run(
        [node, "new_endpoints.mjs"],
        cwd=node_smoke_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert ran.returncode == 0, f"node new_endpoints.mjs failed ({ran.returncode}):\n{ran.stderr}"
    summary: dict[str, Any] = json.loads(ran.stdout.strip().splitlines()[-1])
    return summary


def test_move_comments_and_markdown(observed: dict[str, Any]) -> None:
    assert observed["move"] == {"parent_is_target": True}
    assert observed["comments"] == {
        "retrieved": "js hi",
        "updated": "js bye",
        "after_delete": observed["not_found_code"],
    }
    assert observed["markdown"] == {
        "object": "page_markdown",
        "markdown": "# Title\n- **one**\n- two",
    }


def test_file_upload_sent_as_form_data(observed: dict[str, Any]) -> None:
    assert observed["file_upload"] == {
        "created_status": "pending",
        "sent_status": "uploaded",
        "content_length": len("from node"),
        "icon_type": "file",
        "served": "from node",
        "listed": True,
    }


def test_views_and_empty_lists(observed: dict[str, Any]) -> None:
    assert observed["views"] == {"type": "table", "total_count": 2, "pages": 2, "listed": 1}
    assert observed["empty"] == {
        "templates": 0,
        "custom_emojis": 0,
        "async_task": observed["not_found_code"],
    }
