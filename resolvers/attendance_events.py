"""The attendance unit of work and the events it records.

Events are appended inside the writing transaction and handed to the
publisher only after it commits (``services.extras["publisher"]``, registered
by the realtime layer; without one, subscribers still catch up from the
database by cursor). Streams are first touched in a fixed order — classroom,
then child, then facility alerts — so two transactions never wait on each
other's stream heads in opposite orders.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from domain.attendance import AttendanceEvent
from persistence.repositories import attendance_driver as driver
from persistence.repositories.events import EventBatch, PendingEvent
from realtime import channels
from resolvers.services import Services


@dataclass
class UnitOfWork:
    session: AsyncSession
    events: EventBatch


@contextlib.asynccontextmanager
async def unit_of_work(services: Services) -> AsyncIterator[UnitOfWork]:
    """One transaction; its events are published only if it commits."""
    batch = EventBatch()
    async with services.sessions.begin() as session:
        yield UnitOfWork(session, batch)
    await publish(services, batch)


async def publish(services: Services, batch: EventBatch) -> None:
    publisher = services.extras.get("publisher")
    if publisher is not None and batch.events:
        await publisher.publish(batch)


def _ids(**ids: uuid.UUID | None) -> dict[str, str]:
    return {name: str(value) for name, value in ids.items() if value is not None}


async def _append(
    uow: UnitOfWork,
    streams: list[str],
    kind: AttendanceEvent,
    subject_id: uuid.UUID | None,
    payload: dict[str, str],
) -> None:
    """One event on each stream, in one statement on the driver: a stamp is the morning
    rush's unit of work, and this spares it SQLAlchemy's overhead per statement."""
    appended = await driver.append_events(
        uow.session, streams, kind=kind, subject_id=subject_id, payload=json.dumps(payload)
    )
    for stream in streams:  # published in the order the heads were taken
        seq, created_at = appended[stream]
        uow.events.events.append(
            PendingEvent(stream, seq, kind, subject_id, dict(payload), created_at)
        )


async def to_class_and_child(
    uow: UnitOfWork,
    kind: AttendanceEvent,
    *,
    classroom_id: uuid.UUID,
    child_id: uuid.UUID,
    **ids: uuid.UUID | None,
) -> None:
    """A change the class's tablets and the child's guardians both see."""
    payload = _ids(child_id=child_id, classroom_id=classroom_id, **ids)
    streams = [channels.classroom_attendance(classroom_id), channels.child_attendance(child_id)]
    await _append(uow, streams, kind, child_id, payload)


async def to_class(
    uow: UnitOfWork,
    kind: AttendanceEvent,
    *,
    classroom_id: uuid.UUID,
    subject_id: uuid.UUID | None,
    **ids: uuid.UUID | None,
) -> None:
    """A change only the class's staff see (staff presence)."""
    payload = _ids(classroom_id=classroom_id, **ids)
    await _append(uow, [channels.classroom_attendance(classroom_id)], kind, subject_id, payload)


async def alert_to_class_and_facility(
    uow: UnitOfWork,
    kind: AttendanceEvent,
    *,
    facility_id: uuid.UUID,
    classroom_id: uuid.UUID,
    subject_id: uuid.UUID | None,
    **ids: uuid.UUID | None,
) -> None:
    """An alert for the class's staff and the director; never on a child's stream,
    so guardians do not see it."""
    payload = _ids(classroom_id=classroom_id, **ids)
    streams = [channels.classroom_attendance(classroom_id), channels.facility_alerts(facility_id)]
    await _append(uow, streams, kind, subject_id, payload)
