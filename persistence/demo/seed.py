"""Write the demo ward into an empty database, in one transaction.

The rows come from :func:`persistence.demo.plan.plan_demo_ward` (pure and
deterministic); this module only checks that the database is empty and bulk-
inserts them table by table, reporting progress per phase.

Extension point: a school year of attendance, contact-book entries, plans and
records belongs in ``SCHOOL_YEAR_PHASES``: each phase receives the connection,
the planned rows (children, classrooms, accounts with their ids) and the day
the demo is seeded, and adds its own rows inside the same transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.validation import fiscal_year_of
from persistence.demo.allocation import DemoScale
from persistence.demo.plan import DEMO_SEED, plan_demo_ward
from persistence.demo.rows import DemoRows, Row
from persistence.models import FacilityRow
from persistence.progress import NullProgress, PhaseReporter

CHUNK = 1000  # rows per INSERT: large enough to be fast, small enough for smooth progress
# Serialises concurrent seeders (two workers starting on one empty database).
_SEED_LOCK_KEY = "hoiku-demo-seed"


@dataclass(frozen=True)
class SeedContext:
    """What a seeding phase may use besides the connection."""

    rows: DemoRows
    today: date
    fiscal_year: int
    progress: PhaseReporter


SeedPhase = Callable[[AsyncConnection, SeedContext], Awaitable[None]]

# Attendance, contact book, plans and records phases go here once their tables exist.
SCHOOL_YEAR_PHASES: Sequence[SeedPhase] = ()


async def seed_demo_ward(
    connection: AsyncConnection,
    *,
    today: date,
    password_hash: str,
    scale: DemoScale | None = None,
    seed: int = DEMO_SEED,
    progress: PhaseReporter | None = None,
) -> DemoRows | None:
    """Insert the demo ward for the 年度 of ``today``; None if a facility already exists.

    Runs inside the caller's transaction, which alone commits. ``password_hash``
    is shared by every demo account (demo only: one hash instead of thousands).
    """
    progress = progress or NullProgress()
    await connection.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": _SEED_LOCK_KEY}
    )
    if await connection.scalar(select(FacilityRow.id).limit(1)) is not None:
        return None
    scale = scale or DemoScale()
    fiscal_year = fiscal_year_of(today)
    progress.begin("Planning the ward", scale.facilities)
    rows = plan_demo_ward(
        fiscal_year=fiscal_year,
        password_hash=password_hash,
        scale=scale,
        seed=seed,
        on_facility=lambda _code: progress.advance("Planning the ward"),
    )
    await _insert_all(connection, rows, progress)
    context = SeedContext(rows, today, fiscal_year, progress)
    for phase in SCHOOL_YEAR_PHASES:
        await phase(connection, context)
    return rows


async def _insert_all(connection: AsyncConnection, rows: DemoRows, progress: PhaseReporter) -> None:
    for name, model, table_rows in rows.tables():
        phase = f"Writing {name.replace('_', ' ')}"
        progress.begin(phase, len(table_rows))
        for chunk in _chunks(table_rows):
            await connection.execute(insert(model), chunk)
            progress.advance(phase, len(chunk))


def _chunks(rows: list[Row]) -> list[list[Row]]:
    return [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]
