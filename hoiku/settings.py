"""Settings, read once from ``HOIKU_*`` environment variables into one typed object."""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development defaults. Production refuses to start with either of them.
DEFAULT_SECRET_KEY = "hoiku-development-secret-key-change-me-in-production"
DEFAULT_DATA_KEY = "k1:" + base64.b64encode(b"hoiku-development-data-key-32byt").decode()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOIKU_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL; unset starts the embedded server under data_dir.",
    )
    redis_url: str | None = Field(
        default=None, description="Redis URL for cross-process fan-out; unset = in-process."
    )
    host: str = "127.0.0.1"
    port: int = 8000
    env: Literal["development", "production"] = "development"
    secret_key: str = DEFAULT_SECRET_KEY
    data_key: str = Field(
        default=DEFAULT_DATA_KEY,
        description="Encryption keys for special-care items: 'kid:base64key[,kid:key…]', "
        "the first one encrypts, all of them decrypt.",
    )
    data_dir: Path = Path(".var")
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    token_check_seconds: float = Field(
        default=5.0,
        gt=0,
        description="How long a process trusts a cached token generation; signed-in "
        "WebSockets re-check their token this often.",
    )
    ws_max_subscriptions: int = Field(default=20, ge=1, description="Operations per WebSocket.")
    ws_init_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Wait for connection_init before closing 4408."
    )
    workers: int = 1

    @model_validator(mode="after")
    def _refuse_default_secrets_in_production(self) -> Settings:
        if self.env == "production":
            if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
                raise ValueError("HOIKU_SECRET_KEY must be set to a 32+ character secret")
            if self.data_key == DEFAULT_DATA_KEY:
                raise ValueError("HOIKU_DATA_KEY must be set in production")
        return self

    @property
    def is_production(self) -> bool:
        return self.env == "production"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
