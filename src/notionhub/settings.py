"""The one typed settings class: environment variables and ``.env``, nothing else."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from dotenv import dotenv_values
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from notionhub.localnotion.tokens import DEFAULT_TOKEN

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
    notionhub_public_url: str | None = Field(
        default=None,
        description="The hub's address as providers reach it (https://hub.example.com);"
        " `notionhub doctor` prints the webhook URLs under it.",
    )
    server_port: int = Field(default=8000, ge=1, le=65535, description="Port of `notionhub serve`.")
    # What one HTTP client may cost `serve` and `notion-server` (web/server.py, docs/limits.md).
    server_max_header_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="Request line and headers of one request, in bytes; beyond: 431 and closed.",
    )
    server_max_header_line_bytes: int = Field(
        default=16 * 1024,
        ge=256,
        description="One header line (or the request line), in bytes; beyond: 431 (414).",
    )
    server_max_headers: int = Field(
        default=100, ge=1, description="Header fields of one request; beyond: 431 and closed."
    )
    server_header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="A request head must arrive whole within this time; beyond: 408 and closed.",
    )
    server_body_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Longest silence while a request body is read; beyond: 408 and closed.",
    )
    server_max_connections: int = Field(
        default=1000, ge=1, description="Connections open at once; a request beyond gets 503."
    )
    server_keep_alive_seconds: float = Field(
        default=5.0, gt=0, description="An idle keep-alive connection is closed after this."
    )
    local_notion_token: SecretStr = Field(
        default=SecretStr(DEFAULT_TOKEN), description="Token accepted by the local Notion server."
    )
    local_notion_person_token: SecretStr | None = Field(
        default=None,
        description="Token the local Notion server accepts as its person (not the integration).",
    )
    local_notion_allow_remote: bool = Field(
        default=False,
        description="The embedded local Notion (/notion/v1, /notion/_admin) answers other"
        " machines too; default: this machine only (docs/first-hour-safety.md).",
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
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="debug, info, warning or error."
    )
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
    # How long a request may wait for the hub database (docs/database-unavailable.md).
    hub_db_busy_timeout_seconds: float = Field(
        default=3.0,
        ge=0,
        description="A webhook waits at most this long for the hub database's write lock (SQLite)"
        " or a table lock (PostgreSQL), then gets 503 with Retry-After; background work waits"
        " longer.",
    )
    health_check_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        description="Each check of /health/ready (database, queue, notion) answers within this.",
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

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The .env in force is chosen at each read (dotenv_file), not when the class is made.
        dotenv = DotEnvSettingsSource(settings_cls, env_file=dotenv_file())
        return init_settings, env_settings, dotenv, file_secret_settings

    @field_validator("notion_base_url")
    @classmethod
    def _notion_base_url_is_http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("should start with http:// or https://")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level_any_case(cls, value: object) -> object:
        # LOG_LEVEL=INFO is as clear as info; anything else is refused naming the four.
        return value.strip().lower() if isinstance(value, str) else value

    def secret(self, env_name: str) -> str | None:
        """The value of the secret variable ``env_name`` (e.g. STRIPE_WEBHOOK_SECRET), or None."""
        if env_name.lower() not in type(self).model_fields:
            # A pack's own provider names a variable the hub has no field for: read it from the
            # same places as every field (the environment wins over ``.env``).
            return _environment().get(env_name) or None
        value = getattr(self, env_name.lower(), None)
        if not isinstance(value, SecretStr) or not value.get_secret_value():
            return None
        return value.get_secret_value()

    def pack_notion_token(self, pack: str) -> SecretStr | None:
        """``NOTION_TOKEN_<PACK>``: the integration token ``pack`` writes with (its own
        workspace and Notion budget), or None: the deployment's token.

        Read like ``NOTION_<NAME>_DB``: the names come from the packs, not from fields here.
        """
        value = _pack_value("NOTION_TOKEN", pack)
        return SecretStr(value) if value else None

    @property
    def pack_names(self) -> list[str]:
        """NOTIONHUB_PACKS as names, each once, in order (blank entries dropped)."""
        names = (name.strip() for name in self.notionhub_packs.split(","))
        return list(dict.fromkeys(name for name in names if name))

    def pack_notion_tokens(self) -> list[str]:
        """The tokens of their own that the packs of NOTIONHUB_PACKS have, each once."""
        tokens = (self.pack_notion_token(pack) for pack in self.pack_names)
        return list(dict.fromkeys(token.get_secret_value() for token in tokens if token))

    def pack_parent_page_id(self, pack: str) -> str | None:
        """``NOTION_PARENT_PAGE_ID_<PACK>``: where ``pack``'s databases are created, or None."""
        return _pack_value("NOTION_PARENT_PAGE_ID", pack)

    def database_variables(self) -> dict[str, str]:
        """The ``NOTION_<NAME>_DB`` variables, from ``.env`` and the environment (which wins).

        Their names come from the packs' models, not from fields here, so they are read apart;
        from the same places as every field, so a ``.env`` line binds a database too.
        """
        found = _environment()
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


def pack_variable(prefix: str, pack: str) -> str:
    """A pack's own variable: ``NOTION_TOKEN`` and ``coaching`` → ``NOTION_TOKEN_COACHING``
    (anything but letters and digits in the pack's name becomes ``_``)."""
    return f"{prefix}_{re.sub(r'[^A-Z0-9]', '_', pack.upper())}"


def _pack_value(prefix: str, pack: str) -> str | None:
    """``pack``'s own ``<PREFIX>_<PACK>``, from ``.env`` and the environment; None when unset
    or blank."""
    return _environment().get(pack_variable(prefix, pack), "").strip() or None


def dotenv_file() -> Path:
    """The ``.env`` in force: the working directory's; failing that, ``$NOTIONHUB_HOME/.env``
    (so every command, run from any folder with NOTIONHUB_HOME set, reads what ``serve`` read)."""
    here = Path(DOTENV)
    home = os.environ.get("NOTIONHUB_HOME")
    if here.is_file() or not home:
        return here
    return Path(home) / DOTENV


def _environment() -> dict[str, str]:
    """``.env`` (``dotenv_file``) overlaid by the process environment."""
    dotenv = dotenv_file()
    found = {
        name: value
        for name, value in (dotenv_values(dotenv) if dotenv.is_file() else {}).items()
        if value is not None
    }
    found.update(os.environ)
    return found
