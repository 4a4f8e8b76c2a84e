"""Background jobs of a server process: the missing-arrival alert at each facility's cutoff.

Every process may run this: raising is idempotent per child and day, so two
workers (or a worker and ``hoiku alerts run`` from cron) never alert twice.
Each process remembers which facilities it has done today, so after the
cutoff it does not re-scan them every pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import date

from domain.attendance import local_day
from resolvers.attendance.alerts import run_due_missing_arrival_alerts
from resolvers.services import Services

log = logging.getLogger("hoiku.scheduler")
PASS_SECONDS = 30.0


async def missing_arrival_loop(services: Services, *, every: float = PASS_SECONDS) -> None:
    done: set[uuid.UUID] = set()
    day: date | None = None
    while True:
        today = local_day(services.clock())
        if today != day:
            day, done = today, set()
        try:
            done |= set(await run_due_missing_arrival_alerts(services, skip=done))
        except Exception:  # a bad pass must not end the loop; the next one retries
            log.exception("missing-arrival alert pass failed")
        await asyncio.sleep(every)


@contextlib.asynccontextmanager
async def running_scheduler(services: Services, *, enabled: bool) -> AsyncIterator[None]:
    if not enabled:
        yield
        return
    task = asyncio.create_task(missing_arrival_loop(services), name="missing-arrival-alerts")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
