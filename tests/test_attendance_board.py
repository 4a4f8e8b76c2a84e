"""A class's day on the board, today's status on the tablet, and the month's figures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest

from tests.attendance_support import CHECK_IN, CHECK_OUT, REPORT, DayClock, only_error
from tests.factories import PASSWORD, build_world

BOARD = """query($c: ID!, $d: Date!) { attendanceBoard(classroomId: $c, date: $d) {
  date entries { child { id } status arrivedAt leftAt notices { kind } stamps { kind } }
  staffing { childrenPresent staffPresent staffRequired short staff { staffName } } } }"""
TODAY = """query($id: ID!) { child(id: $id) { displayName todayStatus } }"""
MONTH = """query($c: ID!, $m: String!) { monthlyAttendance(classroomId: $c, month: $m) {
  month totals { daysPresent extendedCareMinutes absences { reason days } }
  children { child { id } figures { daysPresent extendedCareMinutes absences { reason days } } }
} }"""
CLOCK_IN = """mutation($c: ID!) { clockIn(classroomId: $c) { id staffName clockedOutAt } }"""


@pytest.fixture
def day(clock) -> Iterator[DayClock]:  # type: ignore[no-untyped-def]
    saved = clock.now
    moving = DayClock(clock)
    moving.at(7, 30)
    yield moving
    clock.now = saved


def notice(child_id, kind, **extra):  # type: ignore[no-untyped-def]
    return {"input": {"childId": str(child_id), "kind": kind, "startDate": "2031-06-10", **extra}}


async def test_the_board_shows_each_childs_day(api, services, day):
    world = await build_world(services.sessions, per_room=4)
    arrived, sick, late, silent = (f.child for f in world.families_a)
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    director = await api.login(world.logins["director"], PASSWORD)
    await api(CLOCK_IN, {"c": str(world.room_a.id)}, token=teacher)
    await api(CLOCK_IN, {"c": str(world.room_a.id)}, token=director)
    day.at(7, 50)
    await api(CHECK_IN, {"id": str(arrived.id)}, token=teacher)
    for family, document in (
        (world.families_a[1], notice(sick.id, "SICK", symptoms=["FEVER"])),
        (world.families_a[2], notice(late.id, "LATE", plannedArrivalTime="10:00:00")),
    ):
        guardian = await api.login(family.guardian_login, PASSWORD)
        assert (await api(REPORT, document, token=guardian)).errors == []
    day.at(8)
    board = await api(BOARD, {"c": str(world.room_a.id), "d": "2031-06-10"}, token=teacher)
    assert board.errors == []
    entries = {e["child"]["id"]: e for e in board.data["attendanceBoard"]["entries"]}
    assert {k: e["status"] for k, e in entries.items()} == {
        str(arrived.id): "ARRIVED",
        str(sick.id): "ABSENT",
        str(late.id): "LATE",
        str(silent.id): "EXPECTED",
    }
    assert datetime.fromisoformat(entries[str(arrived.id)]["arrivedAt"]).hour == 22  # 07:50 JST
    assert entries[str(sick.id)]["notices"] == [{"kind": "SICK"}]
    assert board.data["attendanceBoard"]["staffing"] == {
        "childrenPresent": 1,
        "staffPresent": 2,
        "staffRequired": 2,
        "short": False,
        "staff": [{"staffName": "teacher"}, {"staffName": "director"}],
    }
    day.at(9, 30)
    later = await api(BOARD, {"c": str(world.room_a.id), "d": "2031-06-10"}, token=teacher)
    statuses = {e["child"]["id"]: e["status"] for e in later.data["attendanceBoard"]["entries"]}
    assert statuses[str(silent.id)] == "MISSING"
    assert statuses[str(late.id)] == "LATE"
    day.at(16)
    await api(CHECK_OUT, {"id": str(arrived.id)}, token=teacher)
    evening = await api(BOARD, {"c": str(world.room_a.id), "d": "2031-06-10"}, token=teacher)
    (entry,) = [
        e for e in evening.data["attendanceBoard"]["entries"] if e["child"]["id"] == str(arrived.id)
    ]
    assert entry["status"] == "LEFT"
    assert entry["stamps"] == [{"kind": "ARRIVAL"}, {"kind": "PICKUP"}]
    assert entry["leftAt"] is not None


async def test_the_board_is_for_the_class_staff(api, services, day):
    world = await build_world(services.sessions)
    for role in ("guardian", "kiosk", "reporter"):
        token = await api.login(world.logins[role], PASSWORD)
        result = await api(BOARD, {"c": str(world.room_a.id), "d": "2031-06-10"}, token=token)
        assert only_error(result)["extensions"] == {"code": "FORBIDDEN"}, role
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    other = await api(BOARD, {"c": str(world.room_b.id), "d": "2031-06-10"}, token=teacher)
    assert only_error(other)["extensions"] == {"code": "NOT_FOUND"}


async def test_the_kiosk_reads_todays_status_but_nothing_else(api, services, day):
    world = await build_world(services.sessions)
    child = world.family.child
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    before = await api(TODAY, {"id": str(child.id)}, token=kiosk)
    assert before.data["child"]["todayStatus"] == "EXPECTED"
    await api(CHECK_IN, {"id": str(child.id)}, token=kiosk)
    after = await api(TODAY, {"id": str(child.id)}, token=kiosk)
    assert after.data["child"] == {"displayName": "山田 花子0", "todayStatus": "ARRIVED"}
    reporter = await api.login(world.logins["reporter"], PASSWORD)
    hidden = await api(TODAY, {"id": str(child.id)}, token=reporter)
    assert only_error(hidden)["extensions"] == {"code": "NOT_FOUND"}


async def test_monthly_figures_per_child_and_class(api, services, day):
    world = await build_world(services.sessions)
    regular, absent = world.families_a[0].child, world.families_a[1].child
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    visits = ((2, (7, 0), (18, 30)), (3, (8, 0), (17, 0)))  # Mon 11.5 h, Tue 9 h
    for day_of_month, start, end in visits:
        day.at(*start, day=date(2031, 6, day_of_month))
        await api(CHECK_IN, {"id": str(regular.id)}, token=teacher)
        day.at(*end, day=date(2031, 6, day_of_month))
        await api(CHECK_OUT, {"id": str(regular.id)}, token=teacher)
    guardian = await api.login(world.families_a[0].guardian_login, PASSWORD)
    sick = notice(regular.id, "SICK", startDate="2031-06-04", endDate="2031-06-05")
    assert (await api(REPORT, sick, token=guardian)).errors == []
    day.at(12, day=date(2031, 6, 6))  # Friday: the 6th itself is not over yet
    result = await api(MONTH, {"c": str(world.room_a.id), "m": "2031-06"}, token=teacher)
    assert result.errors == []
    figures = {c["child"]["id"]: c["figures"] for c in result.data["monthlyAttendance"]["children"]}
    assert figures[str(regular.id)] == {
        "daysPresent": 2,
        "extendedCareMinutes": 30,
        "absences": [{"reason": "sick", "days": 2}],
    }
    assert figures[str(absent.id)] == {
        "daysPresent": 0,
        "extendedCareMinutes": 0,
        "absences": [{"reason": "unreported", "days": 4}],
    }
    assert result.data["monthlyAttendance"]["totals"] == {
        "daysPresent": 2,
        "extendedCareMinutes": 30,
        "absences": [{"reason": "sick", "days": 2}, {"reason": "unreported", "days": 4}],
    }
    reporter = await api.login(world.logins["reporter"], PASSWORD)
    aggregate = await api(MONTH, {"c": str(world.room_a.id), "m": "2031-06"}, token=reporter)
    assert (
        aggregate.data["monthlyAttendance"]["totals"] == result.data["monthlyAttendance"]["totals"]
    )
    assert aggregate.data["monthlyAttendance"]["children"] is None
    assert only_error(aggregate)["path"] == ["monthlyAttendance", "children"]


async def test_monthly_figures_bad_month_and_scope(api, services, day):
    world = await build_world(services.sessions)
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    bad = await api(MONTH, {"c": str(world.room_a.id), "m": "2031-13"}, token=teacher)
    assert only_error(bad)["extensions"] == {"code": "BAD_USER_INPUT", "field": "month"}
    other = await api(MONTH, {"c": str(world.room_b.id), "m": "2031-06"}, token=teacher)
    assert only_error(other)["extensions"] == {"code": "NOT_FOUND"}
    guardian = await api.login(world.logins["guardian"], PASSWORD)
    denied = await api(MONTH, {"c": str(world.room_a.id), "m": "2031-06"}, token=guardian)
    assert only_error(denied)["extensions"] == {"code": "FORBIDDEN"}
