"""The append-only audit log. A trigger refuses UPDATE, DELETE and TRUNCATE."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, Index, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base


class AuditEntryRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_facility_at", "facility_id", "at"),
        Index("ix_audit_log_record", "record_id"),
    )
    seq: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    account_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))  # read | create | update | delete | login
    item: Mapped[str] = mapped_column(String(64))  # item class or entity written
    entity: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    facility_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    client: Mapped[str] = mapped_column(String(200), default="")
