"""The test pack's HTTP route: a shipment's state, its history and its log row."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy import select

from notionhub.packs.web import operator_only, pack_context

from .tables import shipment_log

router = APIRouter(prefix="/api/testpack", dependencies=[Depends(operator_only)])


@router.get("/shipments/{order}")
def shipment(order: str, request: Request) -> dict[str, Any]:
    context = pack_context(request, "testpack")
    instance = context.state_machines.get(order, with_history=True)
    if instance is None:
        raise HTTPException(404, f"No shipment {order!r}.")
    with context.engine.connect() as connection:
        logged = connection.execute(
            select(shipment_log).where(shipment_log.c.order_id == order)
        ).first()
    return {
        "order": order,
        "state": instance.state,
        "history": [
            {"event": entry.event, "accepted": entry.accepted, "reason": entry.reason}
            for entry in instance.history
        ],
        "logged_by": None if logged is None else logged.event_id,
    }
