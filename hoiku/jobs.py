"""One-shot jobs for the CLI (cron), sharing the services the server uses."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from hoiku.security import TokenIssuer
from hoiku.settings import Settings
from persistence.crypto import configure_keyring
from persistence.db import make_engine, make_sessionmaker
from persistence.repositories.events import StreamLog
from realtime.runtime import running_realtime
from resolvers.attendance.alerts import run_due_missing_arrival_alerts
from resolvers.services import Services


@contextlib.asynccontextmanager
async def job_services(settings: Settings, database_url: str) -> AsyncIterator[Services]:
    """Services for a short job; with Redis configured, its events reach live subscribers."""
    configure_keyring(settings.data_key)
    engine = make_engine(database_url, pool_size=2)
    services = Services(
        engine=engine,
        sessions=make_sessionmaker(engine),
        tokens=TokenIssuer(settings.secret_key, timedelta(minutes=settings.access_token_minutes)),
        clock=lambda: datetime.now(UTC),
    )
    try:
        if settings.redis_url:
            async with running_realtime(
                settings.redis_url, StreamLog(services.sessions)
            ) as realtime:
                services.publisher = realtime.publisher
                yield services
        else:
            yield services
    finally:
        await engine.dispose()


async def missing_arrival_alerts(settings: Settings, database_url: str) -> dict[uuid.UUID, int]:
    async with job_services(settings, database_url) as services:
        return await run_due_missing_arrival_alerts(services)
