"""The audit log as GraphQL."""

from __future__ import annotations

import datetime

import strawberry


@strawberry.type(description="One audit entry: who did what to which record, when, from where.")
class AuditEntry:
    seq: strawberry.ID = strawberry.field(description="Position in the log; newest is highest.")
    at: datetime.datetime = strawberry.field(description="When.")
    account_id: strawberry.ID | None = strawberry.field(description="Who (account id).")
    role: str = strawberry.field(description="Their role at the time.")
    action: str = strawberry.field(description="read, create, update, login …")
    item: str = strawberry.field(description="Item class read or entity written.")
    entity: str = strawberry.field(description="Kind of record.")
    record_id: strawberry.ID | None = strawberry.field(description="Which record.")
    client: str = strawberry.field(description="Client address and user agent.")


@strawberry.type(description="A page of audit entries, newest first.")
class AuditLogPage:
    entries: list[AuditEntry] = strawberry.field(description="The entries.")
    next_cursor: str | None = strawberry.field(description="Pass as `before` for older entries.")
