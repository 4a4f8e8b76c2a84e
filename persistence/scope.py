"""Row scope: which records an actor can reach at all, as SQL predicates.

Default deny: a role that is not named below reaches nothing. Anything
outside these predicates is, to the API, indistinguishable from a record
that does not exist.

The actor's values enter as named bind parameters (``scope_values``) and sets
as arrays (``= ANY``), so a predicate's SQL depends only on the actor's
``scope_shape``: hot read paths compile a statement once per shape.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, any_, bindparam, false, or_, select, true
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from domain.policy import Relationship, Whereabouts, withholds
from domain.roles import Actor, Role
from persistence.models import (
    AttendanceNoticeRow,
    ChildRow,
    ClassroomRow,
    FacilityRow,
    GuardianRow,
    GuardianshipRow,
)

_FACILITY_ROLES = (Role.DIRECTOR, Role.NURSE, Role.CLERK, Role.KIOSK)


_ID = UUID(as_uuid=True)


def scope_values(actor: Actor) -> dict[str, Any]:
    """The bind-parameter values of the actor's scope predicates."""
    return {
        "scope_facility_id": actor.facility_id,
        "scope_classroom_ids": sorted(actor.classroom_ids),
        "scope_guardian_id": actor.guardian_id,
        "scope_account_id": actor.account_id,
    }


def scope_shape(actor: Actor) -> Hashable:
    """What the SQL of the actor's scope predicates depends on (not the values)."""
    return (actor.role, actor.facility_id is None)


def _facility(actor: Actor) -> BindParameter[uuid.UUID]:
    return bindparam("scope_facility_id", actor.facility_id, type_=_ID)


def _classrooms(actor: Actor) -> ColumnElement[Any]:
    ids: list[uuid.UUID] = sorted(actor.classroom_ids)
    return any_(bindparam("scope_classroom_ids", ids, type_=ARRAY(_ID)))


def _own_child_ids(actor: Actor):  # type: ignore[no-untyped-def]
    guardian = bindparam("scope_guardian_id", actor.guardian_id, type_=_ID)
    return select(GuardianshipRow.child_id).where(GuardianshipRow.guardian_id == guardian)


def child_scope(actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.WARD_ADMIN:
        return true()
    if actor.role in _FACILITY_ROLES:
        return ChildRow.facility_id == _facility(actor)
    if actor.role is Role.TEACHER:
        return ChildRow.classroom_id == _classrooms(actor)
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
        return ClassroomRow.facility_id == _facility(actor)
    if actor.role is Role.TEACHER:
        return ClassroomRow.id == _classrooms(actor)
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
    return FacilityRow.id == _facility(actor)


def _unrestricted_child_ids(actor: Actor):  # type: ignore[no-untyped-def]
    """The guardian's children whose pick-up by this guardian is not restricted."""
    return _own_child_ids(actor).where(GuardianshipRow.pickup_restricted.is_not(True))


def _guardian_reaches(actor: Actor, item: Whereabouts) -> ColumnElement[bool]:
    if withholds(Relationship.PICKUP_RESTRICTED, item):
        return ChildRow.id.in_(_unrestricted_child_ids(actor))
    return ChildRow.id.in_(_own_child_ids(actor))


def attendance_scope(actor: Actor) -> ColumnElement[bool]:
    """Children whose attendance (status, stamps, live events) the actor reaches.

    The relationship rules of ``domain.policy`` narrow a guardian's children here.
    """
    if actor.role is Role.GUARDIAN:
        return _guardian_reaches(actor, Whereabouts.ATTENDANCE)
    return child_scope(actor)


def notice_scope(actor: Actor) -> ColumnElement[bool]:
    """Notices the actor reaches (joined with their child): a guardian's own always."""
    if actor.role is not Role.GUARDIAN:
        return child_scope(actor)
    account = bindparam("scope_account_id", actor.account_id, type_=_ID)
    own = and_(child_scope(actor), AttendanceNoticeRow.sent_by == account)
    return or_(_guardian_reaches(actor, Whereabouts.NOTICES_BY_OTHERS), own)
