"""A guardian whose pick-up is restricted learns nothing of the child's whereabouts.

Issue 6 item 7: the restricted guardian followed ``childAttendanceChanged`` and got the
check-out and the other guardian's early pick-up notice (who collects, and when).
PRODUCT.md: such a guardian sees neither the child's attendance, queried or live, nor
notices written by others; the restriction never shows, not even as an error naming it.
In the factory, each family's co-guardian is the restricted one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from domain.attendance import local_day
from hoiku.app import create_app
from hoiku.settings import Settings
from resolvers.services import Services
from tests.factories import PASSWORD, World, build_world
from tests.realtime_support import (
    TEST_SECRET,
    GraphQLWS,
    InProcessServer,
    http_call,
    in_process_server,
    login,
    subscription,
)
from tests.services import RedisServer, started_redis

STATUS = "query($id: ID!) { child(id: $id) { id todayStatus } }"
NOTICES = "query($id: ID!) { notices(childId: $id) { kind pickupPerson pickupTime } }"
HISTORY = "query($id: ID!, $d: Date!) { child(id: $id) { stampHistory(date: $d) { id } } }"
BOARD = "query($c: ID!, $d: Date!) { attendanceBoard(classroomId: $c, date: $d) { date } }"
REPORT = """mutation($input: ReportAbsenceInput!) { reportAbsence(input: $input) { id } }"""
CHECK_IN = "mutation($id: ID!) { checkIn(childId: $id) { stamp { id } } }"
CHECK_OUT = "mutation($id: ID!) { checkOut(childId: $id) { stamp { id } } }"
LIVE = subscription(
    "childAttendanceChanged", "kind stamp { kind } notice { pickupPerson pickupTime }"
)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def server(services: Services) -> AsyncIterator[InProcessServer]:
    redis: RedisServer = await started_redis()
    own = dataclasses.replace(services, hub=None, publisher=None, session_watch=None)
    settings = Settings(redis_url=redis.url, secret_key=TEST_SECRET)
    try:
        async with in_process_server(create_app(settings, services=own)) as running:
            yield running
    finally:
        await redis.kill()


@dataclasses.dataclass
class Family:
    world: World
    today: str
    tokens: dict[str, str]

    async def call(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        return await http_call(self.base_url, query, variables, token=self.tokens[who])

    base_url: str = ""


@pytest_asyncio.fixture(loop_scope="session")
async def family(server: InProcessServer, services: Services) -> Family:
    world = await build_world(services.sessions)
    tokens = {
        "guardian": await login(server.base_url, world.family.guardian_login, PASSWORD),
        "restricted": await login(server.base_url, world.family.co_guardian_login, PASSWORD),
        "teacher": await login(server.base_url, world.logins["teacher"], PASSWORD),
    }
    today = local_day(services.clock()).isoformat()
    return Family(world, today, tokens, server.base_url)


async def _early_pickup(family: Family, who: str) -> dict[str, Any]:
    notice = {
        "childId": str(family.world.family.child.id),
        "kind": "EARLY_PICKUP",
        "startDate": family.today,
        "pickupPerson": "祖母 花子",
        "pickupTime": "15:00:00",
    }
    return await family.call(who, REPORT, input=notice)


def _codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_the_restricted_guardian_queries_no_attendance_and_no_others_notices(family):
    child = str(family.world.family.child.id)
    assert "errors" not in await _early_pickup(family, "guardian")
    assert "errors" not in await family.call("teacher", CHECK_IN, id=child)
    # The other guardian sees both.
    seen = await family.call("guardian", STATUS, id=child)
    assert seen["data"]["child"]["todayStatus"] == "ARRIVED"
    listed = await family.call("guardian", NOTICES, id=child)
    assert listed["data"]["notices"] == [
        {"kind": "EARLY_PICKUP", "pickupPerson": "祖母 花子", "pickupTime": "15:00:00"}
    ]
    # The restricted guardian: the child's record, but no status and no notice.
    status = await family.call("restricted", STATUS, id=child)
    assert status["data"] == {"child": {"id": child, "todayStatus": None}}
    assert _codes(status) == ["FORBIDDEN"]
    assert status["errors"][0]["path"] == ["child", "todayStatus"]
    assert "restrict" not in status["errors"][0]["message"].lower()
    assert await family.call("restricted", NOTICES, id=child) == {"data": {"notices": []}}
    for query, variables in (
        (HISTORY, {"id": child, "d": family.today}),
        (BOARD, {"c": str(family.world.room_a.id), "d": family.today}),
    ):
        assert _codes(await family.call("restricted", query, **variables)) == ["FORBIDDEN"]


async def test_the_restricted_guardian_still_sees_the_notices_they_sent(family):
    child = str(family.world.family.child.id)
    assert "errors" not in await _early_pickup(family, "guardian")
    assert "errors" not in await _early_pickup(family, "restricted")
    listed = await family.call("restricted", NOTICES, id=child)
    assert len(listed["data"]["notices"]) == 1


async def test_the_restricted_guardian_cannot_follow_the_child_live(family, server):
    child = family.world.family.child
    async with (
        GraphQLWS.connect(server.ws_url, family.tokens["guardian"]) as allowed,
        GraphQLWS.connect(server.ws_url, family.tokens["restricted"]) as restricted,
    ):
        theirs = await allowed.subscribe(LIVE, {"id": str(child.id)})
        hidden = await restricted.subscribe(LIVE, {"id": str(child.id)})
        refusal = await hidden.next()
        await _early_pickup(family, "guardian")
        await family.call("teacher", CHECK_IN, id=str(child.id))
        await family.call("teacher", CHECK_OUT, id=str(child.id))
        received = [(await theirs.payload())["data"]["childAttendanceChanged"] for _ in range(3)]
        with pytest.raises(TimeoutError):
            await hidden.next(within=0.3)
    assert refusal["type"] == "error", refusal
    assert [e["extensions"]["code"] for e in refusal["payload"]] == ["FORBIDDEN"]
    # Exactly what a child the guardian never had answers: nothing names the restriction.
    assert refusal["payload"][0]["message"] == "Not permitted to follow this child's attendance"
    assert [e["kind"] for e in received] == ["NOTICE_SENT", "CHECKED_IN", "CHECKED_OUT"]
    assert received[0]["notice"] == {"pickupPerson": "祖母 花子", "pickupTime": "15:00:00"}
