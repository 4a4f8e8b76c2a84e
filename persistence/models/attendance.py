"""Attendance: stamps, notices, alerts, staff presence and the credentials of the kiosk.

Stamps and notices are append-only: a correction or a change is a new row
that names the row it replaces (``corrects`` / ``supersedes``, each unique,
so a history is a chain and two concurrent corrections cannot fork it).
Health details of a notice (symptoms, disease, temperature) and its free
note are special-care items and stored encrypted.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from persistence.crypto import EncryptedJSON
from persistence.models.base import Base, uuid_pk


class AttendanceStampRow(Base):
    __tablename__ = "attendance_stamp"
    __table_args__ = (
        Index("ix_attendance_stamp_child_day", "child_id", "day"),
        Index("ix_attendance_stamp_classroom_day", "classroom_id", "day"),
        # A retried request (same account, same key) finds the first result.
        UniqueConstraint("account_id", "idempotency_key"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("child.id"))
    facility_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("facility.id"))
    classroom_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("classroom.id"))
    day: Mapped[date] = mapped_column(Date)  # the facility's local day of ``at``
    kind: Mapped[str] = mapped_column(String(16))  # arrival | pickup
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    method: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("account.id"))
    guardian_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("guardian.id"))
    pickup_person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pickup_person.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("attendance_stamp.id"), unique=True
    )
    reason: Mapped[str | None] = mapped_column(String(500))
    voided: Mapped[bool] = mapped_column(Boolean, default=False)


class AttendanceNoticeRow(Base):
    __tablename__ = "attendance_notice"
    __table_args__ = (
        Index("ix_attendance_notice_child_dates", "child_id", "start_date", "end_date"),
        Index("ix_attendance_notice_classroom_dates", "classroom_id", "start_date", "end_date"),
        CheckConstraint("end_date >= start_date", "date_order"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("child.id"))
    facility_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("facility.id"))
    classroom_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("classroom.id"))
    kind: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    # {"symptoms": [...], "infectious_disease": str | None, "temperature": float | None}
    health: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON)
    note: Mapped[str | None] = mapped_column(EncryptedJSON)
    planned_arrival: Mapped[time | None] = mapped_column(Time)
    pickup_person: Mapped[str | None] = mapped_column(String(100))
    pickup_time: Mapped[time | None] = mapped_column(Time)
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("attendance_notice.id"), unique=True
    )
    sent_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("account.id"))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("account.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def symptoms(self) -> list[str]:
        return list((self.health or {}).get("symptoms") or [])

    @property
    def infectious_disease(self) -> str | None:
        return (self.health or {}).get("infectious_disease")

    @property
    def temperature(self) -> float | None:
        return (self.health or {}).get("temperature")


class AttendanceAlertRow(Base):
    """An alert raised to a class and the director; ``dedupe_key`` makes raising idempotent."""

    __tablename__ = "attendance_alert"
    __table_args__ = (Index("ix_attendance_alert_facility_day", "facility_id", "day"),)
    id: Mapped[uuid.UUID] = uuid_pk()
    facility_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("facility.id"))
    classroom_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("classroom.id"))
    child_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("child.id"))
    kind: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    guardian_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("guardian.id"))
    pickup_person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pickup_person.id"))
    # Counts for ratio alerts; ids and numbers only.
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class StaffPresenceRow(Base):
    """A staff member's time in one classroom; open while ``clocked_out_at`` is null."""

    __tablename__ = "staff_presence"
    __table_args__ = (
        Index("ix_staff_presence_classroom_day", "classroom_id", "day"),
        Index(
            "uq_staff_presence_open_account",
            "account_id",
            unique=True,
            postgresql_where=text("clocked_out_at IS NULL"),
        ),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("account.id"))
    classroom_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("classroom.id"))
    facility_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("facility.id"))
    day: Mapped[date] = mapped_column(Date)
    clocked_in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    clocked_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FamilyQrTokenRow(Base):
    """A printable QR code for one guardian's family; only its SHA-256 digest is kept."""

    __tablename__ = "family_qr_token"
    __table_args__ = (
        Index(
            "uq_family_qr_token_active_guardian",
            "guardian_id",
            unique=True,
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    guardian_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("guardian.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("account.id"))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class KioskPinRow(Base):
    """One adult's kiosk PIN (argon2): a guardian's or an authorised pick-up person's."""

    __tablename__ = "kiosk_pin"
    __table_args__ = (
        CheckConstraint("(guardian_id IS NULL) <> (pickup_person_id IS NULL)", "one_holder"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    guardian_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("guardian.id", ondelete="CASCADE"), unique=True
    )
    pickup_person_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("pickup_person.id", ondelete="CASCADE"), unique=True
    )
    pin_hash: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PinPadThrottleRow(Base):
    """Wrong PINs typed on one kiosk account's pad for one child.

    Kept apart from ``login_throttle``: a sign-in attempt can never count against (or
    lock) a PIN pad, and one entrance tablet's typos never lock another's.
    """

    __tablename__ = "pin_pad_throttle"
    kiosk_account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), primary_key=True
    )
    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("child.id", ondelete="CASCADE"), primary_key=True
    )
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IdempotencyKeyRow(Base):
    """A key an account sent with a mutation, and what that request was.

    ``fingerprint`` digests the operation and its arguments: the same key with the
    same fingerprint is a retry (the first result is answered again); with another
    fingerprint it is a CONFLICT, never a silent no-op.
    """

    __tablename__ = "idempotency_key"
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("account.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
