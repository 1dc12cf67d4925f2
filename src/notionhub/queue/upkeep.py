"""Pack upkeep: work that follows events rather than one event (a pack's dashboard).

A thread runs each pack's ``upkeep`` after events were processed, at most every ``interval``
seconds (so a burst of events costs one recomputation, not one per event), and once at start.
Figures that depend on the date (this month's revenue) move on when nothing arrives through a
schedule the pack declares (a DBOS cron workflow, run once per tick across every process), not
here. An upkeep that fails is logged and tried again next time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog

from notionhub.packs.pack import FlowContext, Pack

log = structlog.get_logger("notionhub.upkeep")


class PackUpkeep:
    def __init__(
        self,
        packs: list[Pack],
        make_context: Callable[[Pack], FlowContext],
        *,
        interval: float,
    ) -> None:
        self.packs = [pack for pack in packs if pack.upkeep is not None]
        self.make_context = make_context
        self.interval = interval
        self._due = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0

    def start(self) -> None:
        if not self.packs or self._thread is not None:
            return
        self._due.set()  # once at start: figures may be stale since the last run
        self._thread = threading.Thread(target=self._loop, name="pack-upkeep", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._due.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def poke(self) -> None:
        """Events were processed: upkeep is due (it runs within ``interval`` seconds)."""
        self._due.set()

    def run_once(self) -> list[str]:
        """Run every pack's upkeep now; what each said (errors logged, not raised)."""
        notes = []
        for pack in self.packs:
            assert pack.upkeep is not None
            try:
                note = pack.upkeep(self.make_context(pack))
            except Exception as error:
                log.warning(
                    "upkeep_failed", pack=pack.name, error=f"{type(error).__name__}: {error}"
                )
                notes.append(f"{pack.name}: failed ({type(error).__name__})")
                continue
            log.info("upkeep_done", pack=pack.name, result=note)
            notes.append(f"{pack.name}: {note}")
        self.runs += 1
        return notes

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._due.wait()
            if self._stop.is_set():
                return
            self._due.clear()
            started = time.monotonic()
            self.run_once()
            # Events finishing meanwhile set _due again; wait out the interval first.
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))
