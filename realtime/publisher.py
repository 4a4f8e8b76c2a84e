"""Tell every server process that streams have new events, after the writing commit.

A message carries the event as ``stream_event`` holds it — ids only, never personal data:
``{"v": 2, "stream", "seq", "kind", "subject_id", "payload", "created_at"}``. A follower
level with the stream (its position is ``seq - 1``) takes the event from the message and
reads nothing; in any other case it reads the stream from the database, the source of
truth. So a message that is lost — Redis down, a publish that fails — loses nothing: the
next message on that stream, or the catch-up after the listener reconnects, brings every
follower up to date by sequence number. Version 1 messages (``{"v": 1, "stream", "seq",
"kind"}``, from a process of the previous release) are still understood as hints.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from realtime.broadcast import Broadcast
from realtime.channels import channel_of
from realtime.follower import EventRow

logger = logging.getLogger(__name__)

MESSAGE_VERSION = 2
HINT_VERSION = 1  # a bare "seq n exists", as the previous release publishes
DRAIN_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class AnnouncedEvent:
    """An event as a message carries it: the attributes of a ``stream_event`` row."""

    stream: str
    seq: int
    kind: str
    subject_id: uuid.UUID | None
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Announcement:
    """What a message says: seq ``seq`` exists, and the event itself when it carries it."""

    seq: int
    event: AnnouncedEvent | None = None


class Committed(Protocol):
    """The events of a committed unit of work (``persistence``'s ``EventBatch``)."""

    @property
    def events(self) -> Sequence[EventRow]: ...


def notification(event: EventRow) -> str:
    """The wire form of one committed event (ids only)."""
    body = {
        "v": MESSAGE_VERSION,
        "stream": event.stream,
        "seq": event.seq,
        "kind": event.kind,
        "subject_id": None if event.subject_id is None else str(event.subject_id),
        "payload": event.payload,
        "created_at": event.created_at.isoformat(),
    }
    return json.dumps(body, separators=(",", ":"))


def parse_notification(message: Any) -> Announcement | None:
    """What a message announces, or None when it is not one we understand.

    An unknown version or a malformed message still means "this stream changed":
    the hub then simply reads the stream from where it is.
    """
    try:
        body = json.loads(message)
        seq = body.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool):
            return None
        if body.get("v") == MESSAGE_VERSION:
            return Announcement(seq, _event_of(body, seq))
        if body.get("v") == HINT_VERSION:
            return Announcement(seq)
    except (TypeError, ValueError, AttributeError, KeyError):
        pass
    return None


def _event_of(body: dict[str, Any], seq: int) -> AnnouncedEvent:
    subject, payload, created_at = body["subject_id"], body["payload"], body["created_at"]
    if not isinstance(body["stream"], str) or not isinstance(body["kind"], str):
        raise TypeError("stream and kind are strings")
    if not isinstance(payload, dict):
        raise TypeError("payload is an object")
    at = datetime.fromisoformat(created_at)
    if at.tzinfo is None:
        raise ValueError("created_at has a time zone")
    return AnnouncedEvent(
        stream=body["stream"],
        seq=seq,
        kind=body["kind"],
        subject_id=None if subject is None else uuid.UUID(subject),
        payload=payload,
        created_at=at,
    )


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

    async def publish(self, batch: Committed) -> None:
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

    async def _send(self, events: list[EventRow]) -> None:
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
