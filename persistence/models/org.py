"""Ward → facility → classroom per fiscal year (年度)."""

from __future__ import annotations

import uuid
from datetime import time

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Time, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base, created_at, uuid_pk


class WardRow(Base):
    __tablename__ = "ward"
    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(String(100))


class FacilityRow(Base):
    __tablename__ = "facility"
    id: Mapped[uuid.UUID] = uuid_pk()
    ward_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ward.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_kana: Mapped[str] = mapped_column(String(200))
    # When a child with no stamp and no notice counts as missing (issue: attendance).
    arrival_cutoff: Mapped[time] = mapped_column(Time, default=time(9, 30))
    # Staff-to-children ratios by age, overriding the national minimum (配置基準).
    staff_ratios: Mapped[dict[str, int] | None] = mapped_column(JSONB, default=None)
    created_at = created_at()


class ClassroomRow(Base):
    __tablename__ = "classroom"
    __table_args__ = (
        UniqueConstraint("facility_id", "fiscal_year", "name"),
        CheckConstraint("age_min BETWEEN 0 AND 5 AND age_max BETWEEN age_min AND 5", "ages"),
    )
    id: Mapped[uuid.UUID] = uuid_pk()
    facility_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("facility.id"), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(50))
    name_kana: Mapped[str] = mapped_column(String(100))
    age_min: Mapped[int] = mapped_column(Integer)
    age_max: Mapped[int] = mapped_column(Integer)
    created_at = created_at()
