"""The network pack's sixteen Notion databases, as code (see docs/packs/network.md).

Who owns what (docs/schema-as-code.md): what the agents compute is the hub's; what people steer
with (task templates, notification texts, segment rules, a task's or a content's status) is
theirs or shared. The registries that describe the pack itself (agents, integrations,
transformations) are the hub's: they are rewritten from the code at every start.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from notionhub.notion.schema import (
    Checkbox,
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
    Phone,
    Relation,
    RichText,
    Select,
    Title,
    Url,
)

LEAD_SOURCES = (
    "Typeform",
    "Website Form",
    "Snov.io",
    "HubSpot",
    "Amelia",
    "WooCommerce",
    "Beehiiv",
    "Circle",
)
NEWSLETTER_STATUSES = (
    Option("Subscribed", "green"),
    Option("Pending", "yellow"),
    Option("Unsubscribed", "gray"),
)
TASK_STATUSES = (
    Option("Not Started", "gray"),
    Option("In Progress", "blue"),
    Option("Done", "green"),
)
CONTENT_STATUSES = (
    Option("Idea", "gray"),
    Option("Draft", "yellow"),
    Option("Review", "orange"),
    Option("Scheduled", "blue"),
    Option("Published", "green"),
)

BUSINESS_ENTITIES = "Business Entities Registry"
CONTACTS = "Contacts & Profiles"
COMMUNITY_HUB = "Community Hub"
PRODUCTS = "Products & Services"
INSTANCES = "Active Workflow Instances"
CAMPAIGNS = "Marketing Campaigns"
WORKFLOWS_LIBRARY = "Workflows Library"


class BusinessEntity(NotionModel):
    """One business of the network (the retreats, the art shop, the community, …)."""

    __database__ = DatabaseSpec(BUSINESS_ENTITIES, env="NOTION_BUSINESS_ENTITIES_DB", icon="🏢")

    name: Annotated[str, Title("Name"), Key()]
    kind: Annotated[str | None, Select("Kind"), Owned("person")] = None
    website: Annotated[str | None, Url("Website"), Owned("person")] = None
    description: Annotated[str, RichText("Description"), Owned("person")] = ""
    contacts: Annotated[
        list[str], Relation("Contacts", target=CONTACTS, dual="Business Entity"), Owned("both")
    ] = Field(default_factory=list)


class Contact(NotionModel):
    """A person the network knows, keyed by email; sources and tags only ever grow."""

    __database__ = DatabaseSpec(CONTACTS, env="NOTION_CONTACTS_PROFILES_DB", icon="🧑")

    name: Annotated[str, Title("Name")]
    email: Annotated[str, Email("Email"), Key()]
    phone: Annotated[str | None, Phone("Phone"), Owned("both")] = None
    lead_sources: Annotated[
        list[str],
        MultiSelect("Lead Sources", options=[Option(name) for name in LEAD_SOURCES]),
        Owned("both"),
    ] = Field(default_factory=list)
    tags: Annotated[list[str], MultiSelect("Tags"), Owned("both")] = Field(default_factory=list)
    business_entity: Annotated[
        list[str], Relation("Business Entity", target=BUSINESS_ENTITIES, dual="Contacts"),
        Owned("both"),
    ] = Field(default_factory=list)  # fmt: skip
    newsletter: Annotated[str | None, Select("Newsletter", options=list(NEWSLETTER_STATUSES))] = (
        None
    )
    engagement_score: Annotated[float | None, Number("Engagement Score")] = None
    first_seen: Annotated[NotionDate | None, Date("First Seen")] = None
    last_activity: Annotated[NotionDate | None, Date("Last Activity")] = None
    notes: Annotated[str, RichText("Notes"), Owned("person")] = ""


class CommunityProfile(NotionModel):
    """A Circle.so member and what they did in the community."""

    __database__ = DatabaseSpec(COMMUNITY_HUB, env="NOTION_COMMUNITY_HUB_DB", icon="🌱")

    member: Annotated[str, Title("Member")]
    email: Annotated[str, Email("Email"), Key()]
    contact: Annotated[list[str], Relation("Contact", target=CONTACTS)] = Field(
        default_factory=list
    )
    circle_member_id: Annotated[str, RichText("Circle Member ID")] = ""
    status: Annotated[
        str | None, Select("Status", options=[Option("Member", "green"), Option("Left", "gray")])
    ] = None
    posts: Annotated[float | None, Number("Posts")] = None
    comments: Annotated[float | None, Number("Comments")] = None
    events_attended: Annotated[float | None, Number("Events Attended")] = None
    points: Annotated[float | None, Number("Points")] = None
    engagement_score: Annotated[float | None, Number("Engagement Score")] = None
    joined: Annotated[NotionDate | None, Date("Joined")] = None
    last_active: Annotated[NotionDate | None, Date("Last Active")] = None


class Product(NotionModel):
    """Something the network sells: an artwork, a retreat, a service."""

    __database__ = DatabaseSpec(PRODUCTS, env="NOTION_PRODUCTS_SERVICES_DB", icon="🛍️")

    name: Annotated[str, Title("Name")]
    product_id: Annotated[str, RichText("Product ID"), Key()]  # "woocommerce:123", "amelia:…"
    kind: Annotated[
        str | None,
        Select(
            "Kind",
            options=[Option("Artwork"), Option("Retreat"), Option("Event"), Option("Service")],
        ),
    ] = None
    price: Annotated[float | None, Number("Price", format="dollar")] = None
    # Stock = Initial Stock (set by people) − Units Sold (paid orders, refunds given back).
    initial_stock: Annotated[float | None, Number("Initial Stock"), Owned("person")] = None
    units_sold: Annotated[float | None, Number("Units Sold")] = None
    stock: Annotated[float | None, Number("Stock")] = None
    business_entity: Annotated[
        list[str], Relation("Business Entity", target=BUSINESS_ENTITIES), Owned("both")
    ] = Field(default_factory=list)


class WorkflowDefinition(NotionModel):
    """A declared workflow: its states and transitions come from the code; its task templates
    are people's to edit (the next transition uses what is written there)."""

    __database__ = DatabaseSpec(WORKFLOWS_LIBRARY, env="NOTION_WORKFLOWS_LIBRARY_DB", icon="🗺️")

    name: Annotated[str, Title("Workflow")]
    workflow_id: Annotated[str, RichText("Workflow ID"), Key()]
    states: Annotated[str, RichText("States")] = ""
    transitions: Annotated[str, RichText("Transitions")] = ""
    task_templates: Annotated[str, RichText("Task Templates"), Owned("person")] = ""
    description: Annotated[str, RichText("Description"), Owned("person")] = ""
    instances: Annotated[
        list[str], Relation("Instances", target=INSTANCES, dual="Workflow"), Owned("both")
    ] = Field(default_factory=list)


class WorkflowInstance(NotionModel):
    """One run of a workflow for one contact (or one piece of content)."""

    __database__ = DatabaseSpec(INSTANCES, env="NOTION_ACTIVE_WORKFLOW_INSTANCES_DB", icon="🔁")

    instance_id: Annotated[str, Title("Instance ID"), Key()]
    workflow: Annotated[
        list[str], Relation("Workflow", target=WORKFLOWS_LIBRARY, dual="Instances")
    ] = Field(default_factory=list)
    state: Annotated[str | None, Select("State")] = None
    contact: Annotated[list[str], Relation("Contact", target=CONTACTS)] = Field(
        default_factory=list
    )
    business_entity: Annotated[list[str], Relation("Business Entity", target=BUSINESS_ENTITIES)] = (
        Field(default_factory=list)
    )
    history_log: Annotated[str, RichText("History Log")] = ""
    updated: Annotated[NotionDate | None, Date("Updated")] = None


class MarketingCampaign(NotionModel):
    """A campaign or a piece of content: figures from Beehiiv, a status people move, a segment."""

    __database__ = DatabaseSpec(CAMPAIGNS, env="NOTION_MARKETING_CAMPAIGNS_DB", icon="📣")

    name: Annotated[str, Title("Campaign"), Key()]
    channel: Annotated[
        str | None,
        Select("Channel", options=[Option("Newsletter"), Option("Social"), Option("Blog")]),
        Owned("both"),
    ] = None
    business_entity: Annotated[
        list[str], Relation("Business Entity", target=BUSINESS_ENTITIES), Owned("both")
    ] = Field(default_factory=list)
    content_status: Annotated[
        str | None, Select("Content Status", options=list(CONTENT_STATUSES)), Owned("both")
    ] = None
    publish_at: Annotated[NotionDate | None, Date("Publish At"), Owned("person")] = None
    published_at: Annotated[NotionDate | None, Date("Published At")] = None
    # "source:Typeform and tag:retreat": see docs/packs/network.md, "Segments".
    segment_rule: Annotated[str, RichText("Segment Rule"), Owned("person")] = ""
    audience_size: Annotated[float | None, Number("Audience Size")] = None
    subscribers: Annotated[float | None, Number("Subscribers")] = None
    post_id: Annotated[str, RichText("Post ID")] = ""
    recipients: Annotated[float | None, Number("Recipients")] = None
    opens: Annotated[float | None, Number("Opens")] = None
    clicks: Annotated[float | None, Number("Clicks")] = None


class Feedback(NotionModel):
    """A survey answer or a rating left in a form."""

    __database__ = DatabaseSpec("Feedback & Surveys", env="NOTION_FEEDBACK_SURVEYS_DB", icon="💬")

    response_id: Annotated[str, Title("Response"), Key()]
    contact: Annotated[list[str], Relation("Contact", target=CONTACTS)] = Field(
        default_factory=list
    )
    form: Annotated[str, RichText("Form")] = ""
    score: Annotated[float | None, Number("Score")] = None
    answers: Annotated[str, RichText("Answers")] = ""
    submitted: Annotated[NotionDate | None, Date("Submitted")] = None


class Reward(NotionModel):
    """Points given to a community member for something they did (or a bounty they won)."""

    __database__ = DatabaseSpec("Rewards & Bounties", env="NOTION_REWARDS_BOUNTIES_DB", icon="🏅")

    reward_id: Annotated[str, Title("Reward"), Key()]
    member: Annotated[list[str], Relation("Member", target=COMMUNITY_HUB)] = Field(
        default_factory=list
    )
    kind: Annotated[
        str | None, Select("Kind", options=[Option("Reward", "green"), Option("Bounty", "purple")])
    ] = None
    points: Annotated[float | None, Number("Points")] = None
    reason: Annotated[str, RichText("Reason")] = ""
    awarded: Annotated[NotionDate | None, Date("Awarded")] = None


class MasterTask(NotionModel):
    """A task a transition created; its status is people's (Done may move the workflow on)."""

    __database__ = DatabaseSpec("Master Tasks", env="NOTION_MASTER_TASKS_DB", icon="✅")

    task: Annotated[str, Title("Task")]
    task_id: Annotated[str, RichText("Task ID"), Key()]
    status: Annotated[str | None, Select("Status", options=list(TASK_STATUSES)), Owned("both")] = (
        None
    )
    due_date: Annotated[NotionDate | None, Date("Due Date"), Owned("both")] = None
    assignee: Annotated[str, RichText("Assignee"), Owned("both")] = ""
    workflow_instance: Annotated[list[str], Relation("Workflow Instance", target=INSTANCES)] = (
        Field(default_factory=list)
    )


class CommunicationPattern(NotionModel):
    """How two agents hand work to each other (from the code)."""

    __database__ = DatabaseSpec(
        "Agent Communication Patterns", env="NOTION_AGENT_COMMUNICATION_DB", icon="📡"
    )

    pattern: Annotated[str, Title("Pattern"), Key()]
    from_agent: Annotated[str, RichText("From Agent")] = ""
    to_agent: Annotated[str, RichText("To Agent")] = ""
    trigger: Annotated[str, RichText("Trigger")] = ""
    description: Annotated[str, RichText("Description")] = ""


class AgentEntry(NotionModel):
    """One agent of the pack: what it handles and writes (from the code)."""

    __database__ = DatabaseSpec("Agent Registry", env="NOTION_AGENT_REGISTRY_DB", icon="🤖")

    agent: Annotated[str, Title("Agent"), Key()]
    description: Annotated[str, RichText("Description")] = ""
    handles: Annotated[str, RichText("Handles")] = ""
    writes: Annotated[str, RichText("Writes")] = ""
    schedules: Annotated[str, RichText("Schedules")] = ""


class Integration(NotionModel):
    """A service that sends the network events: where, with which secret, which events."""

    __database__ = DatabaseSpec(
        "API Integrations Catalog", env="NOTION_API_INTEGRATIONS_DB", icon="🔌"
    )

    integration: Annotated[str, Title("Integration"), Key()]
    webhook_path: Annotated[str, RichText("Webhook Path")] = ""
    secret_variable: Annotated[str, RichText("Secret Variable")] = ""
    events: Annotated[str, RichText("Events")] = ""
    agents: Annotated[str, RichText("Agents")] = ""
    docs: Annotated[str, RichText("Docs")] = ""


class Transformation(NotionModel):
    """How one kind of incoming data becomes rows (from the code)."""

    __database__ = DatabaseSpec(
        "Data Transformations Registry", env="NOTION_DATA_TRANSFORMATIONS_DB", icon="🔀"
    )

    transformation: Annotated[str, Title("Transformation"), Key()]
    source: Annotated[str, RichText("Source")] = ""
    target: Annotated[str, RichText("Target")] = ""
    rule: Annotated[str, RichText("Rule")] = ""
    agent: Annotated[str, RichText("Agent")] = ""


class NotificationTemplate(NotionModel):
    """The message sent when a workflow enters a state; people edit the text in Notion."""

    __database__ = DatabaseSpec(
        "Notifications Templates", env="NOTION_NOTIFICATIONS_TEMPLATES_DB", icon="✉️"
    )

    template: Annotated[str, Title("Template"), Key()]  # "<workflow id>.<state>"
    channel: Annotated[
        str | None,
        Select("Channel", options=[Option("Email"), Option("Slack"), Option("SMS")]),
        Owned("person"),
    ] = None
    subject: Annotated[str, RichText("Subject"), Owned("person")] = ""
    body: Annotated[str, RichText("Body"), Owned("person")] = ""
    active: Annotated[bool, Checkbox("Active"), Owned("person")] = True


class UseCase(NotionModel):
    """What the network uses its agents for."""

    __database__ = DatabaseSpec("Use Cases Library", env="NOTION_USE_CASES_DB", icon="📚")

    use_case: Annotated[str, Title("Use Case"), Key()]
    business: Annotated[str, RichText("Business"), Owned("person")] = ""
    agents: Annotated[str, RichText("Agents"), Owned("person")] = ""
    workflow: Annotated[
        list[str], Relation("Workflow", target=WORKFLOWS_LIBRARY), Owned("person")
    ] = Field(default_factory=list)
    description: Annotated[str, RichText("Description"), Owned("person")] = ""


MODELS: tuple[type[NotionModel], ...] = (
    BusinessEntity,
    Contact,
    CommunityProfile,
    Product,
    WorkflowDefinition,
    WorkflowInstance,
    MarketingCampaign,
    Feedback,
    Reward,
    MasterTask,
    CommunicationPattern,
    AgentEntry,
    Integration,
    Transformation,
    NotificationTemplate,
    UseCase,
)
