"""Appending to and reading from the stream event log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from persistence.models import StreamEventRow

# Also returns the transaction's now(), the value the created_at default would store: the
# event is inserted with it, so the published event equals the stored one, at no extra
# statement (the events of a unit of work still go in one INSERT at flush).
_NEXT_SEQ = text(
    "INSERT INTO stream_head (stream, seq) VALUES (:stream, 1) "
    "ON CONFLICT (stream) DO UPDATE SET seq = stream_head.seq + 1 RETURNING seq, now()"
)


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event appended in a transaction, to be published once that commits.

    It holds what its ``stream_event`` row holds (ids only, never personal data), so a
    follower can take it from the message instead of reading the row.
    """

    stream: str
    seq: int
    kind: str
    subject_id: uuid.UUID | None
    payload: dict[str, Any]
    created_at: datetime


@dataclass
class EventBatch:
    """Collects the events of one unit of work; publish them only after commit."""

    events: list[PendingEvent] = field(default_factory=list)


async def append_event(
    session: AsyncSession,
    batch: EventBatch,
    *,
    stream: str,
    kind: str,
    subject_id: uuid.UUID | None,
    payload: dict[str, Any] | None = None,
) -> PendingEvent:
    """Append an event with the stream's next sequence number.

    The ``stream_head`` row stays locked until the transaction ends, so
    concurrent writers to one stream get distinct seqs in commit order.
    """
    seq, created_at = (await session.execute(_NEXT_SEQ, {"stream": stream})).one()
    event = PendingEvent(stream, int(seq), kind, subject_id, dict(payload or {}), created_at)
    session.add(
        StreamEventRow(
            stream=stream,
            seq=event.seq,
            kind=kind,
            subject_id=subject_id,
            payload=dict(event.payload),
            created_at=created_at,
        )
    )
    batch.events.append(event)
    return event


async def events_after(
    session: AsyncSession, stream: str, after_seq: int, *, limit: int = 500
) -> Sequence[StreamEventRow]:
    query = (
        select(StreamEventRow)
        .where(StreamEventRow.stream == stream, StreamEventRow.seq > after_seq)
        .order_by(StreamEventRow.seq)
        .limit(limit)
    )
    return (await session.scalars(query)).all()
