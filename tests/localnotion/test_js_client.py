"""The local Notion server driven by the official JavaScript SDK, ``@notionhq/client``, on node.

``tests/node/smoke.mjs`` builds ``new Client({auth, baseUrl})`` exactly as against real Notion
(only the base URL differs) and walks the common calls: users.me, search, databases.create with
an initial data source, dataSources.update/retrieve, pages.create, a paginated dataSources.query
with a compound filter and a sort (``iteratePaginatedAPI``), pages.update, block children append
and list (``collectPaginatedAPI``), comments, and two error cases checked with
``isNotionClientError``/``APIErrorCode``. It prints one JSON summary that is asserted here.

The SDK version is pinned exactly in ``tests/node/package.json`` and ``package-lock.json``;
``npm ci`` installs it once per session into ``tests/node/node_modules`` (git-ignored), and is
skipped while a stamp there matches the lock file. Without ``node``/``npm`` the test is skipped,
unless the ``CI`` environment variable is set: then it fails.

Update the SDK with ``cd tests/node && npm install --save-exact @notionhq/client@X.Y.Z``, after
checking that ``Client.defaultNotionVersion`` in its ``build/src/Client.js`` is still the
Notion-Version the server speaks (2025-09-03).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from notionhub.localnotion.app import DEFAULT_TOKEN
from tests.conftest import RunningServer

pytestmark = pytest.mark.node

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
STAMP = NODE_DIR / "node_modules" / ".notionhub-install-stamp"
INSTALL_TIMEOUT = 300
SMOKE_TIMEOUT = 60
UNKNOWN_PAGE = "00000000-0000-4000-8000-000000000000"


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def install_fingerprint(node: str) -> str:
    """What ``node_modules`` was installed from: the manifest, the lock file and node itself."""
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        digest.update((NODE_DIR / name).read_bytes())
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=True, timeout=30
    )
    digest.update(version.stdout.encode())
    return digest.hexdigest()


@pytest.fixture(scope="session")
def node_smoke_dir() -> Path:
    """``tests/node`` with its locked dependencies installed (``npm ci``, once per session)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing = " and ".join(name for name, path in (("node", node), ("npm", npm)) if not path)
        if running_in_ci():
            pytest.fail(f"{missing} not found on PATH, and CI is set: the JS SDK test must run")
        pytest.skip(f"{missing} not found on PATH: install Node.js >= 18 to run the JS SDK test")
    fingerprint = install_fingerprint(node)
    if STAMP.is_file() and STAMP.read_text() == fingerprint:
        return NODE_DIR
    installed = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )
    assert installed.returncode == 0, (
        f"npm ci failed ({installed.returncode}):\n{installed.stdout}\n{installed.stderr}"
    )
    STAMP.write_text(fingerprint)
    return NODE_DIR


@pytest.fixture(scope="module")
def smoke(node_smoke_dir: Path, notion_server: RunningServer) -> dict[str, Any]:
    """The JSON summary that ``smoke.mjs`` printed after running against the local server."""
    node = shutil.which("node")
    assert node is not None
    env = {**os.environ, "NOTION_BASE_URL": notion_server.base_url, "NOTION_TOKEN": DEFAULT_TOKEN}
    ran = subprocess.run(
        [node, "smoke.mjs"],
        cwd=node_smoke_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=SMOKE_TIMEOUT,
        check=False,
    )
    assert ran.returncode == 0, f"node smoke.mjs failed ({ran.returncode}):\n{ran.stderr}"
    lines = ran.stdout.strip().splitlines()
    assert len(lines) == 1, f"expected one JSON line on stdout, got:\n{ran.stdout}"
    summary: dict[str, Any] = json.loads(lines[0])
    return summary


def test_sdk_is_the_pinned_version_speaking_2025_09_03(smoke: dict[str, Any]) -> None:
    lock = json.loads((NODE_DIR / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/@notionhq/client"]["version"]
    assert smoke["sdk_version"] == pinned
    assert smoke["notion_version"] == "2025-09-03"


def test_lock_file_downloads_only_from_the_npm_registry() -> None:
    lock = json.loads((NODE_DIR / "package-lock.json").read_text())
    for path, package in lock["packages"].items():
        if path:
            assert package["resolved"].startswith("https://registry.npmjs.org/"), path
            assert package["integrity"].startswith("sha512-"), path


def test_users_me_and_search(smoke: dict[str, Any]) -> None:
    assert smoke["me"] == {"object": "user", "type": "bot", "has_id": True}
    assert smoke["search"] == {
        "object": "list",
        "type": "page_or_data_source",
        "result_objects": ["page"],
        "root_found": True,
    }


def test_database_and_data_source(smoke: dict[str, Any]) -> None:
    assert smoke["database"] == {
        "object": "database",
        "is_full": True,
        "title": "JS SDK smoke",
        "parent_is_root": True,
        "data_source_count": 1,
    }
    assert smoke["data_source"] == {
        "object": "data_source",
        "is_full": True,
        "parent_is_database": True,
        "properties": {
            "Done": "checkbox",
            "Due": "date",
            "Name": "title",
            "Related": "relation",
            "Score": "number",
            "Stage": "select",
        },
        "stage_options": ["Lead", "Won"],
        "relation_target_is_self": True,
    }


def test_pages_create_and_update(smoke: dict[str, Any]) -> None:
    assert smoke["created"] == {
        "titles": ["Alpha", "Beta", "Gamma"],
        "all_full": True,
        "parent_type": "data_source_id",
        "parent_is_data_source": True,
        "alpha_stage": "Lead",
        "alpha_due": "2025-01-10",
    }
    assert smoke["update"] == {
        "score": 25.5,
        "stage": "Lead",
        "done": True,
        "related_is_alpha": True,
        "requeried": [["Alpha", 10], ["Beta", 25.5], ["Gamma", 30]],
    }


def test_query_with_compound_filter_sort_and_pagination(smoke: dict[str, Any]) -> None:
    assert smoke["query"] == {
        "object": "list",
        "type": "page_or_data_source",
        "first_page_size": 1,
        "first_has_more": True,
        "first_next_cursor_is_string": True,
        "titles": ["Gamma", "Alpha"],
        "calls": 2,
    }


def test_block_children_append_and_list(smoke: dict[str, Any]) -> None:
    assert smoke["blocks"] == {
        "appended_object": "list",
        "appended_types": ["heading_2", "paragraph", "to_do"],
        "listed_types": ["heading_2", "paragraph", "to_do"],
        "listed_all_full": True,
        "listed_texts": ["Agenda", "First point", "Call back"],
        "todo_has_children": True,
        "nested_texts": ["nested"],
    }


def test_comments_create_and_list(smoke: dict[str, Any]) -> None:
    assert smoke["comments"] == {
        "created_object": "comment",
        "created_is_full": True,
        "created_has_discussion": True,
        "listed_texts": ["Looks good from JS"],
        "listed_ids_match": True,
    }


def test_errors_are_api_response_errors_with_notion_codes(smoke: dict[str, Any]) -> None:
    assert smoke["errors"] == {
        "unknown_page": {
            "is_notion_client_error": True,
            "is_api_response_error": True,
            "code": "object_not_found",
            "status": 404,
            "message": (
                f"Could not find page with ID: {UNKNOWN_PAGE}. Make sure the relevant pages"
                " and databases are shared with your integration."
            ),
            "matches_api_error_code": True,
        },
        "wrong_token": {
            "is_notion_client_error": True,
            "is_api_response_error": True,
            "code": "unauthorized",
            "status": 401,
            "message": "API token is invalid.",
            "matches_api_error_code": True,
        },
    }
