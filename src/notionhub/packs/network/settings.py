"""The network pack's settings: ``NETWORK_*`` variables (environment or ``.env``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class NetworkSettings(BaseSettings):
    """The optional HubSpot sync of captured leads."""

    model_config = SettingsConfigDict(env_prefix="NETWORK_", env_file=".env", extra="ignore")

    hubspot_sync: bool = Field(
        default=False,
        description="Also upsert every captured lead as a HubSpot contact (needs the token).",
    )
    hubspot_token: SecretStr | None = Field(
        default=None,
        description="HubSpot private app access token (scope crm.objects.contacts.write).",
    )
    hubspot_base_url: str = Field(
        default="https://api.hubapi.com", description="HubSpot's API (a local fake in tests)."
    )
    hubspot_lead_source_property: str | None = Field(
        default=None,
        description="A custom HubSpot contact property (create it first) for the lead source.",
    )
    hubspot_tags_property: str | None = Field(
        default=None,
        description="A custom multi-checkbox HubSpot contact property for the contact's tags.",
    )
