"""The stream hub against real PostgreSQL and Redis: gapless, resumable, shared, bounded."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import event

from persistence.db import make_engine, make_sessionmaker
from persistence.models import StreamEventRow
from persistence.repositories.events import EventBatch, StreamLog, append_events, events_after
from realtime.broadcast import Broadcast, RedisPubSubBackend, Subscriber
from realtime.channels import channel_of
from realtime.hub import FollowerLagged, StreamHub
from realtime.publisher import Publisher, notification
from realtime.runtime import running_realtime
from tests.services import RedisServer, started_redis


class CountingBroadcast(Broadcast):
    """The real Broadcast, counting how many subscriptions this process opens."""

    subscriptions = 0

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscriber]:
        self.subscriptions += 1
        async with super().subscribe(channel) as subscriber:
            yield subscriber


@pytest_asyncio.fixture(scope="module")
async def redis() -> AsyncIterator[RedisServer]:
    server = await started_redis()
    yield server
    await server.kill()


@pytest_asyncio.fixture
async def stream_reads(database_url: str) -> AsyncIterator[tuple[Any, list[str]]]:
    """A sessionmaker whose reads of ``stream_event`` are recorded."""
    engine = make_engine(database_url, pool_size=5)
    reads: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM stream_event" in statement:
            reads.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    yield make_sessionmaker(engine), reads
    await engine.dispose()


@contextlib.asynccontextmanager
async def hub_on(url: str, sessions: Any, **options: Any) -> AsyncIterator[tuple[StreamHub, Any]]:
    hub: StreamHub | None = None

    async def on_reconnect(channels: set[str]) -> None:
        assert hub is not None
        await hub.catch_up(channels)

    broadcast = CountingBroadcast(RedisPubSubBackend(url, on_reconnect=on_reconnect))
    hub = StreamHub(broadcast, StreamLog(sessions), **options)
    async with broadcast:
        try:
            yield hub, broadcast
        finally:
            await hub.close()


def new_stream() -> str:
    return f"test:{uuid.uuid4().hex}"


async def append(services: Any, publisher: Publisher | None, stream: str, n: int = 1) -> None:
    """``n`` events in one transaction, published after it commits."""
    batch = EventBatch()
    async with services.sessions.begin() as session:
        for _ in range(n):
            await append_events(session, batch, [stream], kind="checked_in", subject_id=None)
    if publisher is not None:
        await publisher.publish(batch)


async def collect(
    events: AsyncIterator[StreamEventRow], count: int, within: float = 10
) -> list[int]:
    seqs: list[int] = []
    async with asyncio.timeout(within):
        async for row in events:
            seqs.append(row.seq)
            if len(seqs) == count:
                return seqs
    return seqs


async def follow_until(hub: StreamHub, stream: str, after: int | None, count: int) -> list[int]:
    async with hub.follow(stream, after) as events:
        return await collect(events, count)


async def test_many_local_followers_share_one_subscription_and_read_nothing_per_event(
    services, redis, stream_reads
):
    sessions, reads = stream_reads
    stream = new_stream()
    async with (
        hub_on(redis.url, sessions) as (hub, broadcast),
        running_realtime(redis.url, StreamLog(services.sessions)) as writer,
        contextlib.AsyncExitStack() as stack,
    ):
        followers = [await stack.enter_async_context(hub.follow(stream, None)) for _ in range(20)]
        reads.clear()
        for _ in range(5):  # one commit at a time, each awaited by every follower
            await append(services, writer.publisher, stream)
            seqs = await asyncio.gather(*(collect(f, 1) for f in followers))
        assert seqs == [[5]] * 20
        assert broadcast.subscriptions == 1
        assert hub.streams == 1
        assert reads == []  # each message carried its event, the next one every time
    assert hub.streams == 0


async def test_an_event_taken_from_its_message_equals_the_stored_row(services, redis, stream_reads):
    sessions, reads = stream_reads
    stream, child = new_stream(), uuid.uuid4()
    async with (
        hub_on(redis.url, sessions) as (hub, _),
        running_realtime(redis.url, StreamLog(services.sessions)) as writer,
        hub.follow(stream, None) as events,
    ):
        batch = EventBatch()
        async with services.sessions.begin() as session:
            await append_events(
                session,
                batch,
                [stream],
                kind="checked_in",
                subject_id=child,
                payload={"child_id": str(child)},
            )
        reads.clear()
        await writer.publisher.publish(batch)
        async with asyncio.timeout(10):
            live = await anext(aiter(events))
        assert reads == []
    async with services.sessions() as session:
        [stored] = await events_after(session, stream, 0)
    expected = (stream, 1, "checked_in", child, {"child_id": str(child)}, stored.created_at)
    assert attributes(live) == attributes(stored) == expected


def attributes(row: Any) -> tuple[Any, ...]:
    """What a subscription reads of an event."""
    return (row.stream, row.seq, row.kind, row.subject_id, row.payload, row.created_at)


async def test_a_message_after_a_gap_reads_the_stream_and_delivers_every_event_in_order(
    services, redis, stream_reads
):
    sessions, reads = stream_reads
    stream = new_stream()
    async with (
        hub_on(redis.url, sessions) as (hub, _),
        running_realtime(redis.url, StreamLog(services.sessions)) as writer,
        hub.follow(stream, None) as events,
    ):
        batch = EventBatch()
        async with services.sessions.begin() as session:
            for _ in range(3):
                await append_events(session, batch, [stream], kind="checked_in", subject_id=None)
        reads.clear()
        await writer.publisher.publish(EventBatch(batch.events[2:]))  # 1 and 2 never announced
        assert await collect(events, 3) == [1, 2, 3]
        assert len(reads) == 1


async def test_a_version_1_hint_still_delivers_the_events_from_the_database(
    services, redis, stream_reads
):
    sessions, reads = stream_reads
    stream = new_stream()
    async with (
        hub_on(redis.url, sessions) as (hub, broadcast),
        hub.follow(stream, None) as events,
    ):
        await append(services, None, stream, n=2)
        reads.clear()
        hint = f'{{"v":1,"stream":"{stream}","seq":2,"kind":"checked_in"}}'
        await broadcast.publish(channel_of(stream), hint)
        assert await collect(events, 2) == [1, 2]
        assert len(reads) == 1


async def test_concurrent_writers_are_followed_in_commit_order_without_gaps(services, redis):
    stream = new_stream()
    async with (
        running_realtime(redis.url, StreamLog(services.sessions)) as rt,
        rt.hub.follow(stream, None) as live,
    ):
        await asyncio.gather(*(append(services, rt.publisher, stream) for _ in range(30)))
        assert await collect(live, 30) == list(range(1, 31))


async def test_resume_sends_missed_events_from_the_database_then_live_ones(services, redis):
    stream = new_stream()
    async with running_realtime(redis.url, StreamLog(services.sessions)) as rt:
        await append(services, rt.publisher, stream, n=7)  # nobody listening
        async with rt.hub.follow(stream, 3) as events:
            assert await collect(events, 4) == [4, 5, 6, 7]
            await append(services, rt.publisher, stream, n=2)
            assert await collect(events, 2) == [8, 9]


async def test_a_resume_reads_past_one_page_of_backlog(services, redis):
    stream = new_stream()
    async with running_realtime(redis.url, StreamLog(services.sessions)) as rt:
        await append(services, None, stream, n=1200)
        assert await follow_until(rt.hub, stream, 0, 1200) == list(range(1, 1201))


async def test_a_burst_bigger_than_the_queue_reaches_a_reading_follower_in_full(services, redis):
    stream = new_stream()
    async with (
        hub_on(redis.url, services.sessions, queue_size=4) as (hub, _),
        running_realtime(redis.url, StreamLog(services.sessions)) as writer,
        hub.follow(stream, None) as events,
    ):
        await append(services, writer.publisher, stream, n=50)  # one commit, one delivery
        await append(services, writer.publisher, stream)
        assert await collect(events, 51) == list(range(1, 52))


async def test_a_follower_that_stops_taking_events_ends_with_its_last_seq_and_resumes(
    services, redis
):
    stream = new_stream()
    async with (
        hub_on(redis.url, services.sessions, queue_size=2, max_stall=4) as (hub, _),
        running_realtime(redis.url, StreamLog(services.sessions)) as writer,
    ):
        async with hub.follow(stream, None) as slow, hub.follow(stream, None) as fast:
            await append(services, writer.publisher, stream, n=2)
            assert await collect(slow, 2) == await collect(fast, 2) == [1, 2]
            for seq in range(3, 9):  # the slow one takes nothing now; the fast one keeps up
                await append(services, writer.publisher, stream)
                assert await collect(fast, 1) == [seq]
            with pytest.raises(FollowerLagged) as lagged:
                await collect(slow, 1)
        assert lagged.value.last_seq == 2
        assert await follow_until(hub, stream, lagged.value.last_seq, 6) == list(range(3, 9))


async def test_a_lost_notification_is_made_good_by_the_next_one(services, redis):
    stream = new_stream()
    async with (
        running_realtime(redis.url, StreamLog(services.sessions)) as rt,
        rt.hub.follow(stream, None) as events,
    ):
        await append(services, None, stream, n=3)  # committed, never announced
        await append(services, rt.publisher, stream)
        assert await collect(events, 4) == [1, 2, 3, 4]


async def test_an_unknown_message_version_still_wakes_the_stream(services, redis):
    stream = new_stream()
    async with (
        running_realtime(redis.url, StreamLog(services.sessions)) as rt,
        rt.hub.follow(stream, None) as events,
    ):
        await append(services, None, stream, n=2)
        await rt.broadcast.publish(channel_of(stream), '{"v": 3, "what": "next"}')
        assert await collect(events, 2) == [1, 2]


async def test_a_malformed_version_2_message_still_wakes_the_stream(services, redis):
    stream = new_stream()
    async with (
        running_realtime(redis.url, StreamLog(services.sessions)) as rt,
        rt.hub.follow(stream, None) as events,
    ):
        await append(services, None, stream)
        message = f'{{"v":2,"stream":"{stream}","seq":1,"kind":"checked_in","payload":[]}}'
        await rt.broadcast.publish(channel_of(stream), message)
        assert await collect(events, 1) == [1]


async def test_a_message_is_versioned_and_carries_the_event_as_stored_ids_only():
    from persistence.repositories.events import PendingEvent

    child = uuid.UUID("00000000-0000-0000-0000-000000000001")
    at = datetime(2026, 4, 1, 8, 30, tzinfo=UTC)
    event = PendingEvent(
        "attendance:classroom:x", 42, "checked_in", child, {"child_id": str(child)}, at
    )
    assert notification(event) == (
        '{"v":2,"stream":"attendance:classroom:x","seq":42,"kind":"checked_in",'
        f'"subject_id":"{child}","payload":{{"child_id":"{child}"}},'
        '"created_at":"2026-04-01T08:30:00+00:00"}'
    )


async def test_a_redis_restart_mid_stream_loses_and_repeats_nothing(services, caplog):
    caplog.set_level(logging.WARNING)
    redis = await started_redis()
    stream = new_stream()
    try:
        async with (
            running_realtime(redis.url, StreamLog(services.sessions)) as rt,
            contextlib.AsyncExitStack() as stack,
        ):
            followers = [
                await stack.enter_async_context(rt.hub.follow(stream, None)) for _ in range(3)
            ]
            await append(services, rt.publisher, stream, n=2)
            await redis.kill()
            await append(services, rt.publisher, stream, n=3)
            await rt.publisher.drain()  # its publishes have failed (and were logged)
            await redis.start()
            # Nothing more is announced: only the catch-up after reconnecting finds 3–5.
            before = await asyncio.gather(*(collect(f, 5, within=20) for f in followers))
            for _ in range(3):
                await append(services, rt.publisher, stream)
            after = await asyncio.gather(*(collect(f, 3) for f in followers))
        assert before == [[1, 2, 3, 4, 5]] * 3
        assert after == [[6, 7, 8]] * 3
        assert any("followers will catch up" in r.getMessage() for r in caplog.records)
    finally:
        await redis.kill()


async def test_publishing_never_keeps_a_mutation_waiting_on_redis(services, caplog):
    caplog.set_level(logging.WARNING)
    redis = await started_redis()
    stream = new_stream()
    try:
        async with running_realtime(redis.url, StreamLog(services.sessions)) as rt:
            await redis.kill()
            batch = EventBatch()
            async with services.sessions.begin() as session:
                await append_events(session, batch, [stream], kind="checked_in", subject_id=None)
            started = time.perf_counter()
            await rt.publisher.publish(batch)  # returns at once; the retries run behind
            returned_after = time.perf_counter() - started
            await rt.publisher.drain()
        assert returned_after < 0.05
        assert any("followers will catch up" in r.getMessage() for r in caplog.records)
    finally:
        await redis.kill()
