"""Field guards: each sensitive field declares its item class on the field.

``sensitive(...)`` builds a plain synchronous resolver (no per-field task, no
extension machinery) that consults the request's precomputed reach table from
``domain.policy`` and records special-care reads for the audit log. The
``@itemClass`` directive puts the same declaration into the printed SDL, so a
reviewer sees every guarded field in ``schema.graphql``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
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


def sensitive(
    item_class: ItemClass,
    attr: str | Callable[[Any], Any] | None = None,
    *,
    resolver: Callable[[Any, strawberry.Info], Any] | None = None,
    description: str,
    entity: str,
    record_id: Callable[[Any], uuid.UUID] = attrgetter("id"),
    is_own: Callable[[Any, Any], bool] | None = None,
) -> Any:
    """A field readable only where the policy lets the viewer read ``item_class``.

    ``attr`` reads the value from the parent object; ``resolver(root, info)``
    may instead return it or an awaitable (a DataLoader load, say).
    """
    read = resolver or _reader(attr)
    audited = item_class in SPECIAL_CARE

    def resolve(root: Any, info: strawberry.Info) -> Any:
        context = info.context
        level = context.reach[item_class]
        if level is Reach.ALL or (
            level is Reach.OWN and is_own is not None and is_own(context.actor, root)
        ):
            if audited:
                context.audit.read(item_class, entity, record_id(root))
            # Read paths fetch special-care columns sealed; open only what is allowed.
            return open_sealed(read(root, info))
        raise Forbidden(f"Not permitted to read {item_class.value} items")

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
