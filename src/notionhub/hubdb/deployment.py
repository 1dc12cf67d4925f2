"""The pack set of a deployment sharing one PostgreSQL, recorded at its first start.

Every process sharing a ``DATABASE_URL`` takes events from the same queue; one running other
packs would run an event with its own packs and mark it processed, and the packs it lacks never
see it. So the first process to start records its pack set here, and a process with another set
is refused at start. Changing the set is deliberate: stop every process, then start one with
``notionhub serve --change-packs``, which records its own set.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column, Engine, MetaData, String, Table, Text, insert, select, update
from sqlalchemy.exc import IntegrityError

from notionhub.errors import PackSetChanged
from notionhub.hubdb.engine import create_tables

PACK_SET = "packs"

deployment_metadata = MetaData()
deployment = Table(
    "deployment",
    deployment_metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)


def pack_set_text(packs: Iterable[str]) -> str:
    """A pack set as it is recorded: names sorted, comma-separated (order means nothing)."""
    return ",".join(sorted({name.strip().lower() for name in packs if name.strip()}))


def recorded_pack_set(engine: Engine) -> str | None:
    create_tables(engine, deployment_metadata)
    with engine.connect() as connection:
        value = connection.execute(
            select(deployment.c.value).where(deployment.c.name == PACK_SET)
        ).scalar()
    return None if value is None else str(value)


def claim_pack_set(engine: Engine, packs: Iterable[str], *, change: bool = False) -> str:
    """Record ``packs`` at a deployment's first start (or, with ``change``, replace the record);
    otherwise raise ``PackSetChanged`` unless they are the recorded set. The set in force."""
    wanted = pack_set_text(packs)
    create_tables(engine, deployment_metadata)
    with engine.begin() as connection:
        if change:
            done = connection.execute(
                update(deployment).where(deployment.c.name == PACK_SET).values(value=wanted)
            )
            if done.rowcount:
                return wanted
        try:
            with connection.begin_nested():
                connection.execute(insert(deployment).values(name=PACK_SET, value=wanted))
            return wanted
        except IntegrityError:  # recorded already (perhaps a moment ago, by a process beside us)
            pass
        recorded = str(
            connection.execute(
                select(deployment.c.value).where(deployment.c.name == PACK_SET)
            ).scalar_one()
        )
    if recorded != wanted:
        raise PackSetChanged(
            f"NOTIONHUB_PACKS={wanted or '(none)'} differs from the packs of the processes"
            f" sharing this DATABASE_URL ({recorded or '(none)'}, recorded at its first start):"
            f" with other packs this process would take their events and mark them processed."
            f" Start it with NOTIONHUB_PACKS={recorded}, or change the deployment's packs"
            f" deliberately: stop every hub on this database, then `notionhub serve"
            f" --change-packs`"
        )
    return recorded
