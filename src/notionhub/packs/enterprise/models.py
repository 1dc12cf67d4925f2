"""The enterprise pack's eight Notion databases, as code (see docs/packs/enterprise.md).

Names are the hub's keys for the databases; titles are what Notion shows. The clients database
is titled "Clients" like the coaching pack's, under another name ("Enterprise Clients"), so the
two packs run side by side (docs/schema-as-code.md, "Two packs, one title").
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from notionhub.notion.schema import (
    Checkbox,
    CreatedTime,
    DatabaseSpec,
    Date,
    Email,
    Key,
    MultiSelect,
    NotionDate,
    NotionModel,
    Number,
    Option,
    Owned,
    Relation,
    RichText,
    Rollup,
    Select,
    Title,
)

AGENTS_DB = "AI Agent Management"
METRICS_DB = "System Metrics"
REVENUE_DB = "Revenue Operations"
PROJECTS_DB = "AI Project Pipeline"
CLIENTS_DB = "Enterprise Clients"
AUDIT_DB = "Audit Trail"
ALERTS_DB = "Alerts"
REPORTS_DB = "Reports"

AGENT_TYPES = ("Trading Agent", "Resume Generator", "Learning Agent", "Orchestrator")
AGENT_STATUSES = ("Active", "Idle", "Error", "Maintenance")
SERVICE_TYPES = ("Resume Generation", "Trading Signals", "AI Consultation")
REVENUE_STATUSES = ("Pending", "Processing", "Completed", "Failed")
PROJECT_TYPES = (
    "Trading System",
    "Resume Service",
    "Learning Platform",
    "AI Consultation",
    "Automation",
)
STAGES = ("Discovery", "Planning", "Development", "Testing", "Deployment", "Maintenance")
PRIORITIES = ("Low", "Medium", "High", "Critical")
ALERT_TYPES = ("Performance", "Resources", "Health", "Agent Unresponsive")
SEVERITIES = ("Info", "Warning", "Critical")
ALERT_STATUSES = ("Open", "Resolved")
REPORT_TYPES = (
    "Daily Revenue",
    "Weekly Summary",
    "Monthly Performance",
    "Agent Performance",
    "Audit",
)

_COLOURS = ("green", "blue", "red", "orange", "purple", "yellow", "gray", "pink", "brown")


def _options(names: tuple[str, ...]) -> list[Option]:
    return [Option(name, _COLOURS[i % len(_COLOURS)]) for i, name in enumerate(names)]


class AgentRecord(NotionModel):
    """One AI agent of the fleet, kept from its heartbeats; people set Maintenance and its
    Configuration, which reach the agent (``GET /api/agents/{name}/config``)."""

    __database__ = DatabaseSpec(AGENTS_DB, env="NOTION_AI_AGENT_MANAGEMENT_DB", icon="🤖")

    name: Annotated[str, Title("Agent Name"), Key()]
    agent_type: Annotated[
        str | None, Select("Agent Type", options=_options(AGENT_TYPES)), Owned("both")
    ] = None
    status: Annotated[
        str | None, Select("Status", options=_options(AGENT_STATUSES)), Owned("both")
    ] = None
    performance: Annotated[float | None, Number("Performance Score", format="percent")] = None
    last_activity: Annotated[NotionDate | None, Date("Last Activity")] = None
    # Kept by Notion from the other side (SystemMetric.agent).
    metrics: Annotated[
        list[str],
        Relation(METRICS_DB, target=METRICS_DB, dual="Agent"),
        Owned("both"),
    ] = Field(default_factory=list)
    resource_usage: Annotated[
        float | None,
        Rollup(
            "Resource Usage", relation=METRICS_DB, target_property="CPU Usage", function="average"
        ),
    ] = None
    # JSON, set by people (the hub writes "{}" on a page it creates, never after).
    configuration: Annotated[str, RichText("Configuration"), Owned("person")] = "{}"


# What the hub writes on an agent's page: the relation is kept by Notion from the other side,
# the configuration belongs to people.
AGENT_WRITES = ("name", "agent_type", "status", "performance", "last_activity")


class SystemMetric(NotionModel):
    """An agent's resource use over one hour (the average of its heartbeats)."""

    __database__ = DatabaseSpec(METRICS_DB, env="NOTION_SYSTEM_METRICS_DB", icon="📈")

    sample: Annotated[str, Title("Sample"), Key()]  # "<agent> <YYYY-MM-DD>T<HH>:00Z"
    agent: Annotated[list[str], Relation("Agent", target=AGENTS_DB, dual=METRICS_DB)] = Field(
        default_factory=list
    )
    hour: Annotated[NotionDate | None, Date("Hour")] = None
    cpu: Annotated[float | None, Number("CPU Usage", format="percent")] = None
    memory: Annotated[float | None, Number("Memory Usage", format="percent")] = None
    performance: Annotated[float | None, Number("Performance", format="percent")] = None
    heartbeats: Annotated[int | None, Number("Heartbeats")] = None


class EnterpriseClient(NotionModel):
    """A customer of the company; keyed by email."""

    __database__ = DatabaseSpec(
        CLIENTS_DB, title="Clients", env="NOTION_ENTERPRISE_CLIENTS_DB", icon="🏢"
    )

    # The hub names a new client after its email; people may rename it (kept).
    name: Annotated[str, Title("Name"), Owned("person")]
    email: Annotated[str, Email("Email"), Key()]
    company: Annotated[str, RichText("Company"), Owned("both")] = ""
    transactions: Annotated[
        list[str], Relation("Transactions", target=REVENUE_DB, dual="Client"), Owned("both")
    ] = Field(default_factory=list)


CLIENT_WRITES = ("name", "email")


class RevenueRecord(NotionModel):
    """One sale: a Stripe payment, and the service an agent delivers for it."""

    __database__ = DatabaseSpec(REVENUE_DB, env="NOTION_REVENUE_OPERATIONS_DB", icon="💵")

    transaction_id: Annotated[str, Title("Transaction ID"), Key()]
    service_type: Annotated[str | None, Select("Service Type", options=_options(SERVICE_TYPES))] = (
        None
    )
    amount: Annotated[float | None, Number("Amount", format="dollar")] = None
    client: Annotated[list[str], Relation("Client", target=CLIENTS_DB, dual="Transactions")] = (
        Field(default_factory=list)
    )
    agent: Annotated[list[str], Relation("Processing Agent", target=AGENTS_DB)] = Field(
        default_factory=list
    )
    status: Annotated[
        str | None, Select("Status", options=_options(REVENUE_STATUSES)), Owned("both")
    ] = None
    created: Annotated[NotionDate | None, CreatedTime("Created")] = None
    completed: Annotated[NotionDate | None, Date("Completed")] = None
    details: Annotated[str, RichText("Details")] = ""


class Project(NotionModel):
    """A project of the pipeline; people move it through the stages in Notion."""

    __database__ = DatabaseSpec(PROJECTS_DB, env="NOTION_AI_PROJECT_PIPELINE_DB", icon="🚀")

    name: Annotated[str, Title("Project Name"), Key(), Owned("person")]
    client: Annotated[str, RichText("Client"), Owned("both")] = ""
    project_type: Annotated[
        str | None, Select("Project Type", options=_options(PROJECT_TYPES)), Owned("both")
    ] = None
    stage: Annotated[str | None, Select("Stage", options=_options(STAGES)), Owned("both")] = None
    priority: Annotated[
        str | None, Select("Priority", options=_options(PRIORITIES)), Owned("both")
    ] = None
    assigned_agents: Annotated[list[str], MultiSelect("Assigned Agents"), Owned("both")] = Field(
        default_factory=list
    )
    timeline: Annotated[NotionDate | None, Date("Timeline"), Owned("both")] = None
    budget: Annotated[float | None, Number("Budget", format="dollar"), Owned("both")] = None
    progress: Annotated[float | None, Number("Progress", format="percent"), Owned("both")] = None
    requirements: Annotated[str, RichText("Requirements"), Owned("both")] = ""
    notes: Annotated[str, RichText("Notes"), Owned("person")] = ""
    # What the hub last did for the project (its stage's actions), one line.
    last_action: Annotated[str, RichText("Last Action")] = ""


class AuditRecord(NotionModel):
    """One entry of the hub's audit log (every write through the hub's API, every refusal)."""

    __database__ = DatabaseSpec(AUDIT_DB, env="NOTION_AUDIT_TRAIL_DB", icon="🛡️")

    entry: Annotated[str, Title("Entry"), Key()]  # "audit-<id>"
    timestamp: Annotated[NotionDate | None, Date("Timestamp")] = None
    user_id: Annotated[str, RichText("User ID")] = ""
    action: Annotated[str, RichText("Action")] = ""
    resource: Annotated[str, RichText("Resource")] = ""
    success: Annotated[bool, Checkbox("Success")] = False
    details: Annotated[str, RichText("Details")] = ""


class AlertRecord(NotionModel):
    """A check that failed, open until it passes again."""

    __database__ = DatabaseSpec(ALERTS_DB, env="NOTION_ALERTS_DB", icon="🚨")

    alert: Annotated[str, Title("Alert"), Key()]  # the alert id
    alert_type: Annotated[str | None, Select("Alert Type", options=_options(ALERT_TYPES))] = None
    severity: Annotated[str | None, Select("Severity", options=_options(SEVERITIES))] = None
    check_name: Annotated[str, RichText("Check Name")] = ""
    error_message: Annotated[str, RichText("Error Message")] = ""
    timestamp: Annotated[NotionDate | None, Date("Timestamp")] = None
    action_required: Annotated[bool, Checkbox("Action Required")] = False
    status: Annotated[str | None, Select("Status", options=_options(ALERT_STATUSES))] = None
    resolved: Annotated[NotionDate | None, Date("Resolved")] = None


class ReportRecord(NotionModel):
    """A business-intelligence report: its figures as properties, the report as the page."""

    __database__ = DatabaseSpec(REPORTS_DB, env="NOTION_REPORTS_DB", icon="📑")

    report: Annotated[str, Title("Report"), Key()]  # "Daily Revenue 2026-12-05"
    report_type: Annotated[str | None, Select("Report Type", options=_options(REPORT_TYPES))] = None
    date: Annotated[NotionDate | None, Date("Date")] = None
    total_revenue: Annotated[float | None, Number("Total Revenue", format="dollar")] = None
    transaction_count: Annotated[int | None, Number("Transaction Count")] = None
    average_value: Annotated[float | None, Number("Average Transaction Value", format="dollar")] = (
        None
    )


MODELS: tuple[type[NotionModel], ...] = (
    AgentRecord,
    SystemMetric,
    EnterpriseClient,
    RevenueRecord,
    Project,
    AuditRecord,
    AlertRecord,
    ReportRecord,
)
