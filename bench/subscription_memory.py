"""Resident memory of one server process holding 5,000 idle subscriptions.

Run: ``.venv/bin/python -m bench.subscription_memory`` (needs PostgreSQL at
HOIKU_BENCH_ADMIN_URL, default the local one, and ``redis-server`` on PATH);
``--count 10000`` measures that many instead.

It seeds a scratch database with the demo ward (150 classes), starts its own Redis and
one uvicorn process configured as in production (Redis fan-out), warms it up with one
subscription, reads the process's VmRSS from /proc, then opens ``count`` WebSocket
connections, each a device with one ``attendanceChanged`` subscription (round-robin
over the 150 classes, signed in as the facility's director). Once they are open it
stamps one child and checks that every subscriber of that class got the event (so the
subscriptions are live, not refused), lets the process settle and reads VmRSS again.

Per subscription = (after − before) / count; the projection for 10,000 is before +
10,000 × per subscription. It runs twice, on a fresh server each time: as ``hoiku serve``
runs it (per-message deflate off) and with uvicorn's default (deflate on: the clients
offer it, as browsers do). ``bench/results/subscription_memory.json`` keeps the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import httpx

from bench.harness import machine, running_server, save
from bench.realtime_common import (
    Demo,
    Subscriber,
    close_all,
    demo_database,
    load_average,
    login,
    read_demo,
    redis_server,
    rss_kib,
    subscribe,
)

QUERY = """subscription($id: ID!) { attendanceChanged(classroomId: $id) {
  cursor kind child { id displayName todayStatus } } }"""
CHECK_IN = "mutation($id: ID!) { checkIn(childId: $id) { stamp { id } } }"
CHECK_OUT = "mutation($id: ID!) { checkOut(childId: $id) { stamp { id } } }"
BATCH = 100
GIB_KIB = 1024 * 1024
CONFIGURATIONS = {
    "deflate_off_as_hoiku_serve": {"UVICORN_WS_PER_MESSAGE_DEFLATE": "false"},
    "deflate_on_uvicorn_default": {},
}


async def open_subscriptions(
    base_url: str, tokens: dict[str, str], demo: Demo, count: int
) -> list[Subscriber]:
    ws_url = base_url.replace("http", "ws", 1) + "/graphql"
    plan = [demo.classrooms[i % len(demo.classrooms)] for i in range(count)]
    subscribers: list[Subscriber] = []
    for start in range(0, count, BATCH):
        subscribers += await asyncio.gather(
            *(
                subscribe(ws_url, tokens[code], QUERY, {"id": room}, tag=room)
                for room, code in plan[start : start + BATCH]
            )
        )
    return subscribers


async def stamp_somewhere(http: httpx.AsyncClient, base_url: str, token: str, demo: Demo) -> str:
    """Stamp one child of the first class (in, or out if it is in); return that class."""
    room = demo.classrooms[0][0]
    child = demo.children[room][0]
    for mutation in (CHECK_IN, CHECK_OUT):
        body = (
            await http.post(
                f"{base_url}/graphql",
                json={"query": mutation, "variables": {"id": child}},
                headers={"Authorization": f"Bearer {token}"},
            )
        ).json()
        if not body.get("errors"):
            return room
    raise RuntimeError(f"could not stamp: {body}")


async def measure(base_url: str, pid: int, demo: Demo, count: int) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as http:
        codes = sorted({code for _, code in demo.classrooms})
        tokens = {code: await login(http, base_url, f"{code.lower()}.director") for code in codes}
        admin = await login(http, base_url, "ward.admin")
        await close_all(await open_subscriptions(base_url, tokens, demo, 50))  # warm up
        await asyncio.sleep(2)
        before = rss_kib(pid)
        started = time.perf_counter()
        subscribers = await open_subscriptions(base_url, tokens, demo, count)
        opened_in = time.perf_counter() - started
        room = await stamp_somewhere(http, base_url, admin, demo)
        await asyncio.sleep(3)  # deliveries, then idle
        of_room = [s for s in subscribers if s.tag == room]
        live = sum(1 for s in of_room if s.messages >= 1)
        errors = sum(len(s.errors) for s in subscribers)
        after = rss_kib(pid)
        await close_all(subscribers)
    per_subscription = (after - before) / count
    return {
        "load_average": load_average(),
        "opened_in_seconds": round(opened_in, 1),
        "rss_before_mib": round(before / 1024, 1),
        "rss_after_mib": round(after / 1024, 1),
        "per_subscription_kib": round(per_subscription, 1),
        "projected_10000_mib": round((before + 10_000 * per_subscription) / 1024, 1),
        "projected_10000_under_1_gib": before + 10_000 * per_subscription < GIB_KIB,
        "live_check": f"{live} of {len(of_room)} subscribers of the stamped class got it",
        "subscriber_errors": errors,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    runs: dict[str, Any] = {}
    async with demo_database() as url, redis_server() as redis_url:
        demo = await read_demo(url)
        for name, env in CONFIGURATIONS.items():
            with running_server(url, extra_env={"HOIKU_REDIS_URL": redis_url, **env}) as server:
                runs[name] = await measure(server.base_url, server.pid, demo, args.count)
            print(f"[{name}] {summary(args.count, runs[name])}", flush=True)
    result = {
        "machine": machine(),
        "subscriptions": args.count,
        "connections": args.count,
        "classes": len(demo.classrooms),
        "runs": runs,
    }
    name = "subscription_memory" if args.count == 5000 else f"subscription_memory_{args.count}"
    print(f"→ {save(name, result)}")


def summary(count: int, run: dict[str, Any]) -> str:
    return (
        f"{count} idle subscriptions: RSS {run['rss_before_mib']} → {run['rss_after_mib']} MiB, "
        f"{run['per_subscription_kib']} KiB each; 10,000 → {run['projected_10000_mib']} MiB; "
        f"{run['live_check']}; errors {run['subscriber_errors']}; load {run['load_average']}"
    )


if __name__ == "__main__":
    asyncio.run(main())
