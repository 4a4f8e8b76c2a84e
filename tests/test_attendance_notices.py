"""Absence, late and early pick-up notices: validation, immutability, acknowledgement."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import text

from tests.attendance_support import (
    REPORT,
    TUESDAY,
    DayClock,
    child_stream,
    classroom_stream,
    events,
    notices_of,
    only_error,
)
from tests.factories import PASSWORD, build_world

ACK = """mutation($id: ID!) {
  acknowledgeNotice(noticeId: $id) { id acknowledgedAt acknowledgedBy } }"""
LIST = """query($c: ID!, $all: Boolean!) { notices(childId: $c, includeReplaced: $all) {
  id kind acknowledgedAt acknowledgedBy supersededBy { id } } }"""
CLERK_VIEW = """query($c: ID!) { notices(childId: $c) { kind startDate symptoms temperature } }"""


@pytest.fixture
def day(clock) -> Iterator[DayClock]:  # type: ignore[no-untyped-def]
    saved = clock.now
    moving = DayClock(clock)
    moving.at(7, 10)
    yield moving
    clock.now = saved


def sick(child_id, **extra):  # type: ignore[no-untyped-def]
    return {
        "input": {
            "childId": str(child_id),
            "kind": "SICK",
            "startDate": "2031-06-10",
            "endDate": "2031-06-11",
            "symptoms": ["FEVER", "COUGH"],
            "temperature": 38.4,
            "infectiousDisease": "インフルエンザ",
            "note": "昨夜から発熱",
            **extra,
        }
    }


async def test_guardian_sends_a_structured_sick_notice(api, services, day):
    world = await build_world(services.sessions)
    child = world.family.child
    guardian = await api.login(world.family.guardian_login, PASSWORD)
    result = await api(REPORT, sick(child.id), token=guardian)
    assert result.errors == []
    notice = result.data["reportAbsence"]
    assert notice["kind"] == "SICK"
    assert (notice["startDate"], notice["endDate"]) == ("2031-06-10", "2031-06-11")
    assert notice["symptoms"] == ["FEVER", "COUGH"]
    assert notice["temperature"] == 38.4
    assert notice["acknowledgedAt"] is None
    kinds = [
        (e.kind, e.payload["notice_id"]) for e in await events(services, child_stream(child.id))
    ]
    assert kinds == [("notice_sent", notice["id"])]
    assert [e.kind for e in await events(services, classroom_stream(world.room_a.id))] == [
        "notice_sent"
    ]
    # Health details are ciphertext at rest.
    async with services.sessions() as session:
        raw = await session.scalar(
            text("SELECT health || note FROM attendance_notice WHERE id = :id"),
            {"id": notice["id"]},
        )
    assert b"fever" not in raw and "インフルエンザ".encode() not in raw


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"startDate": "2031-06-09", "endDate": "2031-06-10"}, "startDate"),
        ({"temperature": 60.0}, "temperature"),
        ({"endDate": "2031-07-20"}, "endDate"),
        ({"kind": "LATE", "endDate": None}, "plannedArrivalTime"),
        ({"kind": "EARLY_PICKUP", "endDate": None, "pickupTime": "15:00:00"}, "pickupPerson"),
    ],
)
async def test_bad_notices_answer_the_field_and_write_nothing(api, services, day, change, field):
    world = await build_world(services.sessions)
    child = world.family.child
    guardian = await api.login(world.family.guardian_login, PASSWORD)
    result = await api(REPORT, sick(child.id, **change), token=guardian)
    assert only_error(result)["extensions"] == {"code": "BAD_USER_INPUT", "field": field}
    assert await notices_of(services, child.id) == 0
    assert await events(services, child_stream(child.id)) == []


async def test_late_and_early_pickup_notices(api, services, day):
    world = await build_world(services.sessions)
    child = world.family.child
    guardian = await api.login(world.family.guardian_login, PASSWORD)
    late = await api(
        REPORT,
        {
            "input": {
                "childId": str(child.id),
                "kind": "LATE",
                "startDate": "2031-06-10",
                "plannedArrivalTime": "10:30:00",
                "note": "通院のため",
            }
        },
        token=guardian,
    )
    assert late.data["reportAbsence"]["plannedArrivalTime"] == "10:30:00"
    early = await api(
        REPORT,
        {
            "input": {
                "childId": str(child.id),
                "kind": "EARLY_PICKUP",
                "startDate": "2031-06-12",
                "pickupPerson": "祖母 山田梅",
                "pickupTime": "15:00:00",
            }
        },
        token=guardian,
    )
    assert early.errors == []
    assert early.data["reportAbsence"]["pickupPerson"] == "祖母 山田梅"


async def test_only_guardians_send_and_only_for_their_own_children(api, services, day):
    world = await build_world(services.sessions)
    guardian = await api.login(world.family.guardian_login, PASSWORD)
    stranger = world.families_a[1].child
    result = await api(REPORT, sick(stranger.id), token=guardian)
    assert only_error(result)["extensions"] == {"code": "NOT_FOUND"}
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    staff = await api(REPORT, sick(world.family.child.id), token=teacher)
    assert only_error(staff)["extensions"] == {"code": "FORBIDDEN"}
    assert await notices_of(services, stranger.id) == 0
    assert await notices_of(services, world.family.child.id) == 0


async def test_a_change_is_a_new_notice_that_supersedes_the_old(api, services, day):
    world = await build_world(services.sessions)
    child = world.family.child
    guardian = await api.login(world.family.guardian_login, PASSWORD)
    first = (await api(REPORT, sick(child.id), token=guardian)).data["reportAbsence"]
    second = await api(
        REPORT, sick(child.id, endDate="2031-06-13", supersedes=first["id"]), token=guardian
    )
    assert second.errors == []
    changed = second.data["reportAbsence"]
    assert changed["supersedes"] == {"id": first["id"]}
    # The old one is kept, unchanged, and points at its replacement.
    listed = await api(LIST, {"c": str(child.id), "all": True}, token=guardian)
    by_id = {n["id"]: n for n in listed.data["notices"]}
    assert by_id[first["id"]]["supersededBy"] == {"id": changed["id"]}
    current = await api(LIST, {"c": str(child.id), "all": False}, token=guardian)
    assert [n["id"] for n in current.data["notices"]] == [changed["id"]]
    # Replacing the old one again forks nothing.
    fork = await api(REPORT, sick(child.id, supersedes=first["id"]), token=guardian)
    assert only_error(fork)["extensions"] == {"code": "INVALID_TRANSITION"}
    assert await notices_of(services, child.id) == 2


async def test_staff_acknowledge_and_the_guardian_sees_it(api, services, day):
    world = await build_world(services.sessions)
    child = world.family.child
    guardian = await api.login(world.family.guardian_login, PASSWORD)
    notice = (await api(REPORT, sick(child.id), token=guardian)).data["reportAbsence"]
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    day.at(7, 40)
    acked = await api(ACK, {"id": notice["id"]}, token=teacher)
    assert acked.errors == []
    assert acked.data["acknowledgeNotice"]["acknowledgedBy"] == "teacher"
    seen = await api(LIST, {"c": str(child.id), "all": False}, token=guardian)
    (mine,) = seen.data["notices"]
    assert mine["acknowledgedBy"] == "teacher"
    acked_at = acked.data["acknowledgeNotice"]["acknowledgedAt"]
    assert datetime.fromisoformat(mine["acknowledgedAt"]) == datetime.fromisoformat(acked_at)
    day.at(7, 50)
    again = await api(ACK, {"id": notice["id"]}, token=teacher)
    assert datetime.fromisoformat(again.data["acknowledgeNotice"]["acknowledgedAt"]) == (
        datetime.fromisoformat(acked_at)
    )
    kinds = [e.kind for e in await events(services, child_stream(child.id))]
    assert kinds == ["notice_sent", "notice_acknowledged"]
    refused = await api(ACK, {"id": notice["id"]}, token=guardian)
    assert only_error(refused)["extensions"] == {"code": "FORBIDDEN"}


async def test_teachers_of_other_classes_cannot_acknowledge(api, services, day):
    world = await build_world(services.sessions)
    child = world.families_b[0].child  # room b: not the teacher's
    guardian = await api.login(world.families_b[0].guardian_login, PASSWORD)
    notice = (await api(REPORT, sick(child.id), token=guardian)).data["reportAbsence"]
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    result = await api(ACK, {"id": notice["id"]}, token=teacher)
    assert only_error(result)["extensions"] == {"code": "NOT_FOUND"}


async def test_health_details_follow_the_access_policy(api, services, day):
    world = await build_world(services.sessions)
    child = world.family.child
    guardian = await api.login(world.family.guardian_login, PASSWORD)
    await api(REPORT, sick(child.id), token=guardian)
    clerk = await api.login(world.logins["clerk"], PASSWORD)
    result = await api(CLERK_VIEW, {"c": str(child.id)}, token=clerk)
    assert result.data["notices"] == [
        {"kind": "SICK", "startDate": TUESDAY.isoformat(), "symptoms": None, "temperature": None}
    ]
    assert sorted(e["extensions"]["code"] for e in result.errors) == ["FORBIDDEN", "FORBIDDEN"]
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    hidden = await api(CLERK_VIEW, {"c": str(child.id)}, token=kiosk)
    assert only_error(hidden)["extensions"] == {"code": "FORBIDDEN"}
