"""The Shipments database of the test pack."""

from __future__ import annotations

from typing import Annotated

from notionhub.notion.schema import DatabaseSpec, Key, NotionModel, Number, RichText, Title


class Shipment(NotionModel):
    """One order on its way, as a row."""

    __database__ = DatabaseSpec("Shipments", env="NOTION_SHIPMENTS_DB", icon="📦")

    name: Annotated[str, Title("Name")]
    order: Annotated[str, RichText("Order"), Key()]
    weight: Annotated[float | None, Number("Weight")] = None
    courier_reference: Annotated[str, RichText("Courier Reference")] = ""
