"""One process owns a SQLite data folder: an exclusive OS lock on a file in it.

Two hubs over one ``NOTIONHUB_HOME`` share DBOS's SQLite queue and the event log: the second
one takes the first one's events, runs them with its own packs and marks them processed. So a
process that processes takes ``flock(LOCK_EX)`` on ``hub.lock`` in the folder first, and a
second one is refused, naming the first. The kernel releases the lock when its process ends,
however it ends (``kill -9`` included), so a lock is never stale; what the file says (pid,
command, address, packs) only names the holder in the refusal, the lock itself is what counts.
Readers (``notionhub events``) take no lock.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from notionhub.errors import DataFolderInUse
from notionhub.settings import Settings

LOCK_FILE = "hub.lock"


@dataclass(frozen=True)
class ProcessOwner:
    """Who holds a data folder: written into the lock file, read back by a refused process."""

    pid: int
    command: str  # e.g. "notionhub serve"
    url: str | None = None  # where it listens, if it does
    packs: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = [f"pid {self.pid}", f"`{self.command}`"]
        if self.url:
            parts.append(f"on {self.url}")
        if self.packs:
            parts.append(f"packs {','.join(self.packs)}")
        return ", ".join(parts)


class DataFolderLock:
    """The held lock of one folder; ``release`` (or the process's end) lets it go."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, folder: Path, owner: ProcessOwner) -> DataFolderLock:
        """Lock ``folder`` for ``owner``, or raise ``DataFolderInUse`` naming the holder."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / LOCK_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            holder = _read_owner(fd)
            os.close(fd)
            who = holder.describe() if holder is not None else "pid unknown"
            raise DataFolderInUse(
                f"another notionhub process ({who}) owns the data folder {folder}: stop it"
                f" first, or give this one a data folder of its own (NOTIONHUB_HOME);"
                f" read-only commands (events, version) work while it runs"
            ) from error
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(asdict(owner)).encode() + b"\n", 0)
        return cls(path, fd)

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the only descriptor releases the flock
            self._fd = None


def _read_owner(fd: int) -> ProcessOwner | None:
    """What the holder wrote; None if it is still being written, or unreadable."""
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"null")
        return ProcessOwner(
            pid=int(data["pid"]),
            command=str(data["command"]),
            url=data.get("url"),
            packs=tuple(data.get("packs") or ()),
        )
    except (OSError, ValueError, TypeError, KeyError):
        return None


def sqlite_data_folders(settings: Settings) -> list[Path]:
    """The folders a process over SQLite owns: ``NOTIONHUB_HOME`` (DBOS's queue, the embedded
    Notion) and, when ``DATABASE_URL`` puts the hub database elsewhere, that file's folder."""
    folders = [settings.notionhub_home]
    database = make_url(settings.hub_database_url).database
    if database and database != ":memory:":
        folder = Path(database).parent
        if folder.resolve() != settings.notionhub_home.resolve():
            folders.append(folder)
    return folders
