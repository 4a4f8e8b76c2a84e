"""GraphQL views of stream events: ids resolved through the subscriber's own loaders."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers.attendance import subscriptions as r
from schema.attendance.enums import AttendanceEventKind

if TYPE_CHECKING:
    from schema.attendance.types import (
        AttendanceAlert,
        AttendanceNotice,
        AttendanceStamp,
        StaffPresence,
    )
    from schema.records.org import Classroom
    from schema.records.types import Child

_Child = Annotated["Child", strawberry.lazy("schema.records.types")]
_Classroom = Annotated["Classroom", strawberry.lazy("schema.records.org")]
_Stamp = Annotated["AttendanceStamp", strawberry.lazy("schema.attendance.types")]
_Notice = Annotated["AttendanceNotice", strawberry.lazy("schema.attendance.types")]
_Alert = Annotated["AttendanceAlert", strawberry.lazy("schema.attendance.types")]
_Presence = Annotated["StaffPresence", strawberry.lazy("schema.attendance.types")]


@strawberry.type(
    description="One change on a class's, a child's or a facility's attendance stream. "
    "Objects are resolved for the subscriber, so its field permissions apply."
)
class AttendanceEvent:
    cursor: str = strawberry.field(
        description="Opaque position of this event in its stream: subscribe with "
        "`after: cursor` to receive the events after it, with no gap and no duplicate."
    )
    kind: AttendanceEventKind = strawberry.field(
        resolver=r.kind_of_event, description="What happened."
    )
    occurred_at: datetime.datetime = strawberry.field(
        resolver=lambda root: root.row.created_at,
        description="When the change was recorded.",
    )
    child: _Child | None = strawberry.field(
        resolver=r.child_of_event,
        description="The child it is about, if any and if the subscriber may reach it.",
    )
    classroom: _Classroom | None = strawberry.field(
        resolver=r.classroom_of_event, description="The classroom it concerns, if any."
    )
    stamp: _Stamp | None = strawberry.field(
        resolver=r.stamp_of_event,
        description="checked_in, checked_out, stamp_corrected: the stamp (the correcting one).",
    )
    notice: _Notice | None = strawberry.field(
        resolver=r.notice_of_event,
        description="notice_sent, notice_acknowledged: the notice.",
    )
    alert: _Alert | None = strawberry.field(
        resolver=r.alert_of_event,
        description="pickup_refused, missing_arrival, ratio_short: the alert.",
    )
    staff_presence: _Presence | None = strawberry.field(
        resolver=r.presence_of_event,
        description="staff_clocked_in, staff_clocked_out: the staff member's time in the room.",
    )
