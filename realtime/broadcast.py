"""Cross-process fan-out of subscription events: broadcaster's API, without its failure modes.

broadcaster 0.3.1 loses a publish made right after ``subscribe()`` returns (its Redis backend
signals ready before the SUBSCRIBE is registered), lets concurrent first subscribers of a
channel overwrite each other, lets its listener die on the first Redis outage, and gives every
subscriber an unbounded queue.  This module keeps the shape (``connect``, ``disconnect``,
``publish``, ``async with subscribe(channel) as subscriber: async for event in subscriber``)
and reuses broadcaster's ``Event`` and ``BroadcastBackend`` types.

Pub/sub is lossy by nature: after a reconnect the Redis backend calls ``on_reconnect`` with
the channels it re-subscribed, so the application can catch each stream up from its database,
and a subscriber that falls behind raises ``SubscriberOverflow`` so its client resumes by cursor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from broadcaster import Event
from broadcaster._backends.base import BroadcastBackend

from realtime.aio import Backoff, retrieve_exception
from realtime.redis_pubsub import OnReconnect, RedisPubSubBackend

__all__ = [
    "Broadcast",
    "BroadcastBackend",
    "Event",
    "MemoryBackend",
    "OnReconnect",
    "RedisPubSubBackend",
    "Subscriber",
    "SubscriberOverflow",
    "make_broadcast",
]

logger = logging.getLogger(__name__)


class SubscriberOverflow(Exception):
    """The subscriber fell more than ``maxsize`` events behind; it must resume by cursor."""

    def __init__(self, channel: str, maxsize: int) -> None:
        super().__init__(f"subscriber on {channel!r} fell {maxsize} events behind")
        self.channel = channel
        self.maxsize = maxsize


class Subscriber:
    """One subscription's bounded inbox; iterate it to receive events."""

    def __init__(self, channel: str, maxsize: int) -> None:
        self.channel = channel
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize=maxsize)
        self._overflowed = False
        self._closed = False

    @property
    def overflowed(self) -> bool:
        return self._overflowed

    def _deliver(self, event: Event) -> None:
        if self._overflowed or self._closed:
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            # A full queue never has a getter waiting, so the next get() sees the flag.
            self._overflowed = True

    def _close(self) -> None:
        self._closed = True
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)  # wakes a getter blocked on an empty queue

    async def get(self) -> Event | None:
        """The next event, or None once the subscription has ended."""
        if self._overflowed:
            raise SubscriberOverflow(self.channel, self._queue.maxsize)
        if self._closed and self._queue.empty():
            return None
        return await self._queue.get()

    async def __aiter__(self) -> AsyncIterator[Event]:
        while (event := await self.get()) is not None:
            yield event


class _Channel:
    """Local state of one channel, alive while any subscribe() context uses it."""

    def __init__(self) -> None:
        self.subscribers: set[Subscriber] = set()
        self.lock = asyncio.Lock()
        self.users = 0
        self.backend_subscribe: asyncio.Task[None] | None = None


class Broadcast:
    """Fans events from one backend out to local subscribers, each with a bounded queue."""

    def __init__(self, backend: BroadcastBackend, *, queue_size: int = 1000) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self._backend = backend
        self._queue_size = queue_size
        self._channels: dict[str, _Channel] = {}
        self._listener: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Broadcast:
        await self.connect()
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.disconnect()

    async def connect(self) -> None:
        await self._backend.connect()
        self._listener = asyncio.create_task(self._listen(), name="broadcast-listener")

    async def disconnect(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        for channel in self._channels.values():
            for subscriber in channel.subscribers:
                subscriber._close()
        await self._backend.disconnect()

    async def publish(self, channel: str, message: Any) -> None:
        await self._backend.publish(channel, message)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscriber]:
        """Yield once the backend confirmed the subscription: a publish after that arrives."""
        if self._listener is None:
            raise RuntimeError("Broadcast.subscribe() before connect()")
        state = self._channels.setdefault(channel, _Channel())
        state.users += 1
        subscriber = Subscriber(channel, self._queue_size)
        state.subscribers.add(subscriber)  # before any await: no race between first subscribers
        try:
            async with state.lock:  # waits out an unsubscribe in flight
                if state.backend_subscribe is None:
                    state.backend_subscribe = asyncio.create_task(self._backend.subscribe(channel))
                    state.backend_subscribe.add_done_callback(retrieve_exception)
                pending = state.backend_subscribe
            await asyncio.shield(pending)  # one caller's cancellation must not cancel the others'
            yield subscriber
        finally:
            subscriber._close()
            state.subscribers.discard(subscriber)
            await asyncio.shield(self._release(channel, state))

    async def _release(self, channel: str, state: _Channel) -> None:
        try:
            async with state.lock:
                if state.subscribers or state.backend_subscribe is None:
                    return
                state.backend_subscribe.cancel()  # still unconfirmed if everyone gave up early
                state.backend_subscribe = None
                await self._backend.unsubscribe(channel)
        except Exception:
            logger.exception("unsubscribing %r failed", channel)
        finally:
            state.users -= 1
            if state.users == 0 and self._channels.get(channel) is state:
                del self._channels[channel]

    async def _listen(self) -> None:
        delay = Backoff()
        while True:
            try:
                event = await self._backend.next_published()
            except Exception:
                logger.exception("broadcast backend failed to deliver; retrying")
                await asyncio.sleep(delay.next())
                continue
            delay.reset()
            state = self._channels.get(event.channel)
            for subscriber in list(state.subscribers) if state else ():
                subscriber._deliver(event)


class MemoryBackend(BroadcastBackend):
    """Single-process backend: publish hands the event straight to the listener."""

    def __init__(self, url: str = "memory://") -> None:
        self._subscribed: set[str] = set()
        self._events: asyncio.Queue[Event] = asyncio.Queue()

    async def connect(self) -> None:
        pass

    async def disconnect(self) -> None:
        pass

    async def subscribe(self, channel: str) -> None:
        self._subscribed.add(channel)

    async def unsubscribe(self, channel: str) -> None:
        self._subscribed.discard(channel)

    async def publish(self, channel: str, message: Any) -> None:
        if channel in self._subscribed:
            self._events.put_nowait(Event(channel=channel, message=message))

    async def next_published(self) -> Event:
        return await self._events.get()


def make_broadcast(
    url: str | None, *, queue_size: int = 1000, on_reconnect: OnReconnect | None = None
) -> Broadcast:
    """``redis://`` / ``rediss://`` → Redis pub/sub; None or ``memory://`` → this process only."""
    if url is None or url.startswith("memory://"):
        return Broadcast(MemoryBackend(), queue_size=queue_size)
    if url.startswith(("redis://", "rediss://", "unix://")):
        backend = RedisPubSubBackend(url, on_reconnect=on_reconnect)
        return Broadcast(backend, queue_size=queue_size)
    raise ValueError(f"unsupported broadcast URL scheme: {url.split(':', 1)[0]!r}")
