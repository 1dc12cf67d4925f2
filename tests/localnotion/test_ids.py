"""Object ids: Notion's dashed UUIDs, made in creation order."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from notionhub.errors import ValidationFailed
from notionhub.localnotion.api import ids
from notionhub.localnotion.api.ids import IdSource
from notionhub.localnotion.pages.writes import create_page
from notionhub.localnotion.storage.store import Storage
from notionhub.localnotion.workspace import Workspace

MOMENT_NS = 1_764_000_000_123_456_789
MOMENT_MS = 1_764_000_000_123


def _frozen() -> int:
    return MOMENT_NS


def _assert_version_7(value: str) -> uuid.UUID:
    parsed = uuid.UUID(value)
    assert str(parsed) == value  # Notion's dashed, lower-case form
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122  # variant bits 10
    return parsed


def test_a_new_id_is_a_dashed_version_7_uuid() -> None:
    source = IdSource()
    made = [source.new_id() for _ in range(1000)]
    assert len(set(made)) == 1000
    for value in made:
        _assert_version_7(value)
        assert ids.parse_id(value.replace("-", ""), "id") == value


def test_ids_sort_in_the_order_they_were_made() -> None:
    clock = iter(range(MOMENT_NS, MOMENT_NS + 1_000_000_000, 1_000_000))
    source = IdSource(clock_ns=lambda: next(clock))
    made = [source.new_id() for _ in range(500)]  # one a millisecond
    assert made == sorted(made)
    assert uuid.UUID(made[0]).int >> 80 == MOMENT_MS  # the time in milliseconds


def test_ids_made_in_one_millisecond_keep_their_order() -> None:
    source = IdSource(clock_ns=_frozen)
    made = [source.new_id() for _ in range(5000)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    for value in made:
        assert _assert_version_7(value).int >> 80 == MOMENT_MS


def test_a_clock_that_goes_back_does_not_reverse_ids() -> None:
    times = [MOMENT_NS, MOMENT_NS - 5_000_000_000, MOMENT_NS - 1_000_000, MOMENT_NS, MOMENT_NS - 1]
    clock = iter([*times, MOMENT_NS + 2_000_000])
    source = IdSource(clock_ns=lambda: next(clock))
    made = [source.new_id() for _ in range(len(times) + 1)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    stamps = [_assert_version_7(value).int >> 80 for value in made]
    # The last millisecond is kept while the clock is behind it; time moves on once it is not.
    assert stamps == [MOMENT_MS] * len(times) + [MOMENT_MS + 2]


def test_a_full_counter_borrows_the_next_millisecond(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ids, "_counter_seed", lambda: (1 << 42) - 2)
    source = IdSource(clock_ns=_frozen)
    made = [source.new_id() for _ in range(4)]
    assert made == sorted(made)
    assert [uuid.UUID(value).int >> 80 for value in made] == [MOMENT_MS] * 2 + [MOMENT_MS + 1] * 2


def test_ids_made_from_several_threads_are_unique_and_each_thread_s_increase() -> None:
    source = IdSource(clock_ns=_frozen)  # all in one millisecond: the counter alone orders them
    start = threading.Barrier(8)
    made: dict[int, list[str]] = {}

    def make(worker: int) -> None:
        start.wait()
        made[worker] = [source.new_id() for _ in range(2000)]

    threads = [threading.Thread(target=make, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [value for sequence in made.values() for value in sequence]
    assert len(set(everything)) == 8 * 2000
    for sequence in made.values():
        assert sequence == sorted(sequence)


@pytest.fixture
def frozen_workspace(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace(Storage(tmp_path / "notion.sqlite3"), ids=IdSource(clock_ns=_frozen))
    yield ws
    ws.storage.close()


def test_a_workspace_makes_its_ids_from_its_own_source(frozen_workspace: Workspace) -> None:
    ws = frozen_workspace
    title = {"title": {"title": [{"text": {"content": "p"}}]}}
    pages = [
        create_page(ws, {"parent": {"page_id": ws.root_page_id}, "properties": title})
        for _ in range(20)
    ]
    made = [ws.bot_id, ws.root_page_id, *(page.id for page in pages)]
    assert made == sorted(made)
    assert all(uuid.UUID(value).int >> 80 == MOMENT_MS for value in made)


def test_a_random_id_is_a_dashed_version_4_uuid() -> None:
    made = {ids.random_id() for _ in range(1000)}
    assert len(made) == 1000
    assert all(uuid.UUID(value).version == 4 and str(uuid.UUID(value)) == value for value in made)


@given(st.text(max_size=40))
@example("0" * 32 + "\n")  # a line break after the id once passed the check and failed later
def test_parse_id_accepts_only_uuids(text: str) -> None:
    compact = text.replace("-", "")
    if len(compact) == 32 and all(c in "0123456789abcdefABCDEF" for c in compact):
        assert ids.parse_id(text, "id") == str(uuid.UUID(compact))
    else:
        with pytest.raises(ValidationFailed, match="id should be a valid uuid"):
            ids.parse_id(text, "id")
