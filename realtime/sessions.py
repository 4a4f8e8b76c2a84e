"""Signed-in sockets of this process, and session revocations heard from every process.

A revocation says "account A's tokens older than generation G are dead" (logout, a
replayed refresh token). ``SessionWatch.revoke`` ends this process's sockets of A at
once and publishes the revocation on one channel, so every other process ends its own
within the time a Redis message takes. Pub/sub is lossy: a revocation published while
Redis is down is lost, so sockets also re-check their token's generation against the
database every few seconds (the edge's watchdog); that check alone also catches changes
no process announces (an operator's SQL, the triggers that bump generations).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from realtime.aio import Backoff
from realtime.broadcast import Broadcast
from realtime.channels import channel_of, session_revocations

logger = logging.getLogger(__name__)

PUBLISH_SECONDS = 2.0


class SignedInSocket(Protocol):
    @property
    def account_id(self) -> uuid.UUID: ...

    @property
    def generation(self) -> int: ...

    async def revoke(self) -> None:
        """End the socket: its session was revoked."""


def revocation(account_id: uuid.UUID, generation: int) -> str:
    return json.dumps({"v": 1, "account_id": str(account_id), "generation": generation})


def parse_revocation(message: Any) -> tuple[uuid.UUID, int] | None:
    try:
        body = json.loads(message)
        generation = body["generation"]
        if body.get("v") != 1 or not isinstance(generation, int):
            return None
        return uuid.UUID(body["account_id"]), generation
    except (TypeError, ValueError, KeyError, AttributeError):
        return None


class SessionWatch:
    """This process's signed-in sockets by account; ``on_revoked`` hears every revocation."""

    def __init__(
        self, broadcast: Broadcast, *, on_revoked: Callable[[uuid.UUID], None] | None = None
    ) -> None:
        self._broadcast = broadcast
        self._on_revoked = on_revoked
        self._sockets: dict[uuid.UUID, set[SignedInSocket]] = {}
        self._listener: asyncio.Task[None] | None = None
        self._channel = channel_of(session_revocations())

    def add(self, socket: SignedInSocket) -> None:
        self._sockets.setdefault(socket.account_id, set()).add(socket)

    def discard(self, socket: SignedInSocket) -> None:
        held = self._sockets.get(socket.account_id)
        if held is not None:
            held.discard(socket)
            if not held:
                del self._sockets[socket.account_id]

    def count(self) -> int:
        return sum(len(held) for held in self._sockets.values())

    async def revoke(self, account_id: uuid.UUID, generation: int) -> None:
        """Tokens of the account below ``generation`` are dead: end their sockets everywhere."""
        await self._revoked_here(account_id, generation)
        try:
            async with asyncio.timeout(PUBLISH_SECONDS):
                await self._broadcast.publish(self._channel, revocation(account_id, generation))
        except Exception as error:  # the other processes' watchdogs still notice, later
            logger.warning("announcing a session revocation failed: %r", error)

    async def _revoked_here(self, account_id: uuid.UUID, generation: int) -> None:
        if self._on_revoked is not None:
            self._on_revoked(account_id)
        ending = [s for s in self._sockets.get(account_id, ()) if s.generation < generation]
        if ending:
            await asyncio.gather(*(socket.revoke() for socket in ending), return_exceptions=True)

    async def start(self) -> None:
        ready = asyncio.get_running_loop().create_future()
        self._listener = asyncio.create_task(self._listen(ready), name="session-revocations")
        await asyncio.wait([ready], timeout=PUBLISH_SECONDS)  # Redis down: start all the same

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None

    async def _listen(self, ready: asyncio.Future[None]) -> None:
        delay = Backoff()
        while True:
            try:
                async with self._broadcast.subscribe(self._channel) as subscriber:
                    if not ready.done():
                        ready.set_result(None)
                    delay.reset()
                    async for event in subscriber:
                        parsed = parse_revocation(event.message)
                        if parsed is not None:
                            await self._revoked_here(*parsed)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("listening for session revocations failed; retrying")
            if not ready.done():
                ready.set_result(None)  # serve anyway: the watchdogs are the fallback
            await asyncio.sleep(delay.next())
