"""The command line starts without the heavy stack: a structural check, not a timing one."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("dbos", "fastapi", "sqlalchemy", "notion_client", "uvicorn", "psycopg", "starlette")


def test_importing_the_cli_leaves_the_heavy_modules_unloaded() -> None:
    code = (
        "import sys, notionhub.cli, notionhub.cli_errors\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""
