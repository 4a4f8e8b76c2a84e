"""Importing the ward's roster CSV: the one orchestration the CLI (and any job) calls.

Read the file (encoding detected) → validate every row → resolve classes and
write new children, guardians, enrolments and guardianships in one transaction.
Any problem anywhere raises :class:`persistence.records.roster.RosterInvalid` listing
every row's problems, and nothing is written.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from hoiku.progress import phase_progress
from hoiku.settings import Settings
from persistence.crypto import configure_keyring
from persistence.db import make_engine, make_sessionmaker
from persistence.progress import PhaseReporter
from persistence.records.roster.grouping import RosterChild
from persistence.records.roster.importer import ImportReport, import_roster
from persistence.records.roster.read import parse_roster

READING = "Checking rows"


@dataclass(frozen=True)
class RosterImportOutcome:
    report: ImportReport
    encoding: str
    rows: int
    ignored_columns: tuple[str, ...]
    dry_run: bool


class _RollBack(Exception):
    """Leaves the transaction of a dry run without committing."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report


async def import_roster_file(
    settings: Settings,
    database_url: str,
    path: Path,
    *,
    facility_code: str,
    show_progress: bool,
    dry_run: bool = False,
    today: date | None = None,
) -> RosterImportOutcome:
    """Import ``path`` into ``facility_code`` (e.g. F01) for the 年度 of ``today``."""
    configure_keyring(settings.data_key)
    today = today or datetime.now(UTC).date()  # the resolvers' clock is UTC too
    data = await asyncio.to_thread(path.read_bytes)
    with phase_progress(show_progress) as progress:
        progress.begin(READING, max(1, data.count(b"\n") - 1))
        parsed = parse_roster(data, today=today, on_row=lambda: progress.advance(READING))
        report = await _write(
            database_url, parsed.children, facility_code, today, progress, dry_run
        )
    return RosterImportOutcome(
        report, parsed.encoding, parsed.rows, parsed.ignored_columns, dry_run
    )


async def _write(
    database_url: str,
    children: list[RosterChild],
    facility_code: str,
    today: date,
    progress: PhaseReporter,
    dry_run: bool,
) -> ImportReport:
    engine = make_engine(database_url, pool_size=1)
    try:
        async with make_sessionmaker(engine).begin() as session:
            report = await import_roster(
                session, children, facility_code=facility_code, today=today, progress=progress
            )
            if dry_run:
                raise _RollBack(report)
        return report
    except _RollBack as rolled_back:
        return rolled_back.report
    finally:
        await engine.dispose()
