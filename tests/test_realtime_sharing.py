"""Subscribers that are the same actor share one event's reads; others keep their own."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator

import pytest_asyncio
from sqlalchemy import func, select

from hoiku.app import create_app
from hoiku.settings import Settings
from persistence.models import AuditEntryRow, ClassroomRow
from realtime import channels
from resolvers.attendance.subscriptions import encode_cursor
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
from tests.test_query_count import recorded_statements

CHECK_IN = "mutation($id: ID!) { checkIn(childId: $id) { stamp { id } } }"
TABLET = subscription(
    "attendanceChanged", "kind stamp { method } child { displayName todayStatus }"
)


@dataclasses.dataclass
class Live:
    services: Services
    server: InProcessServer

    async def token(self, world: World, role: str) -> str:
        return await login(self.server.base_url, world.logins[role], PASSWORD)


@pytest_asyncio.fixture(scope="module")
async def live(services: Services) -> AsyncIterator[Live]:
    redis: RedisServer = await started_redis()
    own = dataclasses.replace(services, hub=None, publisher=None, session_watch=None)
    settings = Settings(redis_url=redis.url, secret_key=TEST_SECRET)
    try:
        async with in_process_server(create_app(settings, services=own)) as server:
            yield Live(own, server)
    finally:
        await redis.kill()


def since_start(room: ClassroomRow) -> dict[str, str]:
    """Variables following the room from its stream's start: nothing races the stamp."""
    return {"id": str(room.id), "after": encode_cursor(channels.classroom_attendance(room.id), 0)}


async def every_tablet_live(live: Live, room: ClassroomRow, tablets: int) -> None:
    """Past their permission checks and following: only the event's reads remain."""
    hub = live.services.hub
    assert hub is not None
    stream = channels.classroom_attendance(room.id)
    for _ in range(1000):  # the hub has no event to wait on: poll for up to 10 s
        if hub.live_followers(stream) >= tablets:
            return
        await asyncio.sleep(0.01)
    raise TimeoutError(f"{tablets} tablets never went live")


async def stamp_statements(live: Live, services: Services, tablets: int) -> int:
    """SQL statements of one stamp reaching ``tablets`` tablets signed in as one clerk."""
    world = await build_world(services.sessions)
    room, child = world.room_a, world.family.child
    token, teacher = await live.token(world, "clerk"), await live.token(world, "teacher")
    async with contextlib.AsyncExitStack() as stack:
        # One connection per tablet, as each tablet has its own socket (and context).
        connections = [
            await stack.enter_async_context(GraphQLWS.connect(live.server.ws_url, token))
            for _ in range(tablets)
        ]
        ops = [await tablet.subscribe(TABLET, since_start(room)) for tablet in connections]
        await every_tablet_live(live, room, tablets)
        with recorded_statements(live.services) as statements:
            body = await http_call(
                live.server.base_url, CHECK_IN, {"id": str(child.id)}, token=teacher
            )
            assert "errors" not in body, body
            payloads = [await op.payload() for op in ops]
    assert all(p == payloads[0] for p in payloads)
    assert payloads[0]["data"]["attendanceChanged"]["child"]["todayStatus"] == "ARRIVED"
    # The event log's own reads (replays, heads) are per follower by design: not counted.
    return len([s for s in statements if "stream_" not in s])


async def test_tablets_of_one_actor_read_an_event_once(live, services):
    one_tablet = await stamp_statements(live, services, 1)
    three_tablets = await stamp_statements(live, services, 3)
    assert three_tablets == one_tablet


async def test_subscribers_of_different_roles_on_one_stream_keep_their_own_guards_and_audit(
    live, services
):
    world = await build_world(services.sessions)
    room, child = world.room_a, world.family.child
    query = subscription("attendanceChanged", "kind child { displayName allergies { allergen } }")
    teacher_token = await live.token(world, "teacher")
    clerk_token = await live.token(world, "clerk")
    async with (
        GraphQLWS.connect(live.server.ws_url, clerk_token) as clerk,
        GraphQLWS.connect(live.server.ws_url, teacher_token) as teacher,
    ):
        as_clerks = [await clerk.subscribe(query, since_start(room)) for _ in range(2)]
        as_teachers = [await teacher.subscribe(query, since_start(room)) for _ in range(2)]
        await http_call(live.server.base_url, CHECK_IN, {"id": str(child.id)}, token=teacher_token)
        seen_by_clerks = [await op.payload() for op in as_clerks]
        seen_by_teachers = [await op.payload() for op in as_teachers]

    name = f"{child.family_name} {child.given_name}"
    for seen in seen_by_clerks:
        assert seen["data"] == {
            "attendanceChanged": {
                "kind": "CHECKED_IN",
                "child": {"displayName": name, "allergies": None},
            }
        }
        assert [(e["path"], e["extensions"]["code"]) for e in seen["errors"]] == [
            (["attendanceChanged", "child", "allergies"], "FORBIDDEN")
        ]
    for seen in seen_by_teachers:
        assert seen == {
            "data": {
                "attendanceChanged": {
                    "kind": "CHECKED_IN",
                    "child": {"displayName": name, "allergies": [{"allergen": "卵"}]},
                }
            }
        }
    async with services.sessions() as session:
        audited = await session.execute(
            select(AuditEntryRow.role, func.count())
            .where(AuditEntryRow.record_id == child.id, AuditEntryRow.action == "read")
            .group_by(AuditEntryRow.role)
        )
        # Shared reads, yet each teacher's tablet sent the allergies: each is audited.
        assert audited.all() == [("teacher", 2)]
