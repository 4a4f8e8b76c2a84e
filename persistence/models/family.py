"""Children, guardians and the people around them.

Special-care items (要配慮個人情報) are ``EncryptedText`` / ``EncryptedJSON`` columns: the database
holds only ciphertext, and the key never reaches it.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from persistence.crypto import EncryptedJSON, EncryptedText
from persistence.models.base import Base, created_at, uuid_pk


class ChildRow(Base):
    __tablename__ = "child"
    __table_args__ = (
        Index("ix_child_classroom_kana", "classroom_id", "family_name_kana", "given_name_kana"),
        Index("ix_child_facility_kana", "facility_id", "family_name_kana", "given_name_kana"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    facility_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("facility.id"))
    classroom_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("classroom.id"))
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    family_name_kana: Mapped[str] = mapped_column(String(100))
    given_name_kana: Mapped[str] = mapped_column(String(100))
    sex: Mapped[str] = mapped_column(String(16))
    date_of_birth: Mapped[date] = mapped_column(Date)
    nationality: Mapped[str | None] = mapped_column(String(100))
    certified_hours: Mapped[str] = mapped_column(String(16), default="standard")
    health_status: Mapped[str | None] = mapped_column(EncryptedText)
    growth_status: Mapped[str | None] = mapped_column(EncryptedText)
    care_notes: Mapped[str | None] = mapped_column(EncryptedText)
    family_doctor: Mapped[str | None] = mapped_column(EncryptedText)
    allergies: Mapped[list[dict[str, Any]] | None] = mapped_column(EncryptedJSON)
    created_at = created_at()

    @property
    def display_name(self) -> str:
        return f"{self.family_name} {self.given_name}"


class EnrolmentRow(Base):
    """A child's place in a classroom for a fiscal year; history for promotion."""

    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("child_id", "fiscal_year"),)
    id: Mapped[uuid.UUID] = uuid_pk()
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"))
    classroom_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("classroom.id"), index=True)
    fiscal_year: Mapped[int]
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)


class GuardianRow(Base):
    __tablename__ = "guardian"
    id: Mapped[uuid.UUID] = uuid_pk()
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100))
    family_name_kana: Mapped[str] = mapped_column(String(100))
    given_name_kana: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    nationality: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(300))
    home_phone: Mapped[str | None] = mapped_column(String(32))
    mobile_phone: Mapped[str | None] = mapped_column(String(32))
    fax: Mapped[str | None] = mapped_column(String(32))
    employer_name: Mapped[str | None] = mapped_column(String(200))
    employer_address: Mapped[str | None] = mapped_column(String(300))
    employer_phone: Mapped[str | None] = mapped_column(String(32))
    family_situation: Mapped[str | None] = mapped_column(EncryptedText)
    illness: Mapped[str | None] = mapped_column(EncryptedText)
    disability: Mapped[str | None] = mapped_column(EncryptedText)
    residence_situation: Mapped[str | None] = mapped_column(EncryptedText)
    created_at = created_at()


class GuardianshipRow(Base):
    """The link between a child and a guardian, with the rules of pick-up."""

    __tablename__ = "guardianship"
    __table_args__ = (Index("ix_guardianship_guardian", "guardian_id", "child_id"),)
    child_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("child.id", ondelete="CASCADE"), primary_key=True
    )
    guardian_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("guardian.id", ondelete="CASCADE"), primary_key=True
    )
    relationship: Mapped[str] = mapped_column(String(50))
    is_primary_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    may_pick_up: Mapped[bool] = mapped_column(Boolean, default=True)
    pickup_restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why pick-up is restricted (a court order, say): reveals family circumstances.
    pickup_restriction_reason: Mapped[str | None] = mapped_column(EncryptedText)


class HouseholdMemberRow(Base):
    """同居家族: a person living with the child; the whole record is special-care."""

    __tablename__ = "household_member"
    id: Mapped[uuid.UUID] = uuid_pk()
    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("child.id", ondelete="CASCADE"), index=True
    )
    details: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)

    @property
    def name(self) -> str:
        return str(self.details["name"])

    @property
    def relationship(self) -> str:
        return str(self.details["relationship"])

    @property
    def sex(self) -> str | None:
        return self.details.get("sex")

    @property
    def date_of_birth(self) -> date | None:
        raw = self.details.get("date_of_birth")
        return date.fromisoformat(raw) if raw else None


class PickupPersonRow(Base):
    """An authorised pick-up person who is not a guardian (a grandparent, say)."""

    __tablename__ = "pickup_person"
    id: Mapped[uuid.UUID] = uuid_pk()
    child_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("child.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    name_kana: Mapped[str] = mapped_column(String(200))
    relationship: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(32))
    pin_hash: Mapped[str | None] = mapped_column(String(200))
