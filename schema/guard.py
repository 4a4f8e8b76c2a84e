"""Field guards: each sensitive field declares its item class on the field.

``sensitive(...)`` builds a plain synchronous resolver (no per-field task, no
extension machinery) that consults the request's precomputed reach table from
``domain.policy`` and records special-care reads for the audit log. The
``@itemClass`` directive puts the same declaration into the printed SDL, so a
reviewer sees every guarded field in ``schema.graphql``; ``staff_only(...)`` and
its ``@staffOnly`` directive do the same for fields whose resolver admits staff only.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import strawberry
from strawberry.schema_directive import Location

from domain.errors import Forbidden
from domain.policy import SPECIAL_CARE, ItemClass, Reach
from persistence.crypto import open_sealed

ItemClassEnum = strawberry.enum(ItemClass, name="ItemClass", description="Classes of personal data")


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="itemClass",
    description="The personal-data class of this field; the access policy decides who reads it.",
)
class ItemClassDirective:
    name: ItemClassEnum  # type: ignore[valid-type]


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    name="staffOnly",
    description="Only staff (ward admins and facility staff) read this field; for anyone "
    "else it is FORBIDDEN.",
)
class StaffOnlyDirective:
    """Shows in the SDL what the field's resolver enforces through an ``actor.is_staff``
    predicate of ``domain.attendance_policy``; tests/test_staff_only.py holds the two
    together."""


def staff_only(resolver: Callable[..., Any], *, description: str, **options: Any) -> Any:
    """A field only staff read: its resolver asks the policy, the directive declares it."""
    return strawberry.field(
        resolver=resolver,
        description=description,
        directives=[StaffOnlyDirective()],
        **options,
    )


@dataclass(frozen=True, slots=True)
class Guard:
    """One guarded field: its item class and how to read and audit it.

    The resolver below consults it per object; the fast read path reads the
    same guard once per level (the reach of a role is the same for every
    object), so both executors apply one rule.
    """

    item_class: ItemClass
    read: Callable[[Any, Any], Any]
    entity: str
    record_id: Callable[[Any], uuid.UUID]
    is_own: Callable[[Any, Any], bool] | None
    audited: bool
    via_child_id: Callable[[Any], uuid.UUID | None] | None = None

    def allows(self, level: Reach, actor: Any, root: Any) -> bool:
        return level is Reach.ALL or (
            level is Reach.OWN and self.is_own is not None and self.is_own(actor, root)
        )

    def value(self, root: Any, info: Any) -> Any:
        """The value for a viewer already allowed to read it (audited where special-care)."""
        if self.audited:
            via = self.via_child_id(root) if self.via_child_id else None
            info.context.audit.read(
                self.item_class, self.entity, self.record_id(root), via_child_id=via
            )
        # Read paths fetch special-care columns sealed; open only what is allowed.
        return open_sealed(self.read(root, info))

    def denied(self) -> Forbidden:
        return Forbidden(f"Not permitted to read {self.item_class.value} items")


def sensitive(
    item_class: ItemClass,
    attr: str | Callable[[Any], Any] | None = None,
    *,
    resolver: Callable[[Any, strawberry.Info], Any] | None = None,
    description: str,
    entity: str,
    record_id: Callable[[Any], uuid.UUID] = attrgetter("id"),
    is_own: Callable[[Any, Any], bool] | None = None,
    via_child_id: Callable[[Any], uuid.UUID | None] | None = None,
) -> Any:
    """A field readable only where the policy lets the viewer read ``item_class``.

    ``attr`` reads the value from the parent object; ``resolver(root, info)``
    may instead return it or an awaitable (a DataLoader load, say).
    ``via_child_id``: the child the record was reached through, which places the
    audit entry of a read at that child's facility.
    """
    guard = Guard(
        item_class, resolver or _reader(attr), entity, record_id, is_own,
        audited=item_class in SPECIAL_CARE, via_child_id=via_child_id,
    )  # fmt: skip

    def resolve(root: Any, info: strawberry.Info) -> Any:
        context = info.context
        if guard.allows(context.reach[item_class], context.actor_or_none, root):
            return guard.value(root, info)
        raise guard.denied()

    resolve.guard = guard  # type: ignore[attr-defined]  # read by the fast read path
    return strawberry.field(
        resolver=resolve,
        description=description,
        directives=[ItemClassDirective(name=item_class)],
    )


def _reader(attr: str | Callable[[Any], Any] | None) -> Callable[[Any, strawberry.Info], Any]:
    if attr is None:
        raise ValueError("sensitive() needs attr or resolver")
    get = attrgetter(attr) if isinstance(attr, str) else attr

    def read(root: Any, info: strawberry.Info) -> Any:
        return get(root)

    return read
