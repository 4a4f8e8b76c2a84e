"""Subscriptions over a real WebSocket to an in-process uvicorn server, Redis behind it."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from hoiku.app import create_app
from hoiku.settings import Settings
from persistence.models import AuditEntryRow, ChildRow, StreamEventRow
from realtime import channels
from resolvers.attendance.subscriptions import encode_cursor
from resolvers.services import Services
from tests.factories import PASSWORD, World, build_world
from tests.realtime_support import (
    PROTOCOL,
    TEST_SECRET,
    GraphQLWS,
    InProcessServer,
    Operation,
    http_call,
    in_process_server,
    login,
    subscription,
)
from tests.services import RedisServer, started_redis

EVENT = "cursor kind occurredAt child { id displayName }"


@dataclasses.dataclass
class Live:
    services: Services  # the server's own (the lifespan sets its hub and publisher)
    server: InProcessServer

    async def token(self, world: World, role: str) -> str:
        return await login(self.server.base_url, world.logins[role], PASSWORD)

    async def connect(self, world: World, role: str) -> Any:
        return GraphQLWS.connect(self.server.ws_url, await self.token(world, role))


@pytest_asyncio.fixture(scope="module")
async def redis() -> AsyncIterator[RedisServer]:
    server = await started_redis()
    yield server
    await server.kill()


@pytest_asyncio.fixture(scope="module")
async def live(services: Services, redis: RedisServer) -> AsyncIterator[Live]:
    own = dataclasses.replace(services, hub=None, publisher=None, session_watch=None)
    settings = Settings(redis_url=redis.url, secret_key=TEST_SECRET)
    async with in_process_server(create_app(settings, services=own)) as server:
        yield Live(own, server)


@pytest_asyncio.fixture
async def world(services: Services) -> World:
    return await build_world(services.sessions)


CHECK_IN = "mutation($id: ID!) { checkIn(childId: $id) { stamp { id } } }"
CHECK_OUT = "mutation($id: ID!) { checkOut(childId: $id) { stamp { id } } }"


async def stamp(live: Live, token: str, mutation: str, child: ChildRow) -> None:
    """A stamp made over HTTP to the same server; it publishes after its commit."""
    body = await http_call(live.server.base_url, mutation, {"id": str(child.id)}, token=token)
    assert "errors" not in body, body


async def stream_rows(services: Services, stream: str) -> list[tuple[int, str]]:
    """The stream as the database has it: what every subscriber must receive."""
    async with services.sessions() as session:
        rows = await session.execute(
            select(StreamEventRow.seq, StreamEventRow.kind)
            .where(StreamEventRow.stream == stream)
            .order_by(StreamEventRow.seq)
        )
        return [(seq, kind) for seq, kind in rows]


def start_of(stream: str) -> str:
    """The cursor before a stream's first event: subscribing with it misses nothing."""
    return encode_cursor(stream, 0)


def seq_of(cursor: str) -> int:
    return int(base64.urlsafe_b64decode(cursor).decode().split(":")[0])


async def receive(op: Operation, count: int) -> list[dict[str, Any]]:
    payloads = [await op.payload() for _ in range(count)]
    return [p["data"][next(iter(p["data"]))] for p in payloads]


async def receive_stream(op: Operation, services: Services, stream: str, seen: int = 0) -> Any:
    """Everything the stream holds beyond the ``seen`` first events, as received."""
    return await receive(op, len(await stream_rows(services, stream)) - seen)


def as_rows(events: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(seq_of(e["cursor"]), e["kind"].lower()) for e in events]


async def nothing_more(op: Operation) -> None:
    with pytest.raises(TimeoutError):
        await op.next(within=0.3)


async def assert_refused(op: Operation, code: str) -> dict[str, Any]:
    message = await op.next()
    assert message["type"] == "error", message
    assert [e["extensions"]["code"] for e in message["payload"]] == [code]
    await nothing_more(op)
    return dict(message["payload"][0])


async def test_each_subscriber_gets_the_stamp_resolved_under_its_own_permissions(live, world):
    room, child = world.room_a, world.family.child
    after = start_of(channels.classroom_attendance(room.id))
    query = subscription(
        "attendanceChanged",
        "kind stamp { kind method } child { displayName todayStatus allergies { allergen } }",
    )
    teacher_token = await live.token(world, "teacher")
    async with (
        await live.connect(world, "clerk") as clerk,
        GraphQLWS.connect(live.server.ws_url, teacher_token) as teacher,
    ):
        as_clerk = await clerk.subscribe(query, {"id": str(room.id), "after": after})
        as_teacher = await teacher.subscribe(query, {"id": str(room.id), "after": after})
        await stamp(live, teacher_token, CHECK_IN, child)
        seen_by_clerk, seen_by_teacher = await as_clerk.payload(), await as_teacher.payload()

    name = f"{child.family_name} {child.given_name}"
    stamped = {"kind": "ARRIVAL", "method": "STAFF"}
    assert seen_by_clerk["data"] == {
        "attendanceChanged": {
            "kind": "CHECKED_IN",
            "stamp": stamped,
            "child": {"displayName": name, "todayStatus": "ARRIVED", "allergies": None},
        }
    }
    assert [(e["path"], e["extensions"]["code"]) for e in seen_by_clerk["errors"]] == [
        (["attendanceChanged", "child", "allergies"], "FORBIDDEN")
    ]
    assert seen_by_teacher == {
        "data": {
            "attendanceChanged": {
                "kind": "CHECKED_IN",
                "stamp": stamped,
                "child": {
                    "displayName": name,
                    "todayStatus": "ARRIVED",
                    "allergies": [{"allergen": "卵"}],
                },
            }
        }
    }


async def test_a_pushed_special_care_read_is_audited_like_a_queried_one(live, world, services):
    room, child = world.room_a, world.family.child
    stream = channels.classroom_attendance(room.id)
    director = await live.token(world, "director")
    async with await live.connect(world, "teacher") as teacher:
        op = await teacher.subscribe(
            subscription("attendanceChanged", "cursor kind child { allergies { allergen } }"),
            {"id": str(room.id), "after": start_of(stream)},
        )
        await stamp(live, director, CHECK_IN, child)
        await stamp(live, director, CHECK_OUT, child)
        received = await receive_stream(op, services, stream)
    async with services.sessions() as session:
        rows = await session.execute(
            select(AuditEntryRow.role, AuditEntryRow.item, func.count())
            .where(AuditEntryRow.record_id == child.id, AuditEntryRow.action == "read")
            .group_by(AuditEntryRow.role, AuditEntryRow.item)
        )
        audited = rows.all()
    about_the_child = [e for e in received if e["child"] is not None]
    assert [e["kind"] for e in about_the_child] == ["CHECKED_IN", "CHECKED_OUT"]
    assert audited == [("teacher", "child_special_care", 2)]  # one per event, not per stream


async def test_resuming_with_a_cursor_sends_missed_events_first_then_live_ones(
    live, world, services
):
    room, first_child, second_child = world.room_a, world.family.child, world.families_a[1].child
    stream = channels.classroom_attendance(room.id)
    token = await live.token(world, "teacher")
    query = subscription("attendanceChanged", EVENT)
    async with GraphQLWS.connect(live.server.ws_url, token) as tablet:
        op = await tablet.subscribe(query, {"id": str(room.id), "after": start_of(stream)})
        await stamp(live, token, CHECK_IN, first_child)
        before = await receive_stream(op, services, stream)
    # The tablet is offline while more happens.
    await stamp(live, token, CHECK_OUT, first_child)
    await stamp(live, token, CHECK_IN, second_child)
    missed_count = len(await stream_rows(services, stream)) - len(before)
    async with GraphQLWS.connect(live.server.ws_url, token) as tablet:
        op = await tablet.subscribe(query, {"id": str(room.id), "after": before[-1]["cursor"]})
        missed = await receive(op, missed_count)
        await stamp(live, token, CHECK_OUT, second_child)
        fresh = await receive_stream(op, services, stream, seen=len(before) + missed_count)
        await nothing_more(op)

    assert missed_count >= 2 and fresh
    assert as_rows([*before, *missed, *fresh]) == await stream_rows(services, stream)
    assert [e["child"]["id"] for e in missed if e["kind"] in ("CHECKED_IN", "CHECKED_OUT")] == [
        str(first_child.id),
        str(second_child.id),
    ]


async def test_without_a_cursor_only_events_from_now_on_arrive(live, world, services):
    room, child = world.room_a, world.family.child
    stream = channels.classroom_attendance(room.id)
    token = await live.token(world, "director")
    await stamp(live, token, CHECK_IN, child)  # before anyone subscribed
    earlier = len(await stream_rows(services, stream))
    async with await live.connect(world, "director") as office:
        op = await office.subscribe(subscription("attendanceChanged", EVENT), {"id": str(room.id)})
        async with asyncio.timeout(5):  # a live-only subscription has no first event to await
            while not live.services.hub.live_followers(stream):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        await stamp(live, token, CHECK_OUT, child)
        received = await receive_stream(op, services, stream, seen=earlier)
    assert as_rows(received) == (await stream_rows(services, stream))[earlier:]
    assert received[0]["kind"] == "CHECKED_OUT"


@pytest.mark.parametrize(
    ("role", "room"),
    [
        ("teacher", "room_b"),  # another class of the teacher's own facility
        ("guardian", "room_a"),  # the child's own class: guardians follow their child instead
        ("kiosk", "room_a"),
        ("reporter", "room_a"),
    ],
)
async def test_following_a_class_one_may_not_is_forbidden_and_sends_nothing(
    live, world, role, room
):
    classroom = getattr(world, room)
    stream = channels.classroom_attendance(classroom.id)
    director = await live.token(world, "director")
    async with await live.connect(world, role) as ws:
        op = await ws.subscribe(
            subscription("attendanceChanged", EVENT),
            {"id": str(classroom.id), "after": start_of(stream)},
        )
        await stamp(live, director, CHECK_IN, world.families_b[0].child)
        await stamp(live, director, CHECK_IN, world.family.child)
        error = await assert_refused(op, "FORBIDDEN")
    assert error["path"] == ["attendanceChanged"]


async def test_another_facility_and_a_missing_classroom_answer_alike(live, world, services):
    elsewhere = await build_world(services.sessions)
    query = subscription("attendanceChanged", EVENT)
    async with await live.connect(world, "director") as ws:
        other = await ws.subscribe(query, {"id": str(elsewhere.room_a.id)})
        missing = await ws.subscribe(query, {"id": str(uuid.uuid4())})
        first = await assert_refused(other, "FORBIDDEN")
        second = await assert_refused(missing, "FORBIDDEN")
    assert first["message"] == second["message"]


async def test_a_subscription_over_the_request_limits_is_refused_with_its_code(live, world):
    """Admission refuses over WebSocket as over HTTP: an ``error`` message, nothing run."""
    limit = Settings().max_selections
    aliased = " ".join(f"c{n}: cursor" for n in range(limit))  # + the root field: one too many
    async with await live.connect(world, "director") as ws:
        op = await ws.subscribe(
            subscription("attendanceChanged", aliased), {"id": str(world.room_a.id)}
        )
        error = await assert_refused(op, "TOO_MANY_SELECTIONS")
    assert error == {
        "message": f"The document selects {limit + 1} fields; at most {limit} may be",
        "extensions": {"code": "TOO_MANY_SELECTIONS", "limit": limit},
    }


async def test_guardians_follow_their_own_child_only(live, world, services):
    own, other = world.family.child, world.families_a[1].child
    stream = channels.child_attendance(own.id)
    query = subscription("childAttendanceChanged", "cursor kind child { id } stamp { method }")
    token = await live.token(world, "guardian")
    async with GraphQLWS.connect(live.server.ws_url, token) as phone:
        mine = await phone.subscribe(query, {"id": str(own.id), "after": start_of(stream)})
        theirs = await phone.subscribe(query, {"id": str(other.id)})
        await stamp(live, token, CHECK_IN, own)
        (event,) = await receive_stream(mine, services, stream)
        await assert_refused(theirs, "FORBIDDEN")
    assert event["child"] == {"id": str(own.id)}
    assert event["stamp"] == {"method": "GUARDIAN_PHONE"}


async def test_facility_alerts_reach_that_facilitys_staff_only(live, world, services):
    facility = world.facility
    stream = channels.facility_alerts(facility.id)
    query = subscription("alertRaised", "cursor kind classroom { id } alert { kind }")
    elsewhere = await build_world(services.sessions)
    teacher = await live.token(world, "teacher")
    async with (
        await live.connect(world, "nurse") as nurse,
        await live.connect(world, "guardian") as guardian,
        await live.connect(elsewhere, "director") as other_director,
    ):
        alerts = await nurse.subscribe(query, {"id": str(facility.id), "after": start_of(stream)})
        refused = [
            await guardian.subscribe(query, {"id": str(facility.id)}),
            await other_director.subscribe(query, {"id": str(facility.id)}),
        ]
        await stamp(live, teacher, CHECK_IN, world.family.child)  # nobody clocked in: too few staff
        received = await receive_stream(alerts, services, stream)
        for op in refused:
            await assert_refused(op, "FORBIDDEN")
    assert [(e["kind"], e["classroom"], e["alert"]) for e in received] == [
        ("RATIO_SHORT", {"id": str(world.room_a.id)}, {"kind": "RATIO_SHORT"})
    ]


@pytest.mark.parametrize(
    "cursor",
    ["not a cursor", "negative seq", "another stream's cursor", "a seq not reached yet"],
)
async def test_a_cursor_that_is_not_of_this_stream_is_bad_input(live, world, cursor):
    room = world.room_a
    after = {
        "not a cursor": "not a cursor",
        "negative seq": base64.urlsafe_b64encode(b"-1:00000000").decode(),
        "another stream's cursor": start_of(channels.classroom_attendance(world.room_b.id)),
        "a seq not reached yet": encode_cursor(channels.classroom_attendance(room.id), 1),
    }[cursor]
    async with await live.connect(world, "teacher") as ws:
        op = await ws.subscribe(
            subscription("attendanceChanged", EVENT), {"id": str(room.id), "after": after}
        )
        error = await assert_refused(op, "BAD_USER_INPUT")
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}


async def test_a_bad_token_closes_the_connection_with_4403(live):
    async with connect(live.server.ws_url, subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"authorization": "Bearer not-a-token"}}
        await ws.send(json.dumps(init))
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
