"""The event log behind resumable subscriptions.

Every change that a screen shows live is appended here inside the writing
transaction. ``seq`` comes from ``stream_head`` under a row lock held until
commit, so within one stream the sequence is gapless and in commit order:
a subscriber that has seen ``seq = n`` has seen every committed event before it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from persistence.models.base import Base


class StreamHeadRow(Base):
    __tablename__ = "stream_head"
    stream: Mapped[str] = mapped_column(String(100), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)


class StreamEventRow(Base):
    __tablename__ = "stream_event"
    __table_args__ = (UniqueConstraint("stream", "seq"),)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    stream: Mapped[str] = mapped_column(String(100))
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # Ids only, never personal data: subscribers re-read through the policy.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
