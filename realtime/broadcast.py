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
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, NoReturn

from broadcaster import Event
from broadcaster._backends.base import BroadcastBackend
from redis import asyncio as aioredis
from redis.asyncio.connection import AbstractConnection, Connection, parse_url
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff

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

OnReconnect = Callable[[set[str]], Awaitable[None]]


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
                    state.backend_subscribe.add_done_callback(_retrieve_exception)
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
        delay = _Backoff()
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


class RedisPubSubBackend(BroadcastBackend):
    """Redis pub/sub on one connection that the listener task owns and re-establishes.

    ``subscribe()`` returns only after Redis has processed the SUBSCRIBE (a PING with a unique
    token follows it; the pong arrives in order).  Any error on the connection makes the
    listener reconnect with capped exponential backoff, re-subscribe every channel and then
    call ``on_reconnect`` with them.  An idle connection is probed with a PING every
    ``keepalive`` seconds, so a silently dropped or hung connection is noticed too.
    """

    def __init__(
        self,
        url: str,
        *,
        on_reconnect: OnReconnect | None = None,
        backoff_min: float = 0.05,
        backoff_max: float = 2.0,
        keepalive: float = 15.0,
        connect_timeout: float = 5.0,
    ) -> None:
        kwargs: dict[str, Any] = dict(parse_url(url))
        self._connection_class: type[AbstractConnection] = kwargs.pop(
            "connection_class", Connection
        )
        self._connect_timeout: float = kwargs.setdefault("socket_connect_timeout", connect_timeout)
        kwargs.setdefault("client_name", "hoiku-broadcast")
        # Reads block on purpose; the keepalive, not a socket timeout, detects a dead peer.
        # Retries are ours, so redis-py must not silently reconnect underneath us.
        kwargs |= {
            "socket_timeout": None,
            "health_check_interval": 0,
            "protocol": 2,
            "decode_responses": False,
            "retry": Retry(NoBackoff(), 0),
        }
        self._connection_kwargs = kwargs
        # A pooled connection is stale after a Redis restart: retry a publish on a fresh one.
        self._publisher = aioredis.Redis.from_url(
            url, retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), 3)
        )
        self._on_reconnect = on_reconnect
        self._backoff = _Backoff(backoff_min, backoff_max)
        self._keepalive = keepalive
        self._channels: set[str] = set()
        self._waiters: dict[bytes, asyncio.Future[None]] = {}
        self._tokens = itertools.count()
        self._events: asyncio.Queue[Event] = asyncio.Queue()
        self._conn: AbstractConnection | None = None  # set while subscribed and serving
        self._listener: asyncio.Task[None] | None = None
        self._callbacks: set[asyncio.Task[None]] = set()

    async def connect(self) -> None:
        """Connect once (so a wrong URL fails loudly at startup), then keep connected."""
        conn = await self._open()
        self._listener = asyncio.create_task(self._run(conn), name="redis-pubsub-listener")

    async def disconnect(self) -> None:
        tasks = [t for t in (self._listener, *self._callbacks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._listener = None
        for waiter in self._waiters.values():
            if not waiter.done():
                waiter.set_exception(ConnectionError("broadcast backend disconnected"))
        await self._publisher.aclose()

    async def subscribe(self, channel: str) -> None:
        self._channels.add(channel)
        token = self._token("subscribed")
        waiter = self._waiters[token] = asyncio.get_running_loop().create_future()
        try:
            # If this send fails or the connection is down, the listener's next
            # re-subscription covers the channel and resolves the waiter.
            await self._send(("SUBSCRIBE", channel), ("PING", token))
            await waiter
        finally:
            del self._waiters[token]

    async def unsubscribe(self, channel: str) -> None:
        self._channels.discard(channel)
        await self._send(("UNSUBSCRIBE", channel))

    async def publish(self, channel: str, message: Any) -> None:
        await self._publisher.publish(channel, message)

    async def next_published(self) -> Event:
        return await self._events.get()

    def _token(self, purpose: str) -> bytes:
        return f"hoiku-broadcast:{purpose}:{next(self._tokens)}".encode()

    async def _send(self, *commands: tuple[str | bytes, ...]) -> None:
        conn = self._conn
        if conn is None or not conn.is_connected:
            return  # never let redis-py reconnect a socket the listener does not read
        packed = [part for command in commands for part in conn.pack_command(*command)]
        try:
            await conn.send_packed_command(packed, check_health=False)
        except Exception as exc:  # the listener's read fails too and reconnects
            logger.warning("sending to Redis failed: %s", exc)

    async def _open(self) -> AbstractConnection:
        conn = self._connection_class(**self._connection_kwargs)
        try:
            # The socket timeout covers the TCP connect only, not the handshake after it.
            async with asyncio.timeout(self._connect_timeout):
                await conn.connect_check_health()  # = connect() without retries, but typed
        except BaseException:
            await conn.disconnect(nowait=True)
            raise
        return conn

    async def _run(self, conn: AbstractConnection | None) -> None:
        reconnected = False
        while True:
            try:
                if conn is None:
                    conn = await self._open()
                await self._serve(conn, reconnected)
            except Exception as exc:
                delay = self._backoff.next()
                logger.warning("Redis pub/sub unavailable (%r); retrying in %.2f s", exc, delay)
            finally:
                self._conn = None
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.disconnect(nowait=True)
                conn = None
            reconnected = True
            await asyncio.sleep(delay)

    async def _serve(self, conn: AbstractConnection, reconnected: bool) -> NoReturn:
        """Serve one connection until it fails."""
        # Going live and snapshotting happen without an await in between: a subscribe()
        # from now on sends its own command, one before is covered by this re-subscription.
        self._conn = conn
        channels = set(self._channels)
        covered = list(self._waiters.values())
        resubscribed = self._token("resubscribed")
        if channels:
            await conn.send_packed_command(conn.pack_command("SUBSCRIBE", *channels), False)
        await conn.send_packed_command(conn.pack_command("PING", resubscribed), False)
        probing = False
        while True:
            reply = await conn.read_response(timeout=self._keepalive, disconnect_on_error=False)
            if reply is None:
                if probing:
                    raise ConnectionError(f"no reply from Redis in {2 * self._keepalive} s")
                await conn.send_packed_command(conn.pack_command("PING", b"keepalive"), False)
                probing = True
                continue
            probing = False
            if self._dispatch(reply) == resubscribed:
                self._backoff.reset()
                _resolve(covered)
                if reconnected:
                    self._notify(channels)

    def _dispatch(self, reply: Any) -> bytes | None:
        """Queue a message or resolve a subscribe() waiter; return any other pong's payload."""
        if isinstance(reply, bytes):  # PING outside subscribed mode: a plain bulk reply
            reply = [b"pong", reply]
        kind, payload = reply[0], reply[1]
        if kind == b"message":
            message = reply[2].decode(errors="replace")
            self._events.put_nowait(Event(payload.decode(errors="replace"), message))
        elif kind == b"pong" and payload in self._waiters:
            _resolve([self._waiters[payload]])
        elif kind == b"pong":
            return bytes(payload)
        return None

    def _notify(self, channels: set[str]) -> None:
        logger.info("Redis pub/sub re-subscribed %d channels after reconnecting", len(channels))
        if self._on_reconnect is None:
            return
        task = asyncio.create_task(self._call_on_reconnect(self._on_reconnect, channels))
        self._callbacks.add(task)
        task.add_done_callback(self._callbacks.discard)

    @staticmethod
    async def _call_on_reconnect(callback: OnReconnect, channels: set[str]) -> None:
        try:
            await callback(channels)
        except Exception:
            logger.exception("on_reconnect callback failed")


class _Backoff:
    def __init__(self, low: float = 0.05, high: float = 2.0) -> None:
        self._low, self._high, self._delay = low, high, low

    def next(self) -> float:
        delay, self._delay = self._delay, min(self._delay * 2, self._high)
        return delay

    def reset(self) -> None:
        self._delay = self._low


def _resolve(waiters: list[asyncio.Future[None]]) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(None)


def _retrieve_exception(task: asyncio.Task[None]) -> None:
    # Subscribers see the failure through shield(); this only keeps asyncio from also
    # reporting it as "never retrieved" when every one of them gave up first.
    if not task.cancelled():
        task.exception()


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
