"""From the bytes of a roster file to validated children with their guardians."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from persistence.records.roster.csv_format import read_roster
from persistence.records.roster.errors import RosterInvalid, RowError
from persistence.records.roster.grouping import RosterChild, group_lines
from persistence.records.roster.parsing import RosterLine, parse_line


@dataclass(frozen=True)
class ParsedRoster:
    encoding: str
    children: list[RosterChild]
    rows: int
    ignored_columns: tuple[str, ...]


def parse_roster(
    data: bytes, *, today: date, on_row: Callable[[], None] | None = None
) -> ParsedRoster:
    """Every row validated; raises :class:`RosterInvalid` with all problems found."""
    table = read_roster(data)
    lines: list[RosterLine] = []
    errors: list[RowError] = []
    for cells in table.rows:
        parsed = parse_line(cells, today=today)
        if isinstance(parsed, RosterLine):
            lines.append(parsed)
        else:
            errors += parsed
        if on_row is not None:
            on_row()
    children, grouping_errors = group_lines(lines)
    errors += grouping_errors
    if not table.rows:
        errors.append(RowError(None, "the file has no data rows"))
    if errors:
        raise RosterInvalid(errors)
    return ParsedRoster(table.encoding, children, len(table.rows), table.ignored_columns)
