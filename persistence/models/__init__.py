"""SQLAlchemy rows. The ``Row`` suffix keeps them apart from GraphQL types."""

from persistence.models.accounts import (
    AccountClassroomRow,
    AccountRow,
    LoginThrottleRow,
    RefreshTokenRow,
)
from persistence.models.attendance import (
    AttendanceAlertRow,
    AttendanceNoticeRow,
    AttendanceStampRow,
    FamilyQrTokenRow,
    IdempotencyKeyRow,
    KioskPinRow,
    PinPadThrottleRow,
    StaffPresenceRow,
)
from persistence.models.audit import AuditEntryRow
from persistence.models.base import Base
from persistence.models.events import StreamEventRow, StreamHeadRow
from persistence.models.family import (
    ChildRow,
    EnrolmentRow,
    GuardianRow,
    GuardianshipRow,
    HouseholdMemberRow,
    PickupPersonRow,
)
from persistence.models.org import ClassroomRow, FacilityRow, WardRow

__all__ = [
    "AccountClassroomRow",
    "AccountRow",
    "AttendanceAlertRow",
    "AttendanceNoticeRow",
    "AttendanceStampRow",
    "AuditEntryRow",
    "Base",
    "ChildRow",
    "ClassroomRow",
    "EnrolmentRow",
    "FacilityRow",
    "FamilyQrTokenRow",
    "GuardianRow",
    "GuardianshipRow",
    "HouseholdMemberRow",
    "IdempotencyKeyRow",
    "KioskPinRow",
    "LoginThrottleRow",
    "PickupPersonRow",
    "PinPadThrottleRow",
    "RefreshTokenRow",
    "StaffPresenceRow",
    "StreamEventRow",
    "StreamHeadRow",
    "WardRow",
]
