"""Monthly figures: days present, absences by reason, extended-care minutes."""

from __future__ import annotations

import uuid
from datetime import date, time

import pytest

from domain.attendance import NoticeKind, NoticeSpan, Stamp, StampKind, at_local
from domain.errors import InvalidInput
from domain.monthly import MonthFigures, child_month, class_totals, parse_month

JUNE = parse_month("2026-06")
A, P = StampKind.ARRIVAL, StampKind.PICKUP


def visit(day: int, start: time, end: time | None) -> list[Stamp]:
    d = date(2026, 6, day)
    stamps = [Stamp(uuid.uuid4(), A, at_local(d, start))]
    if end is not None:
        stamps.append(Stamp(uuid.uuid4(), P, at_local(d, end)))
    return stamps


def test_parse_month() -> None:
    assert (JUNE.first, JUNE.last) == (date(2026, 6, 1), date(2026, 6, 30))
    for bad in ("2026-13", "2026-6", "June"):
        with pytest.raises(InvalidInput) as error:
            parse_month(bad)
        assert error.value.field == "month"


def test_extended_minutes_beyond_certified_hours() -> None:
    stamps = visit(1, time(7, 0), time(18, 30)) + visit(2, time(8, 0), time(17, 0))
    standard = child_month(
        stamps, [], month=JUNE, today=date(2026, 6, 2), certified_hours="standard"
    )
    short = child_month(stamps, [], month=JUNE, today=date(2026, 6, 2), certified_hours="short")
    assert standard.days_present == 2
    assert standard.extended_minutes == 30  # 11.5 h − 11 h; 9 h day adds nothing
    assert short.extended_minutes == 210 + 60  # (11.5 h − 8 h) + (9 h − 8 h)


def test_visit_without_pickup_counts_as_present_but_adds_no_minutes() -> None:
    figures = child_month(
        visit(1, time(7), None), [], month=JUNE, today=date(2026, 6, 1), certified_hours="short"
    )
    assert (figures.days_present, figures.extended_minutes) == (1, 0)


def test_corrected_stamps_count_once() -> None:
    original = visit(1, time(8), time(20))
    fixed = Stamp(uuid.uuid4(), P, at_local(date(2026, 6, 1), time(16)), corrects=original[1].id)
    figures = child_month(
        [*original, fixed], [], month=JUNE, today=date(2026, 6, 1), certified_hours="short"
    )
    assert figures.extended_minutes == 0


def test_absences_by_reason_on_open_days_only() -> None:
    notices = [
        NoticeSpan(NoticeKind.SICK, date(2026, 6, 5), date(2026, 6, 8)),  # Fri–Mon, Sun closed
        NoticeSpan(NoticeKind.FAMILY, date(2026, 6, 10), date(2026, 6, 10)),
        NoticeSpan(NoticeKind.LATE, date(2026, 6, 11), date(2026, 6, 11)),
    ]
    stamps = [s for day in (1, 2, 3, 4, 9, 11, 12) for s in visit(day, time(8), time(16))]
    figures = child_month(
        stamps, notices, month=JUNE, today=date(2026, 6, 12), certified_hours="standard"
    )
    assert figures.days_present == 7
    assert figures.absences == {"sick": 3} | {"family": 1}


def test_unreported_absences_are_past_open_days_without_anything() -> None:
    figures = child_month([], [], month=JUNE, today=date(2026, 6, 4), certified_hours="standard")
    # 1–3 June have passed (Mon–Wed); the 4th is today and not over yet.
    assert figures.absences == {"unreported": 3}


def test_future_notices_do_not_count_yet() -> None:
    notices = [NoticeSpan(NoticeKind.SICK, date(2026, 6, 20), date(2026, 6, 22))]
    figures = child_month(
        [], notices, month=JUNE, today=date(2026, 6, 1), certified_hours="standard"
    )
    assert figures.absences == {}


def test_class_totals_sum_children() -> None:
    totals = class_totals(
        [MonthFigures(3, {"sick": 1}, 30), MonthFigures(2, {"sick": 2, "family": 1}, 5)]
    )
    assert totals == MonthFigures(5, {"sick": 3, "family": 1}, 35)
