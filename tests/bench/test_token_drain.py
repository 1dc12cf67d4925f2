"""The token-drain benchmark's runs, small: each token carries its packs' requests, and no
token goes past its budget as the Notion server saw it."""

from __future__ import annotations

from pathlib import Path

from bench.token_drain import drain

from notionhub.queue.processor import EventProcessor

RATE = 20.0  # requests/s per token: a short run; the benchmark uses Notion's 3


def test_one_token_carries_every_request_and_three_share_them(
    tmp_path: Path, processor: EventProcessor
) -> None:
    one = drain(1, 12, processor, tmp_path / "one", rate=RATE)
    three = drain(3, 12, processor, tmp_path / "three", rate=RATE)

    assert one.processed == three.processed == 12
    assert len(one.per_token) == 1 and sum(one.per_token.values()) == one.requests
    # Each of the three packs writes its four rows with a token of its own.
    assert len(three.per_token) == 3 and set(three.per_token.values()) == {4}
    for run in (one, three):
        assert max(run.most_per_window.values()) <= run.window_cap
