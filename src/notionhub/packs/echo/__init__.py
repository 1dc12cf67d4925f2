"""The echo pack: every event becomes a row of an "Event Log" database."""

from notionhub.packs import Pack
from notionhub.packs.echo.flows import log_event
from notionhub.packs.echo.models import EventLogEntry

PACK = Pack(
    name="echo",
    description="Each received event appended as a row of the Event Log database.",
    models=(EventLogEntry,),
    flows={"*": log_event},
)
