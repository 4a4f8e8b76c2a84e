"""Root fields of the records capability (PRODUCT.md's core contract)."""

from __future__ import annotations

import strawberry

from resolvers.records import fields, lists
from schema.records.audit import AuditLogPage
from schema.records.org import Classroom, Facility
from schema.records.pages import ChildPage
from schema.records.types import Child, Guardian


@strawberry.type
class RecordsQuery:
    child: Child = strawberry.field(resolver=fields.child, description="A child by id.")
    guardian: Guardian = strawberry.field(resolver=fields.guardian, description="A guardian by id.")
    classroom: Classroom = strawberry.field(
        resolver=fields.classroom, description="A classroom by id."
    )
    facility: Facility = strawberry.field(resolver=fields.facility, description="A facility by id.")
    children: ChildPage = strawberry.field(
        resolver=lists.children,
        description="Children the viewer may reach, in kana order; filter by class or kana "
        "prefix of the family name; `first` is 1–100.",
    )
    audit_log: AuditLogPage = strawberry.field(
        resolver=lists.audit_log,
        description="The audit log, newest first: ward admins see all, directors their facility.",
    )
