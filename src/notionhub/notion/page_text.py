"""A page's property values as short plain text, for people reading a table (the console's
workspace browser): any property type, nothing lost that fits on a line."""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]


def property_text(value: JSON) -> str:
    """``value`` (a page's property as the API gives it) as text; ``""`` when empty."""
    kind = value.get("type")
    inner = value.get(str(kind))
    if kind in ("title", "rich_text"):
        return "".join(str(part.get("plain_text", "")) for part in inner or [])
    if kind in ("select", "status"):
        return str(inner["name"]) if isinstance(inner, dict) else ""
    if kind == "multi_select":
        return ", ".join(str(option["name"]) for option in inner or [])
    if kind == "date":
        if not isinstance(inner, dict):
            return ""
        end = inner.get("end")
        return str(inner["start"]) + (f" → {end}" if end else "")
    if kind == "checkbox":
        return "✓" if inner else ""
    if kind == "relation":
        return f"{len(inner or [])} linked" if inner else ""
    if kind == "people":
        return ", ".join(str(person.get("name") or person.get("id")) for person in inner or [])
    if kind in ("formula", "rollup") and isinstance(inner, dict):
        return property_text(inner)
    if kind == "unique_id" and isinstance(inner, dict):
        return f"{inner.get('prefix') or ''}{'-' if inner.get('prefix') else ''}{inner['number']}"
    if kind in ("array",):
        return ", ".join(property_text(item) for item in inner or [])
    if isinstance(inner, dict | list):
        return ""
    return "" if inner is None else str(inner)


def page_row(page: JSON, columns: list[str]) -> list[str]:
    """The page's values of ``columns`` (property names), as text."""
    properties = page.get("properties", {})
    return [property_text(properties[name]) if name in properties else "" for name in columns]


def title_first(properties: JSON) -> list[str]:
    """Property names of a data source's schema, its title first."""
    names = sorted(properties)
    return sorted(names, key=lambda name: properties[name].get("type") != "title")
