"""Two workers writing a key's or a page's first row at once, on PostgreSQL: neither fails
(a failed write fails the event whose flow made it), and neither undoes what the other wrote.
How the race is made to happen: ``tests/first_rows.py``."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Engine, insert, select

from notionhub.hubdb.tables import key_index, notion_databases, page_mirror
from notionhub.notion.gateway import NotionGateway
from notionhub.notion.key_index import KeyIndex
from notionhub.notion.mirror import PageMirror
from notionhub.notion.provision import DatabaseReport, Provisioner
from tests.first_rows import write_behind_an_uncommitted_row

DATA_SOURCE = "01a24ea7-30ab-757e-9cae-9b0366571109"


def test_a_key_learned_while_a_writer_inserts_it_leaves_the_writers_row(
    postgres_hub_engine: Engine,
) -> None:
    index = KeyIndex(postgres_hub_engine)
    writers_row = insert(key_index).values(
        data_source_id=DATA_SOURCE,
        record_key="Discovery call",
        page_id="page-of-the-writer",
        create_started=False,
        lease_owner="the-writer",
        lease_until=4_000_000_000.0,  # held: record() leaves a held key alone
    )
    raised = write_behind_an_uncommitted_row(
        postgres_hub_engine,
        writers_row,
        lambda: index.record(DATA_SOURCE, "Discovery call", "page-learned-from-notion"),
    )
    assert raised is None
    assert index.page_id(DATA_SOURCE, "Discovery call") == "page-of-the-writer"


def test_a_page_mirrored_by_two_workers_at_once_keeps_the_last_values(
    postgres_hub_engine: Engine,
) -> None:
    mirror = PageMirror(postgres_hub_engine)
    first = insert(page_mirror).values(
        page_id="page-1", data_source_id=DATA_SOURCE, values_json='{"Price": {"number": 1}}'
    )
    raised = write_behind_an_uncommitted_row(
        postgres_hub_engine,
        first,
        lambda: mirror.put("page-1", DATA_SOURCE, {"Price": {"number": 2}}),
    )
    assert raised is None
    assert mirror.get("page-1") == {"Price": {"number": 2}}
    assert mirror.data_source_of_page("page-1") == DATA_SOURCE


def test_two_processes_provisioning_at_once_both_remember_the_database(
    postgres_hub_engine: Engine,
) -> None:
    """Two workers starting together on a new database both record what they provisioned."""
    # Remembering a database asks nothing of Notion: no gateway is needed.
    provisioner = Provisioner(cast(NotionGateway, None), postgres_hub_engine, {})
    report = DatabaseReport("Clients", "database-2", DATA_SOURCE, "title")
    first: Any = insert(notion_databases).values(
        name="Clients", database_id="database-1", data_source_id=DATA_SOURCE, updated_at=1.0
    )
    raised = write_behind_an_uncommitted_row(
        postgres_hub_engine, first, lambda: provisioner._remember(report)
    )
    assert raised is None
    with postgres_hub_engine.connect() as connection:
        row = connection.execute(select(notion_databases)).one()
    assert (row.name, row.database_id) == ("Clients", "database-2")
