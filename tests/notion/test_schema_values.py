"""Hypothesis: random values of every writable type survive the local server unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notionhub.notion.schema import NotionDate
from tests.conftest import RunningServer
from tests.notion.test_schema_roundtrip import STAGES, Task, Workspace, open_workspace


@pytest.fixture(scope="module")
def space(notion_server: RunningServer) -> Iterator[Workspace]:
    opened = open_workspace(notion_server)
    yield opened
    opened.client.close()


_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
_OPTION = st.text(
    st.characters(exclude_categories=["Cs", "Cc"], exclude_characters=","),
    min_size=1,
    max_size=20,
).filter(lambda s: bool(s.strip()))
_OFFSETS = st.sampled_from(
    [UTC, timezone(timedelta(hours=5, minutes=45)), timezone(-timedelta(hours=8))]
)


def _ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


_AWARE = st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1), timezones=_OFFSETS).map(_ms)
_DAYS = st.dates(date(1900, 1, 1), date(2100, 1, 1))
_ZONES = st.sampled_from(["Europe/Paris", "America/New_York", "Asia/Kolkata"])


def _unambiguous(moment: datetime, zone: str) -> bool:
    tz = ZoneInfo(zone)
    early, late = moment.replace(tzinfo=tz, fold=0), moment.replace(tzinfo=tz, fold=1)
    return early.utcoffset() == late.utcoffset() and early.astimezone(UTC).astimezone(tz) == early


@st.composite
def _notion_dates(draw: st.DrawFn) -> NotionDate:
    kind = draw(st.sampled_from(["date", "aware", "zoned"]))
    span = draw(st.none() | st.timedeltas(timedelta(0), timedelta(days=400)))
    if kind == "date":
        start_day = draw(_DAYS)
        return NotionDate(start_day, None if span is None else start_day + timedelta(span.days))
    if kind == "aware":
        start = draw(_AWARE)
        return NotionDate(start, None if span is None else _ms(start + span))
    zone = draw(_ZONES)
    local = _ms(draw(st.datetimes(datetime(1970, 1, 1), datetime(2090, 1, 1))))
    end = None if span is None else _ms(local + span)
    if not _unambiguous(local, zone) or (end is not None and not _unambiguous(end, zone)):
        return NotionDate(local.date())
    return NotionDate(local, end, zone)


@st.composite
def _tasks(draw: st.DrawFn, projects: list[str], user: str) -> Task:
    numbers = (
        st.none() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False)
    )
    return Task(
        name=draw(_TEXT),
        notes=draw(_TEXT | st.text(st.sampled_from("ab😀é\n"), min_size=1990, max_size=4100)),
        price=draw(numbers),
        priority=draw(st.none() | _OPTION),
        tags=draw(st.lists(_OPTION, max_size=4, unique=True)),
        stage=draw(st.none() | st.sampled_from(STAGES)),
        when=draw(st.none() | _notion_dates()),
        due=draw(st.none() | _AWARE),
        day=draw(st.none() | _DAYS),
        done=draw(st.booleans()),
        email=draw(st.text(max_size=200).filter(lambda s: "\x00" not in s)),
        phone=draw(st.none() | st.text(min_size=1, max_size=200)),
        site=draw(st.none() | st.text(min_size=1, max_size=2000)),
        owners=draw(st.lists(st.just(user), max_size=1)),
        files=draw(
            st.lists(
                st.from_regex(r"https://[a-z]{1,8}\.example/[a-z0-9./]{0,30}", fullmatch=True),
                max_size=3,
            )
        ),
        projects=draw(st.lists(st.sampled_from(projects), max_size=2, unique=True)),
    )


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_values_survive_the_server(space: Workspace, data: st.DataObject) -> None:
    record = data.draw(_tasks(space.projects, space.user))
    read, _ = space.round_trip(record)
    writable = {
        name: getattr(read, name)
        for name in Task.model_fields
        if name in record.model_fields_set or name in ("name",)
    }
    assert writable == {name: getattr(record, name) for name in writable}
