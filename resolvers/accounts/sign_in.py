"""Sign-in, token refresh and sign-out: the services behind ``resolvers.accounts.api``."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import timedelta

from domain.errors import RateLimited, Unauthenticated
from domain.roles import Actor, Role
from hoiku.security import digest, new_opaque_token, verify_password
from persistence.accounts import accounts
from persistence.db import Session as DbSession
from persistence.models import AccountRow, RefreshTokenRow
from persistence.repositories import audit
from persistence.repositories.audit import AuditRecord
from resolvers.accounts.tokens import end_sessions
from resolvers.services import Services
from resolvers.unit_of_work import unit_of_work

_BAD_CREDENTIALS = "Login id or password is incorrect"


@dataclass
class Session:
    access_token: str
    refresh_token: str
    viewer: AccountRow
    actor: Actor


async def login(services: Services, login_id: str, password: str, *, client: str) -> Session:
    login_id = login_id.strip()[:100]
    account = await _verified_account(services, login_id, password)
    if account is None:
        raise Unauthenticated(_BAD_CREDENTIALS)
    async with unit_of_work(services) as uow:
        session = uow.session
        await accounts.clear_failures(session, login_id)
        actor = await _actor_of(session, account, client=client)
        refresh = await _new_refresh_token(session, services, account.id, family_id=uuid.uuid4())
        await audit.append(session, actor, [AuditRecord("login", "session", "account", account.id)])
    return _signed_in(services, actor, account, refresh)


async def _verified_account(services: Services, login_id: str, password: str) -> AccountRow | None:
    """The enabled account these credentials open, or None after counting a failure.

    No database connection is held while argon2 works (tens of milliseconds of
    CPU): a burst of sign-ins at 8 a.m. must not drain the pool.
    """
    now = services.clock()
    async with services.sessions() as session:
        locked_until = await accounts.lock_state(session, login_id)
        if locked_until is not None and locked_until > now:
            raise RateLimited("Too many failed sign-ins; try again later")
        account = await accounts.account_by_login_id(session, login_id)
    usable = account is not None and not account.disabled
    hashed = account.password_hash if account is not None and usable else None
    if await asyncio.to_thread(verify_password, hashed, password[:1000]):
        return account
    async with unit_of_work(services) as uow:
        session = uow.session
        await accounts.record_failure(
            session,
            login_id,
            now=now,
            max_failures=services.login_max_failures,
            lock=timedelta(minutes=services.login_lock_minutes),
        )
    return None


async def refresh_session(services: Services, refresh_token: str, *, client: str) -> Session:
    """Rotate a refresh token; presenting a spent one revokes its whole family."""
    now = services.clock()
    revoked: tuple[uuid.UUID, int] | None = None
    async with unit_of_work(services) as uow:
        session = uow.session
        row = await accounts.token_by_hash(session, digest(refresh_token))
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise Unauthenticated("refresh token is not valid")
        if row.used_at is not None:
            # A replayed token means it leaked: end every session descended from it,
            # the access tokens issued to it included (they share the account's generation).
            await accounts.revoke_family(session, row.family_id, now=now)
            revoked = row.account_id, await accounts.bump_generation(session, row.account_id)
            issued = None
        else:
            issued = await _rotate(session, services, row, client=client)
    if revoked is not None:
        await end_sessions(services, *revoked)
    if issued is None:
        raise Unauthenticated("refresh token is not valid")
    return _signed_in(services, issued.actor, issued.viewer, issued.refresh_token)


async def _rotate(
    session: DbSession, services: Services, row: RefreshTokenRow, *, client: str
) -> Session | None:
    account = await accounts.account_by_id(session, row.account_id)
    if account is None or account.disabled:
        return None
    row.used_at = services.clock()
    actor = await _actor_of(session, account, client=client)
    refresh = await _new_refresh_token(session, services, account.id, family_id=row.family_id)
    return Session(
        services.tokens.issue(actor, generation=account.token_generation), refresh, account, actor
    )


def _signed_in(services: Services, actor: Actor, account: AccountRow, refresh: str) -> Session:
    token = services.tokens.issue(actor, generation=account.token_generation)
    return Session(token, refresh, account, actor)


async def logout(services: Services, actor: Actor, refresh_token: str | None = None) -> bool:
    """End this session: its refresh tokens die, and every access token of the account.

    Sockets signed in with those access tokens close (4403) on every server process.
    """
    async with unit_of_work(services) as uow:
        session = uow.session
        if refresh_token:
            row = await accounts.token_by_hash(session, digest(refresh_token))
            if row is not None and row.account_id == actor.account_id:
                await accounts.revoke_family(session, row.family_id, now=services.clock())
        generation = await accounts.bump_generation(session, actor.account_id)
        await audit.append(
            session, actor, [AuditRecord("logout", "session", "account", actor.account_id)]
        )
    await end_sessions(services, actor.account_id, generation)
    return True


async def _actor_of(session: DbSession, account: AccountRow, *, client: str) -> Actor:
    role = Role(account.role)
    classrooms = (
        await accounts.classroom_ids_of(session, account.id)
        if role is Role.TEACHER
        else frozenset()
    )
    return Actor(
        account_id=account.id,
        role=role,
        facility_id=account.facility_id,
        classroom_ids=classrooms,
        guardian_id=account.guardian_id,
        client=client,
    )


async def _new_refresh_token(
    session: DbSession, services: Services, account_id: uuid.UUID, *, family_id: uuid.UUID
) -> str:
    token, hashed = new_opaque_token()
    session.add(
        RefreshTokenRow(
            account_id=account_id,
            family_id=family_id,
            token_hash=hashed,
            expires_at=services.clock() + timedelta(days=services.refresh_token_days),
        )
    )
    return token
