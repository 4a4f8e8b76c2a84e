"""WebSocket sign-in over a real server: graphql-transport-ws only, token in connection_init."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from resolvers.services import Services
from tests.factories import PASSWORD, build_world
from tests.server import running_server
from tests.support import GraphQLClient

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"


@pytest.fixture(scope="module")
def ws_url(database_url: str, services: Services) -> Iterator[str]:
    # The server must verify the tokens this test mints through ``services``.
    with running_server(database_url, env={"HOIKU_SECRET_KEY": services.tokens.secret}) as base:
        yield base.replace("http://", "ws://") + "/graphql"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def token(api: GraphQLClient, services: Services) -> AsyncIterator[str]:
    world = await build_world(services.sessions)
    yield await api.login(world.logins["teacher"], PASSWORD)


async def _init(ws: ClientConnection, payload: dict[str, str] | None) -> None:
    message = {"type": "connection_init"} | ({"payload": payload} if payload is not None else {})
    await ws.send(json.dumps(message))


async def _close_code(ws: ClientConnection) -> int | None:
    with pytest.raises(ConnectionClosed) as closed:
        await ws.recv()
    return closed.value.rcvd.code if closed.value.rcvd else None


async def test_good_token_is_acknowledged(ws_url: str, token: str) -> None:
    async with connect(ws_url, subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == TRANSPORT_WS
        await _init(ws, {"authorization": f"Bearer {token}"})
        assert json.loads(await ws.recv())["type"] == "connection_ack"


@pytest.mark.parametrize(
    "payload",
    [
        {"authorization": "Bearer not-a-token"},
        {"authorization": "Basic dXNlcjpwYXNz"},
        {"authorization": ""},
        {},
        None,
    ],
    ids=["garbage_bearer", "not_bearer", "empty", "no_authorization", "no_payload"],
)
async def test_bad_or_missing_token_closes_4403(
    ws_url: str, payload: dict[str, str] | None
) -> None:
    async with connect(ws_url, subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
        await _init(ws, payload)
        assert await _close_code(ws) == 4403


async def test_token_signed_with_another_key_closes_4403(ws_url: str, token: str) -> None:
    header, claims, signature = token.split(".")
    forged = ".".join([header, claims, signature[::-1]])
    async with connect(ws_url, subprotocols=[TRANSPORT_WS]) as ws:  # type: ignore[list-item]
        await _init(ws, {"authorization": f"Bearer {forged}"})
        assert await _close_code(ws) == 4403


async def test_legacy_graphql_ws_protocol_is_refused(ws_url: str) -> None:
    """The legacy Apollo protocol had an authentication bypass: the server never speaks it."""
    with pytest.raises(ConnectionClosed) as closed:
        async with connect(ws_url, subprotocols=[LEGACY_WS]) as ws:  # type: ignore[list-item]
            assert ws.subprotocol is None
            await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4406
