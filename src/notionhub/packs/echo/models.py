"""The Event Log database of the echo pack."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from notionhub.notion.schema import (
    DatabaseSpec,
    Date,
    Key,
    NotionModel,
    RichText,
    Select,
    Title,
)


class EventLogEntry(NotionModel):
    """One received event, as a row."""

    __database__ = DatabaseSpec("Event Log", env="NOTION_EVENT_LOG_DB", icon="📥")

    summary: Annotated[str, Title("Event")]
    event_id: Annotated[str, RichText("Event ID"), Key()]
    provider: Annotated[str | None, Select("Provider")] = None
    event_type: Annotated[str, RichText("Type")] = ""
    entity: Annotated[str, RichText("Entity")] = ""
    received: Annotated[datetime | None, Date("Received")] = None
    data: Annotated[str, RichText("Data")] = ""
