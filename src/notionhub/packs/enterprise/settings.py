"""The enterprise pack's settings: ``ENTERPRISE_*`` variables (environment or ``.env``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EnterpriseSettings(BaseSettings):
    """Thresholds of alerts, the pace of writes to Notion and where clients are notified."""

    model_config = SettingsConfigDict(env_prefix="ENTERPRISE_", env_file=".env", extra="ignore")

    performance_threshold: float = Field(
        default=0.80, ge=0, le=1, description="An agent scoring below this raises an alert."
    )
    resource_threshold: float = Field(
        default=0.90, ge=0, le=1, description="CPU or memory above this raises an alert."
    )
    alert_margin: float = Field(
        default=0.02,
        ge=0,
        le=0.5,
        description="An open performance or resource alert resolves once the figure is this"
        " far on the good side of its threshold (no alert per heartbeat at the threshold).",
    )
    heartbeat_timeout_seconds: float = Field(
        default=120,
        gt=0,
        description="An agent silent this long is marked Error (agents beat every 30 s).",
    )
    write_interval_seconds: float = Field(
        default=60,
        ge=0,
        description="At most one write of an agent's Notion page per this many seconds.",
    )
    activity_refresh_seconds: float = Field(
        default=900,
        gt=0,
        description="Last Activity is refreshed this often when nothing else changed.",
    )
    performance_step: float = Field(
        default=0.05,
        gt=0,
        le=1,
        description="A performance change at least this large is significant (written).",
    )
    notify_url: str | None = Field(
        default=None,
        description="Where client notifications are POSTed (JSON); unset: they wait in the"
        " outbox (GET /api/enterprise/outbox).",
    )
