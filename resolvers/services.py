"""What resolvers may use from the outside world, built by the composition root."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from hoiku.security import TokenIssuer
from persistence.db import Engine, Sessions
from persistence.unit_of_work import Publisher
from realtime.hub import StreamHub
from realtime.sessions import SessionWatch


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class GenerationCache:
    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._entries: dict[uuid.UUID, tuple[float, int | None]] = {}

    def get(self, account_id: uuid.UUID) -> tuple[bool, int | None]:
        entry = self._entries.get(account_id)
        if entry is None or time.monotonic() - entry[0] > self._seconds:
            return False, None
        return True, entry[1]

    def put(self, account_id: uuid.UUID, generation: int | None) -> None:
        self._entries[account_id] = (time.monotonic(), generation)

    def forget(self, account_id: uuid.UUID) -> None:
        self._entries.pop(account_id, None)


@dataclass
class Services:
    engine: Engine
    sessions: Sessions
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
    reads: Engine | None = None
    # Set by the lifespan while the realtime layer runs (None: no live subscribers; a
    # subscriber then catches up from the database by cursor).
    hub: StreamHub | None = None
    publisher: Publisher | None = None
    session_watch: SessionWatch | None = None
    # Each account's token generation as this process last read it.
    generations: GenerationCache = field(init=False)

    def __post_init__(self) -> None:
        self.generations = GenerationCache(self.token_check_seconds)
