"""Attendance rules: stamps, the order they must come in, and each child's day.

Stamps are append-only. A correction is a new stamp that names the one it
corrects (``corrects``); the corrected one stays for the history but no longer
counts. A correction may void a stamp altogether. What counts for a day is the
*effective* stamps: not corrected by any other stamp, and not voided.

Times are aware datetimes; a facility's day is the calendar day in Japan.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from domain.errors import InvalidTransition

FACILITY_TIMEZONE = ZoneInfo("Asia/Tokyo")
DEFAULT_ARRIVAL_CUTOFF = time(9, 30)
SUNDAY = 6


class StampKind(enum.StrEnum):
    ARRIVAL = "arrival"
    PICKUP = "pickup"


class StampMethod(enum.StrEnum):
    """How a stamp was made."""

    KIOSK_QR = "kiosk_qr"  # family QR code at the entrance tablet
    KIOSK_PIN = "kiosk_pin"  # an adult's own PIN at the entrance tablet
    KIOSK_TAP = "kiosk_tap"  # arrival tapped on the entrance tablet, no credential
    GUARDIAN_PHONE = "guardian_phone"
    STAFF = "staff"


class NoticeKind(enum.StrEnum):
    SICK = "sick"  # 病欠
    FAMILY = "family"  # 都合欠 (family reasons)
    LATE = "late"  # 遅刻
    EARLY_PICKUP = "early_pickup"  # 早退・早お迎え


ABSENCE_KINDS = frozenset({NoticeKind.SICK, NoticeKind.FAMILY})
# Notices that explain why a child has not arrived by the cutoff.
EXCUSING_KINDS = ABSENCE_KINDS | {NoticeKind.LATE}


class DayStatus(enum.StrEnum):
    EXPECTED = "expected"  # not arrived yet, before the cutoff, no notice
    ARRIVED = "arrived"  # present now
    LEFT = "left"  # picked up
    ABSENT = "absent"  # absence notice, no arrival
    LATE = "late"  # late notice, not arrived yet
    MISSING = "missing"  # no stamp and no notice after the cutoff


class Presence(enum.Enum):
    NOT_ARRIVED = "not_arrived"
    PRESENT = "present"
    LEFT = "left"


class AttendanceEvent(enum.StrEnum):
    """Kinds of events on the attendance and alert streams (payloads carry ids only)."""

    CHECKED_IN = "checked_in"
    CHECKED_OUT = "checked_out"
    STAMP_CORRECTED = "stamp_corrected"
    NOTICE_SENT = "notice_sent"
    NOTICE_ACKNOWLEDGED = "notice_acknowledged"
    PICKUP_REFUSED = "pickup_refused"
    MISSING_ARRIVAL = "missing_arrival"
    RATIO_SHORT = "ratio_short"
    RATIO_RESTORED = "ratio_restored"
    STAFF_CLOCKED_IN = "staff_clocked_in"
    STAFF_CLOCKED_OUT = "staff_clocked_out"


class AlertKind(enum.StrEnum):
    """Alerts raised to a class and the director (values are their event kinds)."""

    PICKUP_REFUSED = AttendanceEvent.PICKUP_REFUSED.value
    MISSING_ARRIVAL = AttendanceEvent.MISSING_ARRIVAL.value
    RATIO_SHORT = AttendanceEvent.RATIO_SHORT.value


STAMP_EVENT = {
    StampKind.ARRIVAL: AttendanceEvent.CHECKED_IN,
    StampKind.PICKUP: AttendanceEvent.CHECKED_OUT,
}


@dataclass(frozen=True, slots=True)
class Stamp:
    id: uuid.UUID
    kind: StampKind
    at: datetime
    corrects: uuid.UUID | None = None
    voided: bool = False


@dataclass(frozen=True, slots=True)
class NoticeSpan:
    """The part of a notice the day's status needs: what kind, which days."""

    kind: NoticeKind
    start: date
    end: date

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


def local_day(at: datetime) -> date:
    return at.astimezone(FACILITY_TIMEZONE).date()


def at_local(day: date, moment: time) -> datetime:
    """The aware instant of ``moment`` on ``day`` at the facility."""
    return datetime.combine(day, moment, tzinfo=FACILITY_TIMEZONE)


def is_open_day(day: date) -> bool:
    """Ward nurseries open Monday to Saturday (national holidays are not modelled)."""
    return day.weekday() != SUNDAY


def effective_stamps(stamps: Iterable[Stamp]) -> list[Stamp]:
    """The stamps that count, in time order: neither corrected since nor voided."""
    stamps = list(stamps)
    corrected = {s.corrects for s in stamps if s.corrects is not None}
    live = [s for s in stamps if s.id not in corrected and not s.voided]
    return sorted(live, key=lambda s: s.at)


def presence(effective: Sequence[Stamp]) -> Presence:
    if not effective:
        return Presence.NOT_ARRIVED
    return Presence.PRESENT if effective[-1].kind is StampKind.ARRIVAL else Presence.LEFT


def require_alternating(effective: Sequence[Stamp]) -> None:
    """A day reads arrival, pick-up, arrival, pick-up …: a child can come back the same day."""
    expected = StampKind.ARRIVAL
    for stamp in effective:
        if stamp.kind is not expected:
            raise InvalidTransition(
                "Stamps would not alternate arrival and pick-up"
                if stamp.kind is StampKind.ARRIVAL
                else "Stamps would put a pick-up before its arrival"
            )
        expected = StampKind.PICKUP if expected is StampKind.ARRIVAL else StampKind.ARRIVAL


def require_can_stamp(day_stamps: Iterable[Stamp], kind: StampKind) -> None:
    """Check-in needs the child not present; check-out needs the child present."""
    now = presence(effective_stamps(day_stamps))
    if kind is StampKind.ARRIVAL and now is Presence.PRESENT:
        raise InvalidTransition("The child is already checked in")
    if kind is StampKind.PICKUP and now is not Presence.PRESENT:
        raise InvalidTransition("The child is not checked in")


def first_arrival(effective: Sequence[Stamp]) -> datetime | None:
    return next((s.at for s in effective if s.kind is StampKind.ARRIVAL), None)


def last_pickup(effective: Sequence[Stamp]) -> datetime | None:
    if presence(effective) is not Presence.LEFT:
        return None
    return effective[-1].at


def day_status(
    stamps: Iterable[Stamp],
    notices: Iterable[NoticeSpan],
    *,
    day: date,
    now: datetime,
    cutoff: time = DEFAULT_ARRIVAL_CUTOFF,
) -> DayStatus:
    """A child's status on ``day`` as of ``now``.

    Stamps win over notices (a child reported sick who comes anyway is
    *arrived*). Without stamps: an absence notice makes *absent*, a late
    notice *late*; otherwise *expected* until the facility's cutoff on that
    day, *missing* from the cutoff on (and for any earlier day).
    """
    state = presence(effective_stamps(stamps))
    if state is Presence.PRESENT:
        return DayStatus.ARRIVED
    if state is Presence.LEFT:
        return DayStatus.LEFT
    kinds = {n.kind for n in notices if n.covers(day)}
    if kinds & ABSENCE_KINDS:
        return DayStatus.ABSENT
    if NoticeKind.LATE in kinds:
        return DayStatus.LATE
    if now < at_local(day, cutoff):
        return DayStatus.EXPECTED
    return DayStatus.MISSING


def is_missing_at_cutoff(stamps: Iterable[Stamp], notices: Iterable[NoticeSpan], day: date) -> bool:
    """Whether the missing-arrival alert applies: no stamp that day and no excusing notice.

    The rule. The alert job asks it of a whole facility at once in SQL
    (``persistence.attendance.alerts.children_missing``), which
    ``tests/test_missing_arrival_rule.py`` pins to this on generated days.
    """
    if effective_stamps(stamps):
        return False
    return not any(n.kind in EXCUSING_KINDS and n.covers(day) for n in notices)
