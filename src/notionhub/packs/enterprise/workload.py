"""Who takes new work: of the agents of a type, the one with the least open work (then by
name), never one a person put in maintenance."""

from __future__ import annotations

from sqlalchemy import Connection, and_, func, select

from notionhub.packs.enterprise.tables import enterprise_agents, enterprise_assignments


def least_busy_agent(connection: Connection, agent_type: str, *, active_only: bool) -> str | None:
    """The agent of ``agent_type`` with the fewest open assignments: only Active ones when
    ``active_only`` (a sale to deliver now), else any but those in Error (a project's team)."""
    agents = enterprise_agents
    work = enterprise_assignments
    open_work = (
        select(func.count())
        .where(and_(work.c.agent == agents.c.name, work.c.done_at.is_(None)))
        .scalar_subquery()
    )
    available = agents.c.status == "Active" if active_only else agents.c.status != "Error"
    row = connection.execute(
        select(agents.c.name)
        .where(and_(agents.c.agent_type == agent_type, available, agents.c.person_status.is_(None)))
        .order_by(open_work, agents.c.name)
        .limit(1)
    ).first()
    return None if row is None else str(row.name)
