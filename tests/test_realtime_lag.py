"""A subscriber that falls behind is told to resubscribe from its cursor, and loses nothing."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from typing import Any

from domain.roles import Actor, Role
from persistence.repositories.events import EventBatch, StreamLog, append_events
from realtime import channels
from realtime.broadcast import make_broadcast
from realtime.hub import StreamHub
from realtime.publisher import Publisher
from resolvers.attendance.subscriptions import encode_cursor
from resolvers.context import RequestContext
from schema.build import build_schema
from tests.factories import build_world
from tests.realtime_support import subscription


async def append(services: Any, publisher: Publisher, stream: str, n: int) -> None:
    batch = EventBatch()
    async with services.sessions.begin() as session:
        for _ in range(n):
            await append_events(session, batch, [stream], kind="checked_in", subject_id=None)
    await publisher.publish(batch)


async def test_a_lagging_subscription_ends_with_resubscribe_and_resumes_without_loss(services):
    world = await build_world(services.sessions)
    stream = channels.classroom_attendance(world.room_a.id)
    schema = build_schema()
    query = subscription("attendanceChanged", "cursor")
    async with make_broadcast(None) as broadcast:
        hub = StreamHub(broadcast, StreamLog(services.sessions), queue_size=2, max_stall=4)
        publisher = Publisher(broadcast)
        own = dataclasses.replace(services, hub=hub, publisher=publisher)
        context = RequestContext(services=own, actor=Actor(uuid.uuid4(), Role.WARD_ADMIN))

        variables = {"id": str(world.room_a.id), "after": encode_cursor(stream, 0)}
        slow = await schema.subscribe(query, variables, context_value=context)
        await append(services, publisher, stream, 1)
        first = await anext(slow)  # type: ignore[arg-type]
        async with hub.follow(stream, None) as fast:  # fed in the same loop as the slow one
            for seq in range(2, 8):  # the slow one takes nothing now
                await append(services, publisher, stream, 1)
                async with asyncio.timeout(10):
                    assert (await anext(fast)).seq == seq
        lagged = await anext(slow)  # type: ignore[arg-type]

        resumed = await schema.subscribe(
            query,
            {**variables, "after": lagged.errors[0].extensions["cursor"]},
            context_value=context,
        )
        async with asyncio.timeout(10):
            rest = [await anext(resumed) for _ in range(6)]  # type: ignore[arg-type]
        await resumed.aclose()  # type: ignore[union-attr]
        await slow.aclose()  # type: ignore[union-attr]
        await hub.close()

    assert first.data == {"attendanceChanged": {"cursor": encode_cursor(stream, 1)}}
    assert lagged.data is None
    assert [(e.message, e.extensions) for e in lagged.errors] == [
        (
            "This subscription fell behind; subscribe again with after = cursor",
            {"code": "RESUBSCRIBE", "cursor": encode_cursor(stream, 1)},
        )
    ]
    assert [r.data["attendanceChanged"]["cursor"] for r in rest] == [
        encode_cursor(stream, seq) for seq in range(2, 8)
    ]
