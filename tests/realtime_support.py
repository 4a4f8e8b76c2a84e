"""Helpers for the subscription tests: real uvicorn servers, real Redis, a graphql-ws client.

Servers run the real ASGI app: either in this process (``in_process_server``, sharing the
test's Services), or as ``uvicorn hoiku.asgi:app`` child processes configured through
``HOIKU_*`` variables like production (``tests.server.running_server`` via ``servers``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect

from tests.server import free_port, running_server

TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256"
PROTOCOL = "graphql-transport-ws"


@contextlib.contextmanager
def servers(database_url: str, redis_url: str, count: int) -> Iterator[list[str]]:
    """``count`` server processes sharing one database and one Redis; yields base URLs."""
    env = {"HOIKU_SECRET_KEY": TEST_SECRET, "HOIKU_REDIS_URL": redis_url}
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(running_server(database_url, env=env)) for _ in range(count)]


def ws_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://", 1) + "/graphql"


@dataclass
class InProcessServer:
    base_url: str
    ws_url: str


@contextlib.asynccontextmanager
async def in_process_server(app: Starlette) -> AsyncIterator[InProcessServer]:
    """uvicorn in this event loop, lifespan included (it builds the realtime layer)."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="on", log_level="warning", ws="websockets-sansio"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        yield InProcessServer(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/graphql")
    finally:
        server.should_exit = True
        await task


async def http_call(
    base_url: str, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        response = await http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def login(base_url: str, login_id: str, password: str) -> str:
    body = await http_call(
        base_url,
        "mutation($l: String!, $p: String!) { login(loginId: $l, password: $p) { accessToken } }",
        {"l": login_id, "p": password},
    )
    assert "errors" not in body, body
    return str(body["data"]["login"]["accessToken"])


@dataclass
class Operation:
    """Messages of one subscription: ``next`` payloads, then ``error`` or ``complete``."""

    messages: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)

    async def next(self, within: float = 10.0) -> dict[str, Any]:
        async with asyncio.timeout(within):
            return await self.messages.get()

    async def payload(self, within: float = 10.0) -> dict[str, Any]:
        """The next ``next`` message's payload; fails on anything else."""
        message = await self.next(within)
        assert message["type"] == "next", message
        return dict(message["payload"])


class GraphQLWS:
    """A graphql-transport-ws client, as the graphql-ws library speaks it."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.operations: dict[str, Operation] = {}
        self._ids = 0
        self._reader: asyncio.Task[None] | None = None

    @classmethod
    @contextlib.asynccontextmanager
    async def connect(cls, ws_url: str, token: str) -> AsyncIterator[GraphQLWS]:
        async with connect(ws_url, subprotocols=[PROTOCOL], max_queue=None) as connection:  # type: ignore[list-item]
            client = cls(connection)
            await client.init({"authorization": f"Bearer {token}"})
            client._reader = asyncio.create_task(client._read())
            try:
                yield client
            finally:
                client._reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await client._reader

    async def init(self, payload: dict[str, Any]) -> None:
        await self.connection.send(json.dumps({"type": "connection_init", "payload": payload}))
        async with asyncio.timeout(10):
            ack = json.loads(await self.connection.recv())
        assert ack["type"] == "connection_ack", ack

    async def subscribe(self, query: str, variables: dict[str, Any]) -> Operation:
        self._ids += 1
        op_id = str(self._ids)
        operation = self.operations[op_id] = Operation()
        message = {
            "id": op_id,
            "type": "subscribe",
            "payload": {"query": query, "variables": variables},
        }
        await self.connection.send(json.dumps(message))
        return operation

    async def _read(self) -> None:
        async for raw in self.connection:
            message = json.loads(raw)
            if message["type"] == "ping":
                await self.connection.send(json.dumps({"type": "pong"}))
            elif "id" in message and message["id"] in self.operations:
                self.operations[message["id"]].messages.put_nowait(message)


def subscription(field: str, selection: str) -> str:
    """A subscription document over one of the three streams."""
    argument = {
        "attendanceChanged": "classroomId",
        "childAttendanceChanged": "childId",
        "alertRaised": "facilityId",
    }[field]
    return (
        f"subscription($id: ID!, $after: String) {{"
        f" {field}({argument}: $id, after: $after) {{ {selection} }} }}"
    )
