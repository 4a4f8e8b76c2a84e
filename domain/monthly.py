"""Monthly attendance figures per child and per class, for reporting.

- *days present*: days with at least one effective arrival stamp;
- *absences by reason*: open days (Mon–Sat) without an arrival that an
  absence notice covers, by the notice's kind; open days that have passed
  with neither stamp nor notice count as ``unreported``;
- *extended-care minutes*: per day, the time present beyond the child's
  certified hours (保育標準時間 11 h, 保育短時間 8 h), summed over the month.
  A visit whose pick-up was never stamped adds nothing: its length is unknown.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from domain.attendance import (
    ABSENCE_KINDS,
    NoticeKind,
    NoticeSpan,
    Stamp,
    StampKind,
    effective_stamps,
    is_open_day,
    local_day,
)
from domain.errors import InvalidInput

CERTIFIED_MINUTES: Mapping[str, int] = {"standard": 11 * 60, "short": 8 * 60}
UNREPORTED = "unreported"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def days(self) -> list[date]:
        return [date(self.year, self.month, d) for d in range(1, self.last.day + 1)]

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_month(text: str, *, field: str = "month") -> Month:
    match = _MONTH.match(text.strip())
    if match is None:
        raise InvalidInput(f"{field} must be written YYYY-MM", field=field)
    return Month(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True, slots=True)
class MonthFigures:
    days_present: int = 0
    absences: Mapping[str, int] = field(default_factory=dict)
    extended_minutes: int = 0


def child_month(
    stamps: Iterable[Stamp],
    notices: Iterable[NoticeSpan],
    *,
    month: Month,
    today: date,
    certified_hours: str,
) -> MonthFigures:
    """One child's month; ``today`` bounds which absences have happened yet."""
    by_day = _effective_by_day(stamps)
    present = {day for day, day_stamps in by_day.items() if _arrived(day_stamps)}
    allowance = CERTIFIED_MINUTES.get(certified_hours, CERTIFIED_MINUTES["standard"])
    extended = sum(max(0, _minutes_present(by_day[day]) - allowance) for day in present)
    absences = _absences(present, list(notices), month=month, today=today)
    return MonthFigures(len(present), absences, extended)


def class_totals(figures: Iterable[MonthFigures]) -> MonthFigures:
    absences: Counter[str] = Counter()
    days = minutes = 0
    for one in figures:
        days += one.days_present
        minutes += one.extended_minutes
        absences.update(one.absences)
    return MonthFigures(days, dict(absences), minutes)


def _effective_by_day(stamps: Iterable[Stamp]) -> dict[date, list[Stamp]]:
    grouped: dict[date, list[Stamp]] = defaultdict(list)
    for stamp in stamps:
        grouped[local_day(stamp.at)].append(stamp)
    return {day: effective_stamps(day_stamps) for day, day_stamps in grouped.items()}


def _arrived(effective: Sequence[Stamp]) -> bool:
    return any(s.kind is StampKind.ARRIVAL for s in effective)


def _minutes_present(effective: Sequence[Stamp]) -> int:
    seconds = 0.0
    arrived_at = None
    for stamp in effective:
        if stamp.kind is StampKind.ARRIVAL:
            arrived_at = stamp.at
        elif arrived_at is not None:
            seconds += (stamp.at - arrived_at).total_seconds()
            arrived_at = None
    return int(seconds // 60)


def _absences(
    present: set[date], notices: list[NoticeSpan], *, month: Month, today: date
) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for day in month.days():
        if day in present or not is_open_day(day) or day > today:
            continue
        reason = _absence_reason(notices, day)
        if reason is not None:
            counts[reason.value] += 1
        elif day < today:
            counts[UNREPORTED] += 1
    return dict(counts)


def _absence_reason(notices: list[NoticeSpan], day: date) -> NoticeKind | None:
    # Sick wins over family reasons when both cover a day: it is the reportable one.
    kinds = {n.kind for n in notices if n.covers(day) and n.kind in ABSENCE_KINDS}
    for kind in (NoticeKind.SICK, NoticeKind.FAMILY):
        if kind in kinds:
            return kind
    return None
