"""The work of a process that died, taken over by the processes still running (PostgreSQL).

DBOS (3.4, without its hosted Conductor) recovers at start only the pending workflows of the
starting process's own executor id: a worker killed with ``kill -9`` and never started again
would leave its workflows ``PENDING`` for ever, and with them their entity's partition, since
the queue runs one workflow per partition at a time. So every process sharing the database
looks, at start and then every ``interval`` seconds, at which executors have pending workflows;
for each other executor whose lease it can take (``hubdb/advisory_locks.py``: its process is
gone), it frees the key leases that executor held (``KeyIndex.release_leases_of``, or they
would block those keys for two minutes), then has DBOS put its pending workflows back on their
queues (``DBOS._recover_pending_workflows``), where any process dequeues them. The lease is
held meanwhile, so the dead executor cannot start again halfway through; DBOS re-enqueues only
workflows still ``PENDING`` under the dead executor's id, so two processes recovering the same
one at once recover each workflow once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog
from dbos import DBOS
from sqlalchemy import Engine, text

from notionhub.hubdb.advisory_locks import ExecutorLease, holding_lease_of
from notionhub.notion.key_index import KeyIndex

log = structlog.get_logger("notionhub.recovery")

RECOVERY_SECONDS = 2.0


# Read from DBOS's table directly, not through ``DBOS.list_workflows``, which retries for as
# long as the database is away: a stop, or this thread, must not hang on it.
_PENDING = text(
    "SELECT executor_id, count(*) FROM dbos.workflow_status"
    " WHERE status = 'PENDING' GROUP BY executor_id"
)


def pending_by_executor(engine: Engine) -> dict[str, int]:
    """Executor id → its workflows ``PENDING`` (running, or left by a dead process)."""
    with engine.connect() as connection:
        return {str(row[0]): int(row[1]) for row in connection.execute(_PENDING) if row[0]}


class ExecutorRecovery:
    """A background thread handing the work of dead processes over to the living."""

    def __init__(
        self,
        engine: Engine,
        lease: ExecutorLease,
        *,
        interval: float = RECOVERY_SECONDS,
        pending: Callable[[], set[str]] | None = None,
        recover: Callable[[list[str]], object] = DBOS._recover_pending_workflows,
    ) -> None:
        self.engine = engine
        self.lease = lease
        self.interval = interval
        self.pending = pending or (lambda: set(pending_by_executor(engine)))
        self.recover = recover
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="executor-recovery", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._keep_lease()
                self.recover_dead()
            except Exception as error:  # the database is away: try again next time
                log.error("executor_recovery_failed", error=f"{type(error).__name__}: {error}")
            self._stop.wait(self.interval)

    def _keep_lease(self) -> None:
        """Our lease went with its connection (the database restarted): take it again."""
        if self.lease.held():
            return
        if self.lease.renew():
            log.warning("executor_lease_renewed", worker=self.lease.executor_id)
        else:
            log.error("executor_lease_lost", worker=self.lease.executor_id)

    def recover_dead(self) -> list[str]:
        """Recover the pending work of every executor whose process is gone; their ids."""
        recovered = []
        for executor_id in sorted(self.pending() - {self.lease.executor_id}):
            with holding_lease_of(self.engine, executor_id) as dead:
                if not dead:
                    continue
                leases = KeyIndex(self.engine).release_leases_of(executor_id)
                handles = self.recover([executor_id])
                count = len(handles) if isinstance(handles, list) else 0
                log.warning(
                    "dead_executor_recovered",
                    worker=executor_id,
                    workflows=count,
                    key_leases=leases,
                    by=self.lease.executor_id,
                )
                recovered.append(executor_id)
        return recovered
