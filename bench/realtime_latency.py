"""Stamp → subscribed tablet latency, 1,000 subscribers over 2 server processes, vs. the floor.

Run: ``.venv/bin/python -m bench.realtime_latency`` (needs PostgreSQL at
HOIKU_BENCH_ADMIN_URL, default the local one, and ``redis-server`` on PATH).

It seeds a scratch database with the demo ward (150 classes), starts its own Redis and
two uvicorn processes sharing it, and opens 1,000 WebSocket subscriptions, one per
connection, alternating between the two processes and spread round-robin over the 150
classes (6–7 tablets per class, as a class's and the office's screens would be), each
signed in as its facility's director and selecting what a class tablet shows:
``cursor kind stamp { id } child { displayName todayStatus }``.

Then, one at a time, a ward admin stamps a random child (``checkIn``, or ``checkOut`` if
it is in) over HTTP, alternating between the processes, and waits until every
subscriber of that class has the event. Per delivery it records:

- stamp → tablet: from sending the HTTP request to the tablet receiving the event;
- publish → tablet: from the notification appearing on Redis (seen by an observer of
  the bench's own) to the tablet receiving the event.

Interleaved with the stamps, in the same run, it measures the floor: a bare Redis
PUBLISH → a subscriber receiving it → one primary-key read of a child (asyncpg). The
ratios divide each latency by the floor at p50 and at p99.
``bench/results/realtime_latency.json`` keeps the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import random
import time
import uuid
from collections import defaultdict
from typing import Any

import asyncpg
import httpx
from redis import asyncio as aioredis

from bench.harness import cpu_seconds, machine, running_server, save
from bench.realtime_common import (
    Demo,
    Subscriber,
    close_all,
    demo_database,
    load_average,
    login,
    percentiles,
    read_demo,
    redis_server,
    subscribe,
)

SUBSCRIBERS = 1000
STAMPS = 300
WARM_UP = 20
SELECTIONS = {
    # One object read per subscriber, as the floor has one primary-key read.
    "minimal": "cursor kind child { id displayName }",
    # What a class tablet shows: the stamp and the child's status (three more reads).
    "tablet": "cursor kind stamp { at method } child { id displayName todayStatus }",
}
QUERY = "subscription($id: ID!) {{ attendanceChanged(classroomId: $id) {{ {0} }} }}"
CHECK = "mutation($id: ID!) {{ {0}(childId: $id) {{ stamp {{ id }} }} }}"


class Deliveries:
    """Matches tablets' events to the stamp awaited (by child; one stamp at a time).

    An event may reach a tablet before the stamp's own HTTP answer reaches the bench.
    """

    def __init__(self) -> None:
        self.arrivals: dict[str, list[tuple[str, int, float]]] = defaultdict(list)
        self.waiting: dict[str, tuple[int, asyncio.Future[None]]] = {}
        self.published: dict[tuple[str, int], float] = {}
        self.stamp_ms: list[float] = []
        self.publish_ms: list[float] = []

    def on_message(self, subscriber: Subscriber, payload: dict[str, Any], at: float) -> None:
        event = (payload.get("data") or {}).get("attendanceChanged") or {}
        child_id = (event.get("child") or {}).get("id")
        if event.get("kind") not in ("CHECKED_IN", "CHECKED_OUT") or child_id is None:
            return  # ratio alerts and the like
        seq = int(base64.urlsafe_b64decode(event["cursor"]).decode().split(":")[0])
        self.arrivals[child_id].append((subscriber.tag, seq, at))
        self._check(child_id)

    async def wait_for(self, key: str, expected: int) -> bool:
        done = asyncio.get_running_loop().create_future()
        self.waiting[key] = (expected, done)
        self._check(key)
        try:
            await asyncio.wait_for(done, 10)
            return True
        except TimeoutError:
            return False

    def record(self, key: str, sent: float) -> None:
        for room, seq, at in self.arrivals.pop(key, []):
            self.stamp_ms.append((at - sent) * 1000)
            if (published := self.published.get((room, seq))) is not None:
                self.publish_ms.append((at - published) * 1000)

    def _check(self, key: str) -> None:
        expected, done = self.waiting.get(key, (0, None))
        if done is not None and not done.done() and len(self.arrivals[key]) >= expected:
            done.set_result(None)


async def observe_publishes(redis_url: str, deliveries: Deliveries) -> None:
    """When each notification appears on Redis, keyed by (classroom id, seq)."""
    client = aioredis.Redis.from_url(redis_url)
    async with client.pubsub() as pubsub:
        await pubsub.psubscribe("hoiku:v1:attendance:classroom:*")
        async for message in pubsub.listen():
            if message["type"] == "pmessage":
                at = time.perf_counter()
                room = message["channel"].decode().rsplit(":", 1)[1]
                seq = int(message["data"].split(b'"seq":')[1].split(b",")[0])
                deliveries.published[(room, seq)] = at


async def floor_sample(redis: Any, pubsub: Any, pool: asyncpg.Pool, child_id: str) -> float:
    token = uuid.uuid4().hex
    started = time.perf_counter()
    await redis.publish("bench:floor", token)
    while True:
        message = await pubsub.get_message(timeout=5)
        if message and message["type"] == "message" and message["data"].decode() == token:
            break
    await pool.fetchrow("SELECT * FROM child WHERE id = $1", uuid.UUID(child_id))
    return (time.perf_counter() - started) * 1000


async def stamp_one(
    http: httpx.AsyncClient, base_url: str, token: str, child: str, state: dict[str, str]
) -> tuple[str | None, float]:
    """checkIn, or checkOut when the child is in; None when it was the other way round."""
    mutation = state.get(child, "checkIn")
    state[child] = "checkOut" if mutation == "checkIn" else "checkIn"
    sent = time.perf_counter()
    response = await http.post(
        f"{base_url}/graphql",
        json={"query": CHECK.format(mutation), "variables": {"id": child}},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    if body.get("errors"):
        return None, sent
    return str(body["data"][mutation]["stamp"]["id"]), sent


async def open_subscribers(
    http: httpx.AsyncClient, bases: list[str], demo: Demo, query: str
) -> list[Subscriber]:
    codes = sorted({code for _, code in demo.classrooms})
    tokens = {code: await login(http, bases[0], f"{code.lower()}.director") for code in codes}
    plan = [(i, demo.classrooms[i % len(demo.classrooms)]) for i in range(SUBSCRIBERS)]
    subscribers: list[Subscriber] = []
    for start in range(0, len(plan), 100):
        batch = plan[start : start + 100]
        subscribers += await asyncio.gather(
            *(
                subscribe(
                    bases[i % 2].replace("http", "ws", 1) + "/graphql",
                    tokens[code],
                    query,
                    {"id": room},
                    tag=room,
                )
                for i, (room, code) in batch
            )
        )
    await asyncio.sleep(2)  # let every subscription go live (the warm-up stamps check it)
    return subscribers


async def measure(
    bases: list[str], redis_url: str, url: str, demo: Demo, selection: str
) -> dict[str, Any]:
    deliveries = Deliveries()
    per_class: dict[str, int] = defaultdict(int)
    for i in range(SUBSCRIBERS):
        per_class[demo.classrooms[i % len(demo.classrooms)][0]] += 1
    observer = asyncio.create_task(observe_publishes(redis_url, deliveries))
    redis = aioredis.Redis.from_url(redis_url)
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
    floor_ms: list[float] = []
    rng = random.Random(7)
    state: dict[str, str] = {}
    async with httpx.AsyncClient(timeout=30) as http, redis.pubsub() as floor_sub:
        await floor_sub.subscribe("bench:floor")
        subscribers = await open_subscribers(http, bases, demo, QUERY.format(SELECTIONS[selection]))
        for subscriber in subscribers:
            subscriber.on_message = deliveries.on_message
        admin = await login(http, bases[0], "ward.admin")
        rooms = [room for room, _ in demo.classrooms if demo.children.get(room)]
        timeouts = 0
        for n in range(WARM_UP + STAMPS):
            room = rng.choice(rooms)
            child = rng.choice(demo.children[room])
            deliveries.arrivals.pop(child, None)
            stamp, sent = await stamp_one(http, bases[n % 2], admin, child, state)
            if stamp is None:  # the demo's day had it the other way round
                stamp, sent = await stamp_one(http, bases[n % 2], admin, child, state)
            assert stamp is not None
            timeouts += not await deliveries.wait_for(child, per_class[room])
            if n < WARM_UP:
                continue
            deliveries.record(child, sent)
            floor_ms.append(await floor_sample(redis, floor_sub, pool, child))
        errors = sum(len(s.errors) for s in subscribers)
        await close_all(subscribers)
    observer.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await observer
    await pool.close()
    await redis.aclose()
    return {
        "deliveries": deliveries,
        "floor_ms": floor_ms,
        "timeouts": timeouts,
        "subscriber_errors": errors,
    }


def report(run: dict[str, Any], cpu: list[float], load: list[list[float]]) -> dict[str, Any]:
    deliveries: Deliveries = run["deliveries"]
    floor = percentiles(run["floor_ms"])
    stamp = percentiles(deliveries.stamp_ms)
    publish = percentiles(deliveries.publish_ms)

    def ratio(figures: dict[str, float]) -> dict[str, float]:
        return {k: round(figures[f"{k}_ms"] / floor[f"{k}_ms"], 2) for k in ("p50", "p99")}

    return {
        "load_average_before_after": load,
        "stamp_to_tablet": stamp,
        "publish_to_tablet": publish,
        "floor_publish_receive_pk_read": floor,
        "ratio_stamp_to_tablet_vs_floor": ratio(stamp),
        "ratio_publish_to_tablet_vs_floor": ratio(publish),
        "stamps_not_fully_delivered_in_10s": run["timeouts"],
        "subscriber_errors": run["subscriber_errors"],
        "server_cpu_seconds": cpu,
    }


def summary(selection: str, figures: dict[str, Any]) -> str:
    stamp, publish = figures["stamp_to_tablet"], figures["publish_to_tablet"]
    floor = figures["floor_publish_receive_pk_read"]
    return (
        f"[{selection}] stamp→tablet p50 {stamp['p50_ms']} ms p99 {stamp['p99_ms']} ms; "
        f"publish→tablet p50 {publish['p50_ms']} ms p99 {publish['p99_ms']} ms; "
        f"floor p50 {floor['p50_ms']} ms p99 {floor['p99_ms']} ms; ratio publish→tablet "
        f"{figures['ratio_publish_to_tablet_vs_floor']}, stamp→tablet "
        f"{figures['ratio_stamp_to_tablet_vs_floor']}; load {figures['load_average_before_after']}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--selection", choices=[*SELECTIONS, "both"], default="both")
    args = parser.parse_args()
    selections = list(SELECTIONS) if args.selection == "both" else [args.selection]
    runs: dict[str, Any] = {}
    async with demo_database() as url, redis_server() as redis_url:
        # As `hoiku serve` runs it: Redis fan-out, no per-message deflate.
        env = {"HOIKU_REDIS_URL": redis_url, "UVICORN_WS_PER_MESSAGE_DEFLATE": "false"}
        with running_server(url, extra_env=env) as a, running_server(url, extra_env=env) as b:
            demo = await read_demo(url)
            for selection in selections:
                load = [load_average()]
                before = [cpu_seconds(a.pid), cpu_seconds(b.pid)]
                run = await measure([a.base_url, b.base_url], redis_url, url, demo, selection)
                cpu = [
                    round(cpu_seconds(pid) - c, 2)
                    for pid, c in zip((a.pid, b.pid), before, strict=True)
                ]
                load.append(load_average())
                runs[selection] = report(run, cpu, load)
                print(summary(selection, runs[selection]), flush=True)
    result = {
        "machine": machine(),
        "subscribers": SUBSCRIBERS,
        "server_processes": 2,
        "classes": len(demo.classrooms),
        "stamps": STAMPS,
        "selections": {name: SELECTIONS[name] for name in selections},
        "runs": runs,
    }
    print(f"→ {save('realtime_latency', result)}")


if __name__ == "__main__":
    asyncio.run(main())
