"""The processing side of a hub process: Notion, packs, DBOS, the dispatcher; started and stopped.

SQLite by default (the hub database and DBOS's system database, two files under
``NOTIONHUB_HOME``), or one PostgreSQL for both when ``DATABASE_URL`` is set, so several workers
on several machines share the event log, the Notion budget and the DBOS queue. On PostgreSQL a
runtime holds the lease of its WORKER_ID while it runs, takes turns with the others to dispatch,
and recovers the pending work of processes that died (``queue/recovery.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import structlog
from dbos import DBOS, DBOSConfig, Queue
from pydantic import ValidationError
from pydantic_settings import BaseSettings
from sqlalchemy import Engine, create_engine, event

from notionhub import __version__
from notionhub.clock import Clock, epoch_seconds, system_clock
from notionhub.errors import ConfigurationError
from notionhub.hubdb.advisory_locks import ExecutorLease, turn
from notionhub.hubdb.engine import BACKGROUND_BUSY_SECONDS, create_tables, queue_sqlite_writers
from notionhub.hubdb.pack_tables import migrate_pack_tables
from notionhub.ingest.event import Event
from notionhub.metrics import Metrics
from notionhub.notion.changes import (
    OWN_EDIT,
    BotIdentity,
    ChangeObserver,
    data_source_named,
    only_by,
)
from notionhub.notion.connection import NotionBackend, NotionConnection, open_notion
from notionhub.notion.gateway import NotionGateway, RequestObserver
from notionhub.notion.key_index import KeyIndex
from notionhub.notion.provision import ProvisionReport, remembered_data_sources
from notionhub.outbound import OutboundClients
from notionhub.packs.agents import AgentLedger
from notionhub.packs.discovery import load_packs
from notionhub.packs.pack import FlowContext, Pack
from notionhub.packs.state_machine import MachineStore
from notionhub.queue.change_poller import ChangePoller
from notionhub.queue.dispatcher import Dispatcher
from notionhub.queue.processor import (
    NOTION_SOURCE,
    EventProcessor,
    ProcessingContext,
    RetrySchedule,
    died_of_database_away,
    enqueue_event,
)
from notionhub.queue.recovery import ExecutorRecovery, pending_by_executor
from notionhub.queue.schedules import (
    ScheduleHost,
    ScheduleRunner,
    register_schedules,
    schedule_queues,
)
from notionhub.queue.store import EventStore, StoredEvent
from notionhub.queue.upkeep import PackUpkeep
from notionhub.settings import Settings

log = structlog.get_logger("notionhub.runtime")

QUEUE_NAME = "notionhub-events"
# Workflows of this process running at once: each mostly waits on Notion and its budget.
WORKER_CONCURRENCY = 8
# How long a stop waits for the workflows this process is running to finish.
STOP_GRACE_SECONDS = 5.0


def dbos_config(settings: Settings) -> DBOSConfig:
    """DBOS's settings: its system database beside the hub's, and a fixed application version.

    The version is fixed (not DBOS's default hash of the code) so an upgraded notionhub still
    recovers the workflows a previous version left pending.
    """
    config: DBOSConfig = {
        "name": "notionhub",
        "application_version": f"notionhub-{__version__}",
        "executor_id": settings.worker_id,
        "log_level": "WARNING",
    }
    url = settings.database_url
    if url is None or url.startswith("sqlite"):
        settings.notionhub_home.mkdir(parents=True, exist_ok=True)
        path = settings.notionhub_home / "dbos.sqlite3"
        config["system_database_url"] = f"sqlite:///{path.as_posix()}"
        config["system_database_engine"] = dbos_sqlite_engine(path)
    else:
        config["system_database_url"] = url
    return config


def dbos_sqlite_engine(path: Path) -> Engine:
    """DBOS's SQLite engine, as DBOS builds it (immediate transactions, long busy timeout), in WAL
    mode with ``synchronous=NORMAL``.

    Only background work waits on it (webhooks are stored in the hub database alone), so it keeps
    the long busy timeout of background work.

    DBOS leaves SQLite in its rollback-journal mode, where every commit syncs twice and readers
    and writers block each other: measured here, 1.07 ms per commit against 0.008 ms in WAL, and
    eight workflow threads queueing behind each other's locks. In WAL mode a committed
    transaction survives the process being killed (not a power cut), as the hub database does.
    """
    engine = create_engine(
        f"sqlite:///{path.as_posix()}", connect_args={"timeout": BACKGROUND_BUSY_SECONDS}
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = "IMMEDIATE"
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            f"busy_timeout={round(BACKGROUND_BUSY_SECONDS * 1000)}",
            "foreign_keys=ON",
        ):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    queue_sqlite_writers(engine, begin=None)  # the driver opens DBOS's transactions itself
    return engine


@dataclass
class Runtime:
    """Everything behind the 202: owns the Notion connection and the DBOS lifecycle."""

    settings: Settings
    processor: EventProcessor
    metrics: Metrics = field(default_factory=Metrics)
    schedule: RetrySchedule = field(default_factory=RetrySchedule)
    window: int = 64
    # Event workflows this process runs at once (`notionhub worker --concurrency`).
    concurrency: int = WORKER_CONCURRENCY
    # False: this process runs no workflow, others sharing the database do (`serve --workers`:
    # it still stores, dispatches, fires the schedules' ticks, polls and keeps up).
    dequeues: bool = True
    # The packs to run; None = those named by NOTIONHUB_PACKS.
    packs: list[Pack] | None = None
    # The hub's one clock (what "now", "today" and "this month" are); tests set their own.
    clock: Clock = system_clock
    # The Notion the top of the program opened (the embedded local server, see
    # notionhub.backend); None = Notion over HTTP as the settings say.
    backend: NotionBackend | None = None
    notion: NotionConnection | None = None
    store: EventStore | None = None
    provision_report: ProvisionReport | None = None
    dispatcher: Dispatcher | None = None
    upkeep: PackUpkeep | None = None
    # Two-way without webhooks (no Notion webhook subscription): None when webhooks are on.
    poller: ChangePoller | None = None
    # The same for the packs with a token of their own (NOTION_TOKEN_<PACK>): their workspaces
    # are polled, whatever the deployment's token has (its subscription is its own).
    other_pollers: list[ChangePoller] = field(default_factory=list)
    agents: AgentLedger | None = None
    machines: MachineStore | None = None
    outbound: OutboundClients | None = None
    # True while webhooks arrive in a burst (set by the hub to its intake's measure).
    ingest_pressure: Callable[[], bool] = lambda: False
    _pack_settings: dict[str, BaseSettings | None] = field(default_factory=dict)
    _bots: dict[int, BotIdentity] = field(default_factory=dict)  # by id() of each gateway
    _queue: Queue | None = None
    _dbos_engine: Engine | None = None
    _lease: ExecutorLease | None = None
    _recovery: ExecutorRecovery | None = None
    # Workflows of this process still running when ``stop`` returned (PostgreSQL): left to be
    # recovered by the others, or by this WORKER_ID's next start (see ``exit_now_if_work_left``).
    left_running: int = 0

    def load_packs(self) -> list[Pack]:
        """The enabled packs, with their settings read (a bad one refused, naming it)."""
        if self.packs is None:
            self.packs = load_packs(self.settings.notionhub_packs)
        for pack in self.packs:
            if pack.name not in self._pack_settings:
                self._pack_settings[pack.name] = read_pack_settings(pack)
        return self.packs

    def start(self) -> None:
        """Provision the enabled packs, launch DBOS (recovering pending runs), start dispatching."""
        packs = self.load_packs()
        seconds = epoch_seconds(self.clock)
        self.notion = open_notion(
            self.settings,
            self.metrics,
            clock=seconds,
            backend=self.backend,
            packs=[pack.name for pack in packs],
        )
        engine = self.notion.engine
        shared = engine.dialect.name == "postgresql"
        if shared:  # before anything else: no other process runs as this WORKER_ID
            self._lease = ExecutorLease.take(engine, self.settings.worker_id)
        self.store = EventStore(
            engine, clock=seconds, ingest_wait_seconds=self.settings.hub_db_busy_timeout_seconds
        )
        released = KeyIndex(engine).release_leases_of(self.settings.worker_id)
        if released:
            log.info("key_leases_released", worker=self.settings.worker_id, leases=released)
        for pack in packs:
            if pack.migrations is not None:
                migrate_pack_tables(engine, pack.name, pack.migrations)
            elif pack.tables is not None:
                create_tables(engine, pack.tables)
        # Who the hub is in Notion (each token's bot), asked once now: Notion's events of its
        # own writes (from provisioning on) are then told apart without a request.
        self._bots = {}
        for gateway in self.notion.gateways():
            self._bots[id(gateway)] = BotIdentity(gateway.me)
            self._bots[id(gateway)]()
        self.provision_report = self.notion.provision(
            [(pack.name, pack.models) for pack in packs], clock=seconds
        )
        self.agents = AgentLedger(engine, self.metrics, clock=seconds)
        self.machines = MachineStore(
            engine, [machine for pack in packs for machine in pack.machines], clock=seconds
        )
        self.outbound = OutboundClients(
            engine, clock=time.time, sleep=time.sleep, on_outcome=self.metrics.count_outbound
        )
        for pack in packs:
            if pack.seed is not None:
                seeded = pack.seed(self._flow_context(pack, None))
                log.info("pack_seeded", pack=pack.name, note=seeded or "done")
        self.dispatcher = Dispatcher(
            self.store,
            self._enqueue,
            _workflow_status,
            window=self.window,
            hold=self._under_pressure,
            died_of_database_away=_died_of_database_away,
            turn=(lambda: turn(engine, "dispatch")) if shared else (lambda: nullcontext(True)),
        )
        self.processor.attach(
            ProcessingContext(
                store=self.store,
                packs=packs,
                metrics=self.metrics,
                flow_context=self._flow_context,
                gateway_of=self.notion.gateway_of,
                agents=self.agents,
                schedule=self.schedule,
                on_finished=self._finished,
                observer=self._change_observer,
            )
        )
        ScheduleRunner.host = ScheduleHost(
            packs, self.flow_context_of, self.agents, engine, clock=seconds
        )
        config = dbos_config(self.settings)
        self._dbos_engine = config.get("system_database_engine")
        self.metrics.count_commits(engine, "hub")
        if self._dbos_engine is not None:
            self.metrics.count_commits(self._dbos_engine, "dbos")
        DBOS(config=config)
        # This process dequeues events and the ticks of its own packs' schedules, never the
        # ticks of a pack it does not run (another process sharing the database may).
        DBOS.listen_queues([QUEUE_NAME, *schedule_queues(packs)] if self.dequeues else [])
        DBOS.launch()
        self._queue = DBOS.register_queue(
            QUEUE_NAME,
            worker_concurrency=self.concurrency,
            partition_concurrency=1,
            polling_interval_sec=0.05,
            on_conflict="always_update",
        )
        register_schedules(packs)
        self.dispatcher.start()
        self.upkeep = PackUpkeep(
            packs, self.flow_context_of, interval=self.settings.notionhub_upkeep_seconds
        )
        self.upkeep.start()
        self._start_polling(packs)
        if self._lease is not None:
            self._recovery = ExecutorRecovery(engine, self._lease)
            self._recovery.start()
        log.info("runtime_started", packs=[pack.name for pack in packs])

    def stop(self) -> None:
        if self._recovery is not None:
            self._recovery.stop()
        for poller in [self.poller, *self.other_pollers]:
            if poller is not None:
                poller.stop()
        self.other_pollers.clear()
        if self.upkeep is not None:
            self.upkeep.stop()
        if self.dispatcher is not None:
            self.dispatcher.stop()
        engine = self._dbos_engine
        # Running workflows get up to 5 s to finish (DBOS's own wait looks once a second, so
        # every stop would take at least 1 s); whatever still runs then is recovered at the
        # next start, as after a crash.
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while self.processor.running() and time.monotonic() < deadline:
            time.sleep(0.02)
        still_running = self._own_workflows_running(deadline)
        self.left_running = still_running
        DBOS.destroy(workflow_completion_timeout_sec=0)
        ScheduleRunner.host = None
        if engine is not None:  # ours, so ours to close
            engine.dispose()
        if self.outbound is not None:
            self.outbound.close()
        if self._lease is not None:
            if still_running:  # theirs to recover once this process is gone, not before
                log.warning("executor_lease_kept_until_exit", workflows=still_running)
                self._lease.keep_until_exit()
            else:
                self._lease.release()
            self._lease = None
        if self.notion is not None:
            self.notion.close()

    def _own_workflows_running(self, deadline: float) -> int:
        """On PostgreSQL, wait until ``deadline`` for this executor's workflows (events and
        schedule ticks) to finish; how many still run."""
        if self._lease is None:
            return 0
        if self.notion is None:
            return 0
        while True:
            try:
                running = pending_by_executor(self.notion.engine).get(self.settings.worker_id, 0)
            except Exception:  # the database is away: assume the worst
                return 1
            if not running or time.monotonic() >= deadline:
                return running
            time.sleep(0.05)

    def wake(self, count: int = 0) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake(count)

    def flow_context(self, pack_name: str) -> FlowContext:
        """The flow context of the enabled pack ``pack_name`` (for its routes and commands)."""
        for pack in self.load_packs():
            if pack.name == pack_name:
                return self.flow_context_of(pack)
        raise ConfigurationError(f"Pack {pack_name!r} is not enabled.")

    def gateway_of_database(self, name: str) -> NotionGateway:
        """The gateway of the pack that declares the database ``name`` (its token's)."""
        if self.notion is None:
            raise RuntimeError("The runtime is not started.")
        return self.notion.gateway_of(_pack_declaring(self.load_packs(), name))

    def flow_context_of(self, pack: Pack) -> FlowContext:
        return self._flow_context(pack, None)

    def _flow_context(self, pack: Pack, gateway: NotionGateway | None) -> FlowContext:
        if self.notion is None:
            raise RuntimeError("The runtime is not started.")
        gateway = gateway or self.notion.gateway_of(pack.name)
        return FlowContext(
            records=self.notion.records(self.settings.worker_id, gateway),
            gateway=gateway,
            engine=self.notion.engine,
            settings=self.settings,
            now=self.clock,
            pack_settings=self._pack_settings.get(pack.name),
            machines=self.machines,
            outbound_clients=self.outbound,
        )

    def own_echo(self, event: Event) -> str | None:
        """Why a Notion event needs no processing (it reports only the hub's own writes), or
        None. Known without a request once the runtime has started: the writes of any of the
        deployment's tokens (two integrations of one workspace see each other's)."""
        if event.provider != NOTION_SOURCE:
            return None
        for bot in self._bots.values():
            if bot.known is not None and only_by(event.data, bot.known):
                return OWN_EDIT
        return None

    def _start_polling(self, packs: list[Pack]) -> None:
        """Poll for changes when no Notion webhook subscription brings them (and packs react):
        the deployment's workspace, unless subscribed; each pack token's workspace, always."""
        notion, store = self.notion, self.store
        if notion is None or store is None:
            raise RuntimeError("The runtime is not started.")
        interval = self.settings.notionhub_poll_seconds
        embedded_alone = self.backend is not None and not self.settings.notionhub_notion_webhooks
        subscribed = self.settings.secret("NOTION_WEBHOOK_VERIFICATION_TOKEN") is not None
        if interval <= 0:
            return
        for gateway, names in notion.workspaces([pack.name for pack in packs]):
            # Every database of these packs: people's edits reach the mirror (and the hub's
            # properties are put back) in all of them, not only where a pack reacts.
            models = [model for pack in packs if pack.name in names for model in pack.models]
            default = gateway is notion.gateway
            if not models or (default and subscribed and not embedded_alone):
                continue
            poller = ChangePoller(
                partial(notion.records, None, gateway),
                models,
                store,
                notion.engine,
                bot_id=self._bots[id(gateway)],
                clock=epoch_seconds(self.clock),
                interval=interval,
                on_events=self.wake,
                metrics=self.metrics,
            )
            if default:
                self.poller = poller
            else:
                self.other_pollers.append(poller)
            poller.start()

    def _change_observer(self, data: Mapping[str, Any], note: RequestObserver) -> ChangeObserver:
        """Reads a Notion event for the enabled packs' models, through the gateway of the
        workspace its page is in (observed by ``note``), knowing that workspace's bot."""
        if self.notion is None:
            raise RuntimeError("The runtime is not started.")
        packs = self.load_packs()
        gateway = self.notion.gateway
        if self.notion.pack_gateways:
            gateway = self.notion.gateway_of(_pack_holding(packs, self.notion, data))
        return ChangeObserver(
            self.notion.records(self.settings.worker_id, gateway.observed(note)),
            [model for pack in packs for model in pack.models],
            self.notion.engine,
            epoch_seconds(self.clock),
            self._bots[id(gateway)],
        )

    def _finished(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake()
        if self.upkeep is not None:
            self.upkeep.poke()

    def _under_pressure(self) -> bool:
        return self.ingest_pressure()  # looked up each time: the hub sets it once it starts

    def _enqueue(self, event: StoredEvent) -> None:
        if self._queue is None:
            raise RuntimeError("DBOS is not launched.")
        enqueue_event(self._queue, self.processor, event)


def _pack_holding(
    packs: list[Pack], notion: NotionConnection, data: Mapping[str, Any]
) -> str | None:
    """The pack whose database a Notion event's page is in, as far as the event says; None:
    unknown (the deployment's workspace, where Notion's webhooks come from)."""
    data_source = data_source_named(data.get("data"))
    if data_source is None:
        return None
    names = {source: name for name, source in remembered_data_sources(notion.engine).items()}
    name = names.get(data_source)
    return _pack_declaring(packs, name) if name is not None else None


def _pack_declaring(packs: list[Pack], database: str) -> str | None:
    """The name of the pack that declares the database named ``database``, or None."""
    for pack in packs:
        if any(model.__database__.name == database for model in pack.models):
            return pack.name
    return None


def read_pack_settings(pack: Pack) -> BaseSettings | None:
    """``pack``'s settings from the environment; a ``ConfigurationError`` naming the variable."""
    try:
        return pack.read_settings()
    except ValidationError as error:
        problem = error.errors()[0]
        prefix = str((pack.settings.model_config if pack.settings else {}).get("env_prefix", ""))
        variable = (prefix + ".".join(str(part) for part in problem["loc"])).upper()
        raise ConfigurationError(f"{variable}: {problem['msg']} (pack {pack.name}).") from None


def _workflow_status(workflow_id: str) -> str | None:
    status = DBOS.get_workflow_status(workflow_id)
    return None if status is None else str(status.status)


def _died_of_database_away(workflow_id: str) -> bool:
    """Whether the workflow's recorded error is the database being away (transient)."""
    status = DBOS.get_workflow_status(workflow_id)
    return status is not None and died_of_database_away(status.error)
