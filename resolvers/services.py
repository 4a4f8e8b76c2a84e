"""What resolvers may use from the outside world, built by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hoiku.security import TokenIssuer


class Clock(Protocol):
    def __call__(self) -> datetime: ...


@dataclass
class Services:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    tokens: TokenIssuer
    clock: Clock
    refresh_token_days: int = 30
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    production: bool = False
    # How long a process trusts a cached token generation; signed-in sockets re-check
    # their token this often too.
    token_check_seconds: float = 5.0
    # An autocommit engine (its own small pool) for single-statement reads.
    reads: AsyncEngine | None = None
    extras: dict[str, Any] = field(default_factory=dict)
