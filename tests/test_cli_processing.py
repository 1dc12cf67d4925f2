"""What ``serve`` and ``worker`` do alike: here, how they end when workflows still run."""

from __future__ import annotations

import os

import pytest

from notionhub.cli_processing import exit_now_if_work_left
from notionhub.queue.processor import EventProcessor
from notionhub.queue.runtime import Runtime
from notionhub.settings import Settings


class Exited(Exception):
    """``os._exit`` called (the test's stand-in, so the test process goes on)."""


@pytest.fixture
def exits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    codes: list[int] = []

    def record(code: int) -> None:
        codes.append(code)
        raise Exited

    monkeypatch.setattr(os, "_exit", record)
    return codes


def stopped_runtime(processor: EventProcessor, left_running: int) -> Runtime:
    runtime = Runtime(Settings(_env_file=None), processor)  # type: ignore[call-arg]
    runtime.left_running = left_running
    return runtime


def test_a_stop_that_left_nothing_running_ends_as_usual(
    exits: list[int], capsys: pytest.CaptureFixture[str], processor: EventProcessor
) -> None:
    exit_now_if_work_left(stopped_runtime(processor, 0), "worker w1")
    assert exits == []
    assert capsys.readouterr().out == ""


def test_workflows_still_running_are_left_to_recovery_and_the_process_ends_now(
    exits: list[int], capsys: pytest.CaptureFixture[str], processor: EventProcessor
) -> None:
    with pytest.raises(Exited):
        exit_now_if_work_left(stopped_runtime(processor, 2), "worker w1")
    assert exits == [0]
    assert capsys.readouterr().out == (
        "worker w1: 2 workflow(s) still waiting on the database, left to be recovered by the"
        " other processes or this WORKER_ID's next start\n"
    )
