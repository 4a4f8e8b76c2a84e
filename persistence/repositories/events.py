"""Appending to and reading from the stream event log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from persistence.models import StreamEventRow

_NEXT_SEQ = text(
    "INSERT INTO stream_head (stream, seq) VALUES (:stream, 1) "
    "ON CONFLICT (stream) DO UPDATE SET seq = stream_head.seq + 1 RETURNING seq"
)


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event appended in a transaction, to be published once that commits."""

    stream: str
    seq: int
    kind: str


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
    seq = int((await session.execute(_NEXT_SEQ, {"stream": stream})).scalar_one())
    session.add(
        StreamEventRow(
            stream=stream, seq=seq, kind=kind, subject_id=subject_id, payload=payload or {}
        )
    )
    event = PendingEvent(stream, seq, kind)
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
