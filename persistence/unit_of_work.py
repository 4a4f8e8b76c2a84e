"""The unit of work: one transaction, the events it records, published only if it commits.

The only place a write transaction is opened and committed for attendance (the
records mutations still open ``sessions.begin()`` themselves). Events are appended
inside the transaction (``events.append_events``: ids only) and handed to the
publisher after the commit; without a publisher, subscribers still catch up
from the database by cursor. Which streams an event goes on is the caller's
business (``resolvers/attendance/events.py``): this module knows no channel names.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from persistence.repositories.events import EventBatch, append_events


class Publisher(Protocol):
    """Announces committed events (``realtime.publisher.EventPublisher``)."""

    async def publish(self, batch: EventBatch) -> None: ...


@dataclass
class UnitOfWork:
    session: AsyncSession
    events: EventBatch

    async def record(
        self,
        streams: Sequence[str],
        kind: str,
        subject_id: uuid.UUID | None,
        payload: dict[str, str],
    ) -> None:
        """One event on each stream, in one statement; streams are taken in the order given,
        so callers keep to one order and two transactions never wait on each other."""
        await append_events(
            self.session, self.events, streams, kind=kind, subject_id=subject_id, payload=payload
        )


@contextlib.asynccontextmanager
async def unit_of_work(
    sessions: async_sessionmaker[AsyncSession], publisher: Publisher | None
) -> AsyncIterator[UnitOfWork]:
    """One transaction; its events are published only if it commits."""
    batch = EventBatch()
    async with sessions.begin() as session:
        yield UnitOfWork(session, batch)
    if publisher is not None and batch.events:
        await publisher.publish(batch)
