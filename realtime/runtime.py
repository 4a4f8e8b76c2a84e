"""The realtime layer of one server process, built and torn down by the ASGI lifespan."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from realtime.broadcast import Broadcast, make_broadcast
from realtime.hub import StreamHub
from realtime.publisher import Publisher


@dataclass(frozen=True)
class Realtime:
    broadcast: Broadcast
    hub: StreamHub
    publisher: Publisher


@contextlib.asynccontextmanager
async def running_realtime(
    redis_url: str | None, reads: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Realtime]:
    """Redis fan-out when ``redis_url`` is set, this process only when it is None.

    ``reads`` serves the hub's single-statement reads (best an autocommit engine).
    """
    hub: StreamHub | None = None

    async def on_reconnect(channels: set[str]) -> None:
        if hub is not None:
            await hub.catch_up(channels)

    broadcast = make_broadcast(redis_url, on_reconnect=on_reconnect)
    hub = StreamHub(broadcast, reads)
    await broadcast.connect()
    publisher = Publisher(broadcast)
    try:
        yield Realtime(broadcast, hub, publisher)
    finally:
        await publisher.drain()
        await hub.close()
        await broadcast.disconnect()
