"""The record of each outbound call's outcome: what makes a re-run step call only once.

One row per (service, idempotency key), written when the service accepted the call (a 2xx,
``succeeded``, with the parsed body). A refusal (a 4xx other than 429) and transient failures
leave no row: they changed nothing at the service, so a later run of the step (a replay once the
cause is fixed) calls again. (The ``rejected`` status stays readable in rows of older hubs.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from notionhub.hubdb.engine import read_connection
from notionhub.hubdb.tables import outbound_calls

Outcome = Literal["succeeded", "rejected"]


@dataclass(frozen=True)
class OutboundRecord:
    """One finished outbound call, as stored."""

    service: str
    idempotency_key: str
    method: str
    url: str
    status: Outcome
    status_code: int | None
    body: Any  # parsed JSON, or the text when the answer was not JSON
    attempts: int
    finished_at: float


def find_record(engine: Engine, service: str, idempotency_key: str) -> OutboundRecord | None:
    """The stored outcome of ``(service, idempotency_key)``, if the call already finished."""
    with read_connection(engine) as conn:
        row = conn.execute(
            select(outbound_calls).where(
                outbound_calls.c.service == service,
                outbound_calls.c.idempotency_key == idempotency_key,
            )
        ).first()
    if row is None:
        return None
    return OutboundRecord(
        service=row.service,
        idempotency_key=row.idempotency_key,
        method=row.method,
        url=row.url,
        status=row.status,
        status_code=row.status_code,
        body=None if row.response_json is None else json.loads(row.response_json),
        attempts=row.attempts,
        finished_at=row.finished_at,
    )


def record_outcome(engine: Engine, record: OutboundRecord) -> OutboundRecord:
    """Store ``record`` and return it, or return the row another run stored first.

    Two runs of one step (a recovered workflow beside the original) may both call and both
    finish; the first insert wins and both report that outcome, so the step's result is one.
    The returned object is ``record`` itself only when this call inserted it.
    """
    values = {
        "service": record.service,
        "idempotency_key": record.idempotency_key,
        "method": record.method,
        "url": record.url,
        "status": record.status,
        "status_code": record.status_code,
        "response_json": json.dumps(record.body),
        "attempts": record.attempts,
        "finished_at": record.finished_at,
    }
    try:
        with engine.begin() as conn:
            conn.execute(insert(outbound_calls).values(**values))
    except IntegrityError:
        stored = find_record(engine, record.service, record.idempotency_key)
        if stored is None:  # the PK clashed, so the row exists; only a delete could hide it
            raise
        return stored
    return record
