"""Paginated lists: children by class or kana, and the audit log."""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass

import strawberry

from domain.errors import Forbidden, InvalidInput
from domain.policy import can_read_audit_log
from domain.validation import is_storable_text, require_kana
from persistence.models import AuditEntryRow, ChildRow
from persistence.repositories import audit, family
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


def _encode(values: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def _decode_child_cursor(cursor: str) -> tuple[str, str, uuid.UUID]:
    try:
        family_kana, given_kana, child_id = json.loads(base64.urlsafe_b64decode(cursor))
        if not (is_storable_text(family_kana) and is_storable_text(given_kana)):
            raise ValueError("unstorable text in the cursor")
        return str(family_kana), str(given_kana), uuid.UUID(child_id)
    except (ValueError, TypeError):
        raise InvalidInput("after is not a valid cursor", field="after") from None


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
    page = rows[:limit]
    last = page[-1] if page else None
    end = _encode([last.family_name_kana, last.given_name_kana, str(last.id)]) if last else None
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
