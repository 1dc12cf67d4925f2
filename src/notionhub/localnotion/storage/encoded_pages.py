"""Page objects kept encoded as the API answers them, while their stored row is unchanged.

Answering a query is mostly producing its page objects: decoding each stored body, rendering
it, encoding the result. A page renders the same as long as its ``objects`` row, its data
source (schema, database) and the server's base URL are the same, unless a formula or a rollup
computes part of it at read time. The cache keeps the encoded JSON of such pages, each with the
row it was rendered from: a later answer reads the page's row again (cheap, no decoding) and
reuses the JSON only if the row is equal in full, so any write, from any path or process,
makes it render afresh. Entries are kept least recently used first, to a byte budget.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from notionhub.localnotion.storage.store import StoredObject, StoredRow

DEFAULT_BUDGET = 32 * 1024 * 1024  # bytes of stored bodies and JSON kept
_ENTRY_OVERHEAD = 1024  # bytes an entry costs besides its body and JSON (row, links)


@dataclass(frozen=True, slots=True)
class _Entry:
    row: StoredRow
    data_source: StoredObject  # the schema rendered with: the shared object, compared by identity
    encoded: bytes
    size: int


class EncodedPages:
    """The encoded JSON of rendered pages by id, to a byte budget; safe between threads.

    A row is as ``Storage.get_many_rows`` reads it: the id first, the body last. The
    ``data_source`` must be the object ``Storage.get_shared`` hands out: it stays the same
    object while the data source's row is unchanged, so identity stands for the schema.
    """

    def __init__(self, budget: int = DEFAULT_BUDGET) -> None:
        self.budget = budget
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, row: StoredRow, data_source: StoredObject) -> bytes | None:
        """The page's JSON if it was kept from this very row and data source."""
        page_id = row[0]
        with self._lock:
            entry = self._entries.get(page_id)
            if entry is None or entry.data_source is not data_source or entry.row != row:
                return None
            self._entries.move_to_end(page_id)
            return entry.encoded

    def keep(self, row: StoredRow, data_source: StoredObject, encoded: bytes) -> None:
        """Keep the JSON ``encoded`` of the page rendered from ``row``."""
        size = len(row[-1]) + len(encoded) + _ENTRY_OVERHEAD
        if size > self.budget:
            return
        page_id = row[0]
        with self._lock:
            old = self._entries.pop(page_id, None)
            if old is not None:
                self._size -= old.size
            self._entries[page_id] = _Entry(row, data_source, encoded, size)
            self._size += size
            while self._size > self.budget:
                _, evicted = self._entries.popitem(last=False)
                self._size -= evicted.size

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """Bytes counted against the budget."""
        return self._size
