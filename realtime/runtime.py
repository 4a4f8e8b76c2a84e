"""The realtime layer of one server process, built and torn down by the ASGI lifespan."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from realtime.broadcast import Broadcast, make_broadcast
from realtime.hub import EventLog, StreamHub
from realtime.publisher import Publisher
from realtime.sessions import SessionWatch


@dataclass(frozen=True)
class Realtime:
    broadcast: Broadcast
    hub: StreamHub
    publisher: Publisher
    sessions: SessionWatch


@contextlib.asynccontextmanager
async def running_realtime(
    redis_url: str | None,
    log: EventLog,
    *,
    on_session_revoked: Callable[[uuid.UUID], None] | None = None,
) -> AsyncIterator[Realtime]:
    """Redis fan-out when ``redis_url`` is set, this process only when it is None.

    ``log`` serves the hub's reads of the event log (best on an autocommit engine);
    ``on_session_revoked`` hears each account whose sessions any process revoked.
    """
    hub: StreamHub | None = None

    async def on_reconnect(channels: set[str]) -> None:
        if hub is not None:
            await hub.catch_up(channels)

    broadcast = make_broadcast(redis_url, on_reconnect=on_reconnect)
    hub = StreamHub(broadcast, log)
    await broadcast.connect()
    publisher = Publisher(broadcast)
    sessions = SessionWatch(broadcast, on_revoked=on_session_revoked)
    await sessions.start()
    try:
        yield Realtime(broadcast, hub, publisher, sessions)
    finally:
        await sessions.stop()
        await publisher.drain()
        await hub.close()
        await broadcast.disconnect()
