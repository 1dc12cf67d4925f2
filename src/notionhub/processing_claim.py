"""What a process that processes events claims before it starts (docs/first-hour-safety.md).

Over SQLite it owns the data folder (``data_folder_lock``): a second one is refused. Over
PostgreSQL many processes share the queue on purpose, so what must match is the pack set
(``hubdb.deployment``): a process with other packs is refused. Either refusal is one line
(``StartRefused``), raised before anything is opened for processing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from notionhub.data_folder_lock import DataFolderLock, ProcessOwner, sqlite_data_folders
from notionhub.hubdb.deployment import claim_pack_set
from notionhub.hubdb.engine import create_hub_engine
from notionhub.settings import Settings


@dataclass
class ProcessingClaim:
    """The locks a process holds for as long as it processes (none on PostgreSQL)."""

    locks: list[DataFolderLock] = field(default_factory=list)

    def release(self) -> None:
        for lock in reversed(self.locks):
            lock.release()
        self.locks.clear()


def claim_processing(
    settings: Settings, owner: ProcessOwner, *, change_packs: bool = False
) -> ProcessingClaim:
    """Claim the right to process for ``owner`` (its ``packs`` are the enabled ones), or raise
    ``DataFolderInUse`` / ``PackSetChanged``."""
    if settings.hub_database_url.startswith("sqlite"):
        claim = ProcessingClaim()
        try:
            for folder in sqlite_data_folders(settings):
                claim.locks.append(DataFolderLock.acquire(folder, owner))
        except BaseException:
            claim.release()
            raise
        return claim
    engine = create_hub_engine(settings.hub_database_url)
    try:
        claim_pack_set(engine, owner.packs, change=change_packs)
    finally:
        engine.dispose()
    return ProcessingClaim()
