"""Shared fixtures: one fresh PostgreSQL database per test run, real connections.

The run's database is created from ``HOIKU_TEST_ADMIN_URL`` (default: the
machine's PostgreSQL) and dropped afterwards, so runs never see each other's
data. Outside CI a missing server skips the tests that need it; with CI=true
it fails them.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from hoiku.app import create_app
from hoiku.security import TokenIssuer
from hoiku.settings import DEFAULT_DATA_KEY
from persistence.crypto import configure_keyring
from persistence.db import make_engine, make_sessionmaker
from persistence.migrate import upgrade
from resolvers.services import Services
from tests.services import ADMIN_URL, unavailable
from tests.support import GraphQLClient, MutableClock


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    name = f"hoiku_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(ADMIN_URL)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    try:
        asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as error:
        unavailable("PostgreSQL", str(error))
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def clock() -> MutableClock:
    return MutableClock(datetime.now(UTC))


@pytest.fixture(scope="session")
async def services(database_url: str, clock: MutableClock) -> AsyncIterator[Services]:
    configure_keyring(DEFAULT_DATA_KEY)
    engine = make_engine(database_url, pool_size=5)
    reads = make_engine(database_url, pool_size=3, autocommit=True)
    yield Services(
        engine=engine,
        sessions=make_sessionmaker(engine),
        reads=reads,
        tokens=TokenIssuer("test-secret-key-that-is-long-enough-for-hs256", timedelta(minutes=15)),
        clock=clock,
        login_max_failures=5,
        login_lock_minutes=15,
    )
    await engine.dispose()
    await reads.dispose()


@pytest.fixture(scope="session")
async def api(services: Services) -> AsyncIterator[GraphQLClient]:
    app = create_app(services=services)
    app.state.services = services
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hoiku.test") as http:
        yield GraphQLClient(http)
