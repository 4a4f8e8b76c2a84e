"""Sign-in accounts: staff, guardians, kiosk devices and reporters."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base, created_at, uuid_pk


class AccountRow(Base):
    __tablename__ = "account"
    id: Mapped[uuid.UUID] = uuid_pk()
    login_id: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str] = mapped_column(String(100))
    facility_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("facility.id"), index=True)
    guardian_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("guardian.id"), unique=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on logout-everywhere or kiosk revocation: older access tokens die.
    token_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at = created_at()


class AccountClassroomRow(Base):
    """Which classrooms a teacher works in."""

    __tablename__ = "account_classroom"
    account_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    classroom_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("classroom.id", ondelete="CASCADE"), primary_key=True
    )


class RefreshTokenRow(Base):
    """One refresh token; rotation replaces it, reuse of a spent one revokes the family."""

    __tablename__ = "refresh_token"
    id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at = created_at()


class LoginThrottleRow(Base):
    """Failed sign-ins per login id, whether or not an account has that id,
    so that a lock-out reveals nothing about which ids exist."""

    __tablename__ = "login_throttle"
    login_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
