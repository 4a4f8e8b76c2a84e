"""realtime.broadcast against real Redis, each broadcaster 0.3.1 failure shown next to its fix.

The "stock" variants are strict xfails pinned to the exception the defect produces, so they
start failing (and must be removed) once broadcaster ships fixes.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import broadcaster
import pytest
from redis import asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError

from realtime.broadcast import (
    Broadcast,
    Event,
    OnReconnect,
    RedisPubSubBackend,
    SubscriberOverflow,
    make_broadcast,
)

if TYPE_CHECKING:
    from tests.services import RedisServer

AnyBroadcast = Broadcast | broadcaster.Broadcast


class NotReceivedAfterRestart(AssertionError):
    pass


def stock_xfail(reason: str, raises: type[BaseException] = AssertionError) -> Any:
    return pytest.param("stock", marks=pytest.mark.xfail(strict=True, raises=raises, reason=reason))


def new_channel() -> str:
    return f"test:{uuid.uuid4().hex}"


@contextlib.asynccontextmanager
async def connected(
    variant: str,
    url: str,
    *,
    stock_backend: Any = None,
    on_reconnect: OnReconnect | None = None,
) -> AsyncIterator[Any]:
    """Our Broadcast, or broadcaster's (with its own Redis backend unless one is given)."""
    if variant == "fixed":
        async with make_broadcast(url, on_reconnect=on_reconnect) as ours:
            yield ours
        return
    stock = broadcaster.Broadcast(url, backend=stock_backend)
    await stock.connect()
    try:
        yield stock
    finally:
        await close_stock(stock)


async def close_stock(stock: broadcaster.Broadcast) -> None:
    # Stock disconnect() cancels its tasks without awaiting them, and its Redis backend's
    # listener may already have died: reap both so nothing leaks into later tests.
    tasks = [stock._listener_task, getattr(stock._backend, "_listener", None)]
    await stock.disconnect()
    for task in tasks:
        if isinstance(task, asyncio.Task):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def next_event(subscriber: Any, within: float) -> Event:
    async with asyncio.timeout(within):
        event = await subscriber.get()
    assert isinstance(event, Event)
    return event


async def publish_until_received(
    broadcast: AnyBroadcast,
    subscriber: Any,
    channel: str,
    within: float,
    *,
    tolerate_publish_errors: bool = False,
) -> Event:
    """Keep publishing: pub/sub drops what is sent while nobody is subscribed."""
    async with asyncio.timeout(within):
        for attempt in range(1_000_000):
            try:
                await broadcast.publish(channel, f"attempt {attempt}")
            except RedisConnectionError:
                if not tolerate_publish_errors:
                    raise
            with contextlib.suppress(TimeoutError):
                return await next_event(subscriber, within=0.05)
    raise AssertionError("unreachable")


async def numsub(url: str, channel: str) -> int:
    client = aioredis.Redis.from_url(url)
    try:
        [(_, count)] = await client.pubsub_numsub(channel)
        return int(count)
    finally:
        await client.aclose()


async def wait_numsub(url: str, channel: str, expected: int) -> None:
    """UNSUBSCRIBE is sent, not awaited, on leaving: give Redis a moment to process it."""
    async with asyncio.timeout(1):
        while await numsub(url, channel) != expected:  # noqa: ASYNC110 (state lives in Redis)
            await asyncio.sleep(0.01)


@pytest.mark.parametrize(
    "variant",
    [
        stock_xfail("RedisBackend signals ready before SUBSCRIBE is registered"),
        "fixed",
    ],
)
async def test_publish_right_after_subscribe_is_received(
    variant: str, redis_server: RedisServer
) -> None:
    # Stock's misses are losses, not delays (20 tries at 0.5 s lost 17 just the same),
    # so its short wait only keeps the test quick; ours gets slack for a loaded CI machine.
    within = 0.1 if variant == "stock" else 1.0
    received = 0
    async with connected(variant, redis_server.url) as broadcast:
        for i in range(50):
            channel = new_channel()
            async with broadcast.subscribe(channel) as subscriber:
                await broadcast.publish(channel, f"message {i}")
                with contextlib.suppress(TimeoutError):
                    event = await next_event(subscriber, within=within)
                    assert event == Event(channel, f"message {i}")
                    received += 1
    assert received == 50


@pytest.mark.parametrize(
    "variant",
    [
        stock_xfail("Broadcast.subscribe: concurrent first subscribers overwrite the queue set"),
        "fixed",
    ],
)
async def test_concurrent_first_subscribers_all_receive(
    variant: str, redis_server: RedisServer
) -> None:
    # The stock variant runs broadcaster's Broadcast over our backend, whose subscribe()
    # also yields to the loop but does not lose early publishes: only the race is measured.
    channel = new_channel()
    entered = asyncio.Barrier(6)

    async def subscriber_task(broadcast: AnyBroadcast) -> str:
        async with broadcast.subscribe(channel) as subscriber:
            await entered.wait()
            return (await next_event(subscriber, within=1)).message

    backend = RedisPubSubBackend(redis_server.url) if variant == "stock" else None
    async with connected(variant, redis_server.url, stock_backend=backend) as broadcast:
        tasks = [asyncio.create_task(subscriber_task(broadcast)) for _ in range(5)]
        async with asyncio.timeout(2):
            await entered.wait()
        await broadcast.publish(channel, "hello")
        results = await asyncio.gather(*tasks, return_exceptions=True)
        outcomes = [r if isinstance(r, str) else type(r).__name__ for r in results]
        assert outcomes == ["hello"] * 5
        await wait_numsub(redis_server.url, channel, 0)


@pytest.mark.parametrize(
    "variant",
    [
        stock_xfail(
            "encode/broadcaster#144: the listener dies on a connection error",
            raises=NotReceivedAfterRestart,
        ),
        "fixed",
    ],
)
async def test_subscription_survives_redis_restart(
    variant: str, own_redis_server: RedisServer
) -> None:
    reconnects: list[set[str]] = []

    async def on_reconnect(channels: set[str]) -> None:
        reconnects.append(channels)

    channel = new_channel()
    url = own_redis_server.url
    async with (
        connected(variant, url, on_reconnect=on_reconnect) as broadcast,
        broadcast.subscribe(channel) as subscriber,
        contextlib.AsyncExitStack() as stack,
    ):
        if variant == "stock":
            # A second subscribe wakes stock's listener, which failure 1 left asleep,
            # so that this test measures failure 3 alone.
            await stack.enter_async_context(broadcast.subscribe(new_channel()))
        await publish_until_received(broadcast, subscriber, channel, within=2)

        await own_redis_server.kill()
        await asyncio.sleep(0.4)  # the outage itself, not an assertion
        await own_redis_server.start()

        try:
            # Stock's publisher does not retry on the connection that died with the server.
            event = await publish_until_received(
                broadcast, subscriber, channel, within=3, tolerate_publish_errors=variant == "stock"
            )
        except TimeoutError:
            raise NotReceivedAfterRestart("nothing received within 3 s of the restart") from None
        assert event.channel == channel
    assert reconnects == [{channel}]


async def test_hung_redis_is_detected_by_keepalive(own_redis_server: RedisServer) -> None:
    reconnected = asyncio.Event()

    async def on_reconnect(channels: set[str]) -> None:
        reconnected.set()

    channel = new_channel()
    backend = RedisPubSubBackend(
        own_redis_server.url, on_reconnect=on_reconnect, keepalive=0.1, connect_timeout=0.2
    )
    async with Broadcast(backend) as broadcast, broadcast.subscribe(channel) as subscriber:
        own_redis_server.pause()
        try:
            await asyncio.sleep(0.5)  # the hang itself: keepalive gives up after 0.2 s
        finally:
            own_redis_server.resume()
        async with asyncio.timeout(3):
            await reconnected.wait()
        await broadcast.publish(channel, "after the hang")
        assert await next_event(subscriber, within=1) == Event(channel, "after the hang")


async def test_full_queue_overflows_only_the_idle_subscriber(redis_server: RedisServer) -> None:
    channel = new_channel()
    async with (
        make_broadcast(redis_server.url, queue_size=5) as broadcast,
        broadcast.subscribe(channel) as reader,
        broadcast.subscribe(channel) as idle,
    ):
        received = []
        for i in range(20):
            await broadcast.publish(channel, str(i))
            received.append((await next_event(reader, within=1)).message)
        assert received == [str(i) for i in range(20)]
        assert idle.overflowed
        with pytest.raises(SubscriberOverflow) as overflow:
            async for _ in idle:
                pass
        assert (overflow.value.channel, overflow.value.maxsize) == (channel, 5)
        assert not reader.overflowed


async def test_last_subscriber_leaving_unsubscribes_at_redis(redis_server: RedisServer) -> None:
    channel = new_channel()
    url = redis_server.url
    async with make_broadcast(url) as broadcast:
        async with broadcast.subscribe(channel):
            async with broadcast.subscribe(channel):
                assert await numsub(url, channel) == 1  # one Redis subscription per process
            assert await numsub(url, channel) == 1
        await wait_numsub(url, channel, 0)
        async with broadcast.subscribe(channel) as again:  # and a channel can come back
            await broadcast.publish(channel, "back")
            assert await next_event(again, within=1) == Event(channel, "back")


@pytest.mark.parametrize("url", [None, "memory://"])
async def test_memory_backend_round_trip(url: str | None) -> None:
    async with (
        make_broadcast(url) as broadcast,
        broadcast.subscribe("room:a") as a,
        broadcast.subscribe("room:b") as b,
    ):
        await broadcast.publish("room:a", "for a")
        await broadcast.publish("room:b", "for b")
        assert await next_event(a, within=1) == Event("room:a", "for a")
        assert await next_event(b, within=1) == Event("room:b", "for b")


async def test_disconnect_ends_iteration() -> None:
    broadcast = make_broadcast(None)
    await broadcast.connect()
    async with broadcast.subscribe("room") as subscriber:
        iterating = asyncio.create_task(collect(subscriber))
        await broadcast.disconnect()
        async with asyncio.timeout(1):
            assert await iterating == []


async def collect(subscriber: Any) -> list[str]:
    return [event.message async for event in subscriber]


def test_make_broadcast_rejects_unknown_schemes() -> None:
    with pytest.raises(ValueError, match="'kafka'"):
        make_broadcast("kafka://localhost:9092")
