"""Operator account administration behind ``hoiku create-user``."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import Conflict, InvalidInput
from domain.roles import Role
from domain.validation import fiscal_year_of, require_text
from hoiku.security import hash_password
from hoiku.settings import Settings
from persistence.db import make_engine
from persistence.models import AccountClassroomRow, AccountRow, ClassroomRow, FacilityRow
from persistence.repositories import audit
from persistence.repositories.audit import AuditRecord

FACILITY_ROLES = {Role.DIRECTOR, Role.NURSE, Role.CLERK, Role.TEACHER, Role.KIOSK}
MIN_PASSWORD = 10


async def create_account(
    settings: Settings,
    database_url: str,
    *,
    login_id: str,
    role: str,
    facility_code: str | None,
    display_name: str,
    password: str,
    classrooms: tuple[str, ...] = (),
) -> str:
    """Create one account in one transaction; raise a DomainError saying what is wrong."""
    kind = Role(role)
    login_id = require_text(login_id, field="login-id", max_length=100)
    display_name = require_text(display_name, field="name", max_length=100)
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"the password needs at least {MIN_PASSWORD} characters", field="password"
        )
    if (kind in FACILITY_ROLES) != (facility_code is not None):
        raise InvalidInput("facility roles need --facility; ward roles take none", field="facility")
    password_hash = await asyncio.to_thread(hash_password, password)
    engine = make_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as connection:
            return await _insert(
                connection, kind, login_id, display_name, password_hash, facility_code, classrooms
            )
    finally:
        await engine.dispose()


async def _insert(
    connection: AsyncConnection,
    kind: Role,
    login_id: str,
    display_name: str,
    password_hash: str,
    facility_code: str | None,
    classrooms: tuple[str, ...],
) -> str:
    taken = await connection.scalar(select(AccountRow.id).where(AccountRow.login_id == login_id))
    if taken is not None:
        raise Conflict(f"login id {login_id!r} is taken", field="login-id")
    facility_id = await _facility_id(connection, facility_code) if facility_code else None
    account_id = uuid.uuid4()
    await connection.execute(
        insert(AccountRow).values(
            id=account_id, login_id=login_id, password_hash=password_hash, role=kind.value,
            display_name=display_name, facility_id=facility_id, disabled=False, token_generation=0,
        )
    )  # fmt: skip
    for classroom_id in await _classroom_ids(connection, facility_id, classrooms):
        await connection.execute(
            insert(AccountClassroomRow).values(account_id=account_id, classroom_id=classroom_id)
        )
    await audit.append(
        connection, None, [AuditRecord("create", "account", "account", account_id, facility_id)],
        role="operator", client="hoiku create-user",
    )  # fmt: skip
    return f"Created {kind.value} account {login_id!r}."


async def _facility_id(connection: AsyncConnection, code: str) -> uuid.UUID:
    facility_id = await connection.scalar(select(FacilityRow.id).where(FacilityRow.code == code))
    if facility_id is None:
        raise InvalidInput(f"no facility has the code {code!r}", field="facility")
    return facility_id


async def _classroom_ids(
    connection: AsyncConnection, facility_id: uuid.UUID | None, names: tuple[str, ...]
) -> list[uuid.UUID]:
    """This fiscal year's classrooms of the facility, by name (teachers)."""
    if not names:
        return []
    this_year = fiscal_year_of(datetime.now(UTC).date())
    rows = await connection.execute(
        select(ClassroomRow.name, ClassroomRow.id).where(
            ClassroomRow.facility_id == facility_id,
            ClassroomRow.fiscal_year == this_year,
            ClassroomRow.name.in_(names),
        )
    )
    found = {name: classroom_id for name, classroom_id in rows}
    missing = [n for n in names if n not in found]
    if missing:
        raise InvalidInput(f"no classroom named {', '.join(missing)} this year", field="classroom")
    return [found[n] for n in names]
