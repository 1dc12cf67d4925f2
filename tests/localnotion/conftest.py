"""Fixtures for the local Notion server tests: a fresh database per test."""

from __future__ import annotations

from typing import Any

import pytest
from notion_client import Client

CRM_PROPERTIES: dict[str, Any] = {
    "Name": {"title": {}},
    "Email": {"email": {}},
    "Price": {"number": {"format": "dollar"}},
    "Stage": {
        "select": {
            "options": [{"name": "Lead", "color": "gray"}, {"name": "Won", "color": "green"}]
        }
    },
    "Tags": {"multi_select": {"options": [{"name": "vip"}]}},
    "Due": {"date": {}},
    "Done": {"checkbox": {}},
    "Notes": {"rich_text": {}},
    "Site": {"url": {}},
    "Phone": {"phone_number": {}},
}


def title(text: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": {"content": text}}]


@pytest.fixture
def crm(notion: Client, root_page_id: str) -> dict[str, str]:
    """A database with one data source of common property types: its ids."""
    db = notion.databases.create(
        parent={"type": "page_id", "page_id": root_page_id},
        title=title("CRM"),
        initial_data_source={"properties": CRM_PROPERTIES},
    )
    return {"database_id": db["id"], "data_source_id": db["data_sources"][0]["id"]}
