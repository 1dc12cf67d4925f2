"""Which changes a pack's reactions are given, and declarations refused with a clear error."""

from __future__ import annotations

from typing import Annotated, Any

import pytest

from notionhub.errors import ConfigurationError
from notionhub.notion.changes import Change, ChangeKind, PageChange
from notionhub.notion.schema import DatabaseSpec, Key, NotionModel, RichText, Select, Title
from notionhub.packs.pack import Agent, FlowContext, Pack, Reaction


class Lesson(NotionModel):
    __database__ = DatabaseSpec("Lessons", env="NOTION_LESSONS_DB")

    title: Annotated[str, Title("Lesson"), Key()]
    status: Annotated[str | None, Select("Status")] = None
    notes: Annotated[str, RichText("Notes")] = ""


class Room(NotionModel):
    __database__ = DatabaseSpec("Rooms", env="NOTION_ROOMS_DB")

    name: Annotated[str, Title("Room")]


def noted(change: Change[Any], context: FlowContext) -> str:
    return f"{change.kind}: {sorted(change.changed)}"


def page_change(
    kind: ChangeKind = "updated",
    changed: tuple[str, ...] = ("Status",),
    *,
    by_person: bool = True,
    database: str = "Lessons",
) -> PageChange:
    before = {"Lesson": {"title": [{"text": {"content": "Yoga"}}]}, "Status": {"select": None}}
    after = {**before, "Status": {"select": {"name": "Done"}}}
    return PageChange(
        database=database,
        data_source_id="ds",
        page_id="page-1",
        kind=kind,
        changed=changed,
        before=None if kind == "created" else before,
        after=None if kind == "deleted" else after,
        by_person=by_person,
        edited_at="2026-12-05T10:00:00.000Z",
    )


def test_a_reaction_wants_changes_of_its_model_kinds_fields_and_people() -> None:
    on_status = Reaction(Lesson, noted, kinds=("updated",), fields=("status",))

    assert on_status.wants(page_change())
    assert not on_status.wants(page_change(changed=("Notes",)))
    assert not on_status.wants(page_change(kind="created", changed=()))
    assert not on_status.wants(page_change(by_person=False))
    assert not on_status.wants(page_change(database="Rooms"))
    assert Reaction(Lesson, noted, people_only=False).wants(page_change(by_person=False))
    # Fields filter updates only: a new row is wanted whatever it holds.
    assert Reaction(Lesson, noted, fields=("notes",)).wants(page_change("created", ()))


def test_a_change_is_typed_with_field_names_and_records() -> None:
    change = Change.of(Lesson, page_change())

    assert change.changed == {"status"}
    assert change.before is not None and change.before.status is None
    assert change.after is not None and change.after.status == "Done"
    assert change.record.title == "Yoga" and change.edited_at is not None


def test_the_pack_gives_each_change_to_the_reactions_that_want_it() -> None:
    first = Reaction(Lesson, noted, fields=("status",))
    second = Reaction(Lesson, noted, kinds=("deleted",))
    pack = Pack(
        "lessons",
        "",
        models=(Lesson,),
        agents=(Agent("teacher", "", reactions=(first, second)),),
    )

    assert [reaction for _, reaction in pack.reactions_for(page_change())] == [first]
    assert pack.reacts_to() == {"Lessons"}


@pytest.mark.parametrize(
    ("reaction", "message"),
    [
        (Reaction(Room, noted), "does not declare that model"),
        (Reaction(Lesson, noted, fields=("colour",)), "colour"),
        (Reaction(Lesson, noted, kinds=("moved",)), "unknown kinds"),  # type: ignore[arg-type]
    ],
)
def test_bad_reactions_are_refused_naming_the_pack(reaction: Reaction, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Pack("lessons", "", models=(Lesson,), agents=(Agent("teacher", "", reactions=(reaction,)),))
