"""The coaching pack's settings: ``COACHING_*`` variables (environment or ``.env``)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class CoachingSettings(BaseSettings):
    """How the coaching pack counts attendance and months."""

    model_config = SettingsConfigDict(env_prefix="COACHING_", env_file=".env", extra="ignore")

    attendance_minutes: float = Field(
        default=5.0,
        ge=0,
        description="Minutes in the Zoom meeting after which a coaching client counts as present.",
    )
    time_zone: str = Field(
        default="UTC",
        description="IANA time zone of the coach's days and months (Revenue This Month …).",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Paris)") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)
