"""Root subscription fields: live, gapless, resumable streams (PRODUCT.md's core contract).

Every subscription takes an optional ``after`` cursor: the events after it are sent from
the database first, then live ones, with no gap and no duplicate, on whichever server
process the client is connected to. A subscriber that falls too far behind receives an
error with ``extensions.code = "RESUBSCRIBE"`` and ``extensions.cursor``; it subscribes
again with ``after`` set to that cursor.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from resolvers.attendance import subscriptions as realtime
from resolvers.attendance.subscriptions import StreamEvent
from schema.attendance.events import AttendanceEvent

_AFTER = (
    "A cursor from an earlier event of this same stream: send the events after it first. "
    "Omit to receive only events from now on."
)
_Stream = AsyncGenerator[AttendanceEvent, None]


async def _attendance_changed(
    info: strawberry.Info,
    classroom_id: Annotated[strawberry.ID, strawberry.argument(description="The classroom.")],
    after: Annotated[str | None, strawberry.argument(description=_AFTER)] = None,
) -> _Stream:
    return await realtime.attendance_changed(info, classroom_id, after)  # type: ignore[return-value]


async def _child_attendance_changed(
    info: strawberry.Info,
    child_id: Annotated[strawberry.ID, strawberry.argument(description="The child.")],
    after: Annotated[str | None, strawberry.argument(description=_AFTER)] = None,
) -> _Stream:
    return await realtime.child_attendance_changed(info, child_id, after)  # type: ignore[return-value]


async def _alert_raised(
    info: strawberry.Info,
    facility_id: Annotated[strawberry.ID, strawberry.argument(description="The facility.")],
    after: Annotated[str | None, strawberry.argument(description=_AFTER)] = None,
) -> _Stream:
    return await realtime.alert_raised(info, facility_id, after)  # type: ignore[return-value]


@strawberry.type
class RealtimeSubscription:
    attendance_changed: AttendanceEvent = strawberry.subscription(
        resolver=_attendance_changed,
        description="Every stamp, correction, notice and alert of one classroom, live. "
        "For that class's teachers, its facility's director, nurse and clerk, and ward "
        "admins; anyone else gets FORBIDDEN.",
    )
    child_attendance_changed: AttendanceEvent = strawberry.subscription(
        resolver=_child_attendance_changed,
        description="One child's stamps, corrections and notices, live: for the child's "
        "guardians and the staff who reach the child.",
    )
    alert_raised: AttendanceEvent = strawberry.subscription(
        resolver=_alert_raised,
        description="A facility's alerts (refused pick-ups, missing arrivals, staff ratio), "
        "live: for that facility's staff and ward admins.",
    )


__all__ = ["RealtimeSubscription", "StreamEvent"]
