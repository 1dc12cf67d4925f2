"""The echo pack: every event becomes a row of an "Event Log" database."""

from notionhub.packs.echo.flows import log_event
from notionhub.packs.echo.models import EventLogEntry
from notionhub.packs.pack import Agent, Pack

PACK = Pack(
    name="echo",
    description="Each received event appended as a row of the Event Log database.",
    models=(EventLogEntry,),
    agents=(
        Agent(
            name="echo-logger",
            description="Writes every event it receives as a row of the Event Log.",
            flows={"*": log_event},
            writes=(EventLogEntry,),
        ),
    ),
)
