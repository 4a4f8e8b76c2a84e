"""broadcaster's Redis backend, rebuilt to survive what the released one does not.

The SUBSCRIBE is confirmed before ``subscribe()`` returns (a PING with a token
follows it), one listener task owns the connection and, on any error,
reconnects with capped backoff, re-subscribes every channel and only then calls
``on_reconnect`` so the application can catch its streams up; an idle
connection is pinged so a hung server is noticed too.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

from broadcaster import Event
from broadcaster._backends.base import BroadcastBackend
from redis import asyncio as aioredis
from redis.asyncio.connection import AbstractConnection, Connection, parse_url
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff, NoBackoff

from realtime.aio import Backoff, resolve_waiters

logger = logging.getLogger(__name__)

OnReconnect = Callable[[set[str]], Awaitable[None]]


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
        self._backoff = Backoff(backoff_min, backoff_max)
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
                resolve_waiters(covered)
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
            resolve_waiters([self._waiters[payload]])
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
