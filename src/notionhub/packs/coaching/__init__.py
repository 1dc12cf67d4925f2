"""The coaching pack: Cal.com, Zoom and Stripe kept as Clients, Sessions, Invoices, Packages and
Dashboard Metrics (see docs/packs/coaching.md)."""

from pathlib import Path

from notionhub.packs.coaching.app_provider import PROVIDER as COACHING_APP
from notionhub.packs.coaching.flows import keep_rows, refresh_dashboard
from notionhub.packs.coaching.models import MODELS, Client, DashboardMetric, Invoice, Session
from notionhub.packs.coaching.reactions import REACTIONS
from notionhub.packs.coaching.readings import APP_CHECKOUT, CALCOM_KINDS, STRIPE_KINDS, ZOOM_KINDS
from notionhub.packs.coaching.routes import router
from notionhub.packs.coaching.settings import CoachingSettings
from notionhub.packs.coaching.tables import metadata
from notionhub.packs.pack import Agent, Pack, Schedule

_READ = [f"calcom:{t}" for t in CALCOM_KINDS] + [f"coaching-app:{t}" for t in CALCOM_KINDS]
_READ += [f"coaching-app:{APP_CHECKOUT}"]
_READ += [f"zoom:{t}" for t in ZOOM_KINDS] + [f"stripe:{t}" for t in STRIPE_KINDS]

BOOKKEEPER = Agent(
    name="coaching-bookkeeper",
    description="Keeps clients, sessions and invoices true to every booking, meeting and payment,"
    " and to what the coach changes in Notion (packages, statuses).",
    flows=dict.fromkeys(_READ, keep_rows),
    writes=(Client, Session, Invoice),
    reactions=REACTIONS,
)

DASHBOARD = Agent(
    name="coaching-dashboard",
    description="Recomputes the Dashboard Metrics: after events, and every hour so that"
    " this month's figures move on when nothing arrives.",
    schedules=(
        Schedule(
            "dashboard-hourly",
            "0 * * * *",
            refresh_dashboard,
            description="Dashboard Metrics recomputed (a new month starts on time).",
        ),
    ),
    writes=(DashboardMetric,),
)

PACK = Pack(
    name="coaching",
    description="Bookings, attendance and payments of a coaching business, kept in five databases.",
    models=MODELS,
    agents=(BOOKKEEPER, DASHBOARD),
    upkeep=refresh_dashboard,
    settings=CoachingSettings,
    tables=metadata,
    migrations=Path(__file__).parent / "migrations",
    router=router,
    providers=(COACHING_APP,),
)

__all__ = ["BOOKKEEPER", "DASHBOARD", "PACK"]
