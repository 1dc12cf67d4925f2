"""The coaching pack: Cal.com, Zoom and Stripe kept as Clients, Sessions, Invoices, Packages and
Dashboard Metrics (see docs/packs/coaching.md)."""

from notionhub.packs import Pack
from notionhub.packs.coaching.flows import keep_rows, refresh_dashboard
from notionhub.packs.coaching.models import MODELS
from notionhub.packs.coaching.readings import APP_CHECKOUT, CALCOM_KINDS, STRIPE_KINDS, ZOOM_KINDS

_READ = [f"calcom:{t}" for t in CALCOM_KINDS] + [f"coaching-app:{t}" for t in CALCOM_KINDS]
_READ += [f"coaching-app:{APP_CHECKOUT}"]
_READ += [f"zoom:{t}" for t in ZOOM_KINDS] + [f"stripe:{t}" for t in STRIPE_KINDS]

PACK = Pack(
    name="coaching",
    description="Bookings, attendance and payments of a coaching business, kept in five databases.",
    models=MODELS,
    flows=dict.fromkeys(_READ, keep_rows),
    upkeep=refresh_dashboard,
)
