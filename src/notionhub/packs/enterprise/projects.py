"""The project pipeline, both ways: projects come from ``POST /api/projects`` or from people
adding rows in Notion; agents are assigned from the project's type and requirements; a change
of Stage, Priority or Assigned Agents made in Notion runs the stage's actions.

Stage actions hand work to the assigned agents (``GET /api/agents/{name}/config`` lists it,
a heartbeat's ``completed`` closes it): Development → "start development", Testing → "begin
testing", Deployment → "deploy", Maintenance → "monitor". Entering Development sets the
Timeline's start, entering Deployment its end, when people left them empty. Each action is keyed
by project, stage and agent, so a change seen twice (a redelivered webhook, the poller after
the webhook) acts once; the hub's own writes never come back as changes.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import Connection

from notionhub.errors import PayloadRejected
from notionhub.ingest.event import Event
from notionhub.notion.changes import Change
from notionhub.notion.schema import NotionDate
from notionhub.packs.enterprise import live
from notionhub.packs.enterprise.models import PRIORITIES, PROJECT_TYPES, STAGES, Project
from notionhub.packs.enterprise.rows import upsert_statement
from notionhub.packs.enterprise.tables import enterprise_assignments
from notionhub.packs.enterprise.workload import least_busy_agent
from notionhub.packs.pack import FlowContext

log = structlog.get_logger("notionhub.enterprise")

# The agent types a project of each type needs.
TYPE_NEEDS: dict[str, tuple[str, ...]] = {
    "Trading System": ("Trading Agent", "Orchestrator"),
    "Resume Service": ("Resume Generator",),
    "Learning Platform": ("Learning Agent",),
    "AI Consultation": ("Orchestrator",),
    "Automation": ("Orchestrator",),
}
# Words of the requirements that call for an agent type too.
REQUIREMENT_NEEDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\btrad(e|es|ing)\b|\bsignals?\b", re.I), "Trading Agent"),
    (re.compile(r"\bresumes?\b|\bcvs?\b", re.I), "Resume Generator"),
    (re.compile(r"\blearn(ing)?\b|\btrain(ing)?\b|\bcourses?\b", re.I), "Learning Agent"),
    (re.compile(r"\borchestrat\w*\b|\bcoordinat\w*\b", re.I), "Orchestrator"),
)
STAGE_ACTIONS = {
    "Development": "start development",
    "Testing": "begin testing",
    "Deployment": "deploy",
    "Maintenance": "monitor",
}
PROJECT_FIELDS = (
    "name", "client", "project_type", "stage", "priority", "assigned_agents", "timeline",
    "budget", "requirements", "last_action",
)  # fmt: skip


def needed_types(project_type: str | None, requirements: str) -> list[str]:
    """Agent types the project needs, in a stable order."""
    needs = list(TYPE_NEEDS.get(project_type or "", ()))
    for pattern, agent_type in REQUIREMENT_NEEDS:
        if pattern.search(requirements) and agent_type not in needs:
            needs.append(agent_type)
    return needs


def choose_agents(connection: Connection, types: list[str]) -> tuple[list[str], list[str]]:
    """For each type, the least busy agent that is neither in Error nor in maintenance;
    returns (agents, types nobody could take)."""
    chosen: list[str] = []
    missing: list[str] = []
    for agent_type in types:
        name = least_busy_agent(connection, agent_type, active_only=False)
        if name is None:
            missing.append(agent_type)
        elif name not in chosen:
            chosen.append(name)
    return chosen, missing


def _assigned_note(chosen: list[str], missing: list[str]) -> str:
    note = f"assigned {', '.join(chosen)}" if chosen else "no agent assigned"
    if missing:
        note += f" (no {', '.join(missing)} available)"
    return note


# -- from the API ----------------------------------------------------------------------------


def handle_request(event: Event, context: FlowContext) -> str:
    """``POST /api/projects``: the project written with its agents."""
    data = event.data
    name = str(data.get("name") or "").strip()
    if not name:
        raise PayloadRejected("A project needs a name.")
    requirements = str(data.get("requirements") or "")
    project_type = data.get("project_type")
    with context.engine.begin() as connection:
        chosen, missing = choose_agents(connection, needed_types(project_type, requirements))
    timeline = None
    if data.get("start"):
        start = date.fromisoformat(data["start"])
        days = data.get("days")
        timeline = NotionDate(start, None if days is None else start + timedelta(days=days))
    stage = data.get("stage") or "Discovery"
    note = _assigned_note(chosen, missing)
    project = Project(
        name=name,
        client=str(data.get("client") or ""),
        project_type=project_type,
        stage=stage,
        priority=data.get("priority") or "Medium",
        assigned_agents=chosen,
        timeline=timeline,
        budget=data.get("budget"),
        requirements=requirements,
        last_action=note,
    )
    result = context.records.upsert(project, only=PROJECT_FIELDS)
    actions = _stage_actions(context, name, stage, chosen)
    return f"project {name!r} {result.action}: {note}" + (f"; {actions}" if actions else "")


def check_request(body: dict[str, Any]) -> dict[str, Any]:
    """The project a request asks for, checked (ValueError naming what is wrong)."""
    if body.get("project_type") not in (None, *PROJECT_TYPES):
        raise ValueError(f"project_type must be one of {', '.join(PROJECT_TYPES)}")
    if body.get("priority") not in (None, *PRIORITIES):
        raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}")
    if body.get("stage") not in (None, *STAGES):
        raise ValueError(f"stage must be one of {', '.join(STAGES)}")
    return body


# -- from Notion -----------------------------------------------------------------------------


def project_added(change: Change[Any], context: FlowContext) -> str | None:
    """A person added a project in Notion: agents assigned when they left none."""
    project = change.after
    if not isinstance(project, Project) or not project.name.strip():
        return None
    if project.assigned_agents:
        return _stage_actions(context, project.name, project.stage, project.assigned_agents)
    with context.engine.begin() as connection:
        chosen, missing = choose_agents(
            connection, needed_types(project.project_type, project.requirements)
        )
    note = _assigned_note(chosen, missing)
    update = project.model_copy(update={"assigned_agents": chosen, "last_action": note})
    context.records.upsert(update, only=("assigned_agents", "last_action"))
    actions = _stage_actions(context, project.name, project.stage, chosen)
    return f"project {project.name!r}: {note}" + (f"; {actions}" if actions else "")


def project_changed(change: Change[Any], context: FlowContext) -> str | None:
    """A person changed a project's Stage, Priority or Assigned Agents in Notion."""
    project = change.after
    if not isinstance(project, Project):
        return None
    notes = []
    if "priority" in change.changed:
        notes.append(f"priority {project.priority}")
        with context.engine.begin() as connection:
            live.publish(
                connection,
                context.now().timestamp(),
                "project_stage",
                project.name,
                {"priority": project.priority},
            )
    if {"stage", "assigned_agents"} & change.changed:
        actions = _stage_actions(context, project.name, project.stage, project.assigned_agents)
        if actions:
            notes.append(actions)
        timeline = _timeline(project, context.now().date())
        if timeline is not None:
            context.records.upsert(project.model_copy(update={"timeline": timeline}),
                                   only=("timeline",))  # fmt: skip
            notes.append("timeline updated")
    if not notes:
        return None
    text = "; ".join(notes)
    context.records.upsert(project.model_copy(update={"last_action": text[:1900]}),
                           only=("last_action",))  # fmt: skip
    return f"project {project.name!r}: {text}"


def _timeline(project: Project, today: date) -> NotionDate | None:
    """The Timeline with the start (entering Development) or end (Deployment) filled in."""
    current = project.timeline
    if project.stage == "Development" and current is None:
        return NotionDate(today)
    if project.stage == "Deployment" and (current is None or current.end is None):
        start = today if current is None else current.start
        first_day = start.date() if isinstance(start, datetime) else start
        return NotionDate(start, today if first_day <= today else None)
    return None


def _stage_actions(
    context: FlowContext, project: str, stage: str | None, agents: list[str]
) -> str | None:
    """Hand the stage's work to each assigned agent once; what was newly handed out."""
    action = STAGE_ACTIONS.get(stage or "")
    if action is None or not agents:
        return None
    now = context.now().timestamp()
    handed: list[str] = []
    with context.engine.begin() as connection:
        for agent in agents:
            assignment_id = f"project:{project}:{stage}:{agent}"[:400]
            inserted = connection.execute(
                upsert_statement(connection, enterprise_assignments)
                .values(
                    assignment_id=assignment_id,
                    agent=agent,
                    kind="project",
                    reference=project,
                    detail=f"{action} on {project}",
                    created_at=now,
                )
                .on_conflict_do_nothing()
            )
            if inserted.rowcount:
                handed.append(agent)
        if handed:
            live.publish(
                connection, now, "project_stage", project, {"stage": stage, "agents": handed}
            )
    if not handed:
        return None
    log.info("project_stage_actions", project=project, stage=stage, agents=handed)
    return f"{stage}: {', '.join(handed)} told to {action}"
