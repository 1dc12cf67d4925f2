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

The same thread gives back this process's own **stranded claims** (``StrandedClaims``): when
the connection drops just as DBOS's queue thread claims workflows, the claim can commit on the
server while its answer is lost. DBOS then never starts those workflows, yet they stay
``PENDING`` under this executor, and each holds its entity's partition until the process
restarts (DBOS recovers its own executor's work only at start). A claim that no thread of this
process has run for ``STRANDED_SECONDS`` is put back on its queue.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog
from dbos import DBOS
from dbos._dbos import _get_dbos_instance
from sqlalchemy import Engine, text

from notionhub.hubdb.advisory_locks import ExecutorLease, holding_lease_of
from notionhub.notion.key_index import KeyIndex

log = structlog.get_logger("notionhub.recovery")

RECOVERY_SECONDS = 2.0
# How long a claim of this process's own may go unrun before it counts as stranded. DBOS starts
# a claimed workflow on a thread at once (its pool is unbounded), so a claim unrun for this long
# was lost, not waiting its turn.
STRANDED_SECONDS = 10.0


# Read from DBOS's table directly, not through ``DBOS.list_workflows``, which retries for as
# long as the database is away: a stop, or this thread, must not hang on it.
_PENDING = text(
    "SELECT executor_id, count(*) FROM dbos.workflow_status"
    " WHERE status = 'PENDING' GROUP BY executor_id"
)


# This executor's queued workflows DBOS marked claimed (PENDING, with the claim's owner token).
_OWN_CLAIMS = text(
    "SELECT workflow_uuid, owner_xid FROM dbos.workflow_status"
    " WHERE status = 'PENDING' AND executor_id = :executor"
    " AND queue_name IS NOT NULL AND owner_xid IS NOT NULL"
)
# A stranded claim put back on its queue (and partition), as DBOS's own recovery does
# (``SystemDatabase.reenqueue_for_recovery`` in DBOS 3.4), but only while the claim is still
# the one seen stranded: a workflow claimed again since, or finished, is left alone.
_GIVE_BACK = text(
    "UPDATE dbos.workflow_status"
    " SET status = 'ENQUEUED', owner_xid = NULL, started_at_epoch_ms = NULL,"
    " updated_at = CAST(EXTRACT(epoch FROM now()) * 1000 AS BIGINT)"
    " WHERE workflow_uuid = :workflow AND status = 'PENDING'"
    " AND executor_id = :executor AND owner_xid = :owner"
    " RETURNING workflow_uuid"
)


def running_here() -> set[str]:
    """Ids of the workflows a thread of this process is executing: DBOS's own registry, a
    private attribute of DBOS 3.4 (pinned in pyproject.toml), as is
    ``_recover_pending_workflows``."""
    return set(_get_dbos_instance()._active_workflows_set.activeList())


class StrandedClaims:
    """This executor's claimed workflows that no thread runs: put back on their queues."""

    def __init__(
        self,
        engine: Engine,
        executor_id: str,
        *,
        running: Callable[[], set[str]] = running_here,
        clock: Callable[[], float] = time.monotonic,
        after: float = STRANDED_SECONDS,
    ) -> None:
        self.engine = engine
        self.executor_id = executor_id
        self.running = running
        self.clock = clock
        self.after = after
        # (workflow id, claim's owner token) -> when first seen claimed and not running; a
        # claim seen running in any pass since is dropped, so only one unrun throughout counts.
        self._unrun_since: dict[tuple[str, str], float] = {}

    def give_back(self) -> list[str]:
        """Put back every claim unrun for ``after`` seconds; their workflow ids."""
        now = self.clock()
        # A claim that starts or ends between these two reads counts as unrun for this pass
        # only: only a claim unrun at every pass for ``after`` seconds is given back.
        running = self.running()
        with self.engine.connect() as connection:
            claims = connection.execute(_OWN_CLAIMS, {"executor": self.executor_id}).all()
        unrun = {(str(row[0]), str(row[1])) for row in claims if row[0] not in running}
        self._unrun_since = {claim: self._unrun_since.get(claim, now) for claim in unrun}
        given = []
        for (workflow_id, owner), since in sorted(self._unrun_since.items()):
            if now - since < self.after:
                continue
            with self.engine.begin() as connection:
                back = connection.execute(
                    _GIVE_BACK,
                    {"workflow": workflow_id, "executor": self.executor_id, "owner": owner},
                ).first()
            del self._unrun_since[(workflow_id, owner)]
            if back is not None:
                given.append(workflow_id)
        if given:
            log.warning(
                "stranded_claims_given_back",
                workflows=len(given),
                first=given[:5],
                worker=self.executor_id,
            )
        return given


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
        stranded: StrandedClaims | None = None,
    ) -> None:
        self.engine = engine
        self.lease = lease
        self.interval = interval
        self.pending = pending or (lambda: set(pending_by_executor(engine)))
        self.recover = recover
        self.stranded = stranded or StrandedClaims(engine, lease.executor_id)
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
                self.stranded.give_back()
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
