"""GraphQL enums of attendance: the domain's own enums, registered with descriptions."""

from __future__ import annotations

import strawberry

from domain.attendance import (
    AlertKind,
    AttendanceEvent,
    DayStatus,
    NoticeKind,
    StampKind,
    StampMethod,
)
from domain.notices import Symptom

# strawberry.enum registers the domain class itself, so resolvers return domain values as is.
strawberry.enum(StampKind, name="StampKind", description="Arrival (登園) or pick-up (降園).")
strawberry.enum(
    StampMethod,
    name="StampMethod",
    description="How a stamp was made: family QR code or an adult's PIN at the entrance "
    "tablet, a tap there (arrivals only), a guardian's phone, or by staff.",
)
strawberry.enum(
    DayStatus,
    name="AttendanceStatus",
    description="A child's status on a day: EXPECTED (not arrived, before the facility's "
    "cutoff, no notice), ARRIVED, LEFT, ABSENT (absence notice), LATE (late notice, not "
    "arrived yet), MISSING (no stamp and no notice after the cutoff).",
)
strawberry.enum(
    NoticeKind,
    name="NoticeKind",
    description="SICK (病欠), FAMILY (都合欠), LATE (遅刻), EARLY_PICKUP (早お迎え).",
)
strawberry.enum(Symptom, name="Symptom", description="Symptoms of a sick child.")
strawberry.enum(
    AttendanceEvent,
    name="AttendanceEventKind",
    description="Kinds of events on attendance and alert streams.",
)
strawberry.enum(
    AlertKind,
    name="AlertKind",
    description="PICKUP_REFUSED (a pick-up the records do not allow), MISSING_ARRIVAL "
    "(expected, not arrived and no notice at the cutoff), RATIO_SHORT (fewer staff in "
    "the room than 配置基準 requires).",
)

AttendanceStatus = DayStatus
AttendanceEventKind = AttendanceEvent

__all__ = [
    "AlertKind",
    "AttendanceEventKind",
    "AttendanceStatus",
    "NoticeKind",
    "StampKind",
    "StampMethod",
    "Symptom",
]
