"""Pure rules of a child's day: effective stamps, transitions, statuses."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import pytest

from domain.attendance import (
    DayStatus,
    NoticeKind,
    NoticeSpan,
    Stamp,
    StampKind,
    at_local,
    day_status,
    effective_stamps,
    first_arrival,
    is_missing_at_cutoff,
    is_open_day,
    last_pickup,
    local_day,
    require_alternating,
    require_can_stamp,
)
from domain.errors import InvalidTransition

DAY = date(2026, 6, 9)  # a Tuesday
A, P = StampKind.ARRIVAL, StampKind.PICKUP


def stamp(kind: StampKind, hh: int, mm: int = 0, **kw: object) -> Stamp:
    return Stamp(uuid.uuid4(), kind, at_local(DAY, time(hh, mm)), **kw)  # type: ignore[arg-type]


def status(stamps: list[Stamp], notices: list[NoticeSpan] = (), *, now: time) -> DayStatus:  # type: ignore[assignment]
    return day_status(stamps, notices, day=DAY, now=at_local(DAY, now))


def test_local_day_is_the_day_in_japan() -> None:
    late_utc = datetime.fromisoformat("2026-06-08T15:30:00+00:00")  # 00:30 JST on the 9th
    assert local_day(late_utc) == DAY


def test_a_correction_replaces_the_stamp_it_corrects() -> None:
    original = stamp(A, 8, 5)
    fixed = stamp(A, 7, 55, corrects=original.id)
    assert effective_stamps([original, fixed]) == [fixed]


def test_a_voiding_correction_removes_both() -> None:
    original = stamp(P, 9)
    void = Stamp(uuid.uuid4(), P, original.at, corrects=original.id, voided=True)
    assert effective_stamps([original, void]) == []


def test_chained_corrections_keep_only_the_last() -> None:
    first = stamp(A, 8)
    second = stamp(A, 8, 10, corrects=first.id)
    third = stamp(A, 8, 20, corrects=second.id)
    assert effective_stamps([third, first, second]) == [third]


def test_check_out_without_check_in_is_refused() -> None:
    with pytest.raises(InvalidTransition, match="not checked in"):
        require_can_stamp([], P)


def test_check_in_twice_is_refused() -> None:
    with pytest.raises(InvalidTransition, match="already checked in"):
        require_can_stamp([stamp(A, 8)], A)


def test_a_child_may_come_back_after_pickup() -> None:
    require_can_stamp([stamp(A, 8), stamp(P, 11)], A)


def test_check_out_after_pickup_is_refused() -> None:
    with pytest.raises(InvalidTransition):
        require_can_stamp([stamp(A, 8), stamp(P, 11)], P)


def test_sequence_must_alternate() -> None:
    require_alternating(effective_stamps([stamp(A, 8), stamp(P, 12), stamp(A, 13)]))
    with pytest.raises(InvalidTransition, match="pick-up before its arrival"):
        require_alternating(effective_stamps([stamp(P, 7), stamp(A, 8)]))


@pytest.mark.parametrize(
    ("stamps", "notices", "now", "expected"),
    [
        ([], [], time(9, 29, 59), DayStatus.EXPECTED),
        ([], [], time(9, 30), DayStatus.MISSING),
        ([stamp(A, 8)], [], time(10), DayStatus.ARRIVED),
        ([stamp(A, 8), stamp(P, 16)], [], time(17), DayStatus.LEFT),
        ([], [NoticeSpan(NoticeKind.SICK, DAY, DAY)], time(10), DayStatus.ABSENT),
        ([], [NoticeSpan(NoticeKind.FAMILY, DAY - timedelta(1), DAY)], time(8), DayStatus.ABSENT),
        ([], [NoticeSpan(NoticeKind.LATE, DAY, DAY)], time(11), DayStatus.LATE),
        ([stamp(A, 11)], [NoticeSpan(NoticeKind.LATE, DAY, DAY)], time(12), DayStatus.ARRIVED),
        ([stamp(A, 8)], [NoticeSpan(NoticeKind.SICK, DAY, DAY)], time(9), DayStatus.ARRIVED),
        ([], [NoticeSpan(NoticeKind.EARLY_PICKUP, DAY, DAY)], time(10), DayStatus.MISSING),
        (
            [],
            [NoticeSpan(NoticeKind.SICK, DAY + timedelta(1), DAY + timedelta(2))],
            time(10),
            DayStatus.MISSING,
        ),
    ],
)
def test_day_status(
    stamps: list[Stamp], notices: list[NoticeSpan], now: time, expected: DayStatus
) -> None:
    assert status(stamps, notices, now=now) == expected


def test_a_later_day_is_expected_and_an_earlier_one_missing() -> None:
    now = at_local(DAY, time(12))
    assert day_status([], [], day=DAY + timedelta(1), now=now) is DayStatus.EXPECTED
    assert day_status([], [], day=DAY - timedelta(1), now=now) is DayStatus.MISSING


def test_facility_cutoff_is_respected() -> None:
    now = at_local(DAY, time(9, 45))
    assert day_status([], [], day=DAY, now=now, cutoff=time(10)) is DayStatus.EXPECTED


def test_arrival_and_pickup_times() -> None:
    eff = effective_stamps([stamp(A, 8), stamp(P, 12), stamp(A, 13), stamp(P, 17)])
    assert first_arrival(eff) == at_local(DAY, time(8))
    assert last_pickup(eff) == at_local(DAY, time(17))
    assert last_pickup(eff[:3]) is None


def test_missing_at_cutoff_is_excused_by_absence_or_late_only() -> None:
    assert is_missing_at_cutoff([], [], DAY)
    assert not is_missing_at_cutoff([stamp(A, 8)], [], DAY)
    assert not is_missing_at_cutoff([], [NoticeSpan(NoticeKind.LATE, DAY, DAY)], DAY)
    assert is_missing_at_cutoff([], [NoticeSpan(NoticeKind.EARLY_PICKUP, DAY, DAY)], DAY)


def test_sunday_is_closed() -> None:
    assert is_open_day(DAY)
    assert not is_open_day(date(2026, 6, 14))
