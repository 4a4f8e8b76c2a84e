"""Stamping through the API: who may stamp, idempotent replays, order rules, events."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest

from persistence.models import AttendanceStampRow
from tests.attendance_support import (
    CHECK_IN,
    CHECK_OUT,
    DayClock,
    child_stream,
    classroom_stream,
    count,
    events,
    only_error,
    stamps_of,
)
from tests.factories import PASSWORD, build_world


@pytest.fixture
def day(clock) -> Iterator[DayClock]:  # type: ignore[no-untyped-def]
    saved = clock.now
    moving = DayClock(clock)
    moving.at(8, 0)
    yield moving
    clock.now = saved


async def test_guardian_checks_in_own_child_on_the_server_clock(api, services, day):
    world = await build_world(services.sessions)
    child = world.family.child
    token = await api.login(world.family.guardian_login, PASSWORD)
    result = await api(CHECK_IN, {"id": str(child.id)}, token=token)
    assert result.errors == []
    stamp = result.data["checkIn"]["stamp"]
    assert stamp["kind"] == "ARRIVAL"
    assert stamp["method"] == "GUARDIAN_PHONE"
    assert datetime.fromisoformat(stamp["at"]) == day.clock.now
    assert result.data["checkIn"]["replayed"] is False
    class_events = await events(services, classroom_stream(world.room_a.id))
    child_events = await events(services, child_stream(child.id))
    # Nobody clocked in to the room yet: the first child present makes it short.
    assert [(e.seq, e.kind) for e in class_events] == [(1, "checked_in"), (2, "ratio_short")]
    assert [(e.seq, e.kind) for e in child_events] == [(1, "checked_in")]
    assert class_events[0].payload == {
        "child_id": str(child.id),
        "classroom_id": str(world.room_a.id),
        "stamp_id": stamp["id"],
    }


async def test_the_same_key_twice_returns_the_first_stamp_and_records_nothing(api, services, day):
    world = await build_world(services.sessions)
    child = world.family.child
    token = await api.login(world.family.guardian_login, PASSWORD)
    variables = {"id": str(child.id), "key": "tablet-queue-0001"}
    first = await api(CHECK_IN, variables, token=token)
    day.at(8, 5)
    second = await api(CHECK_IN, variables, token=token)
    assert second.errors == []
    assert second.data["checkIn"]["stamp"] == first.data["checkIn"]["stamp"]
    assert second.data["checkIn"]["replayed"] is True
    assert await stamps_of(services, child.id) == 1
    assert len(await events(services, child_stream(child.id))) == 1


async def test_concurrent_requests_with_one_key_make_one_stamp(api, services, day):
    world = await build_world(services.sessions)
    child = world.family.child
    token = await api.login(world.family.guardian_login, PASSWORD)
    variables = {"id": str(child.id), "key": "concurrent-key"}
    results = await asyncio.gather(*(api(CHECK_IN, variables, token=token) for _ in range(6)))
    assert [r.errors for r in results] == [[]] * 6
    assert len({r.data["checkIn"]["stamp"]["id"] for r in results}) == 1
    assert sorted(r.data["checkIn"]["replayed"] for r in results) == [False] + [True] * 5
    assert await stamps_of(services, child.id) == 1
    assert len(await events(services, child_stream(child.id))) == 1


async def test_a_key_reused_for_another_stamp_is_a_conflict(api, services, day):
    world = await build_world(services.sessions)
    token = await api.login(world.logins["teacher"], PASSWORD)
    first, second = world.families_a[0].child, world.families_a[1].child
    await api(CHECK_IN, {"id": str(first.id), "key": "k1"}, token=token)
    result = await api(CHECK_IN, {"id": str(second.id), "key": "k1"}, token=token)
    assert only_error(result)["extensions"] == {"code": "CONFLICT"}
    assert await stamps_of(services, second.id) == 0


async def test_check_out_without_check_in_is_refused_and_writes_nothing(api, services, day):
    world = await build_world(services.sessions)
    child = world.family.child
    token = await api.login(world.family.guardian_login, PASSWORD)
    result = await api(CHECK_OUT, {"id": str(child.id)}, token=token)
    error = only_error(result)
    assert error["extensions"] == {"code": "INVALID_TRANSITION"}
    assert error["path"] == ["checkOut"]
    assert await stamps_of(services, child.id) == 0
    assert await events(services, classroom_stream(world.room_a.id)) == []
    assert await events(services, child_stream(child.id)) == []


async def test_check_in_twice_is_refused(api, services, day):
    world = await build_world(services.sessions)
    child = world.family.child
    token = await api.login(world.logins["teacher"], PASSWORD)
    await api(CHECK_IN, {"id": str(child.id)}, token=token)
    result = await api(CHECK_IN, {"id": str(child.id)}, token=token)
    assert only_error(result)["extensions"] == {"code": "INVALID_TRANSITION"}
    assert await stamps_of(services, child.id) == 1


async def test_a_full_day_and_a_return(api, services, day):
    world = await build_world(services.sessions)
    child = world.family.child
    token = await api.login(world.logins["teacher"], PASSWORD)
    for hour, document in ((8, CHECK_IN), (11, CHECK_OUT), (13, CHECK_IN), (17, CHECK_OUT)):
        day.at(hour)
        assert (await api(document, {"id": str(child.id)}, token=token)).errors == []
    kinds = [e.kind for e in await events(services, child_stream(child.id))]
    assert kinds == ["checked_in", "checked_out", "checked_in", "checked_out"]


async def test_scope_decides_who_may_stamp_whom(api, services, day):
    world = await build_world(services.sessions)
    other = await build_world(services.sessions)
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    guardian = await api.login(world.family.guardian_login, PASSWORD)
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    outside = [
        (teacher, world.families_b[0].child.id),  # not the teacher's class
        (guardian, world.families_a[1].child.id),  # not the guardian's child
        (kiosk, other.family.child.id),  # another facility
        (teacher, uuid.uuid4()),  # no such child
    ]
    for token, child_id in outside:
        result = await api(CHECK_IN, {"id": str(child_id)}, token=token)
        assert only_error(result)["extensions"] == {"code": "NOT_FOUND"}
        assert await stamps_of(services, child_id) == 0


async def test_the_kiosk_taps_arrivals_but_needs_a_credential_for_pickups(api, services, day):
    world = await build_world(services.sessions)
    child = world.family.child
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    arrival = await api(CHECK_IN, {"id": str(child.id)}, token=kiosk)
    assert arrival.data["checkIn"]["stamp"]["method"] == "KIOSK_TAP"
    pickup = await api(CHECK_OUT, {"id": str(child.id)}, token=kiosk)
    assert only_error(pickup)["extensions"] == {"code": "FORBIDDEN"}
    assert await stamps_of(services, child.id) == 1


async def test_reporters_cannot_stamp(api, services, day):
    world = await build_world(services.sessions)
    reporter = await api.login(world.logins["reporter"], PASSWORD)
    result = await api(CHECK_IN, {"id": str(world.family.child.id)}, token=reporter)
    assert only_error(result)["extensions"] == {"code": "FORBIDDEN"}


async def test_malformed_ids_and_keys_are_bad_input(api, services, day):
    world = await build_world(services.sessions)
    token = await api.login(world.logins["teacher"], PASSWORD)
    bad_id = await api(CHECK_IN, {"id": "not-an-id"}, token=token)
    assert only_error(bad_id)["extensions"] == {"code": "BAD_USER_INPUT", "field": "childId"}
    bad_key = await api(CHECK_IN, {"id": str(world.family.child.id), "key": "x" * 101}, token=token)
    assert only_error(bad_key)["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "idempotencyKey",
    }


async def test_concurrent_stamps_on_one_class_get_gapless_ordered_seqs(api, services, day):
    world = await build_world(services.sessions, per_room=20)
    token = await api.login(world.logins["teacher"], PASSWORD)
    children = [f.child for f in world.families_a]
    results = await asyncio.gather(
        *(api(CHECK_IN, {"id": str(c.id)}, token=token) for c in children)
    )
    assert [r.errors for r in results] == [[]] * 20
    stream = await events(services, classroom_stream(world.room_a.id))
    arrivals = [e for e in stream if e.kind == "checked_in"]
    assert [e.seq for e in stream] == list(range(1, len(stream) + 1))
    assert len(arrivals) == 20
    assert {e.payload["child_id"] for e in arrivals} == {str(c.id) for c in children}
    # Seqs follow commit order: the database's own insertion order agrees.
    assert [e.id for e in stream] == sorted(e.id for e in stream)
    assert (
        await count(
            services, AttendanceStampRow, AttendanceStampRow.classroom_id == world.room_a.id
        )
        == 20
    )


async def test_sql_and_python_agree_on_a_classrooms_lock_key(services):
    from sqlalchemy import literal, select

    from persistence.attendance.stamps import classroom_lock_key, classroom_lock_key_sql

    async with services.sessions() as session:
        for _ in range(20):
            room = uuid.uuid4()
            key = await session.scalar(select(classroom_lock_key_sql(literal(room))))
            assert key == classroom_lock_key(room)
