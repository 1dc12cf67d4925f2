"""One process processes a data folder: a second ``serve`` is refused in one line, exit 2.

Over SQLite the data folder is locked (``flock``, gone with its process, ``kill -9`` included);
over PostgreSQL a process whose packs differ from the deployment's recorded set is refused; a
taken port is refused before anything starts.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from notionhub.data_folder_lock import DataFolderLock, ProcessOwner
from notionhub.errors import DataFolderInUse, PackSetChanged
from notionhub.hubdb.deployment import claim_pack_set, recorded_pack_set
from notionhub.hubdb.engine import create_hub_engine
from notionhub.queue.store import EventStore
from tests.acceptance.hub_process import Process, base_env
from tests.conftest import free_port
from tests.queue.conftest import make_event


def notionhub(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from notionhub.cli import app; app()", *args]
    return subprocess.run(
        command, check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: "), lines
    return lines[0]


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Process]:
    process = Process(["serve"], tmp_path, base_env(NOTIONHUB_PACKS="echo"))
    process.start("/health")
    try:
        yield process
    finally:
        process.stop()


def test_a_second_serve_on_the_folder_is_refused_naming_the_first(hub: Process) -> None:
    assert hub.process is not None
    second = notionhub(hub.cwd, hub.env, "serve", "--port", str(free_port()))
    assert second.returncode == 2
    line = one_error_line(second)
    assert f"pid {hub.process.pid}" in line
    assert f"on {hub.url}" in line and "`notionhub serve`" in line
    assert "NOTIONHUB_HOME" in line
    assert hub.process.poll() is None  # the first runs on


def test_read_only_commands_work_while_a_hub_runs(hub: Process) -> None:
    events = notionhub(hub.cwd, hub.env, "events")
    assert events.returncode == 0, events.stderr
    version = notionhub(hub.cwd, hub.env, "version")
    assert version.returncode == 0, version.stderr


def test_a_killed_hub_leaves_no_stale_lock(hub: Process) -> None:
    hub.kill()
    after = Process(["serve"], hub.cwd, hub.env)
    after.start("/health")
    after.stop()


def test_a_taken_port_is_refused_before_anything_starts(tmp_path: Path) -> None:
    home = tmp_path / ".notionhub"
    engine = create_hub_engine(f"sqlite:///{(home / 'hub.sqlite3').as_posix()}")
    waiting = make_event()
    EventStore(engine).insert_many([waiting])  # accepted by an earlier run, not yet processed
    engine.dispose()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = notionhub(tmp_path, base_env(NOTIONHUB_PACKS="echo"), "serve", "--port", str(port))
    assert result.returncode == 2
    line = one_error_line(result)
    assert f"127.0.0.1:{port}" in line and "--port" in line
    assert not (home / "dbos.sqlite3").exists()  # DBOS never started
    engine = create_hub_engine(f"sqlite:///{(home / 'hub.sqlite3').as_posix()}")
    try:
        assert EventStore(engine).get(waiting.idempotency_key).status == "pending"
    finally:
        engine.dispose()


def test_the_lock_names_its_holder(tmp_path: Path) -> None:
    owner = ProcessOwner(os.getpid(), "notionhub serve", "http://127.0.0.1:1", ("echo",))
    held = DataFolderLock.acquire(tmp_path, owner)
    with pytest.raises(DataFolderInUse, match=f"pid {os.getpid()}, `notionhub serve`"):
        DataFolderLock.acquire(tmp_path, ProcessOwner(1, "notionhub serve"))
    held.release()
    DataFolderLock.acquire(tmp_path, ProcessOwner(1, "notionhub serve")).release()


def test_postgresql_records_the_pack_set_and_refuses_another(postgres_url: str) -> None:
    engine = create_hub_engine(postgres_url)
    try:
        assert recorded_pack_set(engine) is None
        assert claim_pack_set(engine, ["echo", "coaching"]) == "coaching,echo"
        assert claim_pack_set(engine, ["coaching", "echo"]) == "coaching,echo"
        with pytest.raises(PackSetChanged, match="--change-packs"):
            claim_pack_set(engine, ["echo"])
        assert claim_pack_set(engine, ["echo"], change=True) == "echo"
        assert recorded_pack_set(engine) == "echo"
    finally:
        engine.dispose()


def test_postgresql_serve_with_other_packs_is_refused(tmp_path: Path, postgres_url: str) -> None:
    first = Process(
        ["serve"],
        tmp_path / "first",
        base_env(NOTIONHUB_PACKS="echo", DATABASE_URL=postgres_url, WORKER_ID="first"),
    )
    first.cwd.mkdir()
    first.start("/health")
    try:
        other = tmp_path / "other"
        other.mkdir()
        env = base_env(NOTIONHUB_PACKS="echo,coaching", DATABASE_URL=postgres_url)
        refused = notionhub(other, {**env, "WORKER_ID": "other"}, "serve", "--port", "0")
        assert refused.returncode == 2
        line = one_error_line(refused)
        assert "NOTIONHUB_PACKS=coaching,echo" in line and "(echo," in line
        assert "--change-packs" in line
        assert not (other / ".notionhub" / "dbos.sqlite3").exists()
    finally:
        first.stop()
