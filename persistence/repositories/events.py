"""Appending to and reading from the stream event log."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from persistence import driver
from persistence.driver import Statement
from persistence.models import StreamEventRow, StreamHeadRow


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


# Every stream's head moves in one statement, in the order given (the fixed lock order of
# streams: each head row stays locked until the transaction ends, so concurrent writers to
# one stream get distinct seqs in commit order), and the events go in with the seqs they
# got and the transaction's now(), which the published events carry too.
_APPEND_EVENTS = Statement.fixed(
    "append_events",
    text(
        """
    WITH heads AS (
        INSERT INTO stream_head (stream, seq)
        SELECT s.stream, 1 FROM unnest(CAST(:streams AS varchar[])) WITH ORDINALITY
             AS s(stream, n) ORDER BY s.n
        ON CONFLICT (stream) DO UPDATE SET seq = stream_head.seq + 1
        RETURNING stream, seq
    )
    INSERT INTO stream_event (stream, seq, kind, subject_id, payload, created_at)
    SELECT heads.stream, heads.seq, :kind, :subject_id, CAST(:payload AS jsonb), now()
      FROM heads
    RETURNING stream, seq, created_at
    """
    ).bindparams(bindparam("subject_id", type_=UUID(as_uuid=True))),
)


async def append_events(
    session: AsyncSession,
    batch: EventBatch,
    streams: Sequence[str],
    *,
    kind: str,
    subject_id: uuid.UUID | None,
    payload: dict[str, Any] | None = None,
) -> list[PendingEvent]:
    """One event on each of ``streams``, with each stream's next seq, added to ``batch``
    in the order the heads were taken (the order given)."""
    values = {
        "streams": list(streams),
        "kind": kind,
        "subject_id": subject_id,
        "payload": json.dumps(payload or {}),
    }
    rows = {row.stream: row for row in await driver.fetch(session, _APPEND_EVENTS, values)}
    events = [
        PendingEvent(s, int(rows[s].seq), kind, subject_id, dict(payload or {}), rows[s].created_at)
        for s in streams
    ]
    batch.events.extend(events)
    return events


class StreamLog:
    """The event log as the realtime hub reads it (``realtime.hub.EventLog``): plain rows,
    one short session per read (best from the autocommit engine: no BEGIN/ROLLBACK)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def head(self, stream: str) -> int:
        async with self._sessions() as session:
            return int((await session.scalar(_HEAD, {"stream": stream})) or 0)

    async def after(self, stream: str, after_seq: int, *, limit: int) -> Sequence[Any]:
        values = {"stream": stream, "after": after_seq, "page": limit}
        async with self._sessions() as session:
            return (await session.execute(_AFTER, values)).all()


# Built once: the per-event read then skips building and cache-keying a statement.
_EVENT = StreamEventRow.__table__
_AFTER = (
    select(_EVENT)
    .where(_EVENT.c.stream == bindparam("stream"), _EVENT.c.seq > bindparam("after"))
    .order_by(_EVENT.c.seq)
    .limit(bindparam("page"))
)
_HEAD = select(StreamHeadRow.seq).where(StreamHeadRow.stream == bindparam("stream"))


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
