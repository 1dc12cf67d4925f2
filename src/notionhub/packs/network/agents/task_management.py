"""TaskManagement: the Master Tasks of workflow transitions (made by ``Workflows`` from the
Workflows Library's templates), and what people do with them in Notion:

- a task set to Done whose template names an event fires it on its instance (a lead's
  "Follow up" done moves the lead to Contacted);
- a workflow's Task Templates edited: read back at once, each line it cannot read named in the
  event's history (the next transition uses the new text).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from notionhub.hubdb.engine import read_connection
from notionhub.notion.changes import Change
from notionhub.packs.network.machines import parse_task_templates
from notionhub.packs.network.models import MasterTask, WorkflowDefinition, WorkflowInstance
from notionhub.packs.network.tables import network_tasks
from notionhub.packs.network.workflows import Workflows
from notionhub.packs.pack import Agent, FlowContext, Reaction

NAME = "task-management"


def task_changed(change: Change[Any], context: FlowContext) -> str:
    task = change.record
    assert isinstance(task, MasterTask)
    if task.status != "Done":
        return f"task {task.task_id!r} is {task.status or 'without a status'}"
    query = select(network_tasks.c.instance_id, network_tasks.c.on_done).where(
        network_tasks.c.task_id == task.task_id
    )
    with read_connection(context.engine) as connection:
        row = connection.execute(query).first()
    if row is None:
        return f"task {task.task_id!r} done (not a workflow's task)"
    instance_id, event = row
    if not event:
        return f"task {task.task_id!r} done; its template moves nothing"
    outcome = Workflows(context, NAME).fire(
        instance_id, event, event_key=f"task-done:{task.task_id}"
    )
    if outcome.accepted:
        return (
            f"task {task.task_id!r} done: {instance_id} {outcome.from_state} → {outcome.to_state}"
        )
    return f"task {task.task_id!r} done: {event!r} refused for {instance_id} ({outcome.reason})"


def templates_changed(change: Change[Any], context: FlowContext) -> str:
    definition = change.record
    assert isinstance(definition, WorkflowDefinition)
    templates, problems = parse_task_templates(definition.task_templates)
    machine = context.state_machines.machines.get(definition.workflow_id)
    if machine is not None:
        problems += [
            f"state {t.state!r} is not a state of {machine.name!r}"
            for t in templates
            if t.state not in machine.states
        ]
        problems += [
            f"event {t.on_done!r} is not an event of {machine.name!r}"
            for t in templates
            if t.on_done and t.on_done not in machine.events
        ]
    told = f"{definition.workflow_id}: {len(templates)} task templates in use"
    return told + ("; not used: " + "; ".join(problems) if problems else "")


AGENT = Agent(
    name=NAME,
    description="Opens and closes Master Tasks as workflows move, from the Workflows Library's"
    " templates; a task a person marks Done moves its workflow on.",
    writes=(MasterTask, WorkflowInstance),
    reactions=(
        Reaction(
            MasterTask,
            task_changed,
            kinds=("updated",),
            fields=("status",),
            description="A task marked Done fires its template's event.",
        ),
        Reaction(
            WorkflowDefinition,
            templates_changed,
            kinds=("updated",),
            fields=("task_templates",),
            description="Edited task templates are checked and used from the next transition.",
        ),
    ),
)
