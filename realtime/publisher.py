"""Tell every server process that streams have new events, after the writing commit.

A message is a notification, not the event: ``{"v": 1, "stream", "seq", "kind"}`` carries
no personal data and no payload. Subscribers read the event itself from ``stream_event``
(the database is the source of truth), so a message that is lost — Redis down, a publish
that fails — loses nothing: the next message on that stream, or the catch-up after the
listener reconnects, brings every follower up to date by sequence number.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from persistence.repositories.events import EventBatch, PendingEvent
from realtime.broadcast import Broadcast
from realtime.channels import channel_of

logger = logging.getLogger(__name__)

MESSAGE_VERSION = 1
DRAIN_SECONDS = 5.0


def notification(event: PendingEvent) -> str:
    """The wire form of one (stream, seq) notification."""
    body = {"v": MESSAGE_VERSION, "stream": event.stream, "seq": event.seq, "kind": event.kind}
    return json.dumps(body, separators=(",", ":"))


def parse_notification(message: Any) -> int | None:
    """The seq a notification announces, or None when it is not one we understand.

    An unknown version or a malformed message still means "this stream changed":
    the hub then simply reads the stream from where it is.
    """
    try:
        body = json.loads(message)
        if body.get("v") == MESSAGE_VERSION and isinstance(body.get("seq"), int):
            return int(body["seq"])
    except (TypeError, ValueError, AttributeError):
        pass
    return None


class Publisher:
    """Announces a committed unit of work's events; call it only after the commit.

    ``publish`` hands the messages to a background task and returns at once: a mutation's
    answer never waits on Redis, which matters while Redis is down and every publish
    retries before it fails. At most ``max_pending`` batches wait; beyond that a batch is
    dropped with a warning (its events are committed; followers catch up from the
    database on the next notification or after the listener reconnects).
    """

    def __init__(self, broadcast: Broadcast, *, max_pending: int = 1000) -> None:
        self._broadcast = broadcast
        self._max_pending = max_pending
        self._pending: set[asyncio.Task[None]] = set()

    async def publish(self, batch: EventBatch) -> None:
        if not batch.events:
            return
        if len(self._pending) >= self._max_pending:
            logger.warning(
                "%d publishes pending; not announcing %d events",
                len(self._pending),
                len(batch.events),
            )
            return
        task = asyncio.create_task(self._send(list(batch.events)))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        await asyncio.sleep(0)  # let it put the first PUBLISH on the wire before we go on

    async def drain(self) -> None:
        """Let the publishes in flight finish (on shutdown), for at most DRAIN_SECONDS."""
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=DRAIN_SECONDS)

    async def _send(self, events: list[PendingEvent]) -> None:
        for event in events:
            try:
                await self._broadcast.publish(channel_of(event.stream), notification(event))
            except Exception as error:  # the event is committed: followers catch up from the DB
                logger.warning(
                    "publishing %s seq %d failed (%r); followers will catch up from the database",
                    event.stream,
                    event.seq,
                    error,
                )
