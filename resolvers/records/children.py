"""Staff writes to children: create and update, scoped, policy-checked and audited.

Each mutation: parse ids → decide from the fields sent whether the writer may
make this write at all → check the values → in one unit of work, load the
target within the writer's scope (outside it is NOT_FOUND, as if missing) →
apply → append the audit entries → commit. Any error rolls back the write and
its audit entries together.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta, timezone
from typing import TYPE_CHECKING, Any

import strawberry

from domain.errors import InvalidInput, NotFound
from domain.policy import ItemClass
from domain.roles import Actor
from persistence.db import Session
from persistence.models import ChildRow, ClassroomRow
from persistence.records import family_write
from persistence.repositories import audit
from resolvers.ids import parse_id
from resolvers.records.field_rules import (
    CHILD_FIELDS,
    audit_records,
    cleaned,
    require_changes,
    require_writable,
    touched,
)
from resolvers.services import Services
from resolvers.unit_of_work import unit_of_work

if TYPE_CHECKING:  # type-only: at runtime the schema imports the resolvers, not back
    from schema.records.inputs import CreateChildInput, UpdateChildInput

# Japan keeps no daylight saving time: a fixed offset is the ward's calendar.
WARD_TIME = timezone(timedelta(hours=9), "JST")


@dataclass
class ChildWritten:
    child: ChildRow


def ward_today(services: Services) -> date:
    return services.clock().astimezone(WARD_TIME).date()


def apply(row: Any, values: dict[str, Any]) -> None:
    for attr, value in values.items():
        setattr(row, attr, value)


def optional_id(value: Any, *, field: str) -> uuid.UUID | None:
    """A ``Maybe[ID]``: None when absent, the parsed id when sent."""
    if not isinstance(value, strawberry.Some):
        return None
    if value.value is None:
        raise InvalidInput(f"{field} cannot be cleared", field=field)
    return parse_id(value.value, field=field)


async def create_child(services: Services, actor: Actor, input: CreateChildInput) -> ChildWritten:
    classroom_id = parse_id(input.classroom_id, field="classroomId")
    item_classes = touched(input, CHILD_FIELDS) | {ItemClass.CHILD_DISPLAY}
    require_writable(actor, item_classes)
    today = ward_today(services)
    values = cleaned(input, CHILD_FIELDS, today=today)
    async with unit_of_work(services) as uow:
        session = uow.session
        classroom = await _classroom(session, actor, classroom_id)
        child = ChildRow(id=uuid.uuid4(), facility_id=classroom.facility_id, **values)
        child.classroom_id = classroom.id
        await family_write.insert_rows(session, child)
        await family_write.enrol(session, child=child, classroom=classroom, start=today)
        records = audit_records("create", "child", child.id, child.facility_id, item_classes)
        await audit.append(session, actor, records)
    return ChildWritten(child)


async def update_child(services: Services, actor: Actor, input: UpdateChildInput) -> ChildWritten:
    child_id = parse_id(input.id)
    classroom_id = optional_id(input.classroom_id, field="classroomId")
    item_classes = touched(input, CHILD_FIELDS) | (
        {ItemClass.CHILD_DISPLAY} if classroom_id else set()
    )
    require_changes(item_classes)
    require_writable(actor, item_classes)
    today = ward_today(services)
    values = cleaned(input, CHILD_FIELDS, today=today)
    async with unit_of_work(services) as uow:
        session = uow.session
        child = await family_write.child_for_update(session, actor, child_id)
        if child is None:
            raise NotFound("No such child")
        if classroom_id is not None:
            await _move(session, actor, child, classroom_id, today=today)
        apply(child, values)
        records = audit_records("update", "child", child.id, child.facility_id, item_classes)
        await audit.append(session, actor, records)
    return ChildWritten(child)


async def _classroom(session: Session, actor: Actor, classroom_id: uuid.UUID) -> ClassroomRow:
    classroom = await family_write.classroom_for_write(session, actor, classroom_id)
    if classroom is None:
        raise NotFound("No such classroom", field="classroomId")
    return classroom


async def _move(
    session: Session, actor: Actor, child: ChildRow, classroom_id: uuid.UUID, *, today: date
) -> None:
    """A move to another facility's classroom (a ward admin's transfer) moves the child too."""
    classroom = await _classroom(session, actor, classroom_id)
    child.classroom_id = classroom.id
    child.facility_id = classroom.facility_id
    await family_write.enrol(session, child=child, classroom=classroom, start=today)
