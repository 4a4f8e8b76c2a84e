"""Two uvicorn processes sharing Redis: subscribers on one, stamps through the other.

Every subscriber must receive exactly the stream the database holds, once each and in
order, also when Redis is killed and restarted in the middle of a run of stamps.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from sqlalchemy import select

from persistence.models import StreamEventRow
from realtime import channels
from resolvers.attendance.subscriptions import encode_cursor
from resolvers.services import Services
from tests.factories import PASSWORD, World, build_world
from tests.realtime_support import (
    GraphQLWS,
    Operation,
    http_call,
    login,
    servers,
    subscription,
    ws_url,
)
from tests.services import RedisServer, started_redis

CHECK_IN = "mutation($id: ID!) { checkIn(childId: $id) { stamp { id } } }"
CHECK_OUT = "mutation($id: ID!) { checkOut(childId: $id) { stamp { id } } }"
EVENT = "cursor kind child { id }"


@pytest_asyncio.fixture
async def redis() -> AsyncIterator[RedisServer]:
    server = await started_redis()  # each test its own: one of them kills it
    yield server
    await server.kill()


async def stream_rows(services: Services, stream: str) -> list[tuple[int, str]]:
    async with services.sessions() as session:
        rows = await session.execute(
            select(StreamEventRow.seq, StreamEventRow.kind)
            .where(StreamEventRow.stream == stream)
            .order_by(StreamEventRow.seq)
        )
        return [(seq, kind) for seq, kind in rows]


def as_rows(events: list[dict[str, Any]]) -> list[tuple[int, str]]:
    seqs = [int(base64.urlsafe_b64decode(e["cursor"]).decode().split(":")[0]) for e in events]
    return [(seq, e["kind"].lower()) for seq, e in zip(seqs, events, strict=True)]


class Tablet:
    """A subscriber on one server, following one stream from its start."""

    def __init__(self, field: str, key: str, stream: str) -> None:
        self.field, self.key, self.stream = field, key, stream
        self.op: Operation | None = None
        self.received: list[dict[str, Any]] = []

    async def subscribe(self, ws: GraphQLWS) -> None:
        variables = {"id": self.key, "after": encode_cursor(self.stream, 0)}
        self.op = await ws.subscribe(subscription(self.field, EVENT), variables)

    async def receive_all(self, services: Services, *, within: float = 30) -> None:
        """Until it has as many events as the stream holds now."""
        assert self.op is not None
        expected = len(await stream_rows(services, self.stream))
        while len(self.received) < expected:
            payload = await self.op.payload(within)
            self.received.append(payload["data"][self.field])

    async def assert_complete(self, services: Services) -> None:
        await self.receive_all(services)
        assert as_rows(self.received) == await stream_rows(services, self.stream)
        assert self.op is not None
        assert self.op.messages.empty()  # nothing beyond the stream: no duplicate


def tablets_for(world: World) -> list[Tablet]:
    room, child = world.room_a, world.family.child
    return [
        Tablet("attendanceChanged", str(room.id), channels.classroom_attendance(room.id)),
        Tablet("childAttendanceChanged", str(child.id), channels.child_attendance(child.id)),
        Tablet("alertRaised", str(world.facility.id), channels.facility_alerts(world.facility.id)),
    ]


@contextlib.asynccontextmanager
async def subscribed(
    base_url: str, token: str, tablets: list[Tablet]
) -> AsyncIterator[list[GraphQLWS]]:
    """Each tablet on a connection of its own to ``base_url``."""
    async with contextlib.AsyncExitStack() as stack:
        connections = []
        for tablet in tablets:
            ws = await stack.enter_async_context(GraphQLWS.connect(ws_url(base_url), token))
            await tablet.subscribe(ws)
            connections.append(ws)
        yield connections


async def stamps(base_url: str, token: str, children: list[Any], rounds: int) -> None:
    """Check ``children`` in and out, ``rounds`` times, through ``base_url``."""
    for _ in range(rounds):
        for mutation in (CHECK_IN, CHECK_OUT):
            for child in children:
                body = await http_call(base_url, mutation, {"id": str(child.id)}, token=token)
                assert "errors" not in body, body


async def test_subscribers_on_one_process_see_stamps_made_through_another(
    services, database_url, redis
):
    world = await build_world(services.sessions, per_room=3)
    children = [family.child for family in world.families_a]
    with servers(database_url, redis.url, 2) as (subscribers_server, stamping_server):
        director = await login(stamping_server, world.logins["director"], PASSWORD)
        on_subscribers = tablets_for(world)
        on_stamping = tablets_for(world)
        async with (
            subscribed(subscribers_server, director, on_subscribers),
            subscribed(stamping_server, director, on_stamping),
        ):
            await stamps(stamping_server, director, children, rounds=1)
            for tablet in on_subscribers:  # all of it live by now
                await tablet.receive_all(services)
            # Concurrent stamps on one class through both processes: distinct, ordered cursors.
            await asyncio.gather(
                stamps(stamping_server, director, children[:2], rounds=2),
                stamps(subscribers_server, director, children[2:], rounds=2),
            )
            for tablet in [*on_subscribers, *on_stamping]:
                await tablet.assert_complete(services)
    assert len(on_subscribers[0].received) >= 18  # 3 children × 3 rounds × in and out


async def test_a_redis_restart_mid_stream_loses_and_repeats_nothing(services, database_url, redis):
    world = await build_world(services.sessions, per_room=3)
    children = [family.child for family in world.families_a]
    with servers(database_url, redis.url, 2) as (subscribers_server, stamping_server):
        director = await login(stamping_server, world.logins["director"], PASSWORD)
        tablets = tablets_for(world)
        async with subscribed(subscribers_server, director, tablets):
            await stamps(stamping_server, director, children, rounds=1)
            for tablet in tablets:
                await tablet.receive_all(services)
            await redis.kill()
            await stamps(stamping_server, director, children, rounds=1)  # not announced
            await redis.start()  # same port: both processes reconnect and catch up
            for tablet in tablets:  # nothing new announced: only the catch-up brings these
                await tablet.receive_all(services)
            await stamps(stamping_server, director, children, rounds=1)
            for tablet in tablets:
                await tablet.assert_complete(services)
    assert len(tablets[0].received) >= 18
