"""Shared plumbing of the realtime benchmarks: demo ward, Redis, WebSocket subscribers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import statistics
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench.harness import free_port, scratch_database

DEMO_PASSWORD = "hoiku-demo"
PROTOCOL = "graphql-transport-ws"
LOGIN = "mutation($l: String!, $p: String!) { login(loginId: $l, password: $p) { accessToken } }"


@contextlib.asynccontextmanager
async def demo_database() -> AsyncIterator[str]:
    """A scratch database holding the demo ward (25 facilities, 150 classes, 2,524 children)."""
    from hoiku.seeding import seed_demo_if_empty
    from hoiku.settings import Settings

    async with scratch_database() as url:
        await seed_demo_if_empty(Settings(database_url=url), url, show_progress=False)
        yield url


@contextlib.asynccontextmanager
async def redis_server() -> AsyncIterator[str]:
    """A redis-server of the benchmark's own, on a free port."""
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is needed for this benchmark")
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        *("redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""),
        *("--appendonly", "no"),
        stdout=asyncio.subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            await asyncio.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.kill()
        await process.wait()


@dataclass
class Demo:
    """What the benchmarks need to know about the demo ward."""

    classrooms: list[tuple[str, str]]  # (classroom id, facility code)
    children: dict[str, list[str]]  # classroom id -> child ids


async def read_demo(url: str) -> Demo:
    connection = await asyncpg.connect(url)
    try:
        rooms = await connection.fetch(
            "SELECT c.id::text AS id, f.code FROM classroom c JOIN facility f"
            " ON f.id = c.facility_id ORDER BY f.code, c.age_min, c.name"
        )
        kids = await connection.fetch(
            "SELECT id::text AS id, classroom_id::text AS room FROM child"
            " WHERE classroom_id IS NOT NULL ORDER BY id"
        )
    finally:
        await connection.close()
    children: dict[str, list[str]] = {}
    for kid in kids:
        children.setdefault(kid["room"], []).append(kid["id"])
    return Demo([(r["id"], r["code"]) for r in rooms], children)


async def login(http: httpx.AsyncClient, base_url: str, login_id: str) -> str:
    response = await http.post(
        f"{base_url}/graphql",
        json={"query": LOGIN, "variables": {"l": login_id, "p": DEMO_PASSWORD}},
    )
    return str(response.json()["data"]["login"]["accessToken"])


@dataclass
class Subscriber:
    """One WebSocket connection (one device) with one subscription."""

    connection: ClientConnection
    on_message: Callable[[Subscriber, dict[str, Any], float], None] | None = None
    messages: int = 0
    errors: list[Any] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None
    tag: Any = None

    async def read(self) -> None:
        async for raw in self.connection:
            received = time.perf_counter()
            message = json.loads(raw)
            if message.get("type") == "next":
                self.messages += 1
                if self.on_message is not None:
                    self.on_message(self, message["payload"], received)
            elif message.get("type") in ("error", "complete"):
                self.errors.append(message)


async def subscribe(
    ws_url: str,
    token: str,
    query: str,
    variables: dict[str, Any],
    *,
    tag: Any = None,
    compression: str | None = "deflate",
) -> Subscriber:
    """A device's connection; like browsers, it offers permessage-deflate by default."""
    connection = await connect(
        ws_url,
        subprotocols=[PROTOCOL],  # type: ignore[list-item]
        max_queue=None,
        compression=compression,
    )
    await connection.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    ack = json.loads(await connection.recv())
    if ack.get("type") != "connection_ack":
        raise RuntimeError(f"connection refused: {ack}")
    payload = {"query": query, "variables": variables}
    await connection.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    subscriber = Subscriber(connection, tag=tag)
    subscriber.reader = asyncio.create_task(subscriber.read())
    return subscriber


async def close_all(subscribers: list[Subscriber]) -> None:
    for subscriber in subscribers:
        if subscriber.reader is not None:
            subscriber.reader.cancel()
    await asyncio.gather(*(s.connection.close() for s in subscribers), return_exceptions=True)


def percentiles(values_ms: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values_ms, n=100, method="inclusive")
    return {
        "samples": len(values_ms),
        "p50_ms": round(cuts[49], 3),
        "p99_ms": round(cuts[98], 3),
        "max_ms": round(max(values_ms), 3),
    }


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]
