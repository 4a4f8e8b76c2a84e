"""Morning rush: 2,524 stamps and 300 notices over HTTP from 50 concurrent clients.

Run it self-contained (a scratch database with the demo ward, two uvicorn workers):

    .venv/bin/python -m bench.morning_rush

or against a server already running on the demo ward (``hoiku serve`` seeds it):

    .venv/bin/python -m bench.morning_rush --url http://127.0.0.1:8000

Every stamp is made at a facility's entrance tablet with the family's QR code
(``kioskStamp``), as the morning queue at the door makes them; every notice is a
guardian's sick notice from the phone (``reportAbsence``). Setup, untimed, signs
in each facility's director and kiosk and 300 guardians, and issues the QR
codes. Each child is stamped in the direction its status asks (arrival, or
pick-up if it is already in), so the run can be repeated on one database.

It prints stamps/s (stamps over the wall time of the whole mixed run), p50 and
p99 per operation, and errors by code; ``bench/results/morning_rush.json``
keeps the figures. Throughout the run every stamped class has a tablet subscribed
(``bench/delivery_probe.py``): the events lost at them, duplicated or delivered out
of order, counted against the database's event log, are reported too. The two
workers share a Redis of the bench's own, as the streams need across processes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from bench.delivery_probe import TabletProbe
from bench.harness import ROOT, cpu_seconds, machine, running_server, save, scratch_database
from bench.realtime_common import redis_server

FACILITIES = 25
CLIENTS = 50
NOTICES = 300
DEMO_PASSWORD = "hoiku-demo"

LOGIN = "mutation($l:String!,$p:String!){login(loginId:$l,password:$p){accessToken}}"
ROSTER = """query($after: String) { children(first: 100, after: $after) {
  nodes { id classroom { id } todayStatus guardians { id mayPickUp pickupRestricted } }
  endCursor hasNextPage } }"""
ISSUE = "mutation($g: ID!) { issueFamilyQrToken(guardianId: $g) { token } }"
MY_CHILDREN = "query { viewer { children { id } } }"
KIOSK_STAMP = """mutation($input: KioskStampInput!) {
  kioskStamp(input: $input) { stamp { id } replayed } }"""
REPORT = """mutation($input: ReportAbsenceInput!) { reportAbsence(input: $input) { id } }"""


class DeliveryProbe(Protocol):
    """Subscribers that count what they receive; the realtime layer supplies one."""

    async def start(self, base_url: str, classroom_ids: list[str]) -> None: ...

    async def finish(self) -> dict[str, int]:
        """``lost`` (in the database, not received), ``duplicates``, ``out_of_order``…"""
        ...


@dataclass
class Operation:
    kind: str  # "stamp" | "notice"
    token: str
    document: str
    variables: dict[str, Any]


@dataclass
class Outcome:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"stamp": [], "notice": []})
    errors: Counter[str] = field(default_factory=Counter)


async def graphql(
    http: httpx.AsyncClient, document: str, variables: dict[str, Any] | None, token: str | None
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        "/graphql", json={"query": document, "variables": variables or {}}, headers=headers
    )
    response.raise_for_status()
    return response.json()  # type: ignore[no-any-return]


async def login(http: httpx.AsyncClient, login_id: str) -> str:
    body = await graphql(http, LOGIN, {"l": login_id, "p": DEMO_PASSWORD}, None)
    if body.get("errors"):
        raise SystemExit(f"cannot sign in as {login_id}: {body['errors'][0]['message']}")
    return str(body["data"]["login"]["accessToken"])


async def bounded(limit: int, jobs: list[Callable[[], Awaitable[Any]]]) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def run(job: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await job()

    return await asyncio.gather(*(run(j) for j in jobs))


async def facility_roster(http: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    children: list[dict[str, Any]] = []
    after = None
    while True:
        body = await graphql(http, ROSTER, {"after": after}, token)
        page = body["data"]["children"]
        children += page["nodes"]
        if not page["hasNextPage"]:
            return children
        after = page["endCursor"]


def collector(child: dict[str, Any]) -> str | None:
    """A guardian who may collect the child: the QR code is issued to them."""
    for guardian in child["guardians"]:
        if guardian["mayPickUp"] and not guardian["pickupRestricted"]:
            return str(guardian["id"])
    return None


async def stamp_operations(http: httpx.AsyncClient) -> tuple[list[Operation], list[str]]:
    prefixes = [f"f{n:02d}" for n in range(1, FACILITIES + 1)]
    directors = await bounded(10, [lambda p=p: login(http, f"{p}.director") for p in prefixes])
    kiosks = await bounded(10, [lambda p=p: login(http, f"{p}.kiosk") for p in prefixes])
    rosters = await bounded(10, [lambda t=t: facility_roster(http, t) for t in directors])
    tokens: dict[str, str] = {}
    issue: list[Callable[[], Awaitable[Any]]] = []
    for director, roster in zip(directors, rosters, strict=True):
        for guardian in {collector(c) for c in roster} - {None}:
            issue.append(lambda d=director, g=guardian: _issue(http, d, g, tokens))
    await bounded(CLIENTS, issue)
    operations, classrooms = [], set()
    for kiosk, roster in zip(kiosks, rosters, strict=True):
        for child in roster:
            guardian = collector(child)
            if guardian is None:
                continue
            classrooms.add(child["classroom"]["id"])
            kind = "PICKUP" if child["todayStatus"] == "ARRIVED" else "ARRIVAL"
            variables = {
                "input": {
                    "childId": child["id"],
                    "kind": kind,
                    "qrToken": tokens[guardian],
                    "idempotencyKey": str(uuid.uuid4()),
                }
            }
            operations.append(Operation("stamp", kiosk, KIOSK_STAMP, variables))
    return operations, sorted(classrooms)


async def _issue(
    http: httpx.AsyncClient, director: str, guardian: str, into: dict[str, str]
) -> None:
    body = await graphql(http, ISSUE, {"g": guardian}, director)
    into[guardian] = body["data"]["issueFamilyQrToken"]["token"]


def japan_today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 9 * 3600))


async def notice_operations(http: httpx.AsyncClient) -> list[Operation]:
    per_facility = NOTICES // FACILITIES
    logins = [
        f"f{n:02d}.guardian{k}"
        for n in range(1, FACILITIES + 1)
        for k in range(1, per_facility + 1)
    ]
    # Sign-in holds a pooled connection while argon2 runs: keep it modest (setup only).
    tokens = await bounded(8, [lambda i=i: login(http, i) for i in logins])
    children = await bounded(
        CLIENTS, [lambda t=t: graphql(http, MY_CHILDREN, None, t) for t in tokens]
    )
    operations = []
    for token, body in zip(tokens, children, strict=True):
        child = body["data"]["viewer"]["children"][0]["id"]
        variables = {
            "input": {
                "childId": child,
                "kind": "SICK",
                "startDate": None,  # set when the timed run starts
                "symptoms": ["FEVER"],
                "temperature": 38.2,
                "note": "朝から発熱",
            }
        }
        operations.append(Operation("notice", token, REPORT, variables))
    return operations


async def run_clients(base_url: str, operations: list[Operation]) -> tuple[Outcome, float]:
    queue: asyncio.Queue[Operation] = asyncio.Queue()
    for operation in operations:
        queue.put_nowait(operation)
    outcome = Outcome()

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
            while not queue.empty():
                op = queue.get_nowait()
                started = time.perf_counter()
                body = await graphql(http, op.document, op.variables, op.token)
                outcome.latencies[op.kind].append(time.perf_counter() - started)
                for error in body.get("errors") or ():
                    outcome.errors[f"{op.kind}:{error['extensions'].get('code')}"] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return outcome, time.perf_counter() - started


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a server process and its live workers (uvicorn --workers forks them)."""
    children: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            children += [int(c) for c in (task / "children").read_text().split()]
    return cpu_seconds(pid) + sum(tree_cpu_seconds(c) for c in children)


def percentiles(seconds: list[float]) -> dict[str, float]:
    if len(seconds) < 2:
        return {"p50_ms": 0.0, "p99_ms": 0.0}
    cuts = statistics.quantiles(seconds, n=100)
    return {"p50_ms": round(cuts[49] * 1000, 1), "p99_ms": round(cuts[98] * 1000, 1)}


async def rush(
    base_url: str, server_pid: int | None, probe: DeliveryProbe | None
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        stamps, classrooms = await stamp_operations(http)
        notices = await notice_operations(http)
    for notice in notices:  # dated now: setup may have crossed midnight in Japan
        notice.variables["input"]["startDate"] = japan_today()
    operations = stamps + notices
    random.Random(1).shuffle(operations)
    if probe is not None:
        await probe.start(base_url, classrooms)
    load_before = [round(x, 2) for x in os.getloadavg()]
    cpu_before = tree_cpu_seconds(server_pid) if server_pid else None
    outcome, wall = await run_clients(base_url, operations)
    cpu = (
        tree_cpu_seconds(server_pid) - cpu_before if server_pid and cpu_before is not None else None
    )
    delivery = await probe.finish() if probe is not None else None
    return {
        "machine": machine(),
        "load_average_before": load_before,
        "clients": CLIENTS,
        "stamps": len(stamps),
        "notices": len(notices),
        "wall_seconds": round(wall, 2),
        "stamps_per_second": round(len(stamps) / wall, 1),
        "operations_per_second": round(len(operations) / wall, 1),
        "stamp": percentiles(outcome.latencies["stamp"]),
        "notice": percentiles(outcome.latencies["notice"]),
        "errors": dict(outcome.errors),
        "server_cpu_ms_per_operation": round(cpu * 1000 / len(operations), 2) if cpu else None,
        "events_lost_at_subscribers": delivery["lost"] if delivery else None,
        "delivery_at_subscribers": delivery,
    }


@contextlib.asynccontextmanager
async def demo_server(workers: int) -> AsyncIterator[tuple[str, int, str]]:
    """A scratch database seeded with the demo ward, served by uvicorn as ``hoiku serve``."""
    from hoiku.seeding import seed_demo_if_empty
    from hoiku.settings import Settings

    async with scratch_database() as url, redis_server() as redis_url:
        await seed_demo_if_empty(Settings(database_url=url), url, show_progress=True)
        env = {"HOIKU_REDIS_URL": redis_url, "UVICORN_WS_PER_MESSAGE_DEFLATE": "false"}
        with running_server(url, workers=workers, extra_env=env) as server:
            yield server.base_url, server.pid, url


def _delivery(figures: dict[str, int] | None) -> str:
    if figures is None:
        return "not measured (no database URL to count against)"
    return (
        f"{figures['lost']} lost, {figures['duplicates']} duplicated, "
        f"{figures['out_of_order']} out of order ({figures['received']} of "
        f"{figures['expected']} received, {figures['subscriber_errors']} subscriber errors)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="A running server on the demo ward (default: start one).")
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="Server processes to start (default 2: one per core).",
    )
    parser.add_argument(
        "--database-url", help="With --url: the server's database, to count lost events."
    )
    args = parser.parse_args()
    if args.url:
        probe = TabletProbe(args.database_url) if args.database_url else None
        result = await rush(args.url, None, probe)
    else:
        async with demo_server(args.workers) as (base_url, pid, url):
            result = await rush(base_url, pid, TabletProbe(url))
        result["server_processes"] = args.workers
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    path = save("morning_rush", result)
    print(
        f"{result['stamps']} stamps + {result['notices']} notices from {CLIENTS} clients in "
        f"{result['wall_seconds']} s: {result['stamps_per_second']} stamps/s; "
        f"stamp p50 {result['stamp']['p50_ms']} ms p99 {result['stamp']['p99_ms']} ms; "
        f"notice p50 {result['notice']['p50_ms']} ms p99 {result['notice']['p99_ms']} ms; "
        f"errors {result['errors'] or 'none'}; load {result['load_average_at_end']}; "
        f"at the subscribers: {_delivery(result['delivery_at_subscribers'])}  ({path})"
    )


if __name__ == "__main__":
    asyncio.run(main())
