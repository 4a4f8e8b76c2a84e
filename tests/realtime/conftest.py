"""Throwaway redis-server fixtures: the broadcast tests kill and restart their own Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.services import RedisServer, started_redis


@pytest_asyncio.fixture(scope="session")
async def redis_server() -> AsyncIterator[RedisServer]:
    """Shared by tests that leave the server running."""
    server = await started_redis()
    yield server
    await server.kill()


@pytest_asyncio.fixture
async def own_redis_server() -> AsyncIterator[RedisServer]:
    """For a test that kills Redis: nobody else sees the outage."""
    server = await started_redis()
    yield server
    await server.kill()
