"""What a command checks of its settings before it starts anything (docs/configuration.md).

Each check raises a ``ConfigurationError`` naming the variable; ``cli_errors.main`` says it in
one line with exit code 2. The checks are the ones a command would otherwise meet half-way:
inside the server's start (a traceback in uvicorn's log), or after its banner.
"""

from __future__ import annotations

from notionhub.errors import ConfigurationError
from notionhub.hubdb.database_url import check_hub_database
from notionhub.settings import Settings


def check_hub_start(settings: Settings) -> None:
    """``serve``'s checks: the hub database can be opened, real Notion has a parent page."""
    check_hub_database(settings)
    check_notion_parent(settings)


def check_notion_parent(settings: Settings) -> None:
    """With ``NOTION_TOKEN`` (real Notion), the packs' databases need a parent page."""
    if settings.notion_token is not None and not settings.notion_parent_page_id:
        raise ConfigurationError(
            "NOTION_PARENT_PAGE_ID is not set: with NOTION_TOKEN, notionhub creates its databases"
            " under that page (the id of a page shared with the integration)."
        )
