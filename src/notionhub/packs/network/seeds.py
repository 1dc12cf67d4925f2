"""What the network pack writes when it starts: its libraries and registries.

The Workflows Library, the Notifications Templates, the Use Cases and the Business Entities are
people's once written (created once, edits kept); the Agent Registry, the Integrations Catalog,
the Data Transformations and the Communication Patterns describe the code, and are brought in
line with it at every start.
"""

from __future__ import annotations

from collections.abc import Sequence

from notionhub.notion.records import Records
from notionhub.notion.schema import NotionModel
from notionhub.packs.network.machines import MACHINES, NOTIFICATION_TEXTS, WORKFLOW_TEXTS, describe
from notionhub.packs.network.models import (
    AgentEntry,
    BusinessEntity,
    CommunicationPattern,
    Integration,
    NotificationTemplate,
    Transformation,
    UseCase,
    WorkflowDefinition,
)
from notionhub.packs.pack import Agent, FlowContext

ENTITIES = (
    BusinessEntity(
        name="Wellness Retreats",
        kind="Retreats",
        description="Residential retreats booked through Amelia.",
    ),
    BusinessEntity(
        name="Art Shop", kind="Shop", description="Original artworks sold through WooCommerce."
    ),
    BusinessEntity(
        name="Community", kind="Community", description="The members' space on Circle.so."
    ),
    BusinessEntity(
        name="Newsletter", kind="Media", description="The weekly letter published with Beehiiv."
    ),
)

INTEGRATIONS = (
    ("Typeform", "/hooks/typeform, /webhooks/typeform", "TYPEFORM_WEBHOOK_SECRET",
     "form_response", "lead-capture", "typeform"),
    ("Website forms", "/api/forms/submit", "INTERNAL_API_KEY", "form.submitted",
     "lead-capture", "forms"),
    ("Snov.io", "/hooks/snovio", "SNOVIO_WEBHOOK_SECRET", "prospect events", "lead-capture",
     "snovio"),
    ("HubSpot (outbound)", "POST /crm/v3/objects/contacts/batch/upsert",
     "NETWORK_HUBSPOT_TOKEN", "contacts upserted when NETWORK_HUBSPOT_SYNC=true",
     "lead-capture", "hubspot"),
    ("Amelia", "/hooks/amelia", "AMELIA_WEBHOOK_SECRET",
     "bookingAdded, bookingStatusUpdated, bookingCanceled, bookingRescheduled", "booking",
     "amelia"),
    ("WooCommerce", "/hooks/woocommerce", "WOOCOMMERCE_WEBHOOK_SECRET",
     "order.created, order.updated", "booking", "woocommerce"),
    ("Beehiiv", "/hooks/beehiiv", "BEEHIIV_WEBHOOK_SECRET",
     "subscription.*, post.sent", "marketing-campaign", "beehiiv"),
    ("Circle.so", "/hooks/circle", "CIRCLE_WEBHOOK_SECRET",
     "member and activity events", "community-engagement", "circle"),
    ("Notion", "/hooks/notion", "NOTION_WEBHOOK_VERIFICATION_TOKEN",
     "page.* of the network's databases", "task-management, content-lifecycle", "notion"),
)  # fmt: skip

TRANSFORMATIONS = (
    ("Form answers → contact", "Typeform, website form, Snov.io", "Contacts & Profiles",
     "email is the key; name and phone fill blanks; the source is added to Lead Sources",
     "lead-capture"),
    ("Lead → lead nurture instance", "a new lead", "Active Workflow Instances, Master Tasks",
     "one instance per contact (lead-nurture:<email>)", "lead-capture"),
    ("Amelia booking → retreat booking", "Amelia", "Active Workflow Instances",
     "one instance per booking; booking status mapped to approved / cancelled / rejected /"
     " no_show", "booking"),
    ("WooCommerce order → art sale", "WooCommerce", "Active Workflow Instances,"
     " Products & Services", "one instance per order; units sold are paid and completed"
     " orders' quantities; Stock = Initial Stock − Units Sold", "booking"),
    ("Beehiiv subscription → newsletter status", "Beehiiv", "Contacts & Profiles,"
     " Marketing Campaigns", "the latest event per address wins; Subscribers counts active"
     " addresses", "marketing-campaign"),
    ("Circle activity → engagement", "Circle.so", "Community Hub, Rewards & Bounties",
     "points per kind of activity; the score is the points of the last 30 days",
     "community-engagement"),
)  # fmt: skip

PATTERNS = (
    ("Lead handed to tasks", "lead-capture", "task-management",
     "a lead-nurture instance starts", "the New state's task templates become Master Tasks"),
    ("Task done moves a workflow", "task-management", "task-management",
     "a person sets a Master Task to Done", "the task template's event is fired on its instance"),
    ("Buyer converts a lead", "booking", "lead-capture",
     "a booking or a paid order of a contact with an open lead", "the lead is converted"),
    ("Content moved by its writer", "content-lifecycle", "task-management",
     "a person changes Content Status", "the content instance moves; tasks follow"),
    ("Segments tag contacts", "audience-segmentation", "marketing-campaign",
     "the hourly segmentation", "contacts tagged, Audience Size written"),
)  # fmt: skip

USE_CASES = (
    ("Capture every lead once", "Network", "lead-capture, task-management",
     "lead-nurture", "Forms, Typeform and prospecting tools feed one contact list."),
    ("Run retreat bookings", "Wellness Retreats", "booking, task-management",
     "retreat-booking", "Every Amelia booking is followed from request to attendance."),
    ("Sell art", "Art Shop", "booking, task-management", "art-sale",
     "Orders, stock and thank-you notes follow WooCommerce."),
    ("Publish content", "Newsletter", "content-lifecycle, marketing-campaign",
     "content-lifecycle", "Writers move content in Notion; the hub publishes on time."),
)  # fmt: skip


def seed_network(context: FlowContext, agents: Sequence[Agent]) -> str:
    """Write the libraries and registries; returns how many rows were created or updated."""
    records = context.records
    rows: list[NotionModel] = list(ENTITIES)
    for machine, text in zip(MACHINES, WORKFLOW_TEXTS, strict=True):
        states, transitions = describe(machine)
        rows.append(
            WorkflowDefinition(
                name=text.name,
                workflow_id=text.workflow_id,
                states=states,
                transitions=transitions,
                task_templates=text.task_templates,
                description=text.description,
            )
        )
    rows += [
        NotificationTemplate(template=n.template, channel=n.channel, subject=n.subject, body=n.body)
        for n in NOTIFICATION_TEXTS
    ]
    rows += [_agent_entry(agent) for agent in agents]
    rows += [
        Integration(
            integration=name,
            webhook_path=path,
            secret_variable=secret,
            events=events,
            agents=agent,
            docs=f"docs/providers/{doc}.md",
        )
        for name, path, secret, events, agent, doc in INTEGRATIONS
    ]
    rows += [
        Transformation(transformation=name, source=source, target=target, rule=rule, agent=agent)
        for name, source, target, rule, agent in TRANSFORMATIONS
    ]
    rows += [
        CommunicationPattern(
            pattern=name, from_agent=sender, to_agent=receiver, trigger=trigger, description=what
        )
        for name, sender, receiver, trigger, what in PATTERNS
    ]
    written = _write(records, rows)
    for name, business, agent_names, workflow, description in USE_CASES:
        definition = records.mirrored(WorkflowDefinition, workflow)
        written += _write(
            records,
            [
                UseCase(
                    use_case=name,
                    business=business,
                    agents=agent_names,
                    workflow=[definition.page_id] if definition and definition.page_id else [],
                    description=description,
                )
            ],
        )
    return f"{written} of the libraries' rows written"


def _agent_entry(agent: Agent) -> AgentEntry:
    return AgentEntry(
        agent=agent.name,
        description=agent.description,
        handles=", ".join(agent.flows)
        + (" (and changes made in Notion)" if agent.reactions else ""),
        writes=", ".join(model.__database__.name for model in agent.writes),
        schedules=", ".join(f"{s.name} ({s.cron})" for s in agent.schedules),
    )


def _write(records: Records, rows: Sequence[NotionModel]) -> int:
    return sum(records.upsert(row).action != "unchanged" for row in rows)
