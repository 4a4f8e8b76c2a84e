"""Class tablets during the morning rush: what each received against the database's log.

Before the rush a ward admin (staff reaching every classroom) opens a few WebSocket
connections, each carrying many ``attendanceChanged`` subscriptions (graphql-transport-ws
multiplexes them by id), one per classroom stamped. Each subscribes with ``after`` = the
stream's head at that moment, so an event committed before the server registered the
subscription still comes (from the database), and the count measures the pushed stream, not
a race at start-up. After the rush and a settle time the cursors received per classroom are
compared with the ``stream_event`` rows of those streams after the same heads:

- lost: in the database, never received;
- duplicates: received more than once;
- out of order: received with a seq lower than one already received on that stream.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.realtime_common import PROTOCOL, login
from realtime import channels
from resolvers.attendance.subscriptions import encode_cursor

# What a class tablet shows: the stamp and the child's status.
SELECTION = "cursor kind stamp { at method } child { id displayName todayStatus }"
QUERY = (
    "subscription($id: ID!, $after: String) { attendanceChanged(classroomId: $id, after: $after)"
    f" {{ {SELECTION} }} }}"
)
# Subscriptions per device: under the server's per-socket limit (HOIKU_WS_MAX_SUBSCRIPTIONS,
# 20 by default); the demo's 150 classes take 10 devices.
PER_CONNECTION = 15
SETTLE_SECONDS = 10.0  # at most, after the last write, for the tail of the fan-out
QUIET_SECONDS = 1.5  # ... or less, once nothing has arrived for this long


@dataclass
class Tally:
    """Seqs received per stream, in arrival order, and what went wrong on the wire."""

    received: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    errors: list[Any] = field(default_factory=list)
    last_arrival: float = field(default_factory=time.monotonic)


def _seq(cursor: str) -> int:
    return int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":")[0])


class TabletProbe:
    """A ``DeliveryProbe``: subscribes to every stamped classroom, then counts against the DB."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.tally = Tally()
        self.heads: dict[str, int] = {}
        self.connections: list[ClientConnection] = []
        self.readers: list[asyncio.Task[None]] = []

    async def start(self, base_url: str, classroom_ids: list[str]) -> None:
        streams = {room: channels.classroom_attendance(uuid.UUID(room)) for room in classroom_ids}
        self.heads = await self._heads(list(streams.values()))
        async with httpx.AsyncClient(timeout=30) as http:
            token = await login(http, base_url, "ward.admin")
        ws_url = base_url.replace("http", "ws", 1) + "/graphql"
        rooms = list(streams.items())
        devices = -(-len(rooms) // PER_CONNECTION)
        groups = [rooms[i::devices] for i in range(devices)]
        await asyncio.gather(*(self._open(ws_url, token, group) for group in groups if group))
        await asyncio.sleep(1)  # each subscription's catch-up read, before the timed run

    async def finish(self) -> dict[str, int]:
        deadline = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < deadline:
            if time.monotonic() - self.tally.last_arrival > QUIET_SECONDS:
                break
            await asyncio.sleep(0.1)
        await self._close()
        expected = await self._expected()
        return count(expected, self.tally)

    async def _open(self, ws_url: str, token: str, rooms: list[tuple[str, str]]) -> None:
        # Deflate off, as ``hoiku serve`` runs it; the probe measures delivery, not bytes.
        connection = await connect(
            ws_url,
            subprotocols=[PROTOCOL],  # type: ignore[list-item]
            max_queue=None,
            compression=None,
        )
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await connection.send(json.dumps(init))
        ack = json.loads(await connection.recv())
        if ack.get("type") != "connection_ack":
            raise RuntimeError(f"connection refused: {ack}")
        ids: dict[str, str] = {}
        for room, stream in rooms:
            ids[room] = stream
            after = encode_cursor(stream, self.heads[stream])
            payload = {"query": QUERY, "variables": {"id": room, "after": after}}
            await connection.send(json.dumps({"id": room, "type": "subscribe", "payload": payload}))
        self.connections.append(connection)
        self.readers.append(asyncio.create_task(self._read(connection, ids)))

    async def _read(self, connection: ClientConnection, streams: dict[str, str]) -> None:
        async for raw in connection:
            message = json.loads(raw)
            if message.get("type") == "next":
                payload = message["payload"]
                event = (payload.get("data") or {}).get("attendanceChanged")
                if event is None or payload.get("errors"):
                    self.tally.errors.append(payload.get("errors"))
                    continue
                self.tally.received[streams[message["id"]]].append(_seq(event["cursor"]))
                self.tally.last_arrival = time.monotonic()
            elif message.get("type") in ("error", "complete"):
                self.tally.errors.append(message)

    async def _close(self) -> None:
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*(c.close() for c in self.connections), return_exceptions=True)

    async def _heads(self, streams: list[str]) -> dict[str, int]:
        connection = await asyncpg.connect(self.database_url)
        try:
            rows = await connection.fetch(
                "SELECT stream, seq FROM stream_head WHERE stream = ANY($1::text[])", streams
            )
        finally:
            await connection.close()
        heads = dict.fromkeys(streams, 0)
        heads.update({row["stream"]: row["seq"] for row in rows})
        return heads

    async def _expected(self) -> dict[str, list[int]]:
        connection = await asyncpg.connect(self.database_url)
        try:
            rows = await connection.fetch(
                "SELECT e.stream, e.seq FROM stream_event e"
                " JOIN unnest($1::text[], $2::bigint[]) AS h(stream, head)"
                " ON h.stream = e.stream AND e.seq > h.head ORDER BY e.stream, e.seq",
                list(self.heads),
                list(self.heads.values()),
            )
        finally:
            await connection.close()
        expected: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            expected[row["stream"]].append(row["seq"])
        return expected


def count(expected: dict[str, list[int]], tally: Tally) -> dict[str, int]:
    """Lost, duplicated and out-of-order deliveries, summed over the streams."""
    lost = duplicates = out_of_order = 0
    for stream, seqs in expected.items():
        lost += len(set(seqs) - set(tally.received.get(stream, [])))
    for seqs in tally.received.values():
        duplicates += len(seqs) - len(set(seqs))
        highest = 0
        for seq in seqs:
            out_of_order += seq < highest
            highest = max(highest, seq)
    return {
        "expected": sum(len(seqs) for seqs in expected.values()),
        "received": sum(len(seqs) for seqs in tally.received.values()),
        "lost": lost,
        "duplicates": duplicates,
        "out_of_order": out_of_order,
        "subscriber_errors": len(tally.errors),
    }
