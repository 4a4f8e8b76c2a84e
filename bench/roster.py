"""Class roster benchmark: GraphQL over HTTP vs. one raw asyncpg query.

Run: ``make bench`` (or ``.venv/bin/python -m bench.roster``). Needs PostgreSQL
at HOIKU_BENCH_ADMIN_URL (default the local one) and ``wrk``. It creates a
scratch database, builds one classroom of 22 children with two guardians each,
starts one uvicorn process, signs in as that class's teacher and runs the
roster query from 10 concurrent connections; then runs the same rows as one
SQL statement through asyncpg from 10 concurrent tasks, and prints both.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time

import asyncpg
import httpx

from bench.harness import cpu_seconds, machine, running_server, save, scratch_database, wrk_post
from hoiku.settings import DEFAULT_DATA_KEY
from persistence.crypto import configure_keyring
from persistence.db import make_engine, make_sessionmaker
from tests.factories import PASSWORD, build_world

CHILDREN = 22
CONNECTIONS = 10
SECONDS = 15

ROSTER = """query Roster($id: ID!) {
  classroom(id: $id) {
    name
    children {
      id displayName
      allergies { allergen severity }
      guardians { familyName givenName relationship mobilePhone }
    }
  }
}"""

LOGIN = "mutation($l: String!, $p: String!) { login(loginId: $l, password: $p) { accessToken } }"

RAW = """
SELECT r.name, c.id, c.family_name, c.given_name, c.allergies,
       (SELECT json_agg(json_build_object('family_name', g.family_name, 'given_name',
                g.given_name, 'relationship', gs.relationship, 'mobile_phone', g.mobile_phone))
          FROM guardianship gs JOIN guardian g ON g.id = gs.guardian_id
         WHERE gs.child_id = c.id) AS guardians
  FROM classroom r JOIN child c ON c.classroom_id = r.id
 WHERE r.id = $1
 ORDER BY c.family_name_kana, c.given_name_kana, c.id
"""


async def raw_floor(database_url: str, classroom_id: str) -> dict[str, float]:
    pool = await asyncpg.create_pool(database_url, min_size=CONNECTIONS, max_size=CONNECTIONS)
    latencies: list[float] = []
    deadline = time.perf_counter() + SECONDS

    async def client() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            async with pool.acquire() as connection:
                await connection.fetch(RAW, classroom_id)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CONNECTIONS)))
    elapsed = time.perf_counter() - started
    await pool.close()
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "per_second": len(latencies) / elapsed,
        "p50_ms": cuts[49] * 1000,
        "p99_ms": cuts[98] * 1000,
    }


async def main() -> None:
    async with scratch_database() as url:
        configure_keyring(DEFAULT_DATA_KEY)
        engine = make_engine(url)
        world = await build_world(make_sessionmaker(engine), per_room=CHILDREN)
        await engine.dispose()
        classroom_id = str(world.room_a.id)
        with running_server(url) as server:
            base = server.base_url
            async with httpx.AsyncClient(base_url=base) as http:
                login = await http.post(
                    "/graphql",
                    json={
                        "query": LOGIN,
                        "variables": {"l": world.logins["teacher"], "p": PASSWORD},
                    },
                )
                token = login.json()["data"]["login"]["accessToken"]
                body = {"query": ROSTER, "variables": {"id": classroom_id}}
                check = await http.post(
                    "/graphql", json=body, headers={"Authorization": f"Bearer {token}"}
                )
                payload = check.json()
                assert not payload.get("errors"), payload["errors"][:2]
                assert len(payload["data"]["classroom"]["children"]) == CHILDREN
            headers = {"Authorization": f"Bearer {token}"}
            target = f"{base}/graphql"
            wrk_post(target, body, headers, connections=CONNECTIONS, seconds=3)  # warm-up
            cpu_before = cpu_seconds(server.pid)
            graphql = wrk_post(target, body, headers, connections=CONNECTIONS, seconds=SECONDS)
            cpu_ms = (cpu_seconds(server.pid) - cpu_before) * 1000 / graphql.requests
        floor = await raw_floor(url, classroom_id)
    result = {
        "machine": machine(),
        "load_average_at_end": os.getloadavg(),
        "children": CHILDREN,
        "connections": CONNECTIONS,
        "graphql": {
            "per_second": graphql.requests_per_second,
            "p50_ms": graphql.p50_ms,
            "p99_ms": graphql.p99_ms,
            "non_2xx": graphql.non_2xx,
            # Load-independent: the server's own CPU per request, and what one
            # fully available core would therefore serve.
            "server_cpu_ms_per_request": cpu_ms,
            "per_second_per_free_core": 1000 / cpu_ms,
        },
        "raw_asyncpg": floor,
        "ratio_graphql_to_raw": graphql.requests_per_second / floor["per_second"],
    }
    path = save("roster", result)
    print(
        f"GraphQL roster: {graphql.requests_per_second:.0f} req/s, p50 {graphql.p50_ms:.1f} ms, "
        f"p99 {graphql.p99_ms:.1f} ms (non-2xx {graphql.non_2xx})"
    )
    print(f"server CPU per request: {cpu_ms:.2f} ms (= {1000 / cpu_ms:.0f} req/s per free core)")
    print(
        f"raw asyncpg:    {floor['per_second']:.0f} q/s, p50 {floor['p50_ms']:.2f} ms, "
        f"p99 {floor['p99_ms']:.2f} ms"
    )
    print(f"ratio GraphQL/raw: {result['ratio_graphql_to_raw']:.3f}  ({path})")


if __name__ == "__main__":
    asyncio.run(main())
