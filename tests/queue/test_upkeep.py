"""Pack upkeep: after events, at most once per interval; a failing upkeep is logged and retried."""

from __future__ import annotations

import threading
from typing import Any

import structlog.testing

from notionhub.packs import FlowContext, Pack
from notionhub.queue.upkeep import PackUpkeep


def upkeep_of(runs: list[str], fail: bool = False) -> Pack:
    def upkeep(context: FlowContext) -> str:
        runs.append("run")
        if fail:
            raise RuntimeError("Notion said no")
        return f"run {len(runs)}"

    return Pack(name="counting", description="", models=(), upkeep=upkeep)


def no_context(_pack: Pack) -> Any:
    return None


def test_packs_without_upkeep_start_no_thread() -> None:
    upkeep = PackUpkeep([Pack(name="p", description="", models=())], no_context, interval=0.01)
    upkeep.start()
    assert upkeep._thread is None
    upkeep.stop()


def test_upkeep_runs_at_start_and_after_each_poke() -> None:
    runs: list[str] = []
    ran = threading.Semaphore(0)
    pack = upkeep_of(runs)
    assert pack.upkeep is not None
    inner = pack.upkeep

    def signalling(context: FlowContext) -> str | None:
        note = inner(context)
        ran.release()
        return note

    upkeep = PackUpkeep(
        [Pack(name="p", description="", models=(), upkeep=signalling)], no_context, interval=0.01
    )
    upkeep.start()
    try:
        assert ran.acquire(timeout=30)  # at start
        upkeep.poke()
        assert ran.acquire(timeout=30)  # after events
    finally:
        upkeep.stop()
    assert len(runs) == 2


def test_a_failing_upkeep_is_logged_not_raised() -> None:
    runs: list[str] = []
    upkeep = PackUpkeep([upkeep_of(runs, fail=True)], no_context, interval=1)
    with structlog.testing.capture_logs() as logs:
        notes = upkeep.run_once()
    assert notes == ["counting: failed (RuntimeError)"]
    assert logs[0]["event"] == "upkeep_failed" and "Notion said no" in logs[0]["error"]
