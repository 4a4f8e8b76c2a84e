"""Write a validated roster into one facility, inside the caller's transaction.

Children already at the facility (same 児童カナ and 生年月日) are left as they
are, so importing the same file twice adds nothing. A guardian already linked to
a child of the facility is reused for a new sibling when カナ and 携帯電話 (or
住所) match. Every class is resolved before the first write: a roster with any
problem writes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.policy import ItemClass
from domain.validation import fiscal_year_of
from persistence.demo.names import class_age
from persistence.models import (
    ChildRow,
    ClassroomRow,
    EnrolmentRow,
    FacilityRow,
    GuardianRow,
    GuardianshipRow,
)
from persistence.progress import NullProgress, PhaseReporter
from persistence.records.roster.errors import RosterInvalid, RowError
from persistence.records.roster.grouping import RosterChild
from persistence.records.roster.parsing import GuardianEntry
from persistence.repositories import audit
from persistence.repositories.audit import AuditRecord

AUDIT_ROLE = "operator"
AUDIT_CLIENT = "hoiku import-csv"
CHUNK = 500


@dataclass(frozen=True)
class ImportReport:
    facility_code: str
    fiscal_year: int
    children_created: int
    children_already_present: int
    guardians_created: int
    guardians_reused: int


@dataclass
class _Writes:
    guardians: list[dict[str, Any]] = field(default_factory=list)
    children: list[dict[str, Any]] = field(default_factory=list)
    enrolments: list[dict[str, Any]] = field(default_factory=list)
    guardianships: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    reused: set[uuid.UUID] = field(default_factory=set)
    created: dict[tuple[str, ...], uuid.UUID] = field(default_factory=dict)


async def import_roster(
    session: AsyncSession,
    children: list[RosterChild],
    *,
    facility_code: str,
    today: date,
    progress: PhaseReporter | None = None,
) -> ImportReport:
    """Add the roster's new children and guardians to ``facility_code``; raises
    :class:`RosterInvalid` (having written nothing) when a class cannot be resolved."""
    progress = progress or NullProgress()
    facility = await session.scalar(
        select(FacilityRow).where(func.upper(FacilityRow.code) == facility_code.strip().upper())
    )
    if facility is None:
        raise RosterInvalid([RowError(None, f"facility {facility_code} does not exist")])
    # Two imports into one facility at once would both miss each other's children.
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"roster:{facility.id}"}
    )
    fiscal_year = fiscal_year_of(today)
    rooms = await _classrooms(session, facility.id, fiscal_year)
    placements = _place_all(children, rooms, facility.code, fiscal_year)
    writes = _Writes()
    known = await _guardians_at(session, facility.id)
    present = await _children_at(session, facility.id)
    for entry in children:
        if entry.child.key in present:
            writes.skipped += 1
            continue
        _add_child(writes, entry, facility.id, placements[entry.row], fiscal_year, today, known)
    await _write(session, writes, facility.id, progress)
    return ImportReport(
        facility.code,
        fiscal_year,
        children_created=len(writes.children),
        children_already_present=writes.skipped,
        guardians_created=len(writes.guardians),
        guardians_reused=len(writes.reused),
    )


async def _classrooms(
    session: AsyncSession, facility_id: uuid.UUID, fiscal_year: int
) -> list[ClassroomRow]:
    query = select(ClassroomRow).where(
        ClassroomRow.facility_id == facility_id, ClassroomRow.fiscal_year == fiscal_year
    )
    return list(await session.scalars(query))


def _place_all(
    children: list[RosterChild], rooms: list[ClassroomRow], code: str, fiscal_year: int
) -> dict[int, uuid.UUID]:
    placements: dict[int, uuid.UUID] = {}
    errors: list[RowError] = []
    for entry in children:
        try:
            placements[entry.row] = _place(entry, rooms, code, fiscal_year)
        except ValueError as problem:
            errors.append(RowError(entry.row, str(problem)))
    if errors:
        raise RosterInvalid(errors)
    return placements


def _place(entry: RosterChild, rooms: list[ClassroomRow], code: str, fiscal_year: int) -> uuid.UUID:
    """The classroom by クラス, else by 年齢, else by the class age of the date of birth."""
    child = entry.child
    if child.class_name is not None:
        named = [room for room in rooms if room.name == child.class_name]
        if not named:
            raise ValueError(f"クラス {child.class_name} is not a class of {code} in {fiscal_year}")
        return named[0].id
    # A child born after 1 April joins the age-0 class of this 年度.
    age = (
        child.class_age
        if child.class_age is not None
        else max(0, class_age(child.date_of_birth, fiscal_year))
    )
    taking = [room for room in rooms if room.age_min <= age <= room.age_max]
    if len(taking) != 1:
        problem = "no class" if not taking else "more than one class"
        raise ValueError(f"{code} has {problem} for age {age} in {fiscal_year}; name the クラス")
    return taking[0].id


async def _children_at(session: AsyncSession, facility_id: uuid.UUID) -> set[tuple[str, str, date]]:
    result = await session.execute(
        select(ChildRow.family_name_kana, ChildRow.given_name_kana, ChildRow.date_of_birth).where(
            ChildRow.facility_id == facility_id
        )
    )
    return {(fam, given, born) for fam, given, born in result}


async def _guardians_at(
    session: AsyncSession, facility_id: uuid.UUID
) -> dict[tuple[str, ...], uuid.UUID]:
    """Guardians of the facility's children, by the key siblings share them on."""
    result = await session.execute(
        select(
            GuardianRow.id,
            GuardianRow.family_name_kana,
            GuardianRow.given_name_kana,
            GuardianRow.mobile_phone,
            GuardianRow.address,
        )
        .join(GuardianshipRow, GuardianshipRow.guardian_id == GuardianRow.id)
        .join(ChildRow, ChildRow.id == GuardianshipRow.child_id)
        .where(ChildRow.facility_id == facility_id)
    )
    known: dict[tuple[str, ...], uuid.UUID] = {}
    for guardian_id, family_kana, given_kana, mobile, address in result:
        contact = mobile or address
        if contact:
            known[(family_kana, given_kana, contact)] = guardian_id
    return known


def _add_child(
    writes: _Writes,
    entry: RosterChild,
    facility_id: uuid.UUID,
    classroom_id: uuid.UUID,
    fiscal_year: int,
    today: date,
    known: dict[tuple[str, ...], uuid.UUID],
) -> None:
    child = entry.child
    child_id = uuid.uuid4()
    writes.children.append(
        {
            "id": child_id,
            "facility_id": facility_id,
            "classroom_id": classroom_id,
            **_names(child.name),
            "sex": child.sex,
            "date_of_birth": child.date_of_birth,
            "nationality": child.nationality,
            "certified_hours": child.certified_hours,
        }
    )
    writes.enrolments.append(
        {
            "id": uuid.uuid4(),
            "child_id": child_id,
            "classroom_id": classroom_id,
            "fiscal_year": fiscal_year,
            "start_date": today,
        }
    )
    for link in entry.guardians:
        writes.guardianships.append(
            {
                "child_id": child_id,
                "guardian_id": _guardian_id(writes, link.guardian, known),
                "relationship": link.relationship,
                "is_primary_contact": link.primary_contact,
                "may_pick_up": True,
                "pickup_restricted": False,
            }
        )


def _guardian_id(
    writes: _Writes, guardian: GuardianEntry, known: dict[tuple[str, ...], uuid.UUID]
) -> uuid.UUID:
    key = guardian.key
    if key is not None and key in writes.created:
        return writes.created[key]
    if key is not None and key in known:
        writes.reused.add(known[key])
        return known[key]
    guardian_id = uuid.uuid4()
    writes.guardians.append(
        {
            "id": guardian_id,
            **_names(guardian.name),
            "date_of_birth": guardian.date_of_birth,
            "address": guardian.address,
            "home_phone": guardian.home_phone,
            "mobile_phone": guardian.mobile_phone,
            "employer_name": guardian.employer_name,
            "employer_address": guardian.employer_address,
            "employer_phone": guardian.employer_phone,
        }
    )
    if key is not None:
        writes.created[key] = guardian_id
    return guardian_id


def _names(name: Any) -> dict[str, str]:
    return {
        "family_name": name.family_name,
        "given_name": name.given_name,
        "family_name_kana": name.family_name_kana,
        "given_name_kana": name.given_name_kana,
    }


async def _write(
    session: AsyncSession, writes: _Writes, facility_id: uuid.UUID, progress: PhaseReporter
) -> None:
    tables = (
        ("Writing guardians", GuardianRow, writes.guardians),
        ("Writing children", ChildRow, writes.children),
        ("Writing enrolments", EnrolmentRow, writes.enrolments),
        ("Writing guardianships", GuardianshipRow, writes.guardianships),
    )
    for phase, model, rows in tables:
        progress.begin(phase, len(rows))
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            await session.execute(insert(model), chunk)
            progress.advance(phase, len(chunk))
    records = [
        AuditRecord("create", ItemClass.GUARDIAN_NAME.value, "guardian", row["id"], facility_id)
        for row in writes.guardians
    ] + [
        AuditRecord("create", ItemClass.CHILD_IDENTITY.value, "child", row["id"], facility_id)
        for row in writes.children
    ]
    await audit.append(session, None, records, role=AUDIT_ROLE, client=AUDIT_CLIENT)
