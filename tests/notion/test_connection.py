"""``NotionConnection.provision`` by several processes starting together on one PostgreSQL."""

from __future__ import annotations

import threading
from pathlib import Path

from notion_client import Client

from notionhub.notion.connection import open_notion
from notionhub.packs.coaching.models import MODELS
from tests.conftest import RunningServer
from tests.packs.coaching.conftest import coaching_settings, fresh_page


def test_processes_provisioning_together_make_each_database_once(
    tmp_path: Path,
    notion_server: RunningServer,
    notion: Client,
    root_page_id: str,
    postgres_url: str,
) -> None:
    """Each finds the databases missing; without taking turns each would create its own."""
    parent = fresh_page(notion, root_page_id, "Provisioned together")
    reports: list[set[str]] = []
    failures: list[BaseException] = []

    def start(number: int) -> None:
        settings = coaching_settings(
            tmp_path / f"process-{number}", notion_server, parent, database_url=postgres_url
        )
        connection = open_notion(settings)
        try:
            report = connection.provision([("coaching", MODELS)])
            reports.append({database.database_id for database in report.databases})
        except BaseException as error:  # the test fails on it below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=start, args=(number,)) for number in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures
    assert len(reports) == 3 and reports[0] == reports[1] == reports[2]
    children = notion.blocks.children.list(block_id=parent)["results"]  # type: ignore[index]
    databases = [child for child in children if child["type"] == "child_database"]
    assert len(databases) == len(MODELS)
