"""The children of ``serve --workers``: started, started again when they die, not when they
were refused, stopped with SIGTERM (and killed when they do not listen).

The children here are small Python programs standing in for ``notionhub worker``: each line a
child appends to its file is one start; the acceptance test
(tests/acceptance/test_serve_workers_postgres.py) runs the real command.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from notionhub.errors import StartRefused
from notionhub.settings import Settings
from notionhub.worker_pool import (
    WorkerPool,
    WorkerSpec,
    serve_notion_env,
    worker_counts,
    worker_specs,
)
from tests.waiting import wait_until

HANG_GUARD = 30.0

# Appends "started" to its file (once it hears SIGTERM), then does what its argument says.
CHILD = """
import pathlib, signal, sys, time
path, mode = pathlib.Path(sys.argv[1]), sys.argv[2]
def stop(*_):
    with path.open("a") as f:
        f.write("terminated\\n")
    sys.exit(0)
signal.signal(signal.SIGTERM, signal.SIG_IGN if mode == "deaf" else stop)
with path.open("a") as f:
    f.write("started\\n")
if mode == "refuse":
    sys.exit(2)
if mode == "crash":
    sys.exit(3)
while True:
    time.sleep(0.05)
"""


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


@pytest.fixture
def pools() -> Iterator[list[WorkerPool]]:
    """Pools a test makes, stopped after it whatever happened."""
    made: list[WorkerPool] = []
    yield made
    for pool in made:
        pool.stop()


def pool_of(pools: list[WorkerPool], tmp_path: Path, *modes: str, **options: float) -> WorkerPool:
    specs = [
        WorkerSpec(f"w{n}", [sys.executable, "-c", CHILD, str(tmp_path / f"w{n}"), mode], {})
        for n, mode in enumerate(modes, start=1)
    ]
    pool = WorkerPool(specs, restart_seconds=0.01, poll_seconds=0.01, **options)
    pools.append(pool)
    return pool


def test_a_child_that_dies_is_started_again(tmp_path: Path, pools: list[WorkerPool]) -> None:
    pool = pool_of(pools, tmp_path, "crash")
    pool.start()
    wait_until(lambda: len(lines(tmp_path / "w1")) >= 3, "three starts", deadline=HANG_GUARD)
    pool.stop()
    assert pool.status()[0]["restarts"] == len(lines(tmp_path / "w1")) - 1
    assert pool.status()[0]["refused"] is False


def test_a_refused_child_is_not_started_again(tmp_path: Path, pools: list[WorkerPool]) -> None:
    pool = pool_of(pools, tmp_path, "refuse", "run")
    pool.start()
    wait_until(lambda: pool.status()[0]["refused"] is True, "refusal seen", deadline=HANG_GUARD)
    wait_until(lambda: lines(tmp_path / "w2") == ["started"], "w2 runs", deadline=HANG_GUARD)
    assert worker_counts(pool.status()) == {"running": 1, "waiting": 0, "refused": 1}
    pool.stop()
    assert lines(tmp_path / "w1") == ["started"]
    assert pool.status()[0]["restarts"] == 0
    assert lines(tmp_path / "w2") == ["started", "terminated"]  # the other one kept running


def test_a_child_waiting_to_start_again_is_counted_as_waiting(
    tmp_path: Path, pools: list[WorkerPool]
) -> None:
    pool = pool_of(pools, tmp_path, "crash")
    pool.restart_seconds = pool.max_restart_seconds = 3600.0  # it will not be started again
    pool.start()
    wait_until(
        lambda: lines(tmp_path / "w1") == ["started"] and pool.status()[0]["pid"] is None,
        "its exit seen",
        deadline=HANG_GUARD,
    )
    assert worker_counts(pool.status()) == {"running": 0, "waiting": 1, "refused": 0}


def test_a_stop_terminates_every_child(tmp_path: Path, pools: list[WorkerPool]) -> None:
    pool = pool_of(pools, tmp_path, "run", "run")
    pool.start()
    for name in ("w1", "w2"):
        wait_until(lambda name=name: lines(tmp_path / name) == ["started"], name, deadline=30)
    pool.stop()
    assert lines(tmp_path / "w1") == lines(tmp_path / "w2") == ["started", "terminated"]
    assert [child["running"] for child in pool.status()] == [False, False]
    assert [child["restarts"] for child in pool.status()] == [0, 0]


def test_a_child_deaf_to_sigterm_is_killed(tmp_path: Path, pools: list[WorkerPool]) -> None:
    pool = pool_of(pools, tmp_path, "deaf", stop_seconds=0.2)
    pool.start()
    wait_until(lambda: lines(tmp_path / "w1") == ["started"], "started", deadline=HANG_GUARD)
    pool.stop()
    process = pool.children[0].process
    assert process is not None and process.returncode == -9
    assert lines(tmp_path / "w1") == ["started"]


def test_restarts_back_off_while_a_child_keeps_dying_and_start_over_once_it_ran() -> None:
    pool = WorkerPool([], restart_seconds=1.0, max_restart_seconds=30.0, steady_seconds=60.0)
    delays = [0.0]
    for _ in range(7):
        delays.append(pool.restart_delay(delays[-1], ran=2.0))
    assert delays[1:] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert pool.restart_delay(30.0, ran=60.0) == 1.0


def test_each_child_has_its_own_worker_id_and_serves_environment() -> None:
    specs = worker_specs(2, {"DATABASE_URL": "postgresql://x", "WORKER_ID": "hub"}, "hub")
    assert [spec.worker_id for spec in specs] == ["hub-worker-1", "hub-worker-2"]
    assert [spec.env["WORKER_ID"] for spec in specs] == ["hub-worker-1", "hub-worker-2"]
    assert {spec.env["DATABASE_URL"] for spec in specs} == {"postgresql://x"}
    assert specs[0].command[1:] == ["-m", "notionhub", "worker"]
    assert worker_specs(0, {}, "hub") == []


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000/notion"),
        ("0.0.0.0", "http://127.0.0.1:8000/notion"),
        ("::", "http://[::1]:8000/notion"),
        ("localhost", "http://localhost:8000/notion"),
    ],
)
def test_children_of_a_serve_embedding_notion_call_its_notion(host: str, url: str) -> None:
    settings = Settings(_env_file=None, local_notion_token="their-token")  # type: ignore[call-arg]
    env = serve_notion_env(settings, host, 8000, "/notion")
    assert env == {"NOTION_BASE_URL": url, "LOCAL_NOTION_TOKEN": "their-token"}


def test_children_calling_from_an_address_the_embedded_notion_refuses_are_refused() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    refusal = r"needs --host 127\.0\.0\.1 or 0\.0\.0\.0.* not 10\.1\.2\.3"
    with pytest.raises(StartRefused, match=refusal):
        serve_notion_env(settings, "10.1.2.3", 8000, "/notion")
    opened = Settings(_env_file=None, local_notion_allow_remote=True)  # type: ignore[call-arg]
    env = serve_notion_env(opened, "10.1.2.3", 8000, "/notion")
    assert env["NOTION_BASE_URL"] == "http://10.1.2.3:8000/notion"


def test_children_of_a_serve_on_real_notion_read_the_same_settings() -> None:
    settings = Settings(_env_file=None, notion_token="secret_x")  # type: ignore[call-arg]
    assert serve_notion_env(settings, "0.0.0.0", 8000, "/notion") == {}
