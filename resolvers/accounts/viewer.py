"""The signed-in user and what hangs off them."""

from __future__ import annotations

import strawberry

from domain.errors import Unauthenticated
from domain.roles import Role
from domain.validation import fiscal_year_of
from persistence.accounts import accounts
from persistence.models import AccountRow, ChildRow, ClassroomRow, FacilityRow
from persistence.records.family import GuardianLink


async def viewer(info: strawberry.Info) -> AccountRow:
    actor = info.context.actor
    async with info.context.sessions() as session:
        account = await accounts.account_by_id(session, actor.account_id)
    if account is None:
        raise Unauthenticated("Sign in first")
    return account


async def viewer_facility(root: AccountRow, info: strawberry.Info) -> FacilityRow | None:
    if root.facility_id is None:
        return None
    return await info.context.loaders.facility_by_id.load(root.facility_id)  # type: ignore[no-any-return]


async def viewer_classrooms(root: AccountRow, info: strawberry.Info) -> list[ClassroomRow]:
    """A teacher's own classes; facility staff get this fiscal year's classes."""
    actor = info.context.actor
    loaders = info.context.loaders
    if actor.role is Role.TEACHER:
        rows = await loaders.classroom_by_id.load_many(sorted(actor.classroom_ids))
        return sorted((r for r in rows if r), key=lambda c: (c.age_min, c.name))
    if actor.role in (Role.DIRECTOR, Role.NURSE, Role.CLERK, Role.KIOSK) and root.facility_id:
        this_year = fiscal_year_of(info.context.services.clock().date())
        rows = await loaders.classrooms_by_facility.load(root.facility_id)
        return [c for c in rows if c.fiscal_year == this_year]
    return []


async def viewer_children(root: AccountRow, info: strawberry.Info) -> list[ChildRow]:
    if root.guardian_id is None:
        return []
    return await info.context.loaders.children_by_guardian.load(root.guardian_id)  # type: ignore[no-any-return]


async def viewer_guardian(root: AccountRow, info: strawberry.Info) -> GuardianLink | None:
    if root.guardian_id is None:
        return None
    row = await info.context.loaders.guardian_by_id.load(root.guardian_id)
    return GuardianLink(row, None) if row else None
