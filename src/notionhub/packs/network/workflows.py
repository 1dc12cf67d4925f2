"""Workflow instances: the state machines of ``machines.py`` run for contacts, mirrored in
Active Workflow Instances, with tasks and notifications made from what Notion says.

Every change goes through ``Workflows.start`` and ``Workflows.fire``. Both may run again for
the same event (flows are at-least-once): the machine answers a repeated event key with its
recorded outcome, and everything written afterwards is an upsert by key or an insert that
ignores a row already there, so a re-run completes what a crash interrupted and doubles
nothing. A refused event is in the history and changes nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from notionhub.hubdb.engine import read_connection
from notionhub.notion.schema import NotionDate
from notionhub.packs.network.contacts import ContactRef, entity_page_id
from notionhub.packs.network.machines import TaskTemplate, parse_task_templates
from notionhub.packs.network.models import (
    MasterTask,
    NotificationTemplate,
    WorkflowDefinition,
    WorkflowInstance,
)
from notionhub.packs.network.tables import network_notifications, network_tasks, network_transitions
from notionhub.packs.pack import FlowContext
from notionhub.packs.state_machine import START_KEY, HistoryEntry, Instance, Outcome

HISTORY_LINES = 60  # the History Log keeps the latest lines (the API has them all)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Step:
    """One history line as the API and the History Log show it."""

    at: float
    event: str
    from_state: str | None
    to_state: str | None
    agent: str
    refused: bool
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "at": _iso(self.at),
            "event": self.event,
            "from": self.from_state,
            "to": self.to_state,
            "agent": self.agent,
            "refused": self.refused,
            "reason": self.reason,
        }

    def line(self) -> str:
        moved = f"{self.from_state or '—'} → {self.to_state}"
        told = f"refused ({self.reason})" if self.refused else moved
        return f"{_iso(self.at)} · {self.event} · {told} · {self.agent}"


class Workflows:
    """The network's workflow instances, as one agent acts on them."""

    def __init__(self, context: FlowContext, agent: str) -> None:
        self.context = context
        self.agent = agent
        self.machines = context.state_machines
        self.records = context.records
        self.engine: Engine = context.engine

    # -- changes ---------------------------------------------------------------------------

    def start(
        self,
        workflow: str,
        instance_id: str,
        *,
        contact: ContactRef | None,
        title: str,
        entity: str | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> str:
        """Start the instance (or find it started); its first tasks and notification follow."""
        values = {
            "title": title,
            "entity": entity,
            "contact_page_id": contact.page_id if contact else None,
            "contact_name": contact.name if contact else title,
            **(data or {}),
        }
        instance = self.machines.start(
            workflow,
            instance_id,
            subject=contact.email if contact else None,
            data=values,
        )
        self._remember_agent(instance_id, START_KEY)
        if len(self.machines.history(instance_id)) == 1:  # not moved on since it started
            self._enter(instance, None, instance.state, START_KEY)
        self._write_row(instance_id)
        return f"{instance_id} in {instance.state}"

    def fire(
        self,
        instance_id: str,
        event: str,
        *,
        event_key: str,
        payload: Mapping[str, Any] | None = None,
    ) -> Outcome:
        """Offer the event; on a move, close the tasks of the state left and open the next."""
        outcome = self.machines.fire(instance_id, event, event_key=event_key, payload=payload)
        self._remember_agent(instance_id, event_key)
        if outcome.accepted and outcome.to_state != outcome.from_state:
            instance = self.machines.get(instance_id)
            assert instance is not None
            self._close_tasks(instance_id, outcome.from_state)
            self._enter(instance, outcome.from_state, outcome.to_state, event_key)
        self._write_row(instance_id)
        return outcome

    # -- reads -----------------------------------------------------------------------------

    def steps(self, instance_id: str) -> list[Step]:
        return instance_steps(self.engine, self.machines.history(instance_id), instance_id)

    # -- what a state brings ------------------------------------------------------------------

    def _enter(self, instance: Instance, left: str | None, state: str, event_key: str) -> None:
        if left == state:
            return
        visit = sum(1 for entry in self.machines.history(instance.instance_id)
                    if entry.accepted and entry.to_state == state)  # fmt: skip
        for number, template in enumerate(self._templates(instance.machine, state), start=1):
            task_id = f"{instance.instance_id}/{state}/{visit}/{number}"
            self._open_task(instance, task_id, template)
        self._notify(instance, state, event_key)

    def _templates(self, workflow: str, state: str) -> list[TaskTemplate]:
        definition = self.records.mirrored(WorkflowDefinition, workflow)
        if definition is None:
            definition = self.records.find(WorkflowDefinition, workflow)
        if definition is None:
            return []
        templates, _problems = parse_task_templates(definition.task_templates)
        return [template for template in templates if template.state == state]

    def _open_task(self, instance: Instance, task_id: str, template: TaskTemplate) -> None:
        insert = _insert_ignoring(self.engine, network_tasks).values(
            task_id=task_id,
            instance_id=instance.instance_id,
            state=template.state,
            on_done=template.on_done,
        )
        with self.engine.begin() as connection:
            connection.execute(insert)
        if self.records.mirrored(MasterTask, task_id) is not None:
            return  # made by an earlier run of this step: people may have moved it since
        instance_page = self._instance_page(instance.instance_id)
        due = _moment(self.context) + timedelta(days=template.due_in_days)
        self.records.upsert(
            MasterTask(
                task=render(template.title, instance)[:200],
                task_id=task_id,
                status="Not Started",
                due_date=NotionDate(due.date()),
                assignee=template.assignee,
                workflow_instance=[instance_page] if instance_page else [],
            )
        )

    def _close_tasks(self, instance_id: str, state: str) -> None:
        query = select(network_tasks.c.task_id).where(
            network_tasks.c.instance_id == instance_id, network_tasks.c.state == state
        )
        with read_connection(self.engine) as connection:
            task_ids = list(connection.execute(query).scalars())
        for task_id in task_ids:
            task = self.records.mirrored(MasterTask, task_id)
            if task is not None and task.status != "Done":
                self.records.upsert(task.model_copy(update={"status": "Done"}), only=["status"])

    def _notify(self, instance: Instance, state: str, event_key: str) -> None:
        key = f"{instance.machine}.{state}"
        template = self.records.mirrored(NotificationTemplate, key)
        recipient = instance.subject
        if template is None or not template.active or not recipient:
            return
        insert = _insert_ignoring(self.engine, network_notifications).values(
            notification_id=f"{instance.instance_id}/{event_key}",
            instance_id=instance.instance_id,
            template=key,
            channel=template.channel or "Email",
            recipient=recipient,
            subject=render(template.subject, instance),
            body=render(template.body, instance),
            created_at=_moment(self.context).timestamp(),
        )
        with self.engine.begin() as connection:
            connection.execute(insert)

    # -- the Notion row ------------------------------------------------------------------------

    def _write_row(self, instance_id: str) -> None:
        """The instance's row as the machine holds it. Its state and history are read inside
        the row's lease: two transitions of one instance at once (a task's reaction beside a
        booking's event) write in turn, and the later one never writes an older state."""
        started = self.machines.get(instance_id)
        assert started is not None
        definition = self.records.mirrored(WorkflowDefinition, started.machine)
        contact_page = started.data.get("contact_page_id")
        entity = started.data.get("entity")
        entity_page = entity_page_id(self.context, entity) if isinstance(entity, str) else None

        def build() -> WorkflowInstance:
            instance = self.machines.get(instance_id)
            assert instance is not None
            steps = self.steps(instance_id)
            lines = [step.line() for step in steps][-HISTORY_LINES:]
            last = steps[-1].at if steps else None
            return WorkflowInstance(
                instance_id=instance_id,
                workflow=[definition.page_id] if definition and definition.page_id else [],
                state=instance.state,
                contact=[contact_page] if isinstance(contact_page, str) else [],
                business_entity=[entity_page] if entity_page else [],
                history_log="\n".join(lines),
                updated=NotionDate(datetime.fromtimestamp(last, UTC)) if last is not None else None,
            )

        self.records.upsert_computed(WorkflowInstance, instance_id, build)

    def _instance_page(self, instance_id: str) -> str | None:
        row = self.records.mirrored(WorkflowInstance, instance_id)
        if row is None:
            self._write_row(instance_id)
            row = self.records.mirrored(WorkflowInstance, instance_id)
        return row.page_id if row is not None else None

    def _remember_agent(self, instance_id: str, event_key: str) -> None:
        insert = _insert_ignoring(self.engine, network_transitions).values(
            instance_id=instance_id, event_key=event_key, agent=self.agent
        )
        with self.engine.begin() as connection:
            connection.execute(insert)


def instance_steps(engine: Engine, history: list[HistoryEntry], instance_id: str) -> list[Step]:
    """The history of an instance with the agent of each entry."""
    query = select(network_transitions.c.event_key, network_transitions.c.agent).where(
        network_transitions.c.instance_id == instance_id
    )
    with read_connection(engine) as connection:
        agents = {str(key): str(agent) for key, agent in connection.execute(query)}
    return [
        Step(
            entry.at,
            entry.event,
            entry.from_state,
            entry.to_state,
            agents.get(entry.event_key, ""),
            not entry.accepted,
            entry.reason,
        )
        for entry in history
    ]


def render(text: str, instance: Instance) -> str:
    """A template's ``{name}``, ``{instance_id}``, ``{state}``, ``{workflow}``, ``{email}`` and
    the instance's data filled in; an unknown placeholder is left as written."""
    values: dict[str, Any] = {
        **{k: v for k, v in instance.data.items() if isinstance(v, str | int | float)},
        "name": instance.data.get("contact_name") or instance.data.get("title") or "",
        "instance_id": instance.instance_id,
        "state": instance.state,
        "workflow": instance.machine,
        "email": instance.subject or "",
    }
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def _insert_ignoring(engine: Engine, table: Any) -> Any:
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def _moment(context: FlowContext) -> datetime:
    return context.now()


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
