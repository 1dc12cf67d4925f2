"""Every property type through the real notion-client and the local server, and back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated, Any, cast
from zoneinfo import ZoneInfo

import pytest
from notion_client import Client
from pydantic import Field

from notionhub.errors import PropertyValueError
from notionhub.localnotion.app import DEFAULT_TOKEN
from notionhub.notion.schema import (
    Checkbox,
    CreatedTime,
    DatabaseSpec,
    Date,
    Email,
    Files,
    Formula,
    Key,
    LastEditedTime,
    MultiSelect,
    NotionDate,
    NotionModel,
    Number,
    Option,
    People,
    Phone,
    Relation,
    RichText,
    Rollup,
    Select,
    Status,
    Title,
    UniqueId,
    Url,
    from_page,
    schema_for,
    to_properties,
)
from tests.conftest import RunningServer


class Project(NotionModel):
    __database__ = DatabaseSpec("RT Projects", env="NOTION_RT_PROJECTS_DB")
    name: Annotated[str, Title("Name")]
    budget: Annotated[float | None, Number("Budget", format="euro")] = None


STAGES = ("Todo", "Doing", "Done")


class Task(NotionModel):
    __database__ = DatabaseSpec("RT Tasks", env="NOTION_RT_TASKS_DB", icon="✅")
    name: Annotated[str, Title("Task")]
    notes: Annotated[str, RichText("Notes")] = ""
    price: Annotated[int | float | None, Number("Price", format="euro")] = None
    priority: Annotated[
        str | None, Select("Priority", options=[Option("Low", "gray"), Option("High", "red")])
    ] = None
    tags: Annotated[list[str], MultiSelect("Tags", options=[Option("a"), Option("b", "blue")])] = (
        Field(default_factory=list)
    )
    stage: Annotated[
        str | None, Status("Stage", options=[Option(s, "default") for s in STAGES])
    ] = None
    when: Annotated[NotionDate | None, Date("When")] = None
    due: Annotated[datetime | None, Date("Due")] = None
    day: Annotated[date | None, Date("Day")] = None
    done: Annotated[bool, Checkbox("Done")] = False
    email: Annotated[str, Email("Email"), Key()] = ""
    phone: Annotated[str | None, Phone("Phone")] = None
    site: Annotated[str | None, Url("Site")] = None
    owners: Annotated[list[str], People("Owners")] = Field(default_factory=list)
    files: Annotated[list[str], Files("Attachments")] = Field(default_factory=list)
    projects: Annotated[list[str], Relation("Projects", target="RT Projects", dual="Tasks")] = (
        Field(default_factory=list)
    )
    budget_total: Annotated[
        float | None,
        Rollup("Budget Total", relation="Projects", target_property="Budget", function="sum"),
    ] = None
    project_names: Annotated[
        list[Any] | None,
        Rollup("Project Names", relation="Projects", target_property="Name"),
    ] = None
    latest: Annotated[
        NotionDate | None,
        Rollup("Latest", relation="Projects", target_property="Created", function="latest_date"),
    ] = None
    doubled: Annotated[int | float | None, Formula("Doubled", expression='prop("Price") * 2')] = (
        None
    )
    label: Annotated[str | None, Formula("Label", expression='prop("Task") + "!"')] = None
    pricey: Annotated[bool | None, Formula("Pricey", expression='prop("Price") > 10')] = None
    created: Annotated[datetime | None, CreatedTime("Created")] = None
    edited: Annotated[datetime | None, LastEditedTime("Edited")] = None
    uid: Annotated[str | int | None, UniqueId("ID", prefix="TASK")] = None


class ProjectWithCreated(Project):
    created: Annotated[datetime | None, CreatedTime("Created")] = None


@dataclass
class Workspace:
    client: Client
    tasks: str  # data source id
    projects: list[str]  # page ids, budgets 10 and 2.5
    user: str

    def round_trip(self, record: Task) -> tuple[Task, dict[str, Any]]:
        page = _json(
            self.client.pages.create(
                parent={"data_source_id": self.tasks}, properties=to_properties(record)
            )
        )
        page = _json(self.client.pages.retrieve(page_id=page["id"]))
        return from_page(Task, page), page


def _json(answer: Any) -> dict[str, Any]:
    """A notion-client answer (typed as possibly awaitable; the client here is synchronous)."""
    return cast(dict[str, Any], answer)


def _database(client: Client, root: str, model: type[NotionModel], ids: dict[str, str]) -> str:
    spec = model.__database__
    database = _json(
        client.databases.create(
            parent={"type": "page_id", "page_id": root},
            title=[{"type": "text", "text": {"content": spec.name}}],
            icon={"type": "emoji", "emoji": spec.icon} if spec.icon else None,
            initial_data_source={"properties": schema_for(model, ids)},
        )
    )
    data_source_id = str(database["data_sources"][0]["id"])
    ids[spec.name] = data_source_id
    return data_source_id


def open_workspace(notion_server: RunningServer) -> Workspace:
    """Fresh Projects and Tasks databases (two projects, budgets 10 and 2.5) and a user id."""
    client = Client(auth=DEFAULT_TOKEN, base_url=notion_server.base_url, retry=False)
    found = _json(client.search(query="notionhub", filter={"property": "object", "value": "page"}))
    root = str(found["results"][0]["id"])
    ids: dict[str, str] = {}
    projects_ds = _database(client, root, ProjectWithCreated, ids)
    tasks_ds = _database(client, root, Task, ids)
    projects = [
        _json(
            client.pages.create(
                parent={"data_source_id": projects_ds},
                properties=to_properties(ProjectWithCreated(name=name, budget=budget)),
            )
        )["id"]
        for name, budget in (("Alpha", 10), ("Beta", 2.5))
    ]
    users = _json(client.users.list())["results"]
    user = next(u["id"] for u in users if u["type"] == "person")
    return Workspace(client, tasks_ds, projects, user)


@pytest.fixture(scope="module")
def ws(notion_server: RunningServer) -> Iterator[Workspace]:
    opened = open_workspace(notion_server)
    yield opened
    opened.client.close()


def test_every_property_type_round_trips(ws: Workspace) -> None:
    paris = ZoneInfo("Europe/Paris")
    record = Task(
        name="Write the schema",
        notes="line one\nline two — ünïcödé 😀",
        price=12,
        priority="High",
        tags=["b", "new tag"],
        stage="Doing",
        when=NotionDate(datetime(2024, 3, 1, 9, 30), datetime(2024, 3, 1, 11), "Europe/Paris"),
        due=datetime(2024, 6, 30, 23, 59, 59, 123000, tzinfo=timezone(timedelta(hours=-5))),
        day=date(2024, 2, 29),
        done=True,
        email="Ann@Example.com",
        phone="+33 1 23 45 67 89",
        site="https://example.com/a?b=c",
        owners=[ws.user],
        files=["https://files.example/report.pdf", "https://files.example/"],
        projects=ws.projects,
    )
    read, page = ws.round_trip(record)
    assert page["properties"]["Notes"]["type"] == "rich_text"
    assert read.when is not None and read.when.start == datetime(2024, 3, 1, 9, 30, tzinfo=paris)
    assert isinstance(read.when.start, datetime)
    assert read.when.start.utcoffset() == timedelta(hours=1)
    assert read.price == 12 and isinstance(read.price, int)
    assert read.budget_total == 12.5
    assert read.project_names is not None and sorted(read.project_names) == ["Alpha", "Beta"]
    assert isinstance(read.latest, NotionDate) and isinstance(read.latest.start, datetime)
    assert (read.doubled, read.label, read.pricey, read.uid) == (
        24,
        "Write the schema!",
        True,
        "TASK-1",
    )
    assert isinstance(read.created, datetime) and isinstance(read.edited, datetime)
    assert abs(read.created - datetime.now(UTC)) < timedelta(minutes=5)
    computed = {
        "page_id": page["id"],
        "budget_total": 12.5,
        "project_names": read.project_names,
        "latest": read.latest,
        "doubled": 24,
        "label": "Write the schema!",
        "pricey": True,
        "created": read.created,
        "edited": read.edited,
        "uid": "TASK-1",
    }
    assert read == record.model_copy(update=computed)


def test_long_text_is_split_into_items_and_joined(ws: Workspace) -> None:
    text = "".join(chr(ord("a") + i % 26) for i in range(4500))
    body = to_properties(Task(name=text[:10], notes=text))["Notes"]["rich_text"]
    assert [len(item["text"]["content"]) for item in body] == [2000, 2000, 500]
    read, page = ws.round_trip(Task(name="long", notes=text))
    assert len(page["properties"]["Notes"]["rich_text"]) == 3
    assert read.notes == text


@pytest.mark.parametrize(
    "when",
    [
        NotionDate(date(2024, 1, 1)),
        NotionDate(date(2024, 1, 1), date(2024, 1, 31)),
        NotionDate(datetime(2024, 1, 1, 8, tzinfo=timezone(timedelta(hours=5, minutes=30)))),
        NotionDate(datetime(2024, 1, 1, 8, tzinfo=UTC), datetime(2024, 1, 2, 8, tzinfo=UTC)),
        NotionDate(datetime(2024, 7, 1, 8), time_zone="America/New_York"),
        NotionDate(date(2024, 1, 1), datetime(2024, 1, 2, 8, tzinfo=UTC)),
        NotionDate(datetime(2024, 7, 1, 8, tzinfo=ZoneInfo("Asia/Tokyo"))),
    ],
)
def test_dates_round_trip(ws: Workspace, when: NotionDate) -> None:
    read, _ = ws.round_trip(Task(name="date", when=when))
    assert read.when == when


def test_naive_datetime_is_utc_and_dates_convert_for_plain_fields(ws: Workspace) -> None:
    read, page = ws.round_trip(
        Task(name="plain", due=datetime(2024, 1, 1, 12), day=date(2024, 1, 2))
    )
    assert read.due == datetime(2024, 1, 1, 12, tzinfo=UTC)
    assert read.day == date(2024, 1, 2)
    page["properties"]["Due"]["date"] = {"start": "2024-05-06", "end": None, "time_zone": None}
    page["properties"]["Day"]["date"] = {
        "start": "2024-05-06T23:30:00.000-02:00",
        "end": None,
        "time_zone": None,
    }
    again = from_page(Task, page)
    assert again.due == datetime(2024, 5, 6, tzinfo=UTC)
    assert again.day == date(2024, 5, 6)


def test_from_page_defaults_and_type_errors(ws: Workspace) -> None:
    _, page = ws.round_trip(Task(name="x", price=3))
    trimmed = {**page, "properties": {"Task": page["properties"]["Task"]}}
    assert from_page(Task, trimmed) == Task(name="x", page_id=page["id"])
    wrong = {**page, "properties": {**page["properties"], "Price": page["properties"]["Notes"]}}
    with pytest.raises(PropertyValueError, match="declares a number property, but the page has"):
        from_page(Task, wrong)
    label = {**page["properties"]["Label"], "formula": {"type": "date", "date": None}}
    unfit = {**page, "properties": {**page["properties"], "Pricey": label}}
    unfit["properties"]["Pricey"]["formula"] = {"type": "string", "string": "not a bool"}
    with pytest.raises(PropertyValueError, match="does not fit Task"):
        from_page(Task, unfit)
