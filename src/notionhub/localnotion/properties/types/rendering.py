"""Page property values as the API answers them: one renderer a type that needs its own.

A renderer takes the page being read (``PageReading``) and the schema property and returns
the property's value object (``{"id", "type", <type>: …}``). A type without an entry renders
what the page stores, or the type's empty value when the page holds none of that type (its
property changed type since). Formulas have no entry: they read the other rendered values,
so ``render.render_properties`` evaluates them once those are done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from notionhub.localnotion.properties.rollup import compute_rollup
from notionhub.localnotion.properties.values import empty_value
from notionhub.localnotion.storage.store import StoredObject


class PageReading(Protocol):
    """The page whose properties are rendered, and what a rollup needs to read."""

    @property
    def page(self) -> StoredObject:
        """The stored page."""

    @property
    def rollups(self) -> bool:
        """Whether rollups are computed (not while rendering the pages a rollup reads)."""

    def related_values(self, rollup: dict[str, Any]) -> list[dict[str, Any]]:
        """The rendered values a rollup property aggregates, from the pages it relates to."""


Renderer = Callable[[PageReading, dict[str, Any]], dict[str, Any]]


def stored_value(reading: PageReading, prop: dict[str, Any]) -> dict[str, Any]:
    """The value the page stores for ``prop``, or the type's empty value."""
    value: dict[str, Any] | None = reading.page.body["values"].get(prop["id"])
    if value is None or value.get("type") != prop["type"]:
        value = empty_value(prop)
    if value.get("id") == prop["id"]:
        # Stored as it renders: shared with the page's body, which is only read here.
        return value
    return {**value, "id": prop["id"]}


def _relation(reading: PageReading, prop: dict[str, Any]) -> dict[str, Any]:
    # Always a copy: ``has_more`` is the answer's, never stored.
    return {**stored_value(reading, prop), "id": prop["id"], "has_more": False}


def _created_time(reading: PageReading, prop: dict[str, Any]) -> dict[str, Any]:
    return {"id": prop["id"], "type": "created_time", "created_time": reading.page.created_time}


def _last_edited_time(reading: PageReading, prop: dict[str, Any]) -> dict[str, Any]:
    edited = reading.page.last_edited_time
    return {"id": prop["id"], "type": "last_edited_time", "last_edited_time": edited}


def _author(reading: PageReading, prop: dict[str, Any]) -> dict[str, Any]:
    kind = prop["type"]  # created_by or last_edited_by: the user the page's body names
    return {"id": prop["id"], "type": kind, kind: reading.page.body.get(kind)}


def _rollup(reading: PageReading, prop: dict[str, Any]) -> dict[str, Any]:
    config = prop["rollup"]
    if not reading.rollups:
        empty = {"type": "array", "array": [], "function": config.get("function")}
        return {"id": prop["id"], "type": "rollup", "rollup": empty}
    rollup = compute_rollup(config, reading.related_values(prop))
    return {"id": prop["id"], "type": "rollup", "rollup": rollup}


RENDERERS: dict[str, Renderer] = {
    "relation": _relation,
    "created_time": _created_time,
    "last_edited_time": _last_edited_time,
    "created_by": _author,
    "last_edited_by": _author,
    "rollup": _rollup,
}


def render_value(reading: PageReading, prop: dict[str, Any]) -> dict[str, Any]:
    """The value object of ``prop`` (not a formula) for the page being read."""
    return RENDERERS.get(prop["type"], stored_value)(reading, prop)
