"""A stamp costs a fixed number of SQL statements, however large the class."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.attendance_support import CHECK_IN, DayClock
from tests.factories import PASSWORD, build_world
from tests.support import recorded_statements

ISSUE = "mutation($g: ID!) { issueFamilyQrToken(guardianId: $g) { token } }"
KIOSK_STAMP = """mutation($input: KioskStampInput!) {
  kioskStamp(input: $input) { stamp { id kind at method } replayed } }"""

# token generation check; child + scope + class lock; QR holder and rights; the class's
# stamps of the day; the stamp insert; the audit insert; the classroom and child stream
# heads with their two events (one statement). No staff count: a second child does not
# change the staff a 3-year-olds' room requires.
KIOSK_STAMP_STATEMENTS = 7


@pytest.fixture
def day(clock) -> Iterator[DayClock]:  # type: ignore[no-untyped-def]
    saved = clock.now
    moving = DayClock(clock)
    moving.at(8, 0)
    yield moving
    clock.now = saved


@pytest.mark.parametrize("per_room", [2, 12])
async def test_a_kiosk_stamp_costs_a_fixed_number_of_statements(api, services, day, per_room):
    world = await build_world(services.sessions, per_room=per_room)
    director = await api.login(world.logins["director"], PASSWORD)
    kiosk = await api.login(world.logins["kiosk"], PASSWORD)
    first, second = world.families_a[0], world.families_a[1]
    await api(CHECK_IN, {"id": str(first.child.id)}, token=director)
    issued = await api(ISSUE, {"g": str(second.guardian.id)}, token=director)
    token = issued.data["issueFamilyQrToken"]["token"]
    kiosk_id = (await api("{ viewer { id } }", token=kiosk)).data["viewer"]["id"]
    services.generations.forget(uuid.UUID(kiosk_id))
    variables = {"input": {"childId": str(second.child.id), "kind": "ARRIVAL", "qrToken": token}}
    with recorded_statements(services) as statements:
        result = await api(KIOSK_STAMP, variables, token=kiosk)
    assert result.errors == []
    assert len(statements) == KIOSK_STAMP_STATEMENTS, "\n\n".join(statements)
