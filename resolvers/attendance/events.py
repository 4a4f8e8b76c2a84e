"""Which streams an attendance event goes on, in the unit of work.

The unit of work itself (one transaction, events published only after it
commits) is ``persistence.unit_of_work``, opened by ``resolvers.unit_of_work``.
Streams are first touched in a fixed order — classroom, then child, then
facility alerts — so two transactions never wait on each other's stream heads
in opposite orders.
"""

from __future__ import annotations

import uuid

from domain.attendance import AttendanceEvent
from persistence.unit_of_work import UnitOfWork
from realtime import channels


def _ids(**ids: uuid.UUID | None) -> dict[str, str]:
    return {name: str(value) for name, value in ids.items() if value is not None}


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
    await uow.record(streams, kind, child_id, payload)


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
    await uow.record([channels.classroom_attendance(classroom_id)], kind, subject_id, payload)


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
    await uow.record(streams, kind, subject_id, payload)
