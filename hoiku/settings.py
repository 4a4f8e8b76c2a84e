"""Settings, read once from ``HOIKU_*`` environment variables into one typed object."""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    # Request limits: each bounds the work one request can cause before it costs much.
    max_body_bytes: int = Field(
        default=1_000_000, ge=1, description="Largest HTTP request body; larger ones get 413."
    )
    max_document_chars: int = Field(
        default=20_000, ge=1, description="Longest GraphQL document, comments included."
    )
    max_tokens: int = Field(default=4000, ge=1, description="Most lexical tokens in a document.")
    max_selections: int = Field(
        default=200,
        ge=1,
        description="Most field selections and fragment spreads in a document, counted "
        "before validation (graphql-core's validation is quadratic in repeated fields).",
    )
    anonymous_max_document_chars: int = Field(
        default=4_000,
        ge=1,
        description="Longest document from a requester without a valid token (signing in "
        "and GraphiQL's introspection, 1.6 KB, are all it needs).",
    )
    anonymous_max_tokens: int = Field(
        default=600, ge=1, description="Most lexical tokens in an anonymous document."
    )
    anonymous_max_selections: int = Field(
        default=150,
        ge=1,
        description="Most field selections in an anonymous document (introspection: 80).",
    )
    max_field_repeats: int = Field(
        default=10,
        ge=1,
        description="Most fields under one response key in one selection set, fragments "
        "merged in (graphql-core compares every pair of them).",
    )
    max_query_cost: int = Field(
        default=20_000, ge=1, description="Most cost units one operation may ask for."
    )
    query_cost_limits: dict[str, int] = Field(
        default_factory=lambda: {"anonymous": 1_000, "guardian": 5_000, "kiosk": 5_000},
        description="Per-role cost limits (JSON: role or 'anonymous' → units); a role "
        "not listed gets max_query_cost.",
    )
    query_cost_list_size: int = Field(
        default=20, ge=1, description="Assumed length of a list without a `first` argument."
    )
    statement_timeout_ms: int = Field(
        default=10_000,
        ge=0,
        description="PostgreSQL statement_timeout on the API's connections; 0 disables. "
        "Migrations, seeding and CLI jobs have none.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For is believed; none by default.",
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

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
