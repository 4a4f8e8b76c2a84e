"""The entrance tablet: QR codes, PINs, lock-out, and the pick-up restriction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from persistence.models import AccountRow, AttendanceAlertRow, FamilyQrTokenRow, KioskPinRow
from tests.attendance_support import (
    CHECK_IN,
    CHECK_OUT,
    KIOSK_STAMP,
    DayClock,
    alert_stream,
    alerts_of,
    child_stream,
    classroom_stream,
    count,
    events,
    only_error,
    stamps_of,
)
from tests.factories import PASSWORD, build_world, password_hash

ISSUE = """mutation($id: ID!) { issueFamilyQrToken(guardianId: $id) { token guardianId } }"""
LOGIN = "mutation($l: String!, $p: String!) { login(loginId: $l, password: $p) { accessToken } }"
SET_PIN = """mutation($input: SetPinInput!) { setPin(input: $input) }"""
ALERTS = """query($f: ID!, $d: Date!) { attendanceAlerts(facilityId: $f, date: $d) {
  kind child { id } presentedBy { id pickupRestricted pickupRestrictionReason } } }"""


@pytest.fixture
def day(clock) -> Iterator[DayClock]:  # type: ignore[no-untyped-def]
    saved = clock.now
    moving = DayClock(clock)
    moving.at(8, 0)
    yield moving
    clock.now = saved


def kiosk_input(child_id, kind, **credential):  # type: ignore[no-untyped-def]
    return {"input": {"childId": str(child_id), "kind": kind, **credential}}


async def issue_token(api, world, guardian) -> str:  # type: ignore[no-untyped-def]
    director = await api.login(world.logins["director"], PASSWORD)
    result = await api(ISSUE, {"id": str(guardian.id)}, token=director)
    assert result.errors == []
    return str(result.data["issueFamilyQrToken"]["token"])


async def test_family_qr_code_stamps_arrival_and_pickup(api, services, day):
    world = await build_world(services.sessions)
    family = world.family
    token = await issue_token(api, world, family.guardian)
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    arrival = await api(
        KIOSK_STAMP, kiosk_input(family.child.id, "ARRIVAL", qrToken=token), token=kiosk
    )
    assert arrival.errors == []
    assert arrival.data["kioskStamp"]["stamp"]["method"] == "KIOSK_QR"
    day.at(17)
    pickup = await api(
        KIOSK_STAMP, kiosk_input(family.child.id, "PICKUP", qrToken=token), token=kiosk
    )
    assert pickup.errors == []
    assert await stamps_of(services, family.child.id) == 2


async def test_the_token_is_stored_only_as_a_digest_and_rotation_revokes_it(api, services, day):
    world = await build_world(services.sessions)
    family = world.family
    old = await issue_token(api, world, family.guardian)
    new = await issue_token(api, world, family.guardian)
    async with services.sessions() as session:
        hashes = list(
            await session.scalars(
                select(FamilyQrTokenRow.token_hash).where(
                    FamilyQrTokenRow.guardian_id == family.guardian.id
                )
            )
        )
    assert len(hashes) == 2 and old not in hashes and new not in hashes
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    stale = await api(
        KIOSK_STAMP, kiosk_input(family.child.id, "ARRIVAL", qrToken=old), token=kiosk
    )
    assert only_error(stale)["extensions"] == {"code": "BAD_USER_INPUT", "field": "qrToken"}
    fresh = await api(
        KIOSK_STAMP, kiosk_input(family.child.id, "ARRIVAL", qrToken=new), token=kiosk
    )
    assert fresh.errors == []


async def test_unknown_qr_code_is_refused_and_writes_nothing(api, services, day):
    world = await build_world(services.sessions)
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    child = world.family.child
    result = await api(
        KIOSK_STAMP, kiosk_input(child.id, "ARRIVAL", qrToken="made-up"), token=kiosk
    )
    assert only_error(result)["extensions"] == {"code": "BAD_USER_INPUT", "field": "qrToken"}
    assert await stamps_of(services, child.id) == 0
    assert await events(services, child_stream(child.id)) == []


async def test_only_office_staff_issue_qr_codes(api, services, day):
    world = await build_world(services.sessions)
    for role in ("teacher", "kiosk", "guardian"):
        token = await api.login(world.logins[role], PASSWORD)
        result = await api(ISSUE, {"id": str(world.family.guardian.id)}, token=token)
        assert only_error(result)["extensions"] == {"code": "FORBIDDEN"}, role
    assert (
        await count(
            services, FamilyQrTokenRow, FamilyQrTokenRow.guardian_id == world.family.guardian.id
        )
        == 0
    )


async def test_an_adults_own_pin_stamps_at_the_kiosk(api, services, day):
    world = await build_world(services.sessions)
    family = world.family
    guardian = await api.login(family.guardian_login, PASSWORD)
    assert (await api(SET_PIN, {"input": {"pin": "2468"}}, token=guardian)).data == {"setPin": True}
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    result = await api(
        KIOSK_STAMP, kiosk_input(family.child.id, "ARRIVAL", pin="2468"), token=kiosk
    )
    assert result.errors == []
    assert result.data["kioskStamp"]["stamp"]["method"] == "KIOSK_PIN"
    async with services.sessions() as session:
        stored = await session.scalar(
            select(KioskPinRow.pin_hash).where(KioskPinRow.guardian_id == family.guardian.id)
        )
    assert stored is not None and stored.startswith("$argon2") and "2468" not in stored


async def test_a_pickup_persons_pin_set_by_the_office_collects_the_child(api, services, day):
    world = await build_world(services.sessions)
    family = world.family
    async with services.sessions() as session:
        from persistence.models import PickupPersonRow

        person = await session.scalar(
            select(PickupPersonRow).where(PickupPersonRow.child_id == family.child.id)
        )
    clerk = await api.login(world.logins["clerk"], PASSWORD)
    set_result = await api(
        SET_PIN, {"input": {"pin": "13579", "pickupPersonId": str(person.id)}}, token=clerk
    )
    assert set_result.errors == []
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    await api(CHECK_IN, {"id": str(family.child.id)}, token=teacher)
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    day.at(16)
    pickup = await api(
        KIOSK_STAMP, kiosk_input(family.child.id, "PICKUP", pin="13579"), token=kiosk
    )
    assert pickup.errors == []


async def test_guardians_set_only_their_own_pin(api, services, day):
    world = await build_world(services.sessions)
    guardian = await api.login(world.family.guardian_login, PASSWORD)
    result = await api(
        SET_PIN,
        {"input": {"pin": "1111", "guardianId": str(world.family.co_guardian.id)}},
        token=guardian,
    )
    assert only_error(result)["extensions"] == {"code": "FORBIDDEN"}
    bad = await api(SET_PIN, {"input": {"pin": "12"}}, token=guardian)
    assert only_error(bad)["extensions"] == {"code": "BAD_USER_INPUT", "field": "pin"}
    assert (
        await count(services, KioskPinRow, KioskPinRow.guardian_id == world.family.co_guardian.id)
        == 0
    )


async def test_wrong_pins_lock_the_childs_pin_pad(api, services, day):
    world = await build_world(services.sessions)
    family = world.family
    guardian = await api.login(family.guardian_login, PASSWORD)
    await api(SET_PIN, {"input": {"pin": "2468"}}, token=guardian)
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    for attempt in range(services.login_max_failures):
        wrong = await api(
            KIOSK_STAMP, kiosk_input(family.child.id, "ARRIVAL", pin=f"000{attempt}"), token=kiosk
        )
        assert only_error(wrong)["extensions"] == {"code": "BAD_USER_INPUT", "field": "pin"}
    locked = await api(
        KIOSK_STAMP, kiosk_input(family.child.id, "ARRIVAL", pin="2468"), token=kiosk
    )
    assert only_error(locked)["extensions"] == {"code": "RATE_LIMITED"}
    assert await stamps_of(services, family.child.id) == 0
    assert await events(services, child_stream(family.child.id)) == []
    day.at(8, 16)  # the lock lasts login_lock_minutes (15)
    opened = await api(
        KIOSK_STAMP, kiosk_input(family.child.id, "ARRIVAL", pin="2468"), token=kiosk
    )
    assert opened.errors == []


async def test_kiosk_cannot_stamp_a_child_of_another_facility(api, services, day):
    world = await build_world(services.sessions)
    other = await build_world(services.sessions)
    token = await issue_token(api, other, other.family.guardian)
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    result = await api(
        KIOSK_STAMP, kiosk_input(other.family.child.id, "ARRIVAL", qrToken=token), token=kiosk
    )
    assert only_error(result)["extensions"] == {"code": "NOT_FOUND"}
    pin = await api(
        KIOSK_STAMP, kiosk_input(other.family.child.id, "ARRIVAL", pin="1234"), token=kiosk
    )
    assert only_error(pin)["extensions"] == {"code": "NOT_FOUND"}
    assert await stamps_of(services, other.family.child.id) == 0


async def test_only_the_kiosk_uses_kiosk_stamp(api, services, day):
    world = await build_world(services.sessions)
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    result = await api(
        KIOSK_STAMP, kiosk_input(world.family.child.id, "ARRIVAL", pin="1234"), token=teacher
    )
    assert only_error(result)["extensions"] == {"code": "FORBIDDEN"}


async def test_restricted_pickup_is_refused_and_alerts_staff_only(api, services, day):
    world = await build_world(services.sessions)
    family = world.family  # the co-guardian's pick-up is restricted in the factory
    co_guardian = await api.login(family.co_guardian_login, PASSWORD)
    await api(SET_PIN, {"input": {"pin": "9753"}}, token=co_guardian)
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    # A restricted guardian may still bring the child in.
    arrival = await api(
        KIOSK_STAMP, kiosk_input(family.child.id, "ARRIVAL", pin="9753"), token=kiosk
    )
    assert arrival.errors == []
    day.at(15)
    refused = await api(
        KIOSK_STAMP,
        kiosk_input(family.child.id, "PICKUP", pin="9753", idempotencyKey="p1"),
        token=kiosk,
    )
    error = only_error(refused)
    assert error["extensions"] == {"code": "PICKUP_REFUSED"}
    assert "接近" not in error["message"] and "restrict" not in error["message"].lower()
    assert await stamps_of(services, family.child.id) == 1
    # The alert: on the facility's alert stream and the class's, never the child's.
    alert_events = [
        e
        for e in await events(services, alert_stream(world.facility.id))
        if e.kind != "ratio_short"
    ]
    assert [e.kind for e in alert_events] == ["pickup_refused"]
    assert set(alert_events[0].payload) == {"alert_id", "child_id", "classroom_id"}
    class_kinds = [e.kind for e in await events(services, classroom_stream(world.room_a.id))]
    assert "pickup_refused" in class_kinds
    assert [e.kind for e in await events(services, child_stream(family.child.id))] == ["checked_in"]
    # A retry with the same key refuses again but alerts once.
    again = await api(
        KIOSK_STAMP,
        kiosk_input(family.child.id, "PICKUP", pin="9753", idempotencyKey="p1"),
        token=kiosk,
    )
    assert only_error(again)["extensions"] == {"code": "PICKUP_REFUSED"}
    assert await alerts_of(services, world.facility.id, "pickup_refused") == 1
    # The director sees who was refused and why; a guardian cannot read alerts.
    director = await api.login(world.logins["director"], PASSWORD)
    seen = await api(ALERTS, {"f": str(world.facility.id), "d": "2031-06-10"}, token=director)
    refusals = [a for a in seen.data["attendanceAlerts"] if a["kind"] == "PICKUP_REFUSED"]
    assert refusals == [
        {
            "kind": "PICKUP_REFUSED",
            "child": {"id": str(family.child.id)},
            "presentedBy": {
                "id": str(family.co_guardian.id),
                "pickupRestricted": True,
                "pickupRestrictionReason": "接近禁止命令",
            },
        }
    ]
    guardian = await api.login(family.guardian_login, PASSWORD)
    hidden = await api(ALERTS, {"f": str(world.facility.id), "d": "2031-06-10"}, token=guardian)
    assert only_error(hidden)["extensions"] == {"code": "FORBIDDEN"}


async def test_restricted_guardian_is_refused_on_the_phone_too(api, services, day):
    world = await build_world(services.sessions)
    family = world.family
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    await api(CHECK_IN, {"id": str(family.child.id)}, token=teacher)
    co_guardian = await api.login(family.co_guardian_login, PASSWORD)
    result = await api(CHECK_OUT, {"id": str(family.child.id)}, token=co_guardian)
    assert only_error(result)["extensions"] == {"code": "PICKUP_REFUSED"}
    assert await alerts_of(services, world.facility.id, "pickup_refused") == 1
    assert await stamps_of(services, family.child.id) == 1


async def test_another_familys_code_cannot_collect_a_child(api, services, day):
    world = await build_world(services.sessions)
    mine, theirs = world.families_a
    token = await issue_token(api, world, theirs.guardian)
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    arrival = await api(
        KIOSK_STAMP, kiosk_input(mine.child.id, "ARRIVAL", qrToken=token), token=kiosk
    )
    assert only_error(arrival)["extensions"] == {"code": "NOT_FOUND"}
    teacher = await api.login(world.logins["teacher"], PASSWORD)
    await api(CHECK_IN, {"id": str(mine.child.id)}, token=teacher)
    pickup = await api(
        KIOSK_STAMP, kiosk_input(mine.child.id, "PICKUP", qrToken=token), token=kiosk
    )
    assert only_error(pickup)["extensions"] == {"code": "PICKUP_REFUSED"}
    async with services.sessions() as session:
        alert = await session.scalar(
            select(AttendanceAlertRow).where(AttendanceAlertRow.child_id == mine.child.id)
        )
    assert alert is not None and alert.guardian_id == theirs.guardian.id


async def test_failed_sign_ins_named_after_a_pin_pad_do_not_lock_it(api, services, day):
    world = await build_world(services.sessions)
    family = world.family
    guardian = await api.login(family.guardian_login, PASSWORD)
    await api(SET_PIN, {"input": {"pin": "2468"}}, token=guardian)
    for attempt in range(services.login_max_failures + 1):
        failed = await api(LOGIN, {"l": f"kiosk-pin:{family.child.id}", "p": f"x{attempt}"})
        assert failed.data is None
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    stamped = await api(
        KIOSK_STAMP, kiosk_input(family.child.id, "ARRIVAL", pin="2468"), token=kiosk
    )
    assert stamped.errors == []


async def test_a_correct_pin_resets_the_wrong_pin_count(api, services, day):
    world = await build_world(services.sessions)
    family = world.family
    guardian = await api.login(family.guardian_login, PASSWORD)
    await api(SET_PIN, {"input": {"pin": "2468"}}, token=guardian)
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)

    async def attempt(kind, pin):  # type: ignore[no-untyped-def]
        return await api(KIOSK_STAMP, kiosk_input(family.child.id, kind, pin=pin), token=kiosk)

    for n in range(services.login_max_failures - 1):
        assert only_error(await attempt("ARRIVAL", f"000{n}"))["extensions"]["field"] == "pin"
    assert (await attempt("ARRIVAL", "2468")).errors == []
    assert only_error(await attempt("PICKUP", "0009"))["extensions"]["field"] == "pin"
    assert (await attempt("PICKUP", "2468")).errors == []


async def test_one_kiosks_wrong_pins_do_not_lock_another_kiosk(api, services, day):
    world = await build_world(services.sessions)
    family = world.family
    guardian = await api.login(family.guardian_login, PASSWORD)
    await api(SET_PIN, {"input": {"pin": "2468"}}, token=guardian)
    async with services.sessions.begin() as session:
        session.add(
            AccountRow(
                login_id=f"{world.tag}.kiosk2",
                password_hash=password_hash(),
                role="kiosk",
                display_name="second tablet",
                facility_id=world.facility.id,
            )
        )
    first = await api.login(world.logins["kiosk"], PASSWORD)
    second = await api.login(f"{world.tag}.kiosk2", PASSWORD)
    for n in range(services.login_max_failures):
        await api(KIOSK_STAMP, kiosk_input(family.child.id, "ARRIVAL", pin=f"000{n}"), token=first)
    locked = await api(
        KIOSK_STAMP, kiosk_input(family.child.id, "ARRIVAL", pin="2468"), token=first
    )
    assert only_error(locked)["extensions"] == {"code": "RATE_LIMITED"}
    opened = await api(
        KIOSK_STAMP, kiosk_input(family.child.id, "ARRIVAL", pin="2468"), token=second
    )
    assert opened.errors == []


@pytest.mark.parametrize("pin", ["1234\n", "1234 ", " 1234", "１２３４", "12345678\n", "123a"])
async def test_a_pin_no_keypad_can_type_is_refused(api, services, pin):
    world = await build_world(services.sessions)
    guardian = await api.login(world.family.guardian_login, PASSWORD)
    result = await api(SET_PIN, {"input": {"pin": pin}}, token=guardian)
    assert only_error(result)["extensions"] == {"code": "BAD_USER_INPUT", "field": "pin"}
    assert (
        await count(services, KioskPinRow, KioskPinRow.guardian_id == world.family.guardian.id) == 0
    )


async def test_a_reused_key_never_silences_a_refused_pickup_of_another_child(api, services, day):
    """Issue 6 item 5: idempotency is per (account, key, operation and its arguments)."""
    world = await build_world(services.sessions)
    first, second = world.families_a[0], world.families_a[1]
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    for family in (first, second):
        co_guardian = await api.login(family.co_guardian_login, PASSWORD)
        assert (await api(SET_PIN, {"input": {"pin": "9753"}}, token=co_guardian)).errors == []
        arrival = kiosk_input(family.child.id, "ARRIVAL", pin="9753")
        assert (await api(KIOSK_STAMP, arrival, token=kiosk)).errors == []
    day.at(15)
    pickup_a = kiosk_input(first.child.id, "PICKUP", pin="9753", idempotencyKey="K")
    refused = await api(KIOSK_STAMP, pickup_a, token=kiosk)
    assert only_error(refused)["extensions"] == {"code": "PICKUP_REFUSED"}
    pickup_b = kiosk_input(second.child.id, "PICKUP", pin="9753", idempotencyKey="K")
    reused = await api(KIOSK_STAMP, pickup_b, token=kiosk)
    assert only_error(reused)["extensions"] == {"code": "CONFLICT"}
    # Both refusals alerted the class, each naming its own child.
    director = await api.login(world.logins["director"], PASSWORD)
    seen = await api(ALERTS, {"f": str(world.facility.id), "d": "2031-06-10"}, token=director)
    refused_children = sorted(
        a["child"]["id"] for a in seen.data["attendanceAlerts"] if a["kind"] == "PICKUP_REFUSED"
    )
    assert refused_children == sorted([str(first.child.id), str(second.child.id)])
    # The same request again (same key, same arguments) replays: no new alert.
    again = await api(KIOSK_STAMP, pickup_a, token=kiosk)
    assert only_error(again)["extensions"] == {"code": "PICKUP_REFUSED"}
    assert await alerts_of(services, world.facility.id, "pickup_refused") == 2


async def test_a_key_used_for_a_refusal_conflicts_with_another_stamp(api, services, day):
    world = await build_world(services.sessions)
    first, second = world.families_a[0], world.families_a[1]
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    co_guardian = await api.login(first.co_guardian_login, PASSWORD)
    assert (await api(SET_PIN, {"input": {"pin": "9753"}}, token=co_guardian)).errors == []
    refused = await api(
        KIOSK_STAMP,
        kiosk_input(first.child.id, "PICKUP", pin="9753", idempotencyKey="R"),
        token=kiosk,
    )
    assert only_error(refused)["extensions"] == {"code": "PICKUP_REFUSED"}
    guardian = await api.login(second.guardian_login, PASSWORD)
    assert (await api(SET_PIN, {"input": {"pin": "2468"}}, token=guardian)).errors == []
    arrival = kiosk_input(second.child.id, "ARRIVAL", pin="2468", idempotencyKey="R")
    conflict = await api(KIOSK_STAMP, arrival, token=kiosk)
    assert only_error(conflict)["extensions"] == {"code": "CONFLICT"}
    assert await stamps_of(services, second.child.id) == 0
