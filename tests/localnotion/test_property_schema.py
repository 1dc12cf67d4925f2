"""Data source schemas: creation from a POST body and updates from a PATCH body."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from notionhub.errors import InternalServerError, ValidationFailed
from notionhub.localnotion.properties.schema import (
    SchemaChange,
    apply_schema_update,
    normalize_schema_on_create,
)

TARGET = "0f1e2d3c-4b5a-4968-8776-655443322110"
FIELD = "body.properties"


def id_maker() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"p{next(counter)}"


def create(properties: object) -> dict[str, dict[str, Any]]:
    return normalize_schema_on_create(properties, FIELD, new_prop_id=id_maker())


def create_refused(properties: object) -> str:
    with pytest.raises(ValidationFailed) as info:
        create(properties)
    assert info.value.code == "validation_error" and info.value.status == 400
    return info.value.message


BASE = {
    "Name": {"title": {}},
    "Price": {"number": {"format": "dollar"}},
    "Qty": {"number": {}},
    "Tags": {"multi_select": {"options": [{"name": "a", "color": "red"}, {"name": "b"}]}},
    "Stage": {"select": {"options": [{"name": "Won", "color": "green"}, {"name": "Lost"}]}},
    "Status": {"status": {}},
    "Client": {"relation": {"data_source_id": TARGET, "single_property": {}}},
    "Total": {"formula": {"expression": 'prop("Price") * prop("Qty")'}},
    "Spend": {
        "rollup": {
            "relation_property_name": "Client",
            "rollup_property_name": "Amount",
            "function": "sum",
        }
    },
    "Due": {"type": "date", "date": {}, "description": "When it is due"},
}


def base() -> dict[str, dict[str, Any]]:
    return create(copy.deepcopy(BASE))


# --- creation -------------------------------------------------------------------------------


def test_created_properties_have_ids_names_types_and_descriptions() -> None:
    schema = base()
    assert list(schema) == list(BASE)
    assert schema["Name"] == {
        "id": "title",
        "name": "Name",
        "type": "title",
        "title": {},
        "description": None,
    }
    ids = [p["id"] for p in schema.values() if p["type"] != "title"]
    assert ids == [f"p{i}" for i in range(1, len(ids) + 1)]
    assert schema["Due"]["description"] == "When it is due" and schema["Due"]["date"] == {}
    assert all(p["name"] == n for n, p in schema.items())


def test_number_format_defaults_to_number() -> None:
    schema = base()
    assert schema["Price"]["number"] == {"format": "dollar"}
    assert schema["Qty"]["number"] == {"format": "number"}


def test_options_get_ids_and_default_colour() -> None:
    options = base()["Tags"]["multi_select"]["options"]
    assert [(o["name"], o["color"], o["description"]) for o in options] == [
        ("a", "red", None),
        ("b", "default", None),
    ]
    assert all(isinstance(o["id"], str) and o["id"] for o in options)
    assert options[0]["id"] != options[1]["id"]


def test_status_gets_notion_default_options_and_groups() -> None:
    status = base()["Status"]["status"]
    names = [(o["name"], o["color"]) for o in status["options"]]
    assert names == [("Not started", "default"), ("In progress", "blue"), ("Done", "green")]
    by_id = {o["id"]: o["name"] for o in status["options"]}
    groups = [
        (g["name"], g["color"], [by_id[i] for i in g["option_ids"]]) for g in status["groups"]
    ]
    assert groups == [
        ("To-do", "gray", ["Not started"]),
        ("In progress", "blue", ["In progress"]),
        ("Complete", "green", ["Done"]),
    ]


def test_status_with_given_options_puts_them_in_to_do() -> None:
    schema = create(
        {"Name": {"title": {}}, "S": {"status": {"options": [{"name": "New"}, {"name": "Old"}]}}}
    )
    status = schema["S"]["status"]
    assert [o["name"] for o in status["options"]] == ["New", "Old"]
    assert status["groups"][0]["option_ids"] == [o["id"] for o in status["options"]]
    assert all(g["option_ids"] == [] for g in status["groups"][1:])


def test_relations_are_kept_for_the_store_to_complete() -> None:
    schema = base()
    assert schema["Client"]["relation"] == {
        "data_source_id": TARGET,
        "type": "single_property",
        "single_property": {},
    }
    dual = create(
        {
            "Name": {"title": {}},
            "R": {
                "relation": {
                    "data_source_id": TARGET.replace("-", ""),
                    "dual_property": {"synced_property_name": "Back"},
                }
            },
        }
    )["R"]["relation"]
    assert dual == {
        "data_source_id": TARGET,
        "type": "dual_property",
        "dual_property": {"synced_property_name": "Back", "synced_property_id": None},
    }


def test_rollup_gets_its_relation_property_id_and_name() -> None:
    schema = base()
    assert schema["Spend"]["rollup"] == {
        "function": "sum",
        "relation_property_name": "Client",
        "relation_property_id": schema["Client"]["id"],
        "rollup_property_name": "Amount",
        "rollup_property_id": None,
    }
    by_id = create(
        {
            **copy.deepcopy(BASE),
            "Spend": {
                "rollup": {
                    "relation_property_id": "p6",
                    "rollup_property_id": "x",
                    "function": "count",
                }
            },
        }
    )
    assert by_id["Spend"]["rollup"]["relation_property_name"] == "Client"


def test_formula_expression_is_kept() -> None:
    assert base()["Total"]["formula"] == {"expression": 'prop("Price") * prop("Qty")'}


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"Name": None}, "body.properties should have exactly one property of type title"),
        (
            {"Other": {"title": {}}},
            "body.properties should have exactly one property of type title",
        ),
        ({"X": {"button": {}}}, "body.properties.X"),
        ({"X": {"type": "button"}}, "body.properties.X.type"),
        ({"X": {"number": {}, "date": {}}}, "body.properties.X should declare exactly one"),
        ({"X": {"type": "date", "number": {}}}, "body.properties.X should declare exactly one"),
        ({"X": {}}, "body.properties.X should declare a property type"),
        ({"X": 5}, "body.properties.X should be an object"),
        ({"X": {"number": {"format": "doubloons"}}}, "body.properties.X.number.format"),
        ({"X": {"number": []}}, "body.properties.X.number should be an object"),
        (
            {"X": {"select": {"options": [{"name": "a", "color": "teal"}]}}},
            "body.properties.X.select.options[0].color",
        ),
        (
            {"X": {"select": {"options": [{"name": "a,b"}]}}},
            "body.properties.X.select.options[0].name",
        ),
        (
            {"X": {"select": {"options": [{"color": "red"}]}}},
            "body.properties.X.select.options[0].name",
        ),
        (
            {"X": {"select": {"options": [{"name": "a"}, {"name": "a"}]}}},
            "body.properties.X.select.options",
        ),
        (
            {"X": {"relation": {"data_source_id": "nope"}}},
            "body.properties.X.relation.data_source_id",
        ),
        ({"X": {"relation": {}}}, "body.properties.X.relation.data_source_id should be defined"),
        (
            {"X": {"relation": {"data_source_id": TARGET, "type": "triple"}}},
            "body.properties.X.relation.type",
        ),
        (
            {
                "X": {
                    "rollup": {
                        "relation_property_name": "Client",
                        "rollup_property_name": "A",
                        "function": "mode",
                    }
                }
            },
            "body.properties.X.rollup.function",
        ),
        (
            {"X": {"rollup": {"relation_property_name": "Client", "function": "sum"}}},
            "body.properties.X.rollup should have `rollup_property_name`",
        ),
        (
            {
                "X": {
                    "rollup": {
                        "relation_property_name": "Price",
                        "rollup_property_name": "A",
                        "function": "sum",
                    }
                }
            },
            "body.properties.X.rollup: Price",
        ),
        (
            {
                "X": {
                    "rollup": {
                        "relation_property_name": "Nope",
                        "rollup_property_name": "A",
                        "function": "sum",
                    }
                }
            },
            "body.properties.X.rollup: Nope",
        ),
        (
            {"X": {"formula": {"expression": 'prop("Nope") + 1'}}},
            "body.properties.X.formula.expression",
        ),
        ({"X": {"formula": {"expression": "1 +"}}}, "body.properties.X.formula.expression"),
        ({"X": {"formula": {}}}, "body.properties.X.formula.expression should be defined"),
        (
            {"X": {"unique_id": {"prefix": 3}}},
            "body.properties.X.unique_id.prefix should be a string",
        ),
        ({"X": {"date": {}, "description": 4}}, "body.properties.X.description should be a string"),
        ({" ": {"date": {}}}, "body.properties. "),
    ],
)
def test_creation_refusals_name_the_field(change: dict[str, Any], where: str) -> None:
    properties = {k: v for k, v in {**copy.deepcopy(BASE), **change}.items() if v is not None}
    assert create_refused(properties).startswith(where)


def test_properties_must_be_an_object() -> None:
    assert create_refused([]).startswith("body.properties should be an object")


def test_an_id_generator_that_only_repeats_fails_instead_of_hanging() -> None:
    with pytest.raises(InternalServerError):
        normalize_schema_on_create(
            {"Name": {"title": {}}, "A": {"date": {}}, "B": {"date": {}}},
            FIELD,
            new_prop_id=lambda: "same",
        )


def test_new_ids_never_collide() -> None:
    ids = iter(["dup", "dup", "title", "fresh"])
    schema = normalize_schema_on_create(
        {"Name": {"title": {}}, "A": {"checkbox": {}}, "B": {"email": {}}},
        FIELD,
        new_prop_id=lambda: next(ids),
    )
    assert [p["id"] for p in schema.values()] == ["title", "dup", "fresh"]


@pytest.mark.parametrize(
    "kind",
    [
        "rich_text",
        "date",
        "people",
        "files",
        "checkbox",
        "url",
        "email",
        "phone_number",
        "created_time",
        "created_by",
        "last_edited_time",
        "last_edited_by",
    ],
)
def test_types_without_settings(kind: str) -> None:
    schema = create({"Name": {"title": {}}, "X": {kind: {}}})
    assert schema["X"] == {"id": "p1", "name": "X", "type": kind, kind: {}, "description": None}


def test_unique_id_prefix() -> None:
    schema = create(
        {"Name": {"title": {}}, "T": {"unique_id": {"prefix": "TASK"}}, "U": {"unique_id": {}}}
    )
    assert schema["T"]["unique_id"] == {"prefix": "TASK"} and schema["U"]["unique_id"] == {
        "prefix": None
    }


# --- updates --------------------------------------------------------------------------------


def update(schema: dict[str, dict[str, Any]], changes: object) -> SchemaChange:
    counter = itertools.count(1)
    return apply_schema_update(schema, changes, FIELD, new_prop_id=lambda: f"new{next(counter)}")


def update_refused(schema: dict[str, dict[str, Any]], changes: object) -> str:
    with pytest.raises(ValidationFailed) as info:
        update(schema, changes)
    return info.value.message


def test_update_leaves_the_given_schema_untouched() -> None:
    schema = base()
    before = copy.deepcopy(schema)
    update(
        schema,
        {
            "Price": {"name": "Cost"},
            "Tags": {"multi_select": {"options": [{"name": "z"}]}},
            "Qty": None,
        },
    )
    assert schema == before


def test_rename_by_name_or_id() -> None:
    schema = base()
    change = update(schema, {"Price": {"name": "Cost"}, "title": {"name": "Title"}})
    assert change.renamed == {"Price": "Cost", "Name": "Title"}
    assert change.schema["Cost"]["id"] == schema["Price"]["id"] and "Price" not in change.schema
    assert change.schema["Title"]["id"] == "title"
    assert list(change.schema)[:3] == ["Title", "Cost", "Qty"]
    assert change.removed == [] and change.retyped == []


def test_rename_follows_into_formulas_and_rollups() -> None:
    change = update(base(), {"Price": {"name": "Cost"}, "Client": {"name": "Customer"}})
    assert change.schema["Total"]["formula"]["expression"] == 'prop("Cost") * prop("Qty")'
    assert change.schema["Spend"]["rollup"]["relation_property_name"] == "Customer"


def test_names_can_be_swapped_but_not_duplicated() -> None:
    change = update(base(), {"Price": {"name": "Qty"}, "Qty": {"name": "Price"}})
    assert change.schema["Qty"]["number"] == {"format": "dollar"}
    assert update_refused(base(), {"Price": {"name": "Qty"}}).startswith(
        "body.properties: more than one property"
    )
    assert update_refused(base(), {"Price": {"name": ""}}).startswith("body.properties.Price.name")


def test_remove_by_name_or_id() -> None:
    schema = base()
    change = update(schema, {"Qty": None, schema["Due"]["id"]: None})
    assert change.removed == [schema["Qty"]["id"], schema["Due"]["id"]]
    assert "Qty" not in change.schema and "Due" not in change.schema


def test_removing_the_title_or_an_unknown_property_is_refused() -> None:
    assert (
        update_refused(base(), {"Name": None})
        == "body.properties.Name: the title property cannot be removed."
    )
    assert update_refused(base(), {"Nope": None}) == "Nope is not a property that exists."


def test_a_property_removed_in_the_same_request_cannot_be_changed_again() -> None:
    schema = base()
    qty_id = schema["Qty"]["id"]
    assert update_refused(schema, {"Qty": None, qty_id: {"name": "Count"}}) == (
        f"{qty_id} is not a property that exists."
    )
    twice = update_refused(schema, {"Qty": None, qty_id: None})
    assert twice == f"{qty_id} is not a property that exists."


def test_retype_changes_type_and_config() -> None:
    schema = base()
    change = update(schema, {"Qty": {"select": {"options": [{"name": "one"}]}}})
    assert change.retyped == [schema["Qty"]["id"]]
    qty = change.schema["Qty"]
    assert qty["type"] == "select" and "number" not in qty and qty["id"] == schema["Qty"]["id"]
    assert [o["name"] for o in qty["select"]["options"]] == ["one"]


def test_retype_between_select_and_multi_select_keeps_options() -> None:
    schema = base()
    change = update(schema, {"Stage": {"multi_select": {}}})
    assert change.schema["Stage"]["multi_select"]["options"] == schema["Stage"]["select"]["options"]


def test_title_type_cannot_change_and_no_second_title() -> None:
    assert update_refused(base(), {"Name": {"rich_text": {}}}).startswith(
        "body.properties.Name: the type of the title"
    )
    assert update_refused(base(), {"Price": {"title": {}}}).startswith(
        "body.properties.Price: the type of the title"
    )
    assert update_refused(base(), {"Second": {"title": {}}}).startswith(
        "body.properties.Second: a data source has"
    )


def test_same_type_config_update() -> None:
    change = update(base(), {"Price": {"number": {"format": "euro"}}, "Due": {"description": None}})
    assert change.schema["Price"]["number"] == {"format": "euro"} and change.retyped == []
    assert change.schema["Due"]["description"] is None


def test_new_names_add_properties() -> None:
    change = update(
        base(), {"Score": {"number": {}}, "Other": {"name": "Renamed new", "checkbox": {}}}
    )
    assert change.schema["Score"] == {
        "id": "new1",
        "name": "Score",
        "type": "number",
        "number": {"format": "number"},
        "description": None,
    }
    assert change.schema["Renamed new"]["type"] == "checkbox"
    assert (
        update_refused(base(), {"Ghost": {"name": "Spirit"}})
        == "Ghost is not a property that exists."
    )


def test_select_options_restated_keep_ids_new_are_added_omitted_dropped() -> None:
    schema = base()
    old = {o["name"]: o for o in schema["Stage"]["select"]["options"]}
    change = update(
        schema,
        {
            "Stage": {
                "select": {
                    "options": [
                        {"name": "Won"},
                        {"id": old["Lost"]["id"], "name": "Gone"},
                        {"name": "Open", "color": "blue"},
                    ]
                }
            }
        },
    )
    options = change.schema["Stage"]["select"]["options"]
    assert [(o["name"], o["color"]) for o in options] == [
        ("Won", "green"),
        ("Gone", "default"),
        ("Open", "blue"),
    ]
    assert options[0]["id"] == old["Won"]["id"] and options[1]["id"] == old["Lost"]["id"]
    kept = update(schema, {"Stage": {"select": {}}}).schema["Stage"]["select"]["options"]
    assert kept == schema["Stage"]["select"]["options"]


def test_select_option_refusals() -> None:
    assert update_refused(
        base(), {"Stage": {"select": {"options": [{"name": "Won", "color": "red"}]}}}
    ).startswith("body.properties.Stage.select.options[0]: cannot update color")
    assert update_refused(base(), {"Stage": {"select": {"options": [{"id": "nope"}]}}}).startswith(
        "body.properties.Stage.select.options[0].id"
    )
    assert update_refused(
        base(), {"Stage": {"select": {"options": [{"name": "Won"}, {"name": "Won"}]}}}
    ).startswith("body.properties.Stage.select.options: duplicate option name")


def test_status_options_are_only_added_and_join_to_do() -> None:
    schema = base()
    change = update(
        schema, {"Status": {"status": {"options": [{"name": "Blocked", "color": "red"}]}}}
    )
    status = change.schema["Status"]["status"]
    assert [o["name"] for o in status["options"]] == [
        "Not started",
        "In progress",
        "Done",
        "Blocked",
    ]
    blocked = status["options"][-1]["id"]
    assert status["groups"][0]["option_ids"][-1] == blocked
    assert (
        schema["Status"]["status"]["groups"][0]["option_ids"] != status["groups"][0]["option_ids"]
    )


def test_formulas_and_rollups_changed_by_the_update_are_checked() -> None:
    assert update_refused(
        base(), {"Total": {"formula": {"expression": 'prop("Nope")'}}}
    ).startswith("body.properties.Total.formula.expression")
    assert update_refused(
        base(),
        {
            "R2": {
                "rollup": {
                    "relation_property_name": "Qty",
                    "rollup_property_name": "A",
                    "function": "sum",
                }
            }
        },
    ).startswith("body.properties.R2.rollup: Qty")


def test_changes_must_be_an_object() -> None:
    assert update_refused(base(), "x").startswith("body.properties should be an object")
    assert update_refused(base(), {"Price": 3}).startswith(
        "body.properties.Price should be an object"
    )
