"""A pack written as an outside distribution would be, for tests/packs/test_plugin_pack.py.

It offers itself through the ``notionhub.packs`` entry point (see ../pyproject.toml) and uses
every part of the pack API: a Notion model, settings, a table with its migrations, a route, a
schedule, an agent, a state machine and an outbound call.
"""

from pathlib import Path

from notionhub.packs import Agent, Pack, Schedule

from .flows import SHIPMENT, count_shipments, track_shipment
from .models import Shipment
from .routes import router
from .settings import CourierSettings
from .tables import metadata

PACK = Pack(
    name="testpack",
    description="Shipments told to a courier, kept in Notion and in a table of its own.",
    models=(Shipment,),
    agents=(
        Agent(
            name="shipper",
            description="Tells the courier about each shipment event and keeps the row.",
            flows={"test:shipment.*": track_shipment},
            schedules=(
                Schedule("count-shipments", "0 8 * * MON", count_shipments, "Counts the log."),
            ),
            writes=(Shipment,),
        ),
    ),
    settings=CourierSettings,
    tables=metadata,
    migrations=Path(__file__).parent / "migrations",
    router=router,
    machines=(SHIPMENT,),
)
