"""Safety alerts: expected-but-not-arrived at the cutoff, and rooms short of staff."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from datetime import date, time

import pytest
from sqlalchemy import update

from hoiku.scheduler import missing_arrival_loop
from persistence.models import FacilityRow
from resolvers.attendance.alerts import (
    raise_missing_arrival_alerts,
    run_due_missing_arrival_alerts,
)
from tests.attendance_support import (
    CHECK_IN,
    REPORT,
    TUESDAY,
    DayClock,
    alert_stream,
    alerts_of,
    classroom_stream,
    events,
    only_error,
)
from tests.factories import PASSWORD, build_world

CLOCK_IN = """mutation($c: ID!) { clockIn(classroomId: $c) { id clockedOutAt } }"""
CLOCK_OUT = """mutation($c: ID!) { clockOut(classroomId: $c) { id clockedOutAt } }"""
ALERTS = """query($f: ID!, $d: Date!) { attendanceAlerts(facilityId: $f, date: $d) {
  kind classroom { id } child { id } childrenPresent staffPresent staffRequired } }"""


@pytest.fixture
def day(clock) -> Iterator[DayClock]:  # type: ignore[no-untyped-def]
    saved = clock.now
    moving = DayClock(clock)
    moving.at(7, 30)
    yield moving
    clock.now = saved


def kinds(stream_events, *wanted):  # type: ignore[no-untyped-def]
    return [e.kind for e in stream_events if e.kind in wanted]


async def test_missing_arrival_fires_at_the_cutoff_not_before_and_once(api, services, day):
    world = await build_world(services.sessions)
    # Room a: one arrives, one is reported sick. Room b: one is reported late, one
    # neither arrives nor is reported: only that one is missing at the cutoff.
    here, silent = world.families_a[0].child, world.families_b[1].child
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    await api(CHECK_IN, {"id": str(here.id)}, token=teacher)
    for family, kind, extra in (
        (world.families_a[1], "SICK", {}),
        (world.families_b[0], "LATE", {"plannedArrivalTime": "11:00:00"}),
    ):
        guardian = await api.login(family.guardian_login, PASSWORD)
        document = {
            "input": {
                "childId": str(family.child.id),
                "kind": kind,
                "startDate": "2031-06-10",
                **extra,
            }
        }
        assert (await api(REPORT, document, token=guardian)).errors == []
    day.at(9, 29, 59)
    assert await raise_missing_arrival_alerts(services, world.facility.id, TUESDAY) == 0
    assert kinds(await events(services, alert_stream(world.facility.id)), "missing_arrival") == []
    day.at(9, 30)
    assert await raise_missing_arrival_alerts(services, world.facility.id, TUESDAY) == 1
    assert await raise_missing_arrival_alerts(services, world.facility.id, TUESDAY) == 0
    day.at(10, 15)
    assert await raise_missing_arrival_alerts(services, world.facility.id, TUESDAY) == 0
    alert_events = await events(services, alert_stream(world.facility.id))
    (missing,) = [e for e in alert_events if e.kind == "missing_arrival"]
    assert missing.payload["child_id"] == str(silent.id)
    assert missing.payload["classroom_id"] == str(world.room_b.id)
    assert kinds(await events(services, classroom_stream(world.room_b.id)), "missing_arrival") == [
        "missing_arrival"
    ]
    assert await alerts_of(services, world.facility.id, "missing_arrival") == 1
    director = await api.login(world.logins["director"], PASSWORD)
    seen = await api(ALERTS, {"f": str(world.facility.id), "d": "2031-06-10"}, token=director)
    missing_alerts = [a for a in seen.data["attendanceAlerts"] if a["kind"] == "MISSING_ARRIVAL"]
    assert missing_alerts == [
        {
            "kind": "MISSING_ARRIVAL",
            "classroom": {"id": str(world.room_b.id)},
            "child": {"id": str(silent.id)},
            "childrenPresent": None,
            "staffPresent": None,
            "staffRequired": None,
        }
    ]
    # The teacher of room a sees only their class's alerts.
    mine = await api(ALERTS, {"f": str(world.facility.id), "d": "2031-06-10"}, token=teacher)
    assert all(a["classroom"]["id"] == str(world.room_a.id) for a in mine.data["attendanceAlerts"])


async def test_the_cutoff_is_each_facilitys_and_sundays_are_closed(api, services, day):
    world = await build_world(services.sessions)
    async with services.sessions.begin() as session:
        await session.execute(
            update(FacilityRow)
            .where(FacilityRow.id == world.facility.id)
            .values(arrival_cutoff=time(10))
        )
    day.at(9, 45)
    assert await raise_missing_arrival_alerts(services, world.facility.id, TUESDAY) == 0
    day.at(10)
    assert await raise_missing_arrival_alerts(services, world.facility.id, TUESDAY) == 4
    sunday = date(2031, 6, 15)
    day.at(11, day=sunday)
    assert await raise_missing_arrival_alerts(services, world.facility.id, sunday) == 0


async def test_the_scheduler_pass_raises_due_facilities_only(api, services, day):
    world = await build_world(services.sessions)
    day.at(9)
    before = await run_due_missing_arrival_alerts(services)
    assert world.facility.id not in before
    day.at(9, 31)
    due = await run_due_missing_arrival_alerts(services)
    assert due[world.facility.id] == 4
    again = await run_due_missing_arrival_alerts(services)
    assert again[world.facility.id] == 0


async def test_ratio_alert_when_a_room_goes_short_and_when_it_recovers(api, services, day):
    world = await build_world(services.sessions)
    first, second = (f.child for f in world.families_a)
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    director = await api.login(world.logins["director"], PASSWORD)
    room = {"c": str(world.room_a.id)}
    assert (await api(CLOCK_IN, room, token=teacher)).errors == []
    assert (await api(CLOCK_IN, room, token=director)).errors == []
    day.at(7, 45)
    await api(CHECK_IN, {"id": str(first.id)}, token=teacher)
    ratio = ("ratio_short", "ratio_restored")
    assert kinds(await events(services, alert_stream(world.facility.id)), *ratio) == []
    day.at(8)
    assert (await api(CLOCK_OUT, room, token=teacher)).errors == []  # 1 staff for 1 child
    assert kinds(await events(services, alert_stream(world.facility.id)), *ratio) == ["ratio_short"]
    day.at(8, 10)
    await api(CHECK_IN, {"id": str(second.id)}, token=director)  # still short: no new alert
    day.at(8, 20)
    await api(CLOCK_IN, room, token=teacher)
    assert kinds(await events(services, alert_stream(world.facility.id)), *ratio) == [
        "ratio_short",
        "ratio_restored",
    ]
    assert kinds(await events(services, classroom_stream(world.room_a.id)), *ratio) == [
        "ratio_short",
        "ratio_restored",
    ]
    seen = await api(ALERTS, {"f": str(world.facility.id), "d": "2031-06-10"}, token=director)
    assert seen.data["attendanceAlerts"] == [
        {
            "kind": "RATIO_SHORT",
            "classroom": {"id": str(world.room_a.id)},
            "child": None,
            "childrenPresent": 1,
            "staffPresent": 1,
            "staffRequired": 2,
        }
    ]


async def test_a_facilitys_own_ratio_applies(api, services, day):
    world = await build_world(services.sessions, per_room=3)
    async with services.sessions.begin() as session:
        await session.execute(
            update(FacilityRow)
            .where(FacilityRow.id == world.facility.id)
            .values(staff_ratios={"3": 1})
        )
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    director = await api.login(world.logins["director"], PASSWORD)
    for token in (teacher, director):
        await api(CLOCK_IN, {"c": str(world.room_a.id)}, token=token)
    for family in world.families_a[:2]:
        await api(CHECK_IN, {"id": str(family.child.id)}, token=teacher)
    assert await alerts_of(services, world.facility.id, "ratio_short") == 0
    await api(CHECK_IN, {"id": str(world.families_a[2].child.id)}, token=teacher)  # 3 children, 1:1
    assert await alerts_of(services, world.facility.id, "ratio_short") == 1


async def test_clocking_rules(api, services, day):
    world = await build_world(services.sessions)
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    director = await api.login(world.logins["director"], PASSWORD)
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    room_a, room_b = {"c": str(world.room_a.id)}, {"c": str(world.room_b.id)}
    assert only_error(await api(CLOCK_OUT, room_a, token=teacher))["extensions"] == {
        "code": "INVALID_TRANSITION"
    }
    assert (await api(CLOCK_IN, room_a, token=teacher)).errors == []
    twice = await api(CLOCK_IN, room_a, token=teacher)
    assert only_error(twice)["extensions"] == {"code": "INVALID_TRANSITION"}
    assert only_error(await api(CLOCK_IN, room_b, token=teacher))["extensions"] == {
        "code": "NOT_FOUND"
    }
    assert only_error(await api(CLOCK_IN, room_a, token=kiosk))["extensions"] == {
        "code": "FORBIDDEN"
    }
    await api(CLOCK_IN, room_a, token=director)
    elsewhere = await api(CLOCK_IN, room_b, token=director)
    assert only_error(elsewhere)["extensions"] == {"code": "INVALID_TRANSITION"}
    out = await api(CLOCK_OUT, room_a, token=director)
    assert out.data["clockOut"]["clockedOutAt"] is not None
    assert (await api(CLOCK_IN, room_b, token=director)).errors == []
    # A clock-out forgotten yesterday does not block today.
    day.at(7, 30, day=date(2031, 6, 11))
    assert (await api(CLOCK_IN, room_a, token=teacher)).errors == []


async def test_the_servers_scheduler_raises_them_by_itself(api, services, day):
    world = await build_world(services.sessions)
    day.at(9, 31)
    task = asyncio.create_task(missing_arrival_loop(services, every=0.05))
    try:
        for _ in range(100):
            if await alerts_of(services, world.facility.id, "missing_arrival") == 4:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert await alerts_of(services, world.facility.id, "missing_arrival") == 4


def test_the_cron_command_raises_them_too(database_url, monkeypatch):
    from click.testing import CliRunner

    from hoiku.cli import main
    from hoiku.settings import get_settings

    monkeypatch.setenv("HOIKU_DATABASE_URL", database_url)
    monkeypatch.delenv("HOIKU_REDIS_URL", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["alerts", "run"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "missing-arrival alerts raised" in result.output
