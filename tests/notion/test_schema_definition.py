"""Schema as code without a server: declarations, their errors, keys, schemas, text splitting."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

import pytest
from pydantic import Field

from notionhub.errors import NotionhubError, PropertyValueError, SchemaDefinitionError
from notionhub.notion.schema import (
    PROPERTY_TYPES,
    CreatedTime,
    DatabaseSpec,
    Date,
    Email,
    Formula,
    Key,
    MultiSelect,
    NotionDate,
    NotionModel,
    Number,
    Option,
    Owned,
    Relation,
    RichText,
    Rollup,
    Select,
    Title,
    UniqueId,
    key_of,
    key_value,
    properties_of,
    schema_for,
    to_properties,
)
from notionhub.notion.schema.text import split_text


class Client(NotionModel):
    __database__ = DatabaseSpec("Clients", env="NOTION_CLIENTS_DB")
    name: Annotated[str, Title("Client Name")]
    email: Annotated[str, Email("Contact Email"), Key()]
    status: Annotated[
        str | None, Select("Status", options=[Option("Prospect"), Option("Active", "green")])
    ] = None
    sessions: Annotated[list[str], Relation("Sessions", target="Sessions", dual="Client")] = Field(
        default_factory=list
    )
    total_paid: Annotated[
        float | None,
        Rollup("Total Paid", relation="Sessions", target_property="Amount", function="sum"),
    ] = None
    paid_twice: Annotated[float | None, Formula("Twice", expression='prop("Total Paid") * 2')] = (
        None
    )
    notes: Annotated[str, RichText("Notes")] = ""


def test_properties_in_declaration_order_with_key() -> None:
    fields = properties_of(Client)
    assert [f.field_name for f in fields] == [
        "name",
        "email",
        "status",
        "sessions",
        "total_paid",
        "paid_twice",
        "notes",
    ]
    assert [f.spec.name for f in fields][:2] == ["Client Name", "Contact Email"]
    key = key_of(Client)
    assert key is not None
    assert (key.field_name, key.spec.type) == ("email", "email")


def test_key_value_normalises() -> None:
    assert key_value(Client(name="A", email="  Ann@Example.COM ")) == "ann@example.com"
    assert key_value(Client(name="A", email="  ")) is None

    class Item(NotionModel):
        __database__ = DatabaseSpec("Items", env="NOTION_ITEMS_DB")
        title: Annotated[str, Title("Name")]
        number: Annotated[float | None, Number("No"), Key()] = None

    assert key_value(Item(title="x", number=3.0)) == "3"
    assert key_value(Item(title="x", number=2.5)) == "2.5"
    assert key_value(Item(title="x")) is None

    class Day(NotionModel):
        __database__ = DatabaseSpec("Days", env="NOTION_DAYS_DB")
        title: Annotated[str, Title("Name")]
        day: Annotated[NotionDate | None, Date("Day"), Key()] = None

    assert key_value(Day(title="x", day=NotionDate(date(2024, 5, 1)))) == "2024-05-01"

    class NoKey(NotionModel):
        __database__ = DatabaseSpec("NoKey", env="NOTION_NOKEY_DB")
        title: Annotated[str, Title("Name")]

    assert key_of(NoKey) is None
    assert key_value(NoKey(title="x")) is None


def test_schema_for_leaves_out_unknown_relation_targets_and_what_reads_them() -> None:
    first = schema_for(Client, {})
    assert set(first) == {"Client Name", "Contact Email", "Status", "Notes"}
    assert first["Status"] == {
        "select": {
            "options": [
                {"name": "Prospect", "color": "default"},
                {"name": "Active", "color": "green"},
            ]
        }
    }
    full = schema_for(Client, {"Sessions": "ds-sessions"})
    assert list(full) == [
        "Client Name",
        "Contact Email",
        "Status",
        "Sessions",
        "Total Paid",
        "Twice",
        "Notes",
    ]
    assert full["Sessions"] == {
        "relation": {
            "data_source_id": "ds-sessions",
            "type": "dual_property",
            "dual_property": {"synced_property_name": "Client"},
        }
    }
    assert full["Total Paid"] == {
        "rollup": {
            "relation_property_name": "Sessions",
            "rollup_property_name": "Amount",
            "function": "sum",
        }
    }
    assert full["Twice"] == {"formula": {"expression": 'prop("Total Paid") * 2'}}


def test_to_properties_skips_computed_and_honours_only() -> None:
    record = Client(name="Ann", email="ann@example.com", status="Active", total_paid=3.0)
    body = to_properties(record)
    assert "Total Paid" not in body and "Twice" not in body
    assert body["Status"] == {"select": {"name": "Active"}}
    assert to_properties(record, only=["email"]) == {"Contact Email": {"email": "ann@example.com"}}
    with pytest.raises(SchemaDefinitionError, match="no property fields"):
        to_properties(record, only=["nope"])


def test_bad_values_are_clear_errors() -> None:
    class Tagged(NotionModel):
        __database__ = DatabaseSpec("Tagged", env="NOTION_TAGGED_DB")
        title: Annotated[str, Title("Name")]
        tags: Annotated[list[str], MultiSelect("Tags")] = Field(default_factory=list)
        score: Annotated[float | None, Number("Score")] = None

    with pytest.raises(PropertyValueError, match="without commas"):
        to_properties(Tagged(title="x", tags=["a,b"]))
    with pytest.raises(PropertyValueError, match="finite number"):
        to_properties(Tagged(title="x", score=float("nan")))
    with pytest.raises(PropertyValueError, match="at most"):
        to_properties(Tagged(title="x" * 200_001))


def _define(*fields: tuple[str, Any], database: bool = True) -> type[NotionModel]:
    namespace: dict[str, Any] = {"__annotations__": dict(fields)}
    if database:
        namespace["__database__"] = DatabaseSpec("Bad", env="NOTION_BAD_DB")
    return type("Bad", (NotionModel,), namespace)


TITLE = ("title", Annotated[str, Title("Name")])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ((), "exactly one Title"),
        ((TITLE, ("other", Annotated[str, Title("Other")])), "exactly one Title"),
        ((TITLE, ("plain", str)), "exactly one property marker"),
        ((TITLE, ("two", Annotated[str, RichText("A"), RichText("B")])), "exactly one"),
        ((TITLE, ("dup", Annotated[str, RichText("Name")])), "both map to property 'Name'"),
        (
            (
                ("title", Annotated[str, Title("Name"), Key()]),
                ("mail", Annotated[str, Email("Mail"), Key()]),
            ),
            "at most one field may carry Key",
        ),
        ((TITLE, ("rel", Annotated[list[str], Relation("R", target="X"), Key()])), "Key()"),
        ((TITLE, ("uid", Annotated[str, UniqueId("ID"), Key()])), "Key()"),
        ((TITLE, ("tags", Annotated[list[str], MultiSelect("Tags"), Key()])), "Key()"),
        ((TITLE, ("rel", Annotated[str, Relation("R", target="X")])), "list annotation"),
        ((TITLE, ("when", Annotated[str, Date("When")])), "NotionDate, datetime or date"),
        ((TITLE, ("f", Annotated[float, Formula("F", expression='prop("Nope")')])), "'Nope'"),
        (
            (TITLE, ("r", Annotated[float, Rollup("R", relation="Name", target_property="X")])),
            "is not a Relation",
        ),
        ((TITLE, ("blank", Annotated[str, RichText(" ")])), "non-empty"),
        ((TITLE, ("n", Annotated[str, RichText("N"), Owned("nobody")])), "Owned"),  # type: ignore[arg-type]
        ((TITLE, ("n", Annotated[str, RichText("N"), Owned("hub"), Owned("both")])), "once"),
        ((TITLE, ("c", Annotated[datetime, CreatedTime("C"), Owned("person")])), "Notion's"),
    ],
)
def test_definition_errors_at_class_creation(fields: tuple[Any, ...], message: str) -> None:
    with pytest.raises(SchemaDefinitionError, match=message) as caught:
        _define(*fields)
    assert isinstance(caught.value, NotionhubError)
    assert "Bad" in str(caught.value)


def test_owners_default_to_the_hub_and_to_notion_for_computed_properties() -> None:
    model = _define(
        TITLE,
        ("notes", Annotated[str, RichText("Notes"), Owned("person")]),
        ("status", Annotated[str, RichText("Status"), Owned("both")]),
        ("summary", Annotated[str, RichText("Summary")]),
        ("made", Annotated[datetime | None, CreatedTime("Made")]),
    )
    owners = {f.field_name: f.owner for f in properties_of(model)}
    assert owners == {
        "title": "hub",
        "notes": "person",
        "status": "both",
        "summary": "hub",
        "made": "notion",
    }


def test_definition_errors_without_database_surface_on_first_use() -> None:
    model = _define(TITLE, ("other", Annotated[str, Title("Other")]), database=False)
    with pytest.raises(SchemaDefinitionError, match="__database__"):
        properties_of(model)


def test_registry_knows_every_type() -> None:
    assert set(PROPERTY_TYPES) == {
        "title",
        "rich_text",
        "number",
        "select",
        "multi_select",
        "status",
        "date",
        "checkbox",
        "email",
        "phone_number",
        "url",
        "people",
        "relation",
        "files",
        "rollup",
        "formula",
        "created_time",
        "last_edited_time",
        "unique_id",
    }


def test_split_text_counts_utf16_units_and_keeps_characters_whole() -> None:
    assert split_text("") == []
    assert [len(p) for p in split_text("a" * 4500)] == [2000, 2000, 500]
    emoji = "😀" * 1500  # 2 UTF-16 units each
    pieces = split_text(emoji)
    assert [len(p) for p in pieces] == [1000, 500]
    assert "".join(pieces) == emoji
    odd = "a" + "😀" * 1000
    assert [len(p) for p in split_text(odd)] == [1000, 1]


def test_plain_datetime_fields_write_the_start_only() -> None:
    class Event(NotionModel):
        __database__ = DatabaseSpec("Events", env="NOTION_EVENTS_DB")
        title: Annotated[str, Title("Name")]
        at: Annotated[datetime | None, Date("At")] = None
        day: Annotated[date | None, Date("Day")] = None

    body = to_properties(Event(title="x", at=datetime(2024, 1, 2, 3, 4, 5, 678900), day=None))
    assert body["At"] == {"date": {"start": "2024-01-02T03:04:05.678+00:00", "end": None,
                                   "time_zone": None}}  # fmt: skip
    assert body["Day"] == {"date": None}
    assert to_properties(Event(title="x", at=datetime(2024, 1, 2, tzinfo=UTC)))["At"]["date"][
        "start"
    ] == ("2024-01-02T00:00:00.000+00:00")
