"""Paginated lists: children by class or kana, and the audit log."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from dataclasses import dataclass

import strawberry

from domain.errors import Forbidden, InvalidInput
from domain.policy import can_read_audit_log
from domain.validation import require_kana
from persistence.models import AuditEntryRow, ChildRow
from persistence.records import family
from persistence.repositories import audit
from resolvers.ids import parse_id

MAX_PAGE = 100


@dataclass
class ChildPage:
    nodes: list[ChildRow]
    end_cursor: str | None
    has_next_page: bool


@dataclass
class AuditPage:
    entries: list[AuditEntryRow]
    next_cursor: str | None


_BAD_CURSOR = "after is not a valid cursor"


# A cursor carries the last child's id and nothing else (no kana, no name: a kiosk may
# page through children whose kana it may not read); the order key is looked up in scope.
def _encode(child_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(child_id.bytes).decode().rstrip("=")


def _decode_child_cursor(cursor: str) -> uuid.UUID:
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError, binascii.Error):
        raise InvalidInput(_BAD_CURSOR, field="after") from None


_AUDIT_CURSOR = re.compile(r"[0-9]{1,18}")  # a bigint sequence number, as we write it


def _decode_audit_cursor(cursor: str) -> int:
    if not _AUDIT_CURSOR.fullmatch(cursor):
        raise InvalidInput("before is not a valid cursor", field="before")
    return int(cursor)


def _page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(f"first must be between 1 and {MAX_PAGE}", field="first")
    return first


async def children(
    info: strawberry.Info,
    first: int = 50,
    after: str | None = None,
    classroom_id: strawberry.ID | None = None,
    kana_prefix: str | None = None,
) -> ChildPage:
    limit = _page_size(first)
    async with info.context.sessions() as session:
        rows = await family.children_page(
            session,
            info.context.actor,
            classroom_id=parse_id(classroom_id, field="classroomId") if classroom_id else None,
            kana_prefix=require_kana(kana_prefix, field="kanaPrefix") if kana_prefix else None,
            after=_decode_child_cursor(after) if after else None,
            limit=limit,
        )
    if rows is None:  # the cursor names no child the viewer reaches
        raise InvalidInput(_BAD_CURSOR, field="after")
    page = rows[:limit]
    end = _encode(page[-1].id) if page else None
    return ChildPage(nodes=page, end_cursor=end, has_next_page=len(rows) > limit)


async def audit_log(
    info: strawberry.Info,
    first: int = 50,
    before: str | None = None,
    record_id: strawberry.ID | None = None,
) -> AuditPage:
    actor = info.context.actor
    if not can_read_audit_log(actor):
        raise Forbidden("Only ward administrators and directors may read the audit log")
    limit = _page_size(first)
    before_seq = _decode_audit_cursor(before) if before else None
    async with info.context.sessions() as session:
        rows = await audit.entries_page(
            session,
            actor,
            record_id=parse_id(record_id, field="recordId") if record_id else None,
            before_seq=before_seq,
            limit=limit,
        )
    page = rows[:limit]
    cursor = str(page[-1].seq) if page and len(rows) > limit else None
    return AuditPage(entries=page, next_cursor=cursor)
