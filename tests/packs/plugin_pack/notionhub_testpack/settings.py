"""The test pack's own settings: TESTPACK_* variables."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CourierSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TESTPACK_", extra="ignore")

    courier_url: str = Field(default="https://courier.invalid", description="The courier's API.")
    retry_seconds: float = Field(
        default=1.0, gt=0, description="First wait between two tries of a courier call."
    )
