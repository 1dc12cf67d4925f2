"""Provisioning: create the databases that are missing, adopt existing ones, report drift.

A declared database is bound, in this order, to: the database named by its environment
variable (``NOTION_CLIENTS_DB``…), the one remembered in the hub database, or the one with
exactly its title under the parent page (not bound to another model; of several, the one with
most of the model's properties); otherwise it is created. Relations (and the rollups
and formulas that read them) are added once every database exists. Nothing is ever deleted or
retyped: ``fix`` only adds missing properties and options.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, Literal

import structlog
from sqlalchemy import Engine, delete, select

from notionhub.errors import AmbiguousWrite, ConfigurationError, ObjectNotFound
from notionhub.hubdb.engine import read_connection, upsert_statement
from notionhub.hubdb.tables import notion_databases
from notionhub.notion.gateway import NotionGateway
from notionhub.notion.key_index import KeyIndex
from notionhub.notion.schema import (
    Drift,
    NotionModel,
    diff_schema,
    fix_properties,
    properties_of,
    schema_for,
)

log = structlog.get_logger("notionhub.provision")
Source = Literal["env", "remembered", "title", "created"]
CREATE_ATTEMPTS = 4  # a create whose answer was lost, looked up, then sent again
FIX_ROUNDS = 3  # relations first, then what reads them, then what the other side gained


@dataclass
class DatabaseReport:
    """What provisioning found or did for one declared database."""

    name: str
    database_id: str
    data_source_id: str
    source: Source
    fixed: list[Drift] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)

    @property
    def action(self) -> str:
        if self.source == "created":
            return "created"
        if self.fixed:
            return "fixed"
        return "adopted" if self.source in ("env", "title") else "unchanged"


@dataclass
class ProvisionReport:
    databases: list[DatabaseReport]

    @property
    def changed(self) -> bool:
        return any(report.action != "unchanged" for report in self.databases)

    def data_source_ids(self) -> dict[str, str]:
        """``{name: data_source_id}``, what ``Records`` is bound with."""
        return {r.name: r.data_source_id for r in self.databases}

    def ids(self) -> dict[str, dict[str, str]]:
        """``{name: {database_id, data_source_id}}``, as ``provision --json`` prints it."""
        return {
            r.name: {"database_id": r.database_id, "data_source_id": r.data_source_id}
            for r in self.databases
        }


def remembered_data_sources(engine: Engine) -> dict[str, str]:
    """Database name → data source id, for every database provisioned so far."""
    with read_connection(engine) as conn:
        rows = conn.execute(select(notion_databases.c.name, notion_databases.c.data_source_id))
        return {row.name: row.data_source_id for row in rows}


class Provisioner:
    """Binds declared models to Notion databases, creating and fixing as needed."""

    def __init__(
        self,
        gateway: NotionGateway,
        engine: Engine,
        env: Mapping[str, str],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.gateway = gateway
        self.engine = engine
        self.env = env
        self.clock = clock  # Unix seconds, the same clock as the records that read the index

    def run(
        self, models: Sequence[type[NotionModel]], parent_page_id: str, *, fix: bool = False
    ) -> ProvisionReport:
        reports: dict[str, DatabaseReport] = {}
        for model in models:
            claimed = {report.database_id for report in reports.values()}
            found = self._find(model, parent_page_id, claimed)
            if found is not None:
                reports[model.__database__.name] = found
        ids = {name: r.data_source_id for name, r in reports.items()}
        for model in models:
            name = model.__database__.name
            if name not in reports:
                reports[name] = self._create(model, parent_page_id, ids)
                ids[name] = reports[name].data_source_id
        for _ in range(FIX_ROUNDS):
            progressed = False
            for model in models:
                report = reports[model.__database__.name]
                progressed |= self._reconcile(
                    model, report, ids, fix=fix or report.source == "created"
                )
            if not progressed:
                break
        for report in reports.values():
            self._remember(report)
        return ProvisionReport([reports[m.__database__.name] for m in models])

    # -- finding -------------------------------------------------------------------------

    def _find(
        self, model: type[NotionModel], parent_page_id: str, claimed: set[str]
    ) -> DatabaseReport | None:
        spec = model.__database__
        configured = self.env.get(spec.env)
        if configured:
            database_id, data_source_id = self._resolve_configured(spec.env, configured)
            return DatabaseReport(spec.name, database_id, data_source_id, "env")
        remembered = self._remembered(spec.name)
        if remembered is not None:
            return remembered
        return self._by_title(model, parent_page_id, claimed)

    def _resolve_configured(self, variable: str, value: str) -> tuple[str, str]:
        """An id from the environment: a database's, or one of its data sources'."""
        try:
            database = self.gateway.retrieve_database(value)
        except ObjectNotFound:
            try:
                source = self.gateway.retrieve_data_source(value)
            except ObjectNotFound:
                raise ConfigurationError(
                    f"{variable}={value} names no database or data source this integration can"
                    " see: share it with the integration or fix the id."
                ) from None
            return source["parent"]["database_id"], source["id"]
        sources = database.get("data_sources") or []
        if not sources:
            raise ConfigurationError(f"{variable}={value}: that database has no data source.")
        return database["id"], sources[0]["id"]

    def _remembered(self, name: str) -> DatabaseReport | None:
        with read_connection(self.engine) as conn:
            row = conn.execute(
                select(notion_databases).where(notion_databases.c.name == name)
            ).first()
        if row is None:
            return None
        try:
            source = self.gateway.retrieve_data_source(row.data_source_id)
        except ObjectNotFound:
            source = None
        if source is None or source.get("in_trash"):
            log.warning(
                "remembered_database_gone", database=name, data_source_id=row.data_source_id
            )
            with self.engine.begin() as conn:
                conn.execute(delete(notion_databases).where(notion_databases.c.name == name))
            return None
        return DatabaseReport(name, row.database_id, row.data_source_id, "remembered")

    def _by_title(
        self, model: type[NotionModel], parent_page_id: str, claimed: AbstractSet[str] = frozenset()
    ) -> DatabaseReport | None:
        """The database titled as the model's under the parent, not bound to another model.

        Two packs' databases may share a title ("Clients"): when several match, the one whose
        properties hold most of the model's is adopted, and a tie is an error naming the
        variable that settles it."""
        spec = model.__database__
        title_wanted = spec.notion_title
        matches: list[tuple[str, str, int]] = []
        for source in self.gateway.search(
            {"query": title_wanted, "filter": {"property": "object", "value": "data_source"}}
        ):
            title = "".join(t.get("plain_text", "") for t in source.get("title", []))
            if title != title_wanted or source.get("in_trash"):
                continue
            database = self.gateway.retrieve_database(source["parent"]["database_id"])
            if database["id"] in claimed:
                continue
            if database.get("parent", {}).get("page_id", "").replace(
                "-", ""
            ) == parent_page_id.replace("-", ""):
                matches.append((database["id"], source["id"], _shared_properties(model, source)))
        if not matches:
            return None
        best = max(shared for _, _, shared in matches)
        chosen = [match for match in matches if match[2] == best]
        if len(chosen) > 1:
            raise ConfigurationError(
                f"Several databases titled {title_wanted!r} under the parent page: set"
                f" {spec.env} to the one notionhub should use."
            )
        return DatabaseReport(spec.name, chosen[0][0], chosen[0][1], "title")

    # -- creating and fixing ---------------------------------------------------------------

    def _create(
        self, model: type[NotionModel], parent_page_id: str, ids: Mapping[str, str]
    ) -> DatabaseReport:
        spec = model.__database__
        body: dict[str, Any] = {
            "parent": {"type": "page_id", "page_id": parent_page_id},
            "title": [{"type": "text", "text": {"content": spec.notion_title}}],
            "initial_data_source": {"properties": schema_for(model, ids)},
        }
        if spec.icon:
            body["icon"] = {"type": "emoji", "emoji": spec.icon}
        database_id, data_source_id = self._create_once(model, parent_page_id, body)
        # Empty, and every page of it will be written through the key index: complete already.
        KeyIndex(self.engine).mark_synced(data_source_id, self.clock())
        log.info("database_created", database=spec.name, database_id=database_id)
        return DatabaseReport(spec.name, database_id, data_source_id, "created")

    def _create_once(
        self, model: type[NotionModel], parent_page_id: str, body: dict[str, Any]
    ) -> tuple[str, str]:
        """Create the database, never twice: a create whose answer was lost (a dropped
        connection, a timeout, a 5xx) may have been applied, so the database is looked up by
        its title under the parent before it is sent again."""
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                database = self.gateway.create_database(body)
            except AmbiguousWrite as error:
                log.warning(
                    "database_create_unknown",
                    database=model.__database__.name,
                    attempt=attempt,
                    error=str(error),
                )
                if attempt == CREATE_ATTEMPTS:
                    raise
                found = self._by_title(model, parent_page_id)
                if found is not None:
                    return found.database_id, found.data_source_id
                continue
            return database["id"], database["data_sources"][0]["id"]
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _reconcile(
        self, model: type[NotionModel], report: DatabaseReport, ids: Mapping[str, str], *, fix: bool
    ) -> bool:
        """Diff the schema and, when fixing, add what is missing; True if anything changed."""
        existing = self.gateway.retrieve_data_source(report.data_source_id)["properties"]
        drift = diff_schema(model, existing, ids)
        patch = fix_properties(model, drift, existing, ids) if fix else {}
        if patch:
            self.gateway.update_data_source(report.data_source_id, {"properties": patch})
            existing = self.gateway.retrieve_data_source(report.data_source_id)["properties"]
            remaining = diff_schema(model, existing, ids)
            if report.source != "created":
                report.fixed.extend(d for d in drift if d not in remaining)
            report.drift = remaining
            return True
        report.drift = drift
        return False

    def _remember(self, report: DatabaseReport) -> None:
        values = {
            "database_id": report.database_id,
            "data_source_id": report.data_source_id,
            "updated_at": self.clock(),
        }
        with self.engine.begin() as conn:  # processes starting together remember it together
            conn.execute(
                upsert_statement(conn, notion_databases)
                .values(name=report.name, **values)
                .on_conflict_do_update(index_elements=["name"], set_=values)
            )


def _shared_properties(model: type[NotionModel], source: Mapping[str, Any]) -> int:
    """How many of the model's property names the data source has."""
    present = set(source.get("properties") or {})
    return sum(1 for field in properties_of(model) if field.name in present)
