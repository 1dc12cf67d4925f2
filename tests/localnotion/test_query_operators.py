"""Every filter operator of the Notion API (2025-09-03), over HTTP, through ``notion-client``.

One data source holds a property of each filterable type and nine pages with a deliberate mix
of values, empty ones included; each case names, by hand, exactly the pages it must return.
Relative dates are whole days away from today (counted when the pages are written), far from
the edges of the ranges, so what a ``past_week`` finds never depends on the hour. Operands that
exist only once the pages do (today's date, a user or page id, a page's timestamp) are written
as markers (``Day(-3)``, ``Page("Apollo")``) and filled in by each test.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from notion_client import APIResponseError, Client
from notion_client.helpers import collect_paginated_api

from notionhub.localnotion.app import DEFAULT_TOKEN
from tests.conftest import RunningServer
from tests.localnotion.conftest import title

# ---- the data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    """Today (UTC) moved by ``offset`` days: a date, or with ``at`` a datetime on that day."""

    offset: int
    at: str | None = None

    def on(self, today: date) -> str:
        day = (today + timedelta(days=self.offset)).isoformat()
        return day if self.at is None else f"{day}T{self.at}"


PROJECTS: dict[str, tuple[int | None, str | None]] = {
    # name: (Budget, Deadline)
    "Apollo": (100, "2030-01-15"),
    "Borealis": (40, "2029-06-01"),
    "Cosmos": (None, None),
}

TASK_PROPERTIES: dict[str, Any] = {
    "Name": {"title": {}},
    "Notes": {"rich_text": {}},
    "Score": {"number": {}},
    "Kind": {"select": {"options": [{"name": "Bug"}, {"name": "Feature"}, {"name": "Chore"}]}},
    "Tags": {"multi_select": {"options": [{"name": "red"}, {"name": "green"}, {"name": "blue"}]}},
    "Stage": {"status": {}},  # Notion's default options: Not started, In progress, Done
    "Due": {"date": {}},
    "Done": {"checkbox": {}},
    "Mail": {"email": {}},
    "Phone": {"phone_number": {}},
    "Site": {"url": {}},
    "Owner": {"people": {}},
    "Files": {"files": {}},
    "Ticket": {"unique_id": {"prefix": "T"}},
    "Double": {"formula": {"expression": 'prop("Score") * 2'}},
    "Shout": {"formula": {"expression": 'upper(prop("Notes"))'}},
    "Big": {"formula": {"expression": 'prop("Score") > 10'}},
    "Day after": {"formula": {"expression": 'dateAdd(prop("Due"), 1, "days")'}},
    "Created": {"created_time": {}},
    "Edited": {"last_edited_time": {}},
    "Creator": {"created_by": {}},
}
# Added once the relation to Projects exists: name -> (property of Projects, function).
ROLLUPS: dict[str, tuple[str, str]] = {
    "Budget": ("Budget", "sum"),
    "Budgets": ("Budget", "show_original"),
    "Titles": ("Project", "show_original"),
    "Deadline": ("Deadline", "latest_date"),
}
TYPES: dict[str, str] = {
    **{name: next(iter(config)) for name, config in TASK_PROPERTIES.items()},
    "Projects": "relation",
    **dict.fromkeys(ROLLUPS, "rollup"),
}

E = None  # an empty value, to make the table easier to read
# Notes, Score, Kind, Tags, Stage, Due (days from today, or a Day), Done, Mail, Phone, Site,
# Owner, Projects, Files. Written in this order, so Ticket numbers run T-1 (Ada) to T-9 (Ivy).
TASKS: dict[str, tuple[Any, ...]] = {
    "Ada": ("Fix the login bug", 12, "Bug", ["red", "green"], "In progress", 0, True,
            "ada@example.com", "+1 555 0101", "https://ada.example.com", ["person"],
            ["Apollo", "Borealis"], ["spec.pdf"]),
    "Bob": ("Login page copy", 5, "Feature", ["green"], "Not started",
            Day(-3, "10:00:00.000+00:00"), False, "bob@example.org", "+44 20 7946 0000",
            "https://example.org/bob", ["bot"], ["Borealis"], []),
    "Cy": ("", 0, "Chore", [], "Done", 3, True, E, E, E, [], [], []),
    "Di": ("Review docs", -4, "Bug", ["blue"], E, -20, False, "di@example.com", "+1 555 0199",
           E, ["person", "bot"], ["Cosmos"], ["a.png", "b.png"]),
    "Eve": (E, E, E, [], E, E, False, E, E, E, [], [], []),
    "Fay": ("Ship it", 20, "Feature", ["red"], "Done", 20, True, "fay@sub.example.com", E,
            "https://fay.example.com/ship", ["person"], ["Apollo"], []),
    "Gus": ("BUG triage", 7.5, E, ["red", "blue"], "In progress", -200, False, E, "555-0123",
            E, [], ["Apollo", "Cosmos"], []),
    "Hal": ("Release notes", 100, "Chore", ["green", "blue"], "Not started", 200, True,
            "hal@example.org", E, "http://hal.test", ["bot"], [], ["notes.txt"]),
    "Ivy": ("bugfix", 3, "Bug", [], "Done", -400, False, E, E, E, [], [], []),
}  # fmt: skip
ALL = frozenset(TASKS)
NONE: frozenset[str] = frozenset()
EDITED_LAST = ("Bob", "Fay")  # edited again after every page was created, in this order


@dataclass
class World:
    """The written data source, and what the markers read."""

    data_source_id: str
    today: date
    users: dict[str, str]  # "person" / "bot" -> user id
    projects: dict[str, str]  # name -> page id
    stamps: dict[str, dict[str, str]]  # task name -> its id, created_time, last_edited_time


def _task_properties(name: str, values: tuple[Any, ...], world: World) -> dict[str, Any]:
    notes, score, kind, tags, stage, due, done, mail, phone, site, owner, related, files = values
    props: dict[str, Any] = {
        "Name": {"title": title(name)},
        "Score": {"number": score},
        "Tags": {"multi_select": [{"name": tag} for tag in tags]},
        "Done": {"checkbox": done},
        "Owner": {"people": [{"id": world.users[key]} for key in owner]},
        "Projects": {"relation": [{"id": world.projects[project]} for project in related]},
        "Files": {
            "files": [
                {"name": file, "type": "external", "external": {"url": f"https://f.test/{file}"}}
                for file in files
            ]
        },
    }
    if notes is not None:  # Eve leaves Notes unset; Cy sets it to no text
        props["Notes"] = {"rich_text": title(notes) if notes else []}
    if kind is not None:
        props["Kind"] = {"select": {"name": kind}}
    if stage is not None:
        props["Stage"] = {"status": {"name": stage}}
    if due is not None:
        when = due if isinstance(due, Day) else Day(due)
        props["Due"] = {"date": {"start": when.on(world.today)}}
    for key, value in (("Mail", mail), ("Phone", phone), ("Site", site)):
        if value is not None:
            props[key] = {TYPES[key]: value}
    return props


def _wait_past_utc_midnight(margin: timedelta = timedelta(minutes=2)) -> None:
    """Sleep over a coming UTC midnight, so "today" is one day for the whole module."""
    now = datetime.now(UTC)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    if midnight - now < margin:
        time.sleep((midnight - now).total_seconds() + 1)


def _create(notion: Client, parent: str, name: str, props: dict[str, Any]) -> dict[str, Any]:
    return notion.databases.create(
        parent={"type": "page_id", "page_id": parent},
        title=title(name),
        initial_data_source={"properties": props},
    )


@pytest.fixture(scope="module")
def client(notion_server: RunningServer) -> Iterator[Client]:
    """``notion-client`` on the session's server, for this module's one data source."""
    notion = Client(auth=DEFAULT_TOKEN, base_url=notion_server.base_url, retry=False)
    yield notion
    notion.close()


@pytest.fixture(scope="module")
def world(client: Client) -> World:
    _wait_past_utc_midnight()
    today = datetime.now(UTC).date()
    root = client.search(query="notionhub", filter={"property": "object", "value": "page"})
    root_id = root["results"][0]["id"]
    bot = client.users.me()["id"]
    person = next(u["id"] for u in client.users.list()["results"] if u["type"] == "person")
    projects_db = _create(
        client,
        root_id,
        "Projects",
        {"Project": {"title": {}}, "Budget": {"number": {}}, "Deadline": {"date": {}}},
    )
    projects_ds = projects_db["data_sources"][0]["id"]
    projects: dict[str, str] = {}
    for name, (budget, deadline) in PROJECTS.items():
        props: dict[str, Any] = {"Project": {"title": title(name)}, "Budget": {"number": budget}}
        if deadline is not None:
            props["Deadline"] = {"date": {"start": deadline}}
        projects[name] = client.pages.create(
            parent={"data_source_id": projects_ds}, properties=props
        )["id"]
    relation = {"relation": {"data_source_id": projects_ds, "single_property": {}}}
    tasks_db = _create(client, root_id, "Tasks", {**TASK_PROPERTIES, "Projects": relation})
    tasks_ds = tasks_db["data_sources"][0]["id"]
    client.data_sources.update(
        data_source_id=tasks_ds,
        properties={
            name: {
                "rollup": {
                    "relation_property_name": "Projects",
                    "rollup_property_name": rolled,
                    "function": function,
                }
            }
            for name, (rolled, function) in ROLLUPS.items()
        },
    )
    world = World(tasks_ds, today, {"person": person, "bot": bot}, projects, {})
    for name, values in TASKS.items():
        time.sleep(0.003)  # distinct milliseconds: timestamps order the pages
        page = client.pages.create(
            parent={"data_source_id": tasks_ds},
            properties=_task_properties(name, values, world),
        )
        world.stamps[name] = {"id": page["id"], "created_time": page["created_time"]}
    for name in EDITED_LAST:
        time.sleep(0.003)
        notes = title(TASKS[name][0])
        page = client.pages.update(
            page_id=world.stamps[name]["id"], properties={"Notes": {"rich_text": notes}}
        )
        assert page["last_edited_time"] > world.stamps["Ivy"]["created_time"]
    for page in collect_paginated_api(client.data_sources.query, data_source_id=tasks_ds):
        name = page["properties"]["Name"]["title"][0]["plain_text"]
        world.stamps[name]["last_edited_time"] = page["last_edited_time"]
    return world


# ---- operands known only once the pages exist ----------------------------------------------


@dataclass(frozen=True)
class Stamp:
    """The ``created_time`` or ``last_edited_time`` of a task."""

    field: str
    name: str


@dataclass(frozen=True)
class User:
    """The id of the workspace's person (``person``) or of the integration's bot (``bot``)."""

    key: str


@dataclass(frozen=True)
class Page:
    """The id of a page of the Projects data source."""

    name: str


def fill(node: Any, world: World) -> Any:
    """``node`` with every marker replaced by its value."""
    if isinstance(node, Day):
        return node.on(world.today)
    if isinstance(node, Stamp):
        return world.stamps[node.name][node.field]
    if isinstance(node, User):
        return world.users[node.key]
    if isinstance(node, Page):
        return world.projects[node.name]
    if isinstance(node, dict):
        return {key: fill(value, world) for key, value in node.items()}
    if isinstance(node, list):
        return [fill(item, world) for item in node]
    return node


def query(notion: Client, world: World, page_size: int = 4, **body: Any) -> list[str]:
    """The task names a query answers, in order, paging through every result."""
    pages = collect_paginated_api(
        notion.data_sources.query,
        data_source_id=world.data_source_id,
        page_size=page_size,
        **fill(body, world),
    )
    return [page["properties"]["Name"]["title"][0]["plain_text"] for page in pages]


# ---- the cases -------------------------------------------------------------------------------

Expected = frozenset[str] | Callable[[date], frozenset[str]]


def names(text: str) -> frozenset[str]:
    return frozenset(text.split())


def but(text: str) -> frozenset[str]:
    return ALL - names(text)


def on(prop: str, operator: str, operand: Any = True) -> dict[str, Any]:
    """A property filter: ``{"property": prop, <its type>: {operator: operand}}``."""
    return {"property": prop, TYPES[prop]: {operator: operand}}


def formula(prop: str, result: str, operator: str, operand: Any = True) -> dict[str, Any]:
    return {"property": prop, "formula": {result: {operator: operand}}}


def rollup(prop: str, key: str, condition: dict[str, Any]) -> dict[str, Any]:
    return {"property": prop, "rollup": {key: condition}}


def stamp(field: str, operator: str, operand: Any = True) -> dict[str, Any]:
    return {"timestamp": field, field: {operator: operand}}


def this_week_of_due(today: date) -> frozenset[str]:
    """Sunday to Saturday around today: Ada (today) always; Bob (−3) and Cy (+3) by weekday."""
    since_sunday = today.isoweekday() % 7
    found = {"Ada"}
    if since_sunday >= 3:  # Wednesday to Saturday: Bob's day is this week's
        found.add("Bob")
    if since_sunday <= 3:  # Sunday to Wednesday: so is Cy's
        found.add("Cy")
    return frozenset(found)


TEXT_CASES: list[tuple[str, str, str, Expected]] = [
    ("Name", "equals", "ada", names("Ada")),  # text filters ignore case (docs/local-notion.md)
    ("Name", "does_not_equal", "Bob", but("Bob")),
    ("Name", "contains", "a", names("Ada Fay Hal")),
    ("Name", "contains", "vY", names("Ivy")),
    ("Name", "contains", "ivY", names("Ivy")),  # three letters: the title's substring index
    ("Name", "does_not_contain", "a", but("Ada Fay Hal")),
    ("Name", "starts_with", "E", names("Eve")),
    ("Name", "ends_with", "y", names("Cy Fay Ivy")),
    ("Name", "is_empty", True, NONE),
    ("Name", "is_not_empty", True, ALL),
    ("Notes", "equals", "ship it", names("Fay")),
    ("Notes", "does_not_equal", "Ship it", but("Fay")),
    ("Notes", "contains", "bug", names("Ada Gus Ivy")),
    ("Notes", "does_not_contain", "bug", but("Ada Gus Ivy")),
    ("Notes", "starts_with", "login", names("Bob")),
    ("Notes", "ends_with", "s", names("Di Hal")),
    ("Notes", "is_empty", True, names("Cy Eve")),
    ("Notes", "is_not_empty", True, but("Cy Eve")),
    ("Mail", "equals", "BOB@example.org", names("Bob")),
    ("Mail", "does_not_equal", "bob@example.org", but("Bob")),
    ("Mail", "contains", "example.com", names("Ada Di Fay")),
    ("Mail", "does_not_contain", "example.com", but("Ada Di Fay")),
    ("Mail", "starts_with", "d", names("Di")),
    ("Mail", "ends_with", ".org", names("Bob Hal")),
    ("Mail", "is_empty", True, names("Cy Eve Gus Ivy")),
    ("Mail", "is_not_empty", True, but("Cy Eve Gus Ivy")),
    ("Phone", "equals", "+1 555 0101", names("Ada")),
    ("Phone", "does_not_equal", "+1 555 0101", but("Ada")),
    ("Phone", "contains", "555", names("Ada Di Gus")),
    ("Phone", "does_not_contain", "555", but("Ada Di Gus")),
    ("Phone", "starts_with", "+1", names("Ada Di")),
    ("Phone", "ends_with", "0000", names("Bob")),
    ("Phone", "is_empty", True, names("Cy Eve Fay Hal Ivy")),
    ("Phone", "is_not_empty", True, names("Ada Bob Di Gus")),
    ("Site", "equals", "https://example.org/bob", names("Bob")),
    ("Site", "does_not_equal", "https://example.org/bob", but("Bob")),
    ("Site", "contains", "example", names("Ada Bob Fay")),
    ("Site", "does_not_contain", "example", but("Ada Bob Fay")),
    ("Site", "starts_with", "http://", names("Hal")),
    ("Site", "ends_with", ".com", names("Ada")),
    ("Site", "is_empty", True, names("Cy Di Eve Gus Ivy")),
    ("Site", "is_not_empty", True, names("Ada Bob Fay Hal")),
]
NUMBER_CASES: list[tuple[str, str, Any, Expected]] = [
    # Score: Ada 12, Bob 5, Cy 0, Di -4, Eve empty, Fay 20, Gus 7.5, Hal 100, Ivy 3.
    ("Score", "equals", 7.5, names("Gus")),
    ("Score", "does_not_equal", 5, but("Bob")),  # the empty Eve too
    ("Score", "greater_than", 7.5, names("Ada Fay Hal")),
    ("Score", "less_than", 3, names("Cy Di")),
    ("Score", "greater_than_or_equal_to", 7.5, names("Ada Fay Gus Hal")),
    ("Score", "less_than_or_equal_to", 0, names("Cy Di")),
    ("Score", "is_empty", True, names("Eve")),
    ("Score", "is_not_empty", True, but("Eve")),
    # Ticket: T-1 (Ada) to T-9 (Ivy), in creation order; the prefix is not compared.
    ("Ticket", "equals", 3, names("Cy")),
    ("Ticket", "does_not_equal", 3, but("Cy")),
    ("Ticket", "greater_than", 7, names("Hal Ivy")),
    ("Ticket", "less_than", 3, names("Ada Bob")),
    ("Ticket", "greater_than_or_equal_to", 7, names("Gus Hal Ivy")),
    ("Ticket", "less_than_or_equal_to", 2, names("Ada Bob")),
]
OPTION_CASES: list[tuple[str, str, Any, Expected]] = [
    ("Done", "equals", True, names("Ada Cy Fay Hal")),
    ("Done", "equals", False, names("Bob Di Eve Gus Ivy")),
    ("Done", "does_not_equal", True, names("Bob Di Eve Gus Ivy")),
    ("Done", "does_not_equal", False, names("Ada Cy Fay Hal")),
    ("Kind", "equals", "Bug", names("Ada Di Ivy")),
    ("Kind", "equals", "bug", NONE),  # option names compare exactly
    ("Kind", "does_not_equal", "Bug", but("Ada Di Ivy")),
    ("Kind", "is_empty", True, names("Eve Gus")),
    ("Kind", "is_not_empty", True, but("Eve Gus")),
    ("Stage", "equals", "Done", names("Cy Fay Ivy")),
    ("Stage", "does_not_equal", "Done", but("Cy Fay Ivy")),
    ("Stage", "is_empty", True, names("Di Eve")),
    ("Stage", "is_not_empty", True, but("Di Eve")),
    ("Tags", "contains", "red", names("Ada Fay Gus")),
    ("Tags", "does_not_contain", "red", but("Ada Fay Gus")),
    ("Tags", "is_empty", True, names("Cy Eve Ivy")),
    ("Tags", "is_not_empty", True, but("Cy Eve Ivy")),
]
LIST_CASES: list[tuple[str, str, Any, Expected]] = [
    ("Owner", "contains", User("person"), names("Ada Di Fay")),
    ("Owner", "contains", User("bot"), names("Bob Di Hal")),
    ("Owner", "does_not_contain", User("person"), but("Ada Di Fay")),
    ("Owner", "is_empty", True, names("Cy Eve Gus Ivy")),
    ("Owner", "is_not_empty", True, but("Cy Eve Gus Ivy")),
    ("Creator", "contains", User("bot"), ALL),
    ("Creator", "does_not_contain", User("person"), ALL),
    ("Projects", "contains", Page("Apollo"), names("Ada Fay Gus")),
    ("Projects", "contains", Page("Borealis"), names("Ada Bob")),
    ("Projects", "does_not_contain", Page("Apollo"), but("Ada Fay Gus")),
    ("Projects", "is_empty", True, names("Cy Eve Hal Ivy")),
    ("Projects", "is_not_empty", True, but("Cy Eve Hal Ivy")),
    ("Files", "is_empty", True, but("Ada Di Hal")),
    ("Files", "is_not_empty", True, names("Ada Di Hal")),
]
# Due, days from today: Ada 0, Bob -3 (10:00 UTC), Cy +3, Di -20, Eve empty, Fay +20,
# Gus -200, Hal +200, Ivy -400.
DATE_CASES: list[tuple[str, str, Any, Expected]] = [
    ("Due", "equals", Day(0), names("Ada")),
    ("Due", "equals", Day(-3), names("Bob")),  # a datetime falls on its UTC day
    ("Due", "equals", Day(-3, "10:00:00Z"), names("Bob")),
    ("Due", "equals", Day(-3, "10:00:00.001Z"), NONE),  # datetimes to the millisecond
    ("Due", "before", Day(-3), names("Di Gus Ivy")),
    ("Due", "before", Day(-3, "12:00:00Z"), names("Bob Di Gus Ivy")),
    ("Due", "after", Day(3), names("Fay Hal")),
    ("Due", "on_or_before", Day(-3), names("Bob Di Gus Ivy")),
    ("Due", "on_or_after", Day(3), names("Cy Fay Hal")),
    ("Due", "is_empty", True, names("Eve")),
    ("Due", "is_not_empty", True, but("Eve")),
    ("Due", "past_week", {}, names("Ada Bob")),
    ("Due", "past_month", {}, names("Ada Bob Di")),
    ("Due", "past_year", {}, names("Ada Bob Di Gus")),
    ("Due", "next_week", {}, names("Ada Cy")),
    ("Due", "next_month", {}, names("Ada Cy Fay")),
    ("Due", "next_year", {}, names("Ada Cy Fay Hal")),
    ("Due", "this_week", {}, this_week_of_due),
    # Created: every task today, Ada first; Edited: Bob and Fay again after Ivy was created.
    ("Created", "after", Stamp("created_time", "Di"), names("Eve Fay Gus Hal Ivy")),
    ("Created", "on_or_before", Stamp("created_time", "Di"), names("Ada Bob Cy Di")),
    ("Created", "past_week", {}, ALL),
    ("Edited", "on_or_after", Stamp("last_edited_time", "Bob"), names("Bob Fay")),
    ("Edited", "before", Stamp("last_edited_time", "Bob"), but("Bob Fay")),
]
# Every task was created today, so on either timestamp each date operator answers all or none.
TODAY_CASES: list[tuple[str, Any, frozenset[str]]] = [
    ("equals", Day(0), ALL),
    ("before", Day(0), NONE),
    ("after", Day(-1), ALL),
    ("on_or_before", Day(-1), NONE),
    ("on_or_after", Day(0), ALL),
    ("is_empty", True, NONE),
    ("is_not_empty", True, ALL),
    ("past_week", {}, ALL),
    ("past_month", {}, ALL),
    ("past_year", {}, ALL),
    ("next_week", {}, ALL),
    ("next_month", {}, ALL),
    ("next_year", {}, ALL),
    ("this_week", {}, ALL),
]
TIMESTAMP_CASES: list[tuple[dict[str, Any], Expected]] = [
    *[(stamp(f, op, operand), expected) for f in ("created_time", "last_edited_time")
      for op, operand, expected in TODAY_CASES],
    (stamp("created_time", "equals", Stamp("created_time", "Di")), names("Di")),
    (stamp("created_time", "before", Stamp("created_time", "Di")), names("Ada Bob Cy")),
    (stamp("created_time", "after", Stamp("created_time", "Di")), names("Eve Fay Gus Hal Ivy")),
    (stamp("created_time", "on_or_after", Stamp("created_time", "Di")),
     names("Di Eve Fay Gus Hal Ivy")),
    (stamp("last_edited_time", "after", Stamp("created_time", "Ivy")), names("Bob Fay")),
    (stamp("last_edited_time", "on_or_before", Stamp("created_time", "Ivy")), but("Bob Fay")),
]  # fmt: skip
FORMULA_CASES: list[tuple[dict[str, Any], Expected]] = [
    # Double = Score * 2: Ada 24, Bob 10, Cy 0, Di -8, Eve empty, Fay 40, Gus 15, Hal 200, Ivy 6.
    (formula("Double", "number", "equals", 15), names("Gus")),
    (formula("Double", "number", "does_not_equal", 15), but("Gus")),
    (formula("Double", "number", "greater_than", 20), names("Ada Fay Hal")),
    (formula("Double", "number", "less_than", 0), names("Di")),
    (formula("Double", "number", "greater_than_or_equal_to", 40), names("Fay Hal")),
    (formula("Double", "number", "less_than_or_equal_to", 6), names("Cy Di Ivy")),
    (formula("Double", "number", "is_empty"), names("Eve")),
    (formula("Double", "number", "is_not_empty"), but("Eve")),
    (formula("Double", "string", "is_empty"), NONE),  # not the result's type: never matches
    # Shout = upper(Notes).
    (formula("Shout", "string", "equals", "ship it"), names("Fay")),
    (formula("Shout", "string", "contains", "bug"), names("Ada Gus Ivy")),
    (formula("Shout", "string", "does_not_contain", "bug"), but("Ada Gus Ivy")),
    (formula("Shout", "string", "starts_with", "LOGIN"), names("Bob")),
    (formula("Shout", "string", "ends_with", "docs"), names("Di")),
    (formula("Shout", "string", "is_empty"), names("Cy Eve")),
    # Big = Score > 10.
    (formula("Big", "checkbox", "equals", True), names("Ada Fay Hal")),
    (formula("Big", "checkbox", "does_not_equal", True), but("Ada Fay Hal")),
    # Day after = Due + 1 day: Ada +1, Bob -2 (10:00 UTC), Cy +4, Di -19, Eve empty, ...
    (formula("Day after", "date", "equals", Day(-2)), names("Bob")),
    (formula("Day after", "date", "after", Day(1)), names("Cy Fay Hal")),
    (formula("Day after", "date", "on_or_after", Day(1)), names("Ada Cy Fay Hal")),
    (formula("Day after", "date", "past_week", {}), names("Bob")),
    (formula("Day after", "date", "next_week", {}), names("Ada Cy")),
    (formula("Day after", "date", "is_empty"), names("Eve")),
]
ROLLUP_CASES: list[tuple[dict[str, Any], Expected]] = [
    # Projects: Apollo (Budget 100, Deadline 2030-01-15), Borealis (40, 2029-06-01), Cosmos.
    # Budget = sum: Ada 140, Bob 40, Fay 100, Gus 100, the others 0.
    (rollup("Budget", "number", {"greater_than": 50}), names("Ada Fay Gus")),
    (rollup("Budget", "number", {"equals": 0}), names("Cy Di Eve Hal Ivy")),
    (rollup("Budget", "number", {"less_than_or_equal_to": 40}), but("Ada Fay Gus")),
    # Budgets = the numbers: Ada [100, 40], Bob [40], Di [empty], Fay [100], Gus [100, empty].
    (rollup("Budgets", "any", {"number": {"greater_than": 50}}), names("Ada Fay Gus")),
    # "every" holds for no values at all (docs/local-notion.md)
    (rollup("Budgets", "every", {"number": {"greater_than": 50}}), names("Cy Eve Fay Hal Ivy")),
    (rollup("Budgets", "none", {"number": {"greater_than": 50}}), but("Ada Fay Gus")),
    (rollup("Budgets", "any", {"number": {"is_empty": True}}), names("Di Gus")),
    # Titles = the project names.
    (rollup("Titles", "any", {"rich_text": {"contains": "os"}}), names("Di Gus")),
    (rollup("Titles", "every", {"rich_text": {"starts_with": "a"}}), names("Cy Eve Fay Hal Ivy")),
    (rollup("Titles", "none", {"rich_text": {"equals": "Apollo"}}), but("Ada Fay Gus")),
    # Deadline = latest date: Ada, Fay, Gus 2030-01-15; Bob 2029-06-01; the others empty.
    (rollup("Deadline", "date", {"before": "2030-01-01"}), names("Bob")),
    (rollup("Deadline", "date", {"on_or_after": "2030-01-15"}), names("Ada Fay Gus")),
    (rollup("Deadline", "date", {"is_empty": True}), names("Cy Di Eve Hal Ivy")),
]
COMPOUND_CASES: list[tuple[dict[str, Any], Expected]] = [
    ({"and": [on("Kind", "equals", "Bug"), on("Done", "equals", True)]}, names("Ada")),
    ({"or": [on("Score", "greater_than", 50), on("Tags", "contains", "blue")]},
     names("Di Gus Hal")),
    ({"and": [{"or": [on("Kind", "equals", "Bug"), on("Kind", "equals", "Feature")]},
              on("Score", "greater_than_or_equal_to", 5)]},
     names("Ada Bob Fay")),
    ({"or": [{"and": [on("Done", "equals", True), on("Tags", "contains", "green")]},
             {"and": [on("Owner", "is_empty"), on("Due", "is_not_empty")]}]},
     names("Ada Cy Gus Hal Ivy")),
    ({"and": [stamp("created_time", "after", Stamp("created_time", "Bob")),
              {"or": [formula("Double", "number", "greater_than", 20),
                      rollup("Budget", "number", {"equals": 0})]}]},
     names("Cy Di Eve Fay Hal Ivy")),
    ({"or": [on("Mail", "is_empty"), on("Site", "does_not_contain", "example")]},
     names("Cy Di Eve Gus Hal Ivy")),
    ({"and": [on("Projects", "contains", Page("Apollo")), on("Owner", "contains", User("person"))]},
     names("Ada Fay")),
    ({"and": [on("Due", "past_month", {}),
              {"or": [on("Stage", "equals", "In progress"), on("Stage", "is_empty")]}]},
     names("Ada Di")),
    ({"or": [{"and": [on("Score", "greater_than", 0), on("Score", "less_than", 10)]},
             {"and": [on("Ticket", "greater_than", 8)]}]},
     names("Bob Gus Ivy")),
    ({"and": []}, ALL),
    ({"or": []}, ALL),
]  # fmt: skip

CASES = [
    *[pytest.param(on(p, op, arg), want, id=f"{p}-{op}") for p, op, arg, want in TEXT_CASES],
    *[pytest.param(on(p, op, arg), want, id=f"{p}-{op}") for p, op, arg, want in NUMBER_CASES],
    *[pytest.param(on(p, op, arg), want, id=f"{p}-{op}-{arg}") for p, op, arg, want in
      OPTION_CASES],
    *[pytest.param(on(p, op, arg), want, id=f"{p}-{op}") for p, op, arg, want in LIST_CASES],
    *[pytest.param(on(p, op, arg), want, id=f"{p}-{op}") for p, op, arg, want in DATE_CASES],
    *[pytest.param(f, want, id=f"timestamp-{f['timestamp']}-{next(iter(f[f['timestamp']]))}")
      for f, want in TIMESTAMP_CASES],
    *[pytest.param(f, want, id=f"formula-{f['property']}") for f, want in FORMULA_CASES],
    *[pytest.param(f, want, id=f"rollup-{f['property']}") for f, want in ROLLUP_CASES],
    *[pytest.param(f, want, id="compound") for f, want in COMPOUND_CASES],
]  # fmt: skip


@pytest.mark.parametrize(("query_filter", "expected"), CASES)
def test_filter(client: Client, world: World, query_filter: Any, expected: Expected) -> None:
    wanted = expected(world.today) if callable(expected) else expected
    found = query(client, world, filter=query_filter)
    assert sorted(found) == sorted(wanted)


# Operators of each filter condition, as Notion's reference lists them for 2025-09-03.
DOCUMENTED: dict[str, set[str]] = {
    "text": {"equals", "does_not_equal", "contains", "does_not_contain", "starts_with",
             "ends_with", "is_empty", "is_not_empty"},
    "number": {"equals", "does_not_equal", "greater_than", "less_than",
               "greater_than_or_equal_to", "less_than_or_equal_to", "is_empty", "is_not_empty"},
    "unique_id": {"equals", "does_not_equal", "greater_than", "less_than",
                  "greater_than_or_equal_to", "less_than_or_equal_to"},
    "checkbox": {"equals", "does_not_equal"},
    "select": {"equals", "does_not_equal", "is_empty", "is_not_empty"},
    "list": {"contains", "does_not_contain", "is_empty", "is_not_empty"},
    "files": {"is_empty", "is_not_empty"},
    "date": {"equals", "before", "after", "on_or_before", "on_or_after", "is_empty",
             "is_not_empty", "past_week", "past_month", "past_year", "this_week", "next_week",
             "next_month", "next_year"},
    "formula": {"string", "number", "checkbox", "date"},
    "rollup": {"any", "every", "none", "number", "date"},
}  # fmt: skip
CONDITION_OF = {
    **dict.fromkeys(("title", "rich_text", "email", "phone_number", "url"), "text"),
    **dict.fromkeys(("select", "status"), "select"),
    **dict.fromkeys(("multi_select", "people", "relation"), "list"),
}


def test_the_cases_cover_every_documented_operator() -> None:
    covered: dict[str, set[str]] = {}
    filters = [param.values[0] for param in CASES]
    while filters:
        node = filters.pop()
        for key in ("and", "or"):
            filters.extend(node.get(key, []))
        if "timestamp" in node:
            covered.setdefault(node["timestamp"], set()).update(node[node["timestamp"]])
        if "property" in node:
            type_ = TYPES[node["property"]]
            covered.setdefault(type_, set()).update(node[type_])
    for type_ in {*TYPES.values(), "created_time", "last_edited_time"} - {"created_by"}:
        condition = CONDITION_OF.get(type_, type_)
        documented = DOCUMENTED["date" if type_.endswith("_time") else condition]
        assert covered.get(type_, set()) >= documented, type_


def test_compounds_nest_two_levels_and_no_deeper(client: Client, world: World) -> None:
    deep = {"or": [{"and": [{"or": [on("Done", "equals", True)]}]}]}
    with pytest.raises(APIResponseError) as raised:
        query(client, world, filter=deep)
    assert raised.value.code == "validation_error"
    assert "nested too deeply" in str(raised.value)


# ---- sorts -----------------------------------------------------------------------------------

CREATION_ORDER = list(TASKS)
EDIT_ORDER = [n for n in TASKS if n not in EDITED_LAST] + list(EDITED_LAST)


def order(text: str) -> list[str]:
    return text.split()


def by(key: str, direction: str, *then: dict[str, str]) -> list[dict[str, str]]:
    anchor = "timestamp" if key in ("created_time", "last_edited_time") else "property"
    return [{anchor: key, "direction": direction}, *then]


FIRST_CREATED = {"timestamp": "created_time", "direction": "ascending"}


@pytest.mark.parametrize(
    ("sorts", "expected"),
    [
        (by("created_time", "ascending"), CREATION_ORDER),
        (by("created_time", "descending"), CREATION_ORDER[::-1]),
        (by("last_edited_time", "ascending"), EDIT_ORDER),
        (by("last_edited_time", "descending"), EDIT_ORDER[::-1]),
        (None, CREATION_ORDER[::-1]),  # no sorts: newest created first
        (by("Created", "descending"), CREATION_ORDER[::-1]),
        (by("Edited", "ascending"), EDIT_ORDER),
        # Empty values last in both directions (Notion; docs/local-notion.md).
        (by("Score", "ascending"), order("Di Cy Ivy Bob Gus Ada Fay Hal Eve")),
        (by("Score", "descending"), order("Hal Fay Ada Gus Bob Ivy Cy Di Eve")),
        (by("Due", "ascending"), order("Ivy Gus Di Bob Ada Cy Fay Hal Eve")),
        (by("Due", "descending"), order("Hal Fay Cy Ada Bob Di Gus Ivy Eve")),
        (by("Notes", "ascending", FIRST_CREATED),  # text ignores case
         order("Gus Ivy Ada Bob Hal Di Fay Cy Eve")),
        (by("Notes", "descending", FIRST_CREATED), order("Fay Di Hal Bob Ada Ivy Gus Cy Eve")),
        (by("Kind", "ascending", FIRST_CREATED),  # options in the schema's order
         order("Ada Di Ivy Bob Fay Cy Hal Eve Gus")),
        (by("Kind", "descending", FIRST_CREATED), order("Cy Hal Bob Fay Ada Di Ivy Eve Gus")),
        (by("Done", "descending", FIRST_CREATED), order("Ada Cy Fay Hal Bob Di Eve Gus Ivy")),
        (by("Stage", "ascending", FIRST_CREATED), order("Bob Hal Ada Gus Cy Fay Ivy Di Eve")),
        (by("Ticket", "descending"), CREATION_ORDER[::-1]),
        (by("Double", "ascending"), order("Di Cy Ivy Bob Gus Ada Fay Hal Eve")),  # a formula
        (by("Double", "descending"), order("Hal Fay Ada Gus Bob Ivy Cy Di Eve")),
        (by("Budget", "descending", FIRST_CREATED),  # a rollup
         order("Ada Fay Gus Bob Cy Di Eve Hal Ivy")),
    ],
)  # fmt: skip
def test_sorts(client: Client, world: World, sorts: Any, expected: list[str]) -> None:
    body = {} if sorts is None else {"sorts": sorts}
    assert query(client, world, **body) == expected


def test_filtered_sort_keeps_empties_last(client: Client, world: World) -> None:
    assert query(
        client,
        world,
        filter={"or": [on("Done", "equals", True), on("Score", "is_empty")]},
        sorts=by("Score", "descending"),
    ) == ["Hal", "Fay", "Ada", "Cy", "Eve"]


@pytest.mark.parametrize("page_size", [1, 2, 5])
def test_ties_fall_back_to_page_id_order_on_every_page(
    client: Client, world: World, page_size: int
) -> None:
    by_id = sorted(TASKS, key=lambda name: world.stamps[name]["id"])
    checked = [name for name in by_id if name in names("Ada Cy Fay Hal")]
    expected = [*checked, *(name for name in by_id if name not in checked)]
    found = query(client, world, page_size=page_size, sorts=by("Done", "descending"))
    assert found == expected
