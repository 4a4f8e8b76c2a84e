"""A WebSocket is as good as its access token, on every server process.

Real ``uvicorn`` processes sharing PostgreSQL and Redis. Once a socket's token expires or
its session is revoked (logout, refresh-token reuse, an account change), the server stops
serving it and closes it: 4401 when the token expired (refresh, reconnect), 4403 when it
was revoked. A client renews in place by sending ``ping`` with a fresh token.

The servers re-check sockets only every 60 s (``HOIKU_TOKEN_CHECK_SECONDS``) except the
``watchful`` one, so a close within seconds elsewhere proves that the revocation
travelled through Redis.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import jwt
import pytest
import pytest_asyncio
from sqlalchemy import delete
from websockets.asyncio.client import connect

from domain.roles import Actor, Role
from hoiku.security import TokenIssuer
from persistence.models import AccountClassroomRow
from realtime import channels
from resolvers.attendance.subscriptions import encode_cursor
from resolvers.services import Services
from tests.factories import PASSWORD, World, build_world
from tests.realtime_support import (
    PROTOCOL,
    TEST_SECRET,
    GraphQLWS,
    http_call,
    subscription,
    ws_url,
)
from tests.server import running_server
from tests.services import RedisServer, started_redis

LOGIN = """mutation($l: String!, $p: String!) {
    login(loginId: $l, password: $p) { accessToken refreshToken viewer { id } } }"""
LOGOUT = "mutation($r: String) { logout(refreshToken: $r) }"
REFRESH = "mutation($r: String!) { refreshSession(refreshToken: $r) { accessToken } }"
CHECK_IN = "mutation($id: ID!) { checkIn(childId: $id) { stamp { id } } }"
VIEWER = "{ viewer { id } }"
MAX_SUBSCRIPTIONS = 3


def _env(redis_url: str, check_seconds: str) -> dict[str, str]:
    return {
        "HOIKU_SECRET_KEY": TEST_SECRET,
        "HOIKU_REDIS_URL": redis_url,
        "HOIKU_TOKEN_CHECK_SECONDS": check_seconds,
        "HOIKU_WS_MAX_SUBSCRIPTIONS": str(MAX_SUBSCRIPTIONS),
        "HOIKU_WS_INIT_TIMEOUT_SECONDS": "1",
    }


@pytest_asyncio.fixture(scope="module")
async def redis() -> AsyncIterator[RedisServer]:
    server = await started_redis()
    yield server
    await server.kill()


@pytest.fixture(scope="module")
def pair(database_url: str, redis: RedisServer) -> Iterator[tuple[str, str]]:
    """Two processes that re-check their sockets only once a minute."""
    env = _env(redis.url, "60")
    with running_server(database_url, env=env) as a, running_server(database_url, env=env) as b:
        yield a, b


@pytest.fixture(scope="module")
def watchful(database_url: str, redis: RedisServer) -> Iterator[str]:
    """A process re-checking every half second: it notices changes made outside the app."""
    with running_server(database_url, env=_env(redis.url, "0.5")) as base:
        yield base


@pytest_asyncio.fixture
async def world(services: Services) -> World:
    return await build_world(services.sessions)


async def sign_in(base_url: str, login_id: str) -> dict[str, Any]:
    body = await http_call(base_url, LOGIN, {"l": login_id, "p": PASSWORD})
    assert "errors" not in body, body
    return dict(body["data"]["login"])


def teacher_subscription(ws: GraphQLWS, world: World) -> Any:
    stream = channels.classroom_attendance(world.room_a.id)
    variables = {"id": str(world.room_a.id), "after": encode_cursor(stream, 0)}
    return ws.subscribe(subscription("attendanceChanged", "cursor kind"), variables)


async def closed_with(ws: GraphQLWS, *, within: float = 5.0) -> tuple[int | None, str | None]:
    async with asyncio.timeout(within):
        await ws.connection.wait_closed()
    return ws.connection.close_code, ws.connection.close_reason


async def still_open(ws: GraphQLWS, *, wait: float) -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(wait):
            await ws.connection.wait_closed()


async def test_logout_on_one_process_closes_the_socket_on_another(pair, world):
    a, b = pair
    session = await sign_in(a, world.logins["teacher"])
    async with GraphQLWS.connect(ws_url(b), session["accessToken"]) as ws:
        events = await teacher_subscription(ws, world)
        await http_call(
            b, CHECK_IN, {"id": str(world.family.child.id)}, token=session["accessToken"]
        )
        assert (await events.payload())["data"]["attendanceChanged"]["kind"] == "CHECKED_IN"

        body = await http_call(
            a, LOGOUT, {"r": session["refreshToken"]}, token=session["accessToken"]
        )
        assert body["data"] == {"logout": True}
        assert (await closed_with(ws))[0] == 4403


async def test_logout_closes_the_socket_on_the_same_process_before_anything_else_runs(pair, world):
    a, _ = pair
    session = await sign_in(a, world.logins["teacher"])
    async with GraphQLWS.connect(ws_url(a), session["accessToken"]) as ws:
        await http_call(a, LOGOUT, {"r": None}, token=session["accessToken"])
        assert (await closed_with(ws, within=2))[0] == 4403


async def test_refresh_token_reuse_closes_the_sessions_sockets(pair, world):
    a, b = pair
    first = await sign_in(a, world.logins["teacher"])
    rotated = await http_call(a, REFRESH, {"r": first["refreshToken"]})
    token = rotated["data"]["refreshSession"]["accessToken"]
    async with GraphQLWS.connect(ws_url(b), token) as ws:
        replay = await http_call(a, REFRESH, {"r": first["refreshToken"]})
        assert [e["extensions"]["code"] for e in replay["errors"]] == ["UNAUTHENTICATED"]
        assert (await closed_with(ws))[0] == 4403


def short_lived(session: dict[str, Any], world: World, seconds: float) -> str:
    """The session's token again, but living only ``seconds``."""
    claims = jwt.decode(session["accessToken"], options={"verify_signature": False})
    actor = Actor(
        account_id=uuid.UUID(session["viewer"]["id"]),
        role=Role.TEACHER,
        facility_id=world.facility.id,
        classroom_ids=frozenset({world.room_a.id}),
    )
    issuer = TokenIssuer(TEST_SECRET, timedelta(seconds=seconds))
    return issuer.issue(actor, generation=claims["gen"])


async def test_a_socket_closes_4401_when_its_token_expires(pair, world):
    a, _ = pair
    session = await sign_in(a, world.logins["teacher"])
    async with GraphQLWS.connect(ws_url(a), short_lived(session, world, 2)) as ws:
        await teacher_subscription(ws, world)
        code, reason = await closed_with(ws, within=6)
        assert code == 4401, reason


async def test_a_ping_carrying_a_fresh_token_keeps_the_socket_and_its_subscriptions(pair, world):
    a, _ = pair
    session = await sign_in(a, world.logins["teacher"])
    async with GraphQLWS.connect(ws_url(a), short_lived(session, world, 2)) as ws:
        events = await teacher_subscription(ws, world)
        renewed = {"authorization": f"Bearer {session['accessToken']}"}
        await ws.connection.send(json.dumps({"type": "ping", "payload": renewed}))
        await still_open(ws, wait=3.5)  # well past the first token's expiry
        await http_call(
            a, CHECK_IN, {"id": str(world.family.child.id)}, token=session["accessToken"]
        )
        assert (await events.payload())["data"]["attendanceChanged"]["kind"] == "CHECKED_IN"


async def test_a_ping_with_another_accounts_token_closes_the_socket(pair, world):
    a, _ = pair
    teacher = await sign_in(a, world.logins["teacher"])
    nurse = await sign_in(a, world.logins["nurse"])
    async with GraphQLWS.connect(ws_url(a), teacher["accessToken"]) as ws:
        other = {"authorization": f"Bearer {nurse['accessToken']}"}
        await ws.connection.send(json.dumps({"type": "ping", "payload": other}))
        assert (await closed_with(ws))[0] == 4403


async def test_a_class_change_made_outside_the_app_closes_the_socket(watchful, world, services):
    session = await sign_in(watchful, world.logins["teacher"])
    async with GraphQLWS.connect(ws_url(watchful), session["accessToken"]) as ws:
        await teacher_subscription(ws, world)
        async with services.sessions.begin() as db:
            await db.execute(
                delete(AccountClassroomRow).where(
                    AccountClassroomRow.account_id == uuid.UUID(session["viewer"]["id"])
                )
            )
        assert (await closed_with(ws))[0] == 4403
    body = await http_call(watchful, VIEWER, token=session["accessToken"])
    assert [e.get("extensions", {}).get("code") for e in body["errors"]] == ["UNAUTHENTICATED"], (
        body
    )


async def test_subscriptions_per_socket_are_limited(pair, world):
    a, _ = pair
    session = await sign_in(a, world.logins["teacher"])
    async with GraphQLWS.connect(ws_url(a), session["accessToken"]) as ws:
        accepted = [await teacher_subscription(ws, world) for _ in range(MAX_SUBSCRIPTIONS)]
        refused = await teacher_subscription(ws, world)
        message = await refused.next()
        assert message["type"] == "error", message
        assert [e["extensions"]["code"] for e in message["payload"]] == ["TOO_MANY_SUBSCRIPTIONS"]
        for op in accepted:  # the others carry on
            with pytest.raises(TimeoutError):
                await op.next(within=0.2)


async def test_a_socket_that_never_sends_connection_init_is_closed_4408(pair):
    a, _ = pair
    async with connect(ws_url(a), subprotocols=[PROTOCOL]) as raw:  # type: ignore[list-item]
        async with asyncio.timeout(5):
            await raw.wait_closed()
        assert raw.close_code == 4408
