"""Staff corrections: a new stamp supersedes the old one; the history stays."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.attendance_support import (
    CHECK_IN,
    CHECK_OUT,
    DayClock,
    child_stream,
    events,
    only_error,
    stamps_of,
)
from tests.factories import PASSWORD, build_world

CORRECT = """mutation($input: CorrectStampInput!) { correctStamp(input: $input) {
  stamp { id kind at voided reason corrects { id } } replayed } }"""
HISTORY = """query($id: ID!, $d: Date!) { child(id: $id) { stampHistory(date: $d) {
  id kind at voided reason method correctedBy { id } } todayStatus } }"""


@pytest.fixture
def day(clock) -> Iterator[DayClock]:  # type: ignore[no-untyped-def]
    saved = clock.now
    moving = DayClock(clock)
    moving.at(8, 30)
    yield moving
    clock.now = saved


async def stamped(api, world, document=CHECK_IN):  # type: ignore[no-untyped-def]
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    result = await api(document, {"id": str(world.family.child.id)}, token=teacher)
    key = "checkIn" if document is CHECK_IN else "checkOut"
    return teacher, result.data[key]["stamp"]


async def test_a_correction_keeps_the_original_and_its_reason(api, services, day):
    world = await build_world(services.sessions)
    teacher, original = await stamped(api, world)
    day.at(9)
    result = await api(
        CORRECT,
        {
            "input": {
                "stampId": original["id"],
                "at": "2031-06-10T08:05:00+09:00",
                "reason": "保護者が打刻を忘れたため",
                "idempotencyKey": "fix-1",
            }
        },
        token=teacher,
    )
    assert result.errors == []
    fixed = result.data["correctStamp"]["stamp"]
    assert fixed["corrects"] == {"id": original["id"]}
    assert fixed["reason"] == "保護者が打刻を忘れたため"
    assert datetime.fromisoformat(fixed["at"]) == datetime.fromisoformat(
        "2031-06-10T08:05:00+09:00"
    )
    history = await api(
        HISTORY, {"id": str(world.family.child.id), "d": "2031-06-10"}, token=teacher
    )
    rows = history.data["child"]["stampHistory"]
    assert [(r["id"], r["correctedBy"]) for r in rows] == [
        (original["id"], {"id": fixed["id"]}),
        (fixed["id"], None),
    ]
    assert rows[1]["method"] == "STAFF"
    assert history.data["child"]["todayStatus"] == "ARRIVED"
    assert [e.kind for e in await events(services, child_stream(world.family.child.id))] == [
        "checked_in",
        "stamp_corrected",
    ]
    replay = await api(
        CORRECT,
        {
            "input": {
                "stampId": original["id"],
                "at": "2031-06-10T08:05:00+09:00",
                "reason": "保護者が打刻を忘れたため",
                "idempotencyKey": "fix-1",
            }
        },
        token=teacher,
    )
    assert replay.data["correctStamp"]["replayed"] is True
    assert await stamps_of(services, world.family.child.id) == 2


async def test_the_corrected_stamp_cannot_be_corrected_again(api, services, day):
    world = await build_world(services.sessions)
    teacher, original = await stamped(api, world)
    variables = {
        "input": {
            "stampId": original["id"],
            "at": "2031-06-10T08:10:00+09:00",
            "reason": "時刻の誤り",
        }
    }
    assert (await api(CORRECT, variables, token=teacher)).errors == []
    again = await api(CORRECT, variables, token=teacher)
    assert only_error(again)["extensions"] == {"code": "INVALID_TRANSITION"}
    assert await stamps_of(services, world.family.child.id) == 2


async def test_voiding_a_pickup_puts_the_child_back_in_the_room(api, services, day):
    world = await build_world(services.sessions)
    teacher, _ = await stamped(api, world)
    day.at(10)
    _, pickup = await stamped(api, world, CHECK_OUT)
    result = await api(
        CORRECT,
        {"input": {"stampId": pickup["id"], "void": True, "reason": "誤操作"}},
        token=teacher,
    )
    assert result.data["correctStamp"]["stamp"]["voided"] is True
    status = await api(
        HISTORY, {"id": str(world.family.child.id), "d": "2031-06-10"}, token=teacher
    )
    assert status.data["child"]["todayStatus"] == "ARRIVED"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"at": "2031-06-10T12:00:00+09:00"}, "at"),  # in the future
        ({"at": "2031-06-09T08:00:00+09:00"}, "at"),  # another day
        ({"at": None}, "at"),
    ],
)
async def test_bad_corrections_write_nothing(api, services, day, change, field):
    world = await build_world(services.sessions)
    teacher, original = await stamped(api, world)
    base = {"stampId": original["id"], "at": "2031-06-10T08:00:00+09:00", "reason": "誤り"}
    result = await api(CORRECT, {"input": base | change}, token=teacher)
    assert only_error(result)["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert await stamps_of(services, world.family.child.id) == 1


async def test_a_correction_must_keep_the_day_in_order(api, services, day):
    world = await build_world(services.sessions)
    teacher, arrival = await stamped(api, world)
    day.at(10)
    await stamped(api, world, CHECK_OUT)
    day.at(11)
    # Moving the arrival after the pick-up would make the day unreadable.
    result = await api(
        CORRECT,
        {"input": {"stampId": arrival["id"], "at": "2031-06-10T09:59:00+09:00", "reason": "x"}},
        token=teacher,
    )
    assert result.errors == []
    later = await api(
        CORRECT,
        {
            "input": {
                "stampId": result.data["correctStamp"]["stamp"]["id"],
                "at": "2031-06-10T10:00:01+09:00",
                "reason": "x",
            }
        },
        token=teacher,
    )
    assert only_error(later)["extensions"] == {"code": "INVALID_TRANSITION"}


async def test_history_and_corrections_are_for_staff_only(api, services, day):
    world = await build_world(services.sessions)
    _, original = await stamped(api, world)
    guardian = await api.login(world.family.guardian_login, PASSWORD)
    correct = await api(
        CORRECT, {"input": {"stampId": original["id"], "void": True, "reason": "x"}}, token=guardian
    )
    assert only_error(correct)["extensions"] == {"code": "FORBIDDEN"}
    history = await api(
        HISTORY, {"id": str(world.family.child.id), "d": "2031-06-10"}, token=guardian
    )
    assert only_error(history)["path"] == ["child", "stampHistory"]
    assert history.data["child"]["todayStatus"] == "ARRIVED"
    other_teacher_child = world.families_b[0].child
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    director = await api.login(world.logins["director"], PASSWORD)
    b_stamp = (await api(CHECK_IN, {"id": str(other_teacher_child.id)}, token=director)).data
    out_of_scope = await api(
        CORRECT,
        {"input": {"stampId": b_stamp["checkIn"]["stamp"]["id"], "void": True, "reason": "x"}},
        token=teacher,
    )
    assert only_error(out_of_scope)["extensions"] == {"code": "NOT_FOUND"}


async def test_stamps_are_append_only_in_the_database(api, services, day):
    world = await build_world(services.sessions)
    await stamped(api, world)
    with pytest.raises(DBAPIError, match="append-only"):
        async with services.sessions.begin() as session:
            await session.execute(
                text("UPDATE attendance_stamp SET at = now() WHERE child_id = :c"),
                {"c": world.family.child.id},
            )
