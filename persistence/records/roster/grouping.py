"""Gather a roster's lines into children, each with its guardians, and check they agree.

Rows of one child (same 児童カナ and 生年月日) must repeat the same child columns;
a guardian appears once per child; at most one row per child marks the primary
contact (none marked: the child's first row is).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from persistence.records.roster.errors import RowError
from persistence.records.roster.parsing import ChildEntry, GuardianEntry, RosterLine


@dataclass
class GuardianLink:
    row: int
    guardian: GuardianEntry
    relationship: str
    primary_contact: bool


@dataclass
class RosterChild:
    row: int  # the child's first row
    child: ChildEntry
    guardians: list[GuardianLink] = field(default_factory=list)


def group_lines(lines: list[RosterLine]) -> tuple[list[RosterChild], list[RowError]]:
    children: dict[tuple[object, ...], RosterChild] = {}
    guardians_seen: dict[tuple[str, ...], RosterLine] = {}
    errors: list[RowError] = []
    for line in lines:
        errors += _same_guardian_elsewhere(line, guardians_seen)
        entry = children.get(line.child.key)
        if entry is None:
            children[line.child.key] = entry = RosterChild(line.row, line.child)
        elif entry.child != line.child:
            errors.append(RowError(line.row, _differs("児童", entry.row)))
            continue
        if any(_same_guardian(link.guardian, line.guardian) for link in entry.guardians):
            errors.append(
                RowError(line.row, f"保護者 is listed twice for this child (row {entry.row})")
            )
            continue
        entry.guardians.append(
            GuardianLink(line.row, line.guardian, line.relationship, line.primary_contact)
        )
    for entry in children.values():
        errors += _primary_contact(entry)
    return list(children.values()), errors


def _same_guardian_elsewhere(
    line: RosterLine, seen: dict[tuple[str, ...], RosterLine]
) -> list[RowError]:
    """A guardian shared by siblings must be written the same way on every row."""
    key = line.guardian.key
    if key is None:
        return []
    first = seen.setdefault(key, line)
    if first.guardian.name != line.guardian.name:
        return [RowError(line.row, _differs("保護者氏名", first.row))]
    return []


def _same_guardian(a: GuardianEntry, b: GuardianEntry) -> bool:
    return (a.key is not None and a.key == b.key) or a.name == b.name


def _primary_contact(entry: RosterChild) -> list[RowError]:
    marked = [link for link in entry.guardians if link.primary_contact]
    if len(marked) > 1:
        rows = ", ".join(str(link.row) for link in marked)
        return [RowError(marked[1].row, f"主たる連絡先 is marked more than once (rows {rows})")]
    if not marked and entry.guardians:
        entry.guardians[0].primary_contact = True
    return []


def _differs(what: str, first_row: int) -> str:
    return f"{what} differs from row {first_row} for the same person"
