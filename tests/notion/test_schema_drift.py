"""diff_schema and fix_properties against data sources of the local server."""

from __future__ import annotations

import copy
from typing import Annotated, Any, cast

from notion_client import Client
from pydantic import Field

from notionhub.notion.schema import (
    DatabaseSpec,
    Drift,
    Email,
    Formula,
    Key,
    NotionModel,
    Number,
    Option,
    Relation,
    RichText,
    Rollup,
    Select,
    Status,
    Title,
    diff_schema,
    fix_properties,
    schema_for,
)


class Session(NotionModel):
    __database__ = DatabaseSpec("Drift Sessions", env="NOTION_DRIFT_SESSIONS_DB")
    title: Annotated[str, Title("Session")]
    amount: Annotated[float | None, Number("Amount", format="euro")] = None
    client: Annotated[list[str], Relation("Client", target="Drift Clients", dual="Sessions")] = (
        Field(default_factory=list)
    )


class Other(NotionModel):
    __database__ = DatabaseSpec("Drift Other", env="NOTION_DRIFT_OTHER_DB")
    title: Annotated[str, Title("Name")]


class DriftClient(NotionModel):
    __database__ = DatabaseSpec("Drift Clients", env="NOTION_DRIFT_CLIENTS_DB")
    name: Annotated[str, Title("Client Name")]
    email: Annotated[str, Email("Contact Email"), Key()]
    status: Annotated[
        str | None, Select("Status", options=[Option("Prospect"), Option("Active", "green")])
    ] = None
    stage: Annotated[str | None, Status("Stage", options=[Option("Lead"), Option("Won")])] = None
    score: Annotated[float | None, Number("Score")] = None
    notes: Annotated[str, RichText("Notes")] = ""
    sessions: Annotated[list[str], Relation("Sessions", target="Drift Sessions", dual="Client")] = (
        Field(default_factory=list)
    )
    total: Annotated[
        float | None,
        Rollup("Total Paid", relation="Sessions", target_property="Amount", function="sum"),
    ] = None
    doubled: Annotated[float | None, Formula("Doubled", expression='prop("Total Paid") * 2')] = None


def _json(answer: Any) -> dict[str, Any]:
    """A notion-client answer (typed as possibly awaitable; the client here is synchronous)."""
    return cast(dict[str, Any], answer)


def _root(notion: Client) -> str:
    found = _json(notion.search(query="notionhub", filter={"property": "object", "value": "page"}))
    return str(found["results"][0]["id"])


def _create(notion: Client, title: str, properties: dict[str, Any]) -> str:
    database = _json(
        notion.databases.create(
            parent={"type": "page_id", "page_id": _root(notion)},
            title=[{"type": "text", "text": {"content": title}}],
            initial_data_source={"properties": properties},
        )
    )
    return str(database["data_sources"][0]["id"])


def _properties(notion: Client, data_source_id: str) -> dict[str, dict[str, Any]]:
    return dict(_json(notion.data_sources.retrieve(data_source_id=data_source_id))["properties"])


def _kinds(drifts: list[Drift]) -> list[tuple[str, str]]:
    return [(d.property, d.kind) for d in drifts]


def test_hand_altered_schema_is_diffed_and_fixed(notion: Client) -> None:
    ids = {"Drift Other": _create(notion, "Drift Other", schema_for(Other, {}))}
    ids["Drift Sessions"] = _create(notion, "Drift Sessions", schema_for(Session, {}))
    altered = copy.deepcopy(schema_for(DriftClient, {**ids, "Drift Clients": "unknown"}))
    altered["Name"] = altered.pop("Client Name")  # the title under another name
    del altered["Notes"], altered["Total Paid"], altered["Doubled"]
    altered["Score"] = {"rich_text": {}}
    altered["Status"]["select"]["options"] = [{"name": "Prospect"}, {"name": "VIP"}]
    altered["Stage"]["status"]["options"] = [{"name": "Lead"}]
    altered["Sessions"] = {
        "relation": {"data_source_id": ids["Drift Other"], "single_property": {}}
    }
    altered["My Column"] = {"checkbox": {}}  # a user's own column: never drift
    clients = _create(notion, "Drift Clients", altered)
    ids["Drift Clients"] = clients

    existing = _properties(notion, clients)
    drifts = diff_schema(DriftClient, existing, ids)
    assert _kinds(drifts) == [
        ("Client Name", "missing_property"),
        ("Status", "missing_option"),
        ("Stage", "missing_option"),
        ("Score", "wrong_type"),
        ("Notes", "missing_property"),
        ("Sessions", "wrong_relation_target"),
        ("Total Paid", "missing_property"),
        ("Doubled", "missing_property"),
    ]
    assert drifts[1] == Drift("Drift Clients", "Status", "missing_option", "Active", None)
    assert drifts[3] == Drift("Drift Clients", "Score", "wrong_type", "number", "rich_text")
    assert drifts[5].expected == ids["Drift Sessions"]
    assert drifts[5].actual == ids["Drift Other"]

    patch = fix_properties(DriftClient, drifts, existing, ids)
    assert "Score" not in patch and "Sessions" not in patch and "My Column" not in patch
    assert patch["Name"] == {"name": "Client Name"}
    notion.data_sources.update(data_source_id=clients, properties=patch)

    fixed = _properties(notion, clients)
    remaining = diff_schema(DriftClient, fixed, ids)
    assert _kinds(remaining) == [("Score", "wrong_type"), ("Sessions", "wrong_relation_target")]
    assert fixed["My Column"]["type"] == "checkbox"
    assert fixed["Score"]["type"] == "rich_text"
    options = [(o["name"], o["color"]) for o in fixed["Status"]["select"]["options"]]
    assert options[:2] == [("Prospect", "default"), ("VIP", "default")]
    assert options[2] == ("Active", "green")
    assert [o["name"] for o in fixed["Stage"]["status"]["options"]] == ["Lead", "Won"]
    assert fixed["Total Paid"]["rollup"]["function"] == "sum"


def test_second_pass_adds_relations_and_what_reads_them(notion: Client) -> None:
    ids: dict[str, str] = {}
    first = schema_for(DriftClient, ids)
    assert "Sessions" not in first and "Total Paid" not in first and "Doubled" not in first
    clients = _create(notion, "Drift Clients", first)
    ids["Drift Clients"] = clients
    sessions = _create(notion, "Drift Sessions", schema_for(Session, ids))
    ids["Drift Sessions"] = sessions

    # Notion made the synced "Sessions" on Clients when Session's dual relation was created.
    existing = _properties(notion, clients)
    drifts = diff_schema(DriftClient, existing, ids)
    assert _kinds(drifts) == [
        ("Total Paid", "missing_property"),
        ("Doubled", "missing_property"),
    ]
    notion.data_sources.update(
        data_source_id=clients, properties=fix_properties(DriftClient, drifts, existing, ids)
    )
    assert diff_schema(DriftClient, _properties(notion, clients), ids) == []
    assert diff_schema(Session, _properties(notion, sessions), ids) == []


def test_unknown_targets_are_reported_missing_but_not_added(notion: Client) -> None:
    clients = _create(notion, "Drift Clients", schema_for(DriftClient, {}))
    existing = _properties(notion, clients)
    drifts = diff_schema(DriftClient, existing, {})
    assert _kinds(drifts) == [
        ("Sessions", "missing_property"),
        ("Total Paid", "missing_property"),
        ("Doubled", "missing_property"),
    ]
    assert fix_properties(DriftClient, drifts, existing, {}) == {}
