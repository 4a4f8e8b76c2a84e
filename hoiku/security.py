"""Passwords (argon2id) and signed access tokens (JWT, HS256)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.errors import Unauthenticated
from domain.roles import Actor, Role

_hasher = PasswordHasher()
# Verified against when a login id is unknown, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("hoiku-timing-equaliser")
_ALGORITHM = "HS256"
_AUDIENCE = "hoiku"
# A token lacking any of these is refused: no token lives for ever, none lacks a generation.
_REQUIRED_CLAIMS = ["sub", "aud", "iat", "exp", "role", "gen"]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def new_opaque_token() -> tuple[str, str]:
    """A random bearer secret and the SHA-256 digest we store instead of it."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    """What a valid signature vouches for: an actor, its generation, and when it expires."""

    actor: Actor
    generation: int
    expires_at: float  # POSIX seconds, as in the ``exp`` claim


@dataclass(frozen=True, slots=True)
class TokenIssuer:
    secret: str
    lifetime: timedelta

    def issue(self, actor: Actor, *, generation: int) -> str:
        now = datetime.now(UTC)
        claims = {
            "sub": str(actor.account_id),
            "aud": _AUDIENCE,
            "iat": now,
            "exp": now + self.lifetime,
            "role": actor.role.value,
            "gen": generation,
            "fac": str(actor.facility_id) if actor.facility_id else None,
            "cls": sorted(str(c) for c in actor.classroom_ids),
            "gid": str(actor.guardian_id) if actor.guardian_id else None,
        }
        return jwt.encode(claims, self.secret, algorithm=_ALGORITHM)

    def verify(self, token: str, *, client: str = "") -> VerifiedToken:
        """The actor a token speaks for, its generation and expiry; raises Unauthenticated.

        The role and classes are those of the account when the token was issued; the
        account's token generation (checked by the caller) changes with them, so a token
        whose generation is still live still describes the account.
        """
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[_ALGORITHM],
                audience=_AUDIENCE,
                options={"require": _REQUIRED_CLAIMS},
            )
            actor = Actor(
                account_id=uuid.UUID(claims["sub"]),
                role=Role(claims["role"]),
                facility_id=_maybe_uuid(claims.get("fac")),
                classroom_ids=frozenset(uuid.UUID(c) for c in claims.get("cls") or ()),
                guardian_id=_maybe_uuid(claims.get("gid")),
                client=client,
            )
            return VerifiedToken(actor, int(claims["gen"]), float(claims["exp"]))
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("access token expired") from exc
        except (jwt.InvalidTokenError, KeyError, ValueError, TypeError) as exc:
            raise Unauthenticated("invalid access token") from exc


def _maybe_uuid(value: str | None) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None
