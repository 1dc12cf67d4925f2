"""Upsert by key against the local server over HTTP: no duplicates, minimal requests."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from notionhub.errors import (
    AmbiguousWrite,
    ConfigurationError,
    NotionUnreachable,
    ServiceUnavailable,
)
from notionhub.hubdb.engine import create_hub_engine
from notionhub.hubdb.tables import key_index
from notionhub.notion.gateway import NotionGateway
from notionhub.notion.key_index import KeyIndex, KeyLease
from notionhub.notion.mirror import PageMirror
from notionhub.notion.provision import Provisioner
from notionhub.notion.records import Records
from tests.conftest import RunningServer, start_server
from tests.notion.conftest import GatewayFactory
from tests.notion.models import MODELS, Customer, Order
from tests.waiting import wait_until


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    running = start_server(tmp_path / "notion")
    yield running
    running.stop()


def provisioned(gateway: NotionGateway, engine: Engine) -> Records:
    root = str(next(gateway.search({"query": "notionhub"}))["id"])
    report = Provisioner(gateway, engine, {}).run(MODELS, root)
    records = Records(
        gateway,
        KeyIndex(engine),
        PageMirror(engine),
        report.data_source_ids(),
    )
    return records


def requests(server: RunningServer) -> dict[str, int]:
    stats: dict[str, int] = server.admin("GET", "/_admin/stats").json()["by_route"]
    return stats


def customer_pages(records: Records) -> list[Customer]:
    return list(records.all(Customer))


def test_create_then_noop_then_only_the_changed_property(
    make_gateway: GatewayFactory, server: RunningServer, hub_engine: Engine
) -> None:
    records = provisioned(make_gateway(server), hub_engine)
    server.admin("POST", "/_admin/reset-stats")
    ada = Customer(name="Ada", email="Ada@Example.com", tier="Pro")
    first = records.upsert(ada)
    assert first.action == "created"
    assert requests(server) == {"POST /v1/pages": 1}  # a complete index needs no look-up

    server.admin("POST", "/_admin/reset-stats")
    again = records.upsert(Customer(name="Ada", email="Ada@Example.com", tier="Pro"))
    assert (again.action, again.page_id) == ("unchanged", first.page_id)
    assert requests(server) == {}

    # The key is the normalised email: another spelling is the same record, and a change.
    changed = records.upsert(Customer(name="Ada", email="ada@example.com", tier="Free"))
    assert (changed.action, changed.page_id) == ("updated", first.page_id)
    assert set(changed.changed) == {"Email", "Tier"}
    assert requests(server) == {"PATCH /v1/pages/{page_id}": 1}
    stored = records.find(Customer, "ada@example.com")
    assert stored is not None and stored.tier == "Free" and stored.name == "Ada"


def test_concurrent_upserts_of_one_key_make_exactly_one_page(
    make_gateway: GatewayFactory, server: RunningServer, any_hub_engine: Engine
) -> None:
    hub_engine = any_hub_engine  # a SQLite file, and a real PostgreSQL database
    records = provisioned(make_gateway(server, engine=hub_engine), hub_engine)
    # Eight workers, each with its own gateway and index handle on the shared hub database.
    workers = [
        Records(
            make_gateway(server, engine=hub_engine),
            KeyIndex(hub_engine),
            PageMirror(hub_engine),
            records.data_sources,
        )
        for _ in range(8)
    ]
    results = []

    def run(worker: Records, n: int) -> None:
        results.append(worker.upsert(Customer(name=f"Bo {n}", email="bo@example.com")))

    threads = [threading.Thread(target=run, args=(w, n)) for n, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({r.page_id for r in results}) == 1
    assert [r.action for r in results].count("created") == 1
    assert [c.email for c in customer_pages(records)] == ["bo@example.com"]


def test_a_lost_index_never_makes_a_duplicate(
    make_gateway: GatewayFactory, server: RunningServer, hub_engine: Engine, tmp_path: Path
) -> None:
    records = provisioned(make_gateway(server), hub_engine)
    created = records.upsert(Customer(name="Cy", email="cy@example.com"))
    # A new hub database knows nothing: the miss is asked of Notion once.
    fresh_engine = create_hub_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    fresh = Records(
        make_gateway(server, engine=fresh_engine),
        KeyIndex(fresh_engine),
        PageMirror(fresh_engine),
        records.data_sources,
    )
    server.admin("POST", "/_admin/reset-stats")
    again = fresh.upsert(Customer(name="Cy", email="cy@example.com"))
    assert again.page_id == created.page_id
    assert again.action == "unchanged"
    assert requests(server) == {"POST /v1/data_sources/{data_source_id}/query": 1}
    fresh_engine.dispose()


def test_ambiguous_creates_under_slow_answers_make_no_duplicates(
    make_gateway: GatewayFactory, server: RunningServer, hub_engine: Engine
) -> None:
    gateway = make_gateway(server, timeout_seconds=0.3)
    records = provisioned(gateway, hub_engine)
    ambiguous: list[str] = []
    create_page = gateway.create_page

    def counted_create(body: dict[str, Any]) -> dict[str, Any]:
        try:
            return create_page(body)
        except AmbiguousWrite as error:
            ambiguous.append(str(error))
            raise

    gateway.create_page = counted_create  # type: ignore[method-assign]
    server.admin("POST", "/_admin/faults", {"timeout": 0.3, "slow_seconds": 0.5, "seed": 5})
    try:
        for n in range(12):
            # As the durable queue does: a step that failed is run again, later.
            for _ in range(10):
                try:
                    records.upsert(Order(title=f"Order {n}", order_id=f"o-{n}", amount=n))
                    break
                except (AmbiguousWrite, NotionUnreachable):
                    pass
    finally:
        server.admin("POST", "/_admin/faults", {})
    orders = list(records.all(Order))
    # The faults did bite: creates went unanswered (applied or not). Counted where they happen,
    # not by the upserts that gave up, which the records' own retries may all have spared (one
    # CI run, on a slow machine, drew its faults in another order and no upsert gave up).
    assert ambiguous
    assert sorted(o.order_id for o in orders) == sorted(f"o-{n}" for n in range(12))


def test_relations_and_rollups_through_records(
    make_gateway: GatewayFactory, server: RunningServer, hub_engine: Engine
) -> None:
    records = provisioned(make_gateway(server), hub_engine)
    customer = records.upsert(Customer(name="Di", email="di@example.com"))
    for n, amount in enumerate((10.0, 32.5)):
        records.upsert(
            Order(title=f"D{n}", order_id=f"d-{n}", amount=amount, customer=[customer.page_id])
        )
    di = records.find(Customer, "di@example.com")
    assert di is not None
    assert di.total == 42.5
    assert len(di.orders) == 2


def test_reindex_rebuilds_the_index_from_notion(
    make_gateway: GatewayFactory, server: RunningServer, hub_engine: Engine, tmp_path: Path
) -> None:
    records = provisioned(make_gateway(server), hub_engine)
    ids = {n: records.upsert(Order(title=f"R{n}", order_id=f"r-{n}")).page_id for n in range(5)}
    fresh_engine = create_hub_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    fresh = Records(
        make_gateway(server, engine=fresh_engine),
        KeyIndex(fresh_engine),
        PageMirror(fresh_engine),
        records.data_sources,
    )
    assert fresh.reindex(Order) == 5
    server.admin("POST", "/_admin/reset-stats")
    assert fresh.upsert(Order(title="R3", order_id="r-3")).page_id == ids[3]
    assert requests(server) == {}
    fresh_engine.dispose()


def test_reindex_forgets_pages_trashed_in_notion(
    make_gateway: GatewayFactory, server: RunningServer, hub_engine: Engine
) -> None:
    gateway = make_gateway(server)
    records = provisioned(gateway, hub_engine)
    kept = records.upsert(Order(title="kept", order_id="kept"))
    gone = records.upsert(Order(title="gone", order_id="gone"))
    gateway.update_page(gone.page_id, {"in_trash": True})  # by a person, in Notion
    assert len(records.known(Order)) == 2  # the mirror cannot know yet
    assert records.reindex(Order) == 1
    assert [o.page_id for o in records.known(Order)] == [kept.page_id]


class ManualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_held_lease_is_renewed_while_its_writer_waits(hub_engine: Engine) -> None:
    clock = ManualClock()
    index = KeyIndex(hub_engine, lease_seconds=3.0, clock=clock)  # renewed every 1 s
    with index.lease("ds", "k"):
        clock.now = 10.0  # far past the first lease
        time.sleep(1.5)  # the keeper has renewed it since
        assert index._try_acquire("ds", "k", owner="someone else") is None
    assert index._try_acquire("ds", "k", owner="someone else") is not None


def test_a_dead_writer_mid_create_leaves_the_key_uncertain(hub_engine: Engine) -> None:
    clock = ManualClock()
    index = KeyIndex(hub_engine, lease_seconds=3.0, clock=clock)
    dead = index._try_acquire("ds", "k", owner="dead worker")  # no keeper: its process is gone
    assert dead is not None
    index.mark_create_started(dead)
    assert index._try_acquire("ds", "k", owner="next") is None  # its lease still runs
    clock.now = 4.0
    taken = index._try_acquire("ds", "k", owner="next")
    assert taken is not None
    assert (taken.page_id, taken.uncertain) == (None, True)  # so it looks in Notion first


def test_a_new_key_left_without_a_create_is_not_uncertain(hub_engine: Engine) -> None:
    index = KeyIndex(hub_engine)
    with index.lease("ds", "k") as lease:  # inserted with the create mark presumed
        assert (lease.page_id, lease.marked) == (None, True)
    taken = index._try_acquire("ds", "k", owner="next")
    assert taken is not None
    assert (taken.page_id, taken.uncertain) == (None, False)  # released without a create


def test_a_writer_dead_after_its_create_leaves_the_key_uncertain(hub_engine: Engine) -> None:
    """The page a create made is written with the release; a writer that died before it left
    the mark, so the next one looks in Notion (where the page is) instead of creating."""
    clock = ManualClock()
    index = KeyIndex(hub_engine, lease_seconds=3.0, clock=clock)
    dead = index._try_acquire("ds", "k", owner="dead worker")
    assert dead is not None
    index.mark_create_started(dead)  # no write: the insert has the mark
    index.set_page(dead, "page-1")  # the create answered; then the process died
    assert index.page_id("ds", "k") is None
    clock.now = 4.0
    taken = index._try_acquire("ds", "k", owner="next")
    assert taken is not None
    assert (taken.page_id, taken.uncertain) == (None, True)
    index.set_page(taken, "page-1")  # what the lookup in Notion found
    index._update(taken, lease_owner=None, lease_until=None)  # its release
    assert index.page_id("ds", "k") == "page-1"
    again = index._try_acquire("ds", "k", owner="later")
    assert again is not None
    assert (again.page_id, again.uncertain) == ("page-1", False)


def test_a_restarted_worker_frees_the_leases_its_dead_run_held(any_hub_engine: Engine) -> None:
    engine = any_hub_engine
    long_worker = "worker-" + "x" * 80 + "_%"  # longer than the column; LIKE wildcards in it
    dead = KeyIndex(engine, worker=long_worker)._try_acquire("ds", "a", owner="placeholder")
    assert dead is not None
    # As the dead run held them: owners named after its worker, plus one of another worker
    # and one of a command-line run (no worker).
    mine = KeyIndex(engine, worker=long_worker)
    other = KeyIndex(engine, worker="worker-2")
    cli = KeyIndex(engine)
    held = [index._acquire("ds", key) for index, key in ((mine, "b"), (other, "c"), (cli, "d"))]
    mine._update(dead, lease_owner=held[0].owner)  # "a" too belongs to the dead run
    assert KeyIndex(engine).release_leases_of(long_worker) == 2
    anyone = KeyIndex(engine)
    assert anyone._try_acquire("ds", "a", owner="next") is not None
    assert anyone._try_acquire("ds", "b", owner="next") is not None
    assert anyone._try_acquire("ds", "c", owner="next") is None  # another worker's, still held
    assert anyone._try_acquire("ds", "d", owner="next") is None  # the command's, still held
    assert KeyIndex(engine).release_leases_of("worker-") == 0  # a prefix of a name is no match


def test_only_writes_the_named_fields_and_leaves_the_rest_to_people(
    make_gateway: GatewayFactory, server: RunningServer, hub_engine: Engine
) -> None:
    records = provisioned(make_gateway(server), hub_engine)
    created = records.upsert(Customer(name="Ada", email="ada@example.com", notes="from a person"))
    records.upsert(Customer(name="Ada L.", email="ada@example.com"), only=("name", "email"))
    stored = records.find(Customer, "ada@example.com")
    assert stored is not None and (stored.name, stored.notes) == ("Ada L.", "from a person")
    assert stored.page_id == created.page_id


def test_upsert_computed_builds_the_record_inside_the_lease(
    make_gateway: GatewayFactory, server: RunningServer, hub_engine: Engine
) -> None:
    records = provisioned(make_gateway(server), hub_engine)
    data_source = records.data_source_of(Customer)
    held: list[bool] = []

    def build() -> Customer:
        # Another writer of the key cannot take it while the record is built.
        probe = KeyIndex(hub_engine)
        held.append(probe._try_acquire(data_source, "ada@example.com", "someone-else") is None)
        return Customer(name="Ada", email="ada@example.com")

    result = records.upsert_computed(Customer, "ada@example.com", build)
    assert result is not None and result.action == "created" and held == [True]
    assert records.upsert_computed(Customer, "bob@example.com", lambda: None) is None
    assert records.find(Customer, "bob@example.com") is None
    with pytest.raises(ConfigurationError, match="built for key"):
        records.upsert_computed(
            Customer, "carl@example.com", lambda: Customer(name="D", email="dan@example.com")
        )


def test_archive_trashes_the_page_unlinks_it_and_forgets_the_key(
    make_gateway: GatewayFactory, server: RunningServer, hub_engine: Engine
) -> None:
    records = provisioned(make_gateway(server), hub_engine)
    ada = records.upsert(Customer(name="Ada", email="ada@example.com"))
    order = records.upsert(Order(title="o1", order_id="o1", amount=5, customer=[ada.page_id]))
    assert records.archive(Order, "o1") == order.page_id
    assert [c.orders for c in records.all(Customer)] == [[]]  # the two-way side let go
    assert list(records.all(Order)) == []
    assert records.archive(Order, "o1") is None  # nothing left to archive
    again = records.upsert(Order(title="o1", order_id="o1", amount=5))
    assert again.action == "created" and again.page_id != order.page_id


def test_known_reads_the_mirror_and_sync_finds_rows_made_by_people(
    make_gateway: GatewayFactory, server: RunningServer, hub_engine: Engine
) -> None:
    gateway = make_gateway(server)
    records = provisioned(gateway, hub_engine)
    records.upsert(Customer(name="Ada", email="ada@example.com", tier="Pro"))
    server.admin("POST", "/_admin/reset-stats")
    assert [(c.email, c.tier) for c in records.known(Customer)] == [("ada@example.com", "Pro")]
    assert requests(server) == {}  # the index is complete (just provisioned): no request
    gateway.create_page(
        {
            "parent": {"data_source_id": records.data_source_of(Customer)},
            "properties": {
                "Name": {"title": [{"text": {"content": "Bob"}}]},
                "Email": {"email": "bob@example.com"},
            },
        }
    )
    assert records.sync(Customer, older_than=3600) is False  # synced recently: not again
    assert records.sync(Customer, older_than=0) is True
    assert sorted(c.email for c in records.known(Customer)) == [
        "ada@example.com",
        "bob@example.com",
    ]


def test_a_stale_index_is_synced_by_one_caller_of_many(
    make_gateway: GatewayFactory, server: RunningServer, hub_engine: Engine
) -> None:
    gateway = make_gateway(server)
    first = provisioned(gateway, hub_engine)
    data_source = first.data_source_of(Customer)
    stale = time.time() - 2 * first.sync_interval
    KeyIndex(hub_engine).mark_synced(data_source, stale)
    server.admin("POST", "/_admin/reset-stats")
    # Eight workers' records, all finding the index stale at once.
    workers = [provisioned(gateway, hub_engine) for _ in range(8)]
    server.admin("POST", "/_admin/reset-stats")
    start = threading.Barrier(len(workers))

    def look_up(records: Records) -> None:
        start.wait()
        assert records._index_is_fresh(Customer)

    threads = [threading.Thread(target=look_up, args=(records,)) for records in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert requests(server) == {"POST /v1/data_sources/{data_source_id}/query": 1}  # one, not 8
    synced = KeyIndex(hub_engine).synced_at(data_source)
    assert synced is not None and synced > stale


def test_a_claimed_sync_is_given_back_when_it_fails(
    make_gateway: GatewayFactory, server: RunningServer, hub_engine: Engine
) -> None:
    records = provisioned(make_gateway(server), hub_engine)
    data_source = records.data_source_of(Customer)
    index = KeyIndex(hub_engine)
    stale = time.time() - 2 * records.sync_interval
    index.mark_synced(data_source, stale)
    assert index.claim_sync(data_source, seen=stale, at=stale + 1)
    assert not index.claim_sync(data_source, seen=stale, at=stale + 2)  # taken: others go on
    index.mark_synced(data_source, stale)
    server.admin("POST", "/_admin/faults", {"server_error": 1.0, "seed": 1})
    with pytest.raises(ServiceUnavailable):
        records._index_is_fresh(Customer)
    assert index.synced_at(data_source) == stale  # given back: the next caller syncs
    server.admin("POST", "/_admin/faults", {"server_error": 0.0})
    assert records._index_is_fresh(Customer)
    synced = index.synced_at(data_source)
    assert synced is not None and synced > stale


def test_a_page_gone_under_a_held_key_is_left_to_its_writer(
    make_gateway: GatewayFactory, server: RunningServer, hub_engine: Engine
) -> None:
    """``find`` meets a key whose page Notion does not know (404): it forgets the key, but not
    while a writer holds it (the writer mends it; a deleted row would let a second writer in
    and make a second page)."""
    gateway = make_gateway(server)
    records = provisioned(gateway, hub_engine)
    ds = records.data_source_of(Order)
    ghost = str(uuid.uuid4())
    records.index.record(ds, "gone", ghost)
    with records.index.lease(ds, "gone"):
        assert records.find(Order, "gone") is None
        assert records.index.page_id(ds, "gone") == ghost  # still the writer's
    assert records.find(Order, "gone") is None
    assert records.index.page_id(ds, "gone") is None  # nobody holds it: forgotten


def lease_until(engine: Engine, key: str) -> float:
    with engine.connect() as connection:
        found = connection.execute(
            select(key_index.c.lease_until).where(key_index.c.record_key == key)
        ).scalar_one()
    return float(found or 0.0)


def test_a_failed_renewal_does_not_end_the_keeper(hub_engine: Engine) -> None:
    """The database away for one renewal: the next renewal still comes."""
    clock = ManualClock()
    index = KeyIndex(hub_engine, lease_seconds=0.3, clock=clock)  # renewed every 0.1 s
    failures = [1]
    write = index._write

    def flaky_write(held: KeyLease, values: dict[str, object]) -> None:
        if failures and list(values) == ["lease_until"]:
            failures.pop()
            raise OperationalError("UPDATE key_index", {}, Exception("database is locked"))
        write(held, values)

    index._write = flaky_write  # type: ignore[method-assign]
    with index.lease("ds", "k"):
        clock.now = 10.0  # far past the first lease: only a renewal moves it past 10
        wait_until(
            lambda: not failures and lease_until(hub_engine, "k") > 10.0,
            "a renewal after the failed one",
            deadline=30.0,
        )
