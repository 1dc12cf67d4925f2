"""The enterprise pack: an AI services company's control room in Notion. Agents report by
heartbeats, sales become revenue records handed to agents, projects move through a pipeline
people steer in Notion, checks raise alerts, reports are written as pages, and the audit log
is copied to Notion (docs/packs/enterprise.md)."""

from __future__ import annotations

from pathlib import Path

from notionhub.packs.enterprise.audit_trail import copy_audit_log
from notionhub.packs.enterprise.fleet import collect, configuration_changed, fleet
from notionhub.packs.enterprise.health import run_health_checks
from notionhub.packs.enterprise.models import (
    MODELS,
    AgentRecord,
    AlertRecord,
    AuditRecord,
    EnterpriseClient,
    Project,
    RevenueRecord,
    SystemMetric,
)
from notionhub.packs.enterprise.projects import handle_request, project_added, project_changed
from notionhub.packs.enterprise.reports import ON_DEMAND, REPORTS
from notionhub.packs.enterprise.revenue import (
    STRIPE_KINDS,
    dispatch_waiting,
    handle_payment,
    send_outbox,
    write_changed_sales,
)
from notionhub.packs.enterprise.routes import PROVIDER, router
from notionhub.packs.enterprise.settings import EnterpriseSettings
from notionhub.packs.enterprise.tables import metadata
from notionhub.packs.pack import Agent, FlowContext, Pack, Reaction, Schedule


def _collect(context: FlowContext) -> str:
    """Every 30 s: the fleet's pages and metrics, alerts, sales waiting for an agent or for
    Notion, and the outbox."""
    notes = [collect(context)]
    dispatched = dispatch_waiting(context)
    written = write_changed_sales(context)
    sent = send_outbox(context, context.settings_of(EnterpriseSettings))
    notes.append(f"{dispatched} sales dispatched, {written} written, {sent} notifications sent")
    return "; ".join(notes)


FLEET = Agent(
    name="fleet",
    description="Keeps AI Agent Management and System Metrics from agents' heartbeats, marks"
    " silent agents Error, and sends people's Configuration and Status to the agents.",
    schedules=(
        Schedule(
            "enterprise.collect",
            "*/30 * * * * *",
            _collect,
            description="Write what changed enough (at most once a minute per agent), time out"
            " silent agents, dispatch waiting sales, send notifications.",
        ),
    ),
    writes=(AgentRecord, SystemMetric, AlertRecord),
    reactions=(
        Reaction(
            AgentRecord,
            configuration_changed,
            kinds=("created", "updated"),
            fields=("configuration", "status"),
            description="A person's Configuration or Status reaches the agent.",
        ),
    ),
)
REVENUE = Agent(
    name="revenue",
    description="Turns Stripe payments into Revenue Operations records, hands each sale to an"
    " agent of its service's type, and notifies the client through the outbox.",
    flows={f"stripe:{kind}": handle_payment for kind in STRIPE_KINDS},
    writes=(RevenueRecord, EnterpriseClient),
)
PIPELINE = Agent(
    name="pipeline",
    description="Assigns agents to new projects (API or Notion) and runs a stage's actions"
    " when people move a project in Notion.",
    flows={f"{PROVIDER}:project.requested": handle_request},
    writes=(Project,),
    reactions=(
        Reaction(Project, project_added, kinds=("created",), description="Agents assigned."),
        Reaction(
            Project,
            project_changed,
            kinds=("updated",),
            fields=("stage", "priority", "assigned_agents"),
            description="Stage actions, timeline, agents told.",
        ),
    ),
)
HEALTH = Agent(
    name="health",
    description="Checks Notion, each database and event processing every minute; a failure"
    " opens an alert, recovery resolves it.",
    schedules=(
        Schedule("enterprise.health", "* * * * *", run_health_checks, description="Health checks."),
    ),
    writes=(AlertRecord,),
)
AUDIT = Agent(
    name="audit",
    description="Copies the hub's audit log (writes and refusals) to the Audit Trail.",
    schedules=(
        Schedule(
            "enterprise.audit",
            "* * * * *",
            copy_audit_log,
            description="Copy new audit log entries.",
        ),
    ),
    writes=(AuditRecord,),
)
AGENTS: tuple[Agent, ...] = (FLEET, REVENUE, PIPELINE, HEALTH, AUDIT, REPORTS)

PACK = Pack(
    name="enterprise",
    description="An AI services company's fleet, revenue, project pipeline, alerts, reports"
    " and audit trail, kept in eight databases.",
    models=MODELS,
    agents=AGENTS,
    settings=EnterpriseSettings,
    tables=metadata,
    migrations=Path(__file__).parent / "migrations",
    router=router,
    external_agents=lambda context: fleet(context.engine),
    reports=ON_DEMAND,
)

__all__ = ["AGENTS", "PACK"]
