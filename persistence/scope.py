"""Row scope: which records an actor can reach at all, as SQL predicates.

Default deny: a role that is not named below reaches nothing. Anything
outside these predicates is, to the API, indistinguishable from a record
that does not exist.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true

from domain.roles import Actor, Role
from persistence.models import ChildRow, ClassroomRow, FacilityRow, GuardianRow, GuardianshipRow

_FACILITY_ROLES = (Role.DIRECTOR, Role.NURSE, Role.CLERK, Role.KIOSK)


def _own_child_ids(actor: Actor):  # type: ignore[no-untyped-def]
    return select(GuardianshipRow.child_id).where(GuardianshipRow.guardian_id == actor.guardian_id)


def child_scope(actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.WARD_ADMIN:
        return true()
    if actor.role in _FACILITY_ROLES:
        return ChildRow.facility_id == actor.facility_id
    if actor.role is Role.TEACHER:
        return ChildRow.classroom_id.in_(actor.classroom_ids)
    if actor.role is Role.GUARDIAN:
        return ChildRow.id.in_(_own_child_ids(actor))
    return false()


def guardian_scope(actor: Actor) -> ColumnElement[bool]:
    """Guardians of reachable children; a guardian reaches self and co-guardians."""
    if actor.role is Role.WARD_ADMIN:
        return true()
    if actor.role in (Role.KIOSK, Role.REPORTER):
        return false()
    reachable_children = select(ChildRow.id).where(child_scope(actor))
    linked = select(GuardianshipRow.guardian_id).where(
        GuardianshipRow.child_id.in_(reachable_children)
    )
    return GuardianRow.id.in_(linked)


def classroom_scope(actor: Actor) -> ColumnElement[bool]:
    if actor.role in (Role.WARD_ADMIN, Role.REPORTER):
        return true()
    if actor.role in _FACILITY_ROLES:
        return ClassroomRow.facility_id == actor.facility_id
    if actor.role is Role.TEACHER:
        return ClassroomRow.id.in_(actor.classroom_ids)
    if actor.role is Role.GUARDIAN:
        own = select(ChildRow.classroom_id).where(ChildRow.id.in_(_own_child_ids(actor)))
        return ClassroomRow.id.in_(own)
    return false()


def facility_scope(actor: Actor) -> ColumnElement[bool]:
    if actor.role in (Role.WARD_ADMIN, Role.REPORTER):
        return true()
    if actor.role is Role.GUARDIAN:
        own = select(ChildRow.facility_id).where(ChildRow.id.in_(_own_child_ids(actor)))
        return FacilityRow.id.in_(own)
    if actor.facility_id is None:
        return false()
    return FacilityRow.id == actor.facility_id
