"""The one typed settings class: environment variables and ``.env``, nothing else."""

from __future__ import annotations

import os
import re
from pathlib import Path

from dotenv import dotenv_values
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from notionhub.localnotion.app import DEFAULT_TOKEN

DEFAULT_HOME = Path(".notionhub")
DEFAULT_NOTION_BASE_URL = "https://api.notion.com"
DOTENV = ".env"
# NOTION_<NAME>_DB: the Notion database a declared one is bound to (notion/provision.py).
_DATABASE_VARIABLE = re.compile(r"NOTION_[A-Z0-9_]+_DB")


class Settings(BaseSettings):
    """notionhub's configuration; every field is read from the environment (or ``.env``)."""

    model_config = SettingsConfigDict(env_file=DOTENV, extra="ignore")

    notion_token: SecretStr | None = Field(
        default=None,
        description="Integration token of the real Notion API; unset = embedded local server.",
    )
    notion_base_url: str = Field(
        default="https://api.notion.com", description="Base URL of the Notion API."
    )
    notion_parent_page_id: str | None = Field(
        default=None, description="Page under which databases are created."
    )
    notionhub_home: Path = Field(
        default=DEFAULT_HOME, description="Folder for the hub's own files."
    )
    database_url: str | None = Field(
        default=None, description="Hub database; default SQLite under NOTIONHUB_HOME."
    )
    notionhub_packs: str = Field(default="echo", description="Comma-separated packs to enable.")
    notion_requests_per_second: float | None = Field(
        default=None,
        description="Notion budget per token; default 3 for the real API, 50 for the local server.",
    )
    server_port: int = Field(default=8000, description="Port of `notionhub serve`.")
    local_notion_token: SecretStr = Field(
        default=SecretStr(DEFAULT_TOKEN), description="Token accepted by the local Notion server."
    )
    local_notion_person_token: SecretStr | None = Field(
        default=None,
        description="Token the local Notion server accepts as its person (not the integration).",
    )
    # A string, split by ``local_notion_webhooks``: pydantic-settings reads list fields as JSON.
    local_notion_webhook_urls: str = Field(
        default="", description="Comma-separated URLs the local Notion server sends webhooks to."
    )
    local_notion_webhook_aggregation_seconds: float = Field(
        default=1.0,
        ge=0,
        description="Local Notion merges one entity's events of a type within this window.",
    )
    log_level: str = Field(default="info", description="debug, info, warning or error.")
    worker_id: str = Field(
        default="local",
        description="Stable name of this worker; each worker sharing a DATABASE_URL needs its own.",
    )
    internal_api_key: SecretStr | None = Field(
        default=None, description="Bearer token of the coaching app's and the forms' endpoints."
    )
    notionhub_upkeep_seconds: float = Field(
        default=15.0,
        gt=0,
        description="How often, at most, packs recompute derived rows (dashboards) after events.",
    )
    notionhub_notion_webhooks: bool = Field(
        default=True,
        description="With the embedded local Notion: subscribe the hub to its webhooks (two-way"
        " within seconds); false = the polling fallback.",
    )
    notionhub_poll_seconds: float = Field(
        default=60.0,
        ge=0,
        description="Without a Notion webhook subscription: how often each database of the"
        " enabled packs is asked for pages edited since (one request per database); 0 = never.",
    )
    # One secret per provider; a provider whose secret is unset answers 503.
    stripe_webhook_secret: SecretStr | None = None
    calcom_webhook_secret: SecretStr | None = None
    zoom_webhook_secret_token: SecretStr | None = None
    typeform_webhook_secret: SecretStr | None = None
    woocommerce_webhook_secret: SecretStr | None = None
    hubspot_client_secret: SecretStr | None = None
    amelia_webhook_secret: SecretStr | None = None
    beehiiv_webhook_secret: SecretStr | None = None
    circle_webhook_secret: SecretStr | None = None
    notion_webhook_verification_token: SecretStr | None = None

    def secret(self, env_name: str) -> str | None:
        """The value of the secret variable ``env_name`` (e.g. STRIPE_WEBHOOK_SECRET), or None."""
        value = getattr(self, env_name.lower(), None)
        if not isinstance(value, SecretStr) or not value.get_secret_value():
            return None
        return value.get_secret_value()

    def database_variables(self) -> dict[str, str]:
        """The ``NOTION_<NAME>_DB`` variables, from ``.env`` and the environment (which wins).

        Their names come from the packs' models, not from fields here, so they are read apart;
        from the same places as every field, so a ``.env`` line binds a database too.
        """
        found = {
            name: value
            for name, value in (dotenv_values(DOTENV) if Path(DOTENV).is_file() else {}).items()
            if value is not None
        }
        found.update(os.environ)
        return {name: value for name, value in found.items() if _DATABASE_VARIABLE.fullmatch(name)}

    @property
    def uses_local_notion(self) -> bool:
        return self.notion_token is None

    @property
    def local_notion_dir(self) -> Path:
        return self.notionhub_home / "notion"

    @property
    def local_notion_webhooks(self) -> tuple[str, ...]:
        """``LOCAL_NOTION_WEBHOOK_URLS`` as URLs (blank entries dropped)."""
        return tuple(
            url.strip() for url in self.local_notion_webhook_urls.split(",") if url.strip()
        )

    @property
    def embeds_local_notion(self) -> bool:
        """No token and no base URL of our own: the local server runs in-process."""
        return self.notion_token is None and self.notion_base_url == DEFAULT_NOTION_BASE_URL

    @property
    def hub_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.notionhub_home / 'hub.sqlite3').as_posix()}"
