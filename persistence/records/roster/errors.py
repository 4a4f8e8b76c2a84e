"""Why a roster cannot be imported: every problem, each with its row number."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    """One problem; ``row`` is the spreadsheet row (header = 1), None for the whole file."""

    row: int | None
    message: str

    def __str__(self) -> str:
        return self.message if self.row is None else f"row {self.row}: {self.message}"


class RosterInvalid(Exception):
    """The roster has problems; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.row or 0)  # stable within a row
        super().__init__("; ".join(str(e) for e in self.errors[:5]))
