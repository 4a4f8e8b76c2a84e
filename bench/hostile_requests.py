"""/healthz latency while anonymous clients send the documents a review used to stall the server.

Run: ``.venv/bin/python -m bench.hostile_requests`` (needs PostgreSQL at
HOIKU_BENCH_ADMIN_URL, default the local one). ``--seconds`` and ``--clients`` change
the run's length and the number of hostile clients.

It starts one uvicorn process on a scratch database with the default limits, then
measures ``GET /healthz`` (one request at a time, every 20 ms, from this process) twice:
idle, and while ``--clients`` hostile clients (a separate process, so their own CPU does
not delay the probe's clock) send, back to back and without a token, a mix of:

- ``dup500``: ``{ viewer { id } × 500 }``, 2.5 s of validation without limits;
- ``dup100``: ``{ viewer { id } × 100 }``, 1.4 KB: parsed off the event loop, then
  refused for its selections (anonymous limit) and its repeated response key;
- ``comment``: a document of 19,980 characters, nearly all one comment;
- ``tokens``: 3,990 one-letter tokens;
- ``body10mb``: a 10 MB body, refused from its Content-Length.

The anonymous length limit refuses ``dup500``, ``comment`` and ``tokens`` before any
lexing. ``--kinds`` also takes two kinds outside the default mix: ``nested``
(``{ viewer { id × 10 } × 10 }``, within every anonymous limit: validated off the loop,
then answered UNAUTHENTICATED) and ``introspection`` (GraphiQL's, which development
answers anonymously and production refuses).

Every document is made unique per request (an operation name), so no cache helps.
Then it repeats the loaded phase (half as long) with each kind alone.
``bench/results/hostile_requests.json`` keeps the figures: /healthz p50/p99/max idle,
under the mix and under each kind, and how many hostile requests were answered, how.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import statistics
import time
from collections import Counter
from typing import Any

import httpx
from graphql import get_introspection_query

from bench.harness import machine, running_server, save, scratch_database

PROBE_INTERVAL = 0.02


def _document(kind: str, n: int) -> str:
    if kind == "dup500":
        return f"query Q{n} {{ " + " ".join(["viewer { id }"] * 500) + " }"
    if kind == "dup100":
        return f"query Q{n} {{ " + " ".join(["viewer { id }"] * 100) + " }"
    if kind == "nested":
        return f"query Q{n} {{ " + " ".join(["viewer { " + "id " * 10 + "}"] * 10) + " }"
    if kind == "introspection":
        return get_introspection_query(descriptions=True, input_value_deprecation=True).replace(
            "query IntrospectionQuery", f"query Q{n}"
        )
    if kind == "comment":
        return "#" + "x" * 19_950 + f"\nquery Q{n} {{ viewer {{ id }} }}"
    return f"query Q{n} {{ " + " ".join(["a"] * 3_990) + " }"


async def _client(base_url: str, kinds: list[str], stop_at: float, tally: Counter[str]) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        for n in itertools.count():
            if time.monotonic() >= stop_at:
                return
            kind = kinds[n % len(kinds)]
            try:
                if kind == "body10mb":
                    response = await http.post(
                        "/graphql",
                        content=b" " * 10_000_000,
                        headers={"content-type": "application/json"},
                    )
                else:
                    response = await http.post(
                        "/graphql", json={"query": _document(kind, n + os.getpid() * 10**6)}
                    )
                tally[f"{kind} {response.status_code}"] += 1
            except httpx.HTTPError as error:
                tally[f"{kind} {type(error).__name__}"] += 1


KINDS = ["dup500", "dup100", "comment", "tokens", "body10mb"]


def _hostile(base_url: str, clients: int, seconds: float, kinds: list[str], out: Any) -> None:
    """Runs in a child process."""
    tally: Counter[str] = Counter()
    stop_at = time.monotonic() + seconds

    async def main() -> None:
        await asyncio.gather(
            *(_client(base_url, kinds[i:] + kinds[:i], stop_at, tally) for i in range(clients))
        )

    asyncio.run(main())
    out.put(dict(tally))


def _probe(base_url: str, seconds: float) -> dict[str, float]:
    samples: list[float] = []
    with httpx.Client(base_url=base_url, timeout=30) as http:
        stop_at = time.monotonic() + seconds
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            assert http.get("/healthz").text == "ok"
            samples.append((time.perf_counter() - started) * 1000)
            time.sleep(PROBE_INTERVAL)
    samples.sort()
    return {
        "samples": len(samples),
        "p50_ms": round(statistics.median(samples), 2),
        "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 2),
        "max_ms": round(samples[-1], 2),
    }


def _under_load(base_url: str, clients: int, seconds: float, kinds: list[str]) -> dict[str, Any]:
    results: Any = multiprocessing.Queue()
    hostile = multiprocessing.Process(
        target=_hostile, args=(base_url, clients, seconds + 1, kinds, results)
    )
    hostile.start()
    time.sleep(1)  # let the hostile clients get going
    probe = _probe(base_url, seconds)
    tally = results.get(timeout=120)
    hostile.join()
    return {**probe, "answered": dict(sorted(tally.items()))}


async def run(seconds: float, clients: int, kinds: list[str], by_kind: bool) -> dict[str, Any]:
    async with scratch_database() as url:
        with running_server(url) as server:
            base = server.base_url
            idle = await asyncio.to_thread(_probe, base, seconds / 2)
            mix = await asyncio.to_thread(_under_load, base, clients, seconds, kinds)
            each = {}
            for kind in kinds if by_kind else []:
                each[kind] = await asyncio.to_thread(
                    _under_load, base, clients, seconds / 2, [kind]
                )
    return {
        "machine": machine(),
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
        "seconds": seconds,
        "hostile_clients": clients,
        "healthz_idle": idle,
        "healthz_under_hostile_mix": mix,
        "healthz_under_each_kind_alone": each,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--kinds", default=",".join(KINDS), help="a subset, comma-separated")
    parser.add_argument("--no-save", action="store_true", help="print only")
    parser.add_argument("--mix-only", action="store_true", help="skip the per-kind phases")
    args = parser.parse_args()
    kinds = args.kinds.split(",")
    result = asyncio.run(run(args.seconds, args.clients, kinds, not args.mix_only))
    if not args.no_save:
        print(save("hostile_requests", result))
    print(result)


if __name__ == "__main__":
    main()
