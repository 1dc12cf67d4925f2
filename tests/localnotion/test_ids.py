"""Object ids: Notion's dashed UUIDs, made in creation order."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from notionhub.errors import ValidationFailed
from notionhub.localnotion import ids


def test_a_new_id_is_a_dashed_version_7_uuid() -> None:
    made = [ids.new_id() for _ in range(1000)]
    assert len(set(made)) == 1000
    for value in made:
        parsed = uuid.UUID(value)
        assert str(parsed) == value  # Notion's dashed, lower-case form
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122
        assert ids.parse_id(value.replace("-", ""), "id") == value


def test_ids_sort_in_the_order_they_were_made(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter(range(1_764_000_000_000_000_000, 1_764_000_001_000_000_000, 1_000_000))
    monkeypatch.setattr(ids.time, "time_ns", lambda: next(clock))
    made = [ids.new_id() for _ in range(500)]  # one a millisecond
    assert made == sorted(made)
    assert uuid.UUID(made[0]).int >> 80 == 1_764_000_000_000  # the time in milliseconds


@given(st.text(max_size=40))
@example("0" * 32 + "\n")  # a line break after the id once passed the check and failed later
def test_parse_id_accepts_only_uuids(text: str) -> None:
    compact = text.replace("-", "")
    if len(compact) == 32 and all(c in "0123456789abcdefABCDEF" for c in compact):
        assert ids.parse_id(text, "id") == str(uuid.UUID(compact))
    else:
        with pytest.raises(ValidationFailed, match="id should be a valid uuid"):
            ids.parse_id(text, "id")
