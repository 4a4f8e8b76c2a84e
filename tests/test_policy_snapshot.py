"""Who sees what, as reviewable text, and every sensitive field under a guard.

``domain/access_matrix.txt`` is the committed snapshot of the access matrix, so
any change to who sees what shows up as a one-line diff in review. After a
deliberate change to ``domain/policy.py``, regenerate it with::

    .venv/bin/python -c "from domain.policy import render_matrix; \\
        print(render_matrix(), end='')" > domain/access_matrix.txt

and commit both files together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import graphql
from graphql.language import FieldDefinitionNode, ObjectTypeDefinitionNode, TypeNode

from domain.policy import render_matrix
from schema.build import build_schema, printed_sdl

SNAPSHOT = Path(__file__).parents[1] / "domain" / "access_matrix.txt"
REGENERATE = (
    '.venv/bin/python -c "from domain.policy import render_matrix; '
    "print(render_matrix(), end='')\" > domain/access_matrix.txt"
)

# Types that hold personal data, and the camelCase field names that look like it.
PERSONAL_TYPES = ("Child", "Guardian", "HouseholdMember", "PickupPerson", "Employment", "Allergy")
SENSITIVE_NAME = re.compile(
    r"name|kana|birth|phone|fax|address|employ|health|growth|allerg|doctor|disab|illness"
    r"|situation|household|pickup|nationality|sex|notes|relationship|restrict|care",
    re.IGNORECASE,
)


def test_access_matrix_snapshot_is_current() -> None:
    committed = SNAPSHOT.read_text(encoding="utf-8")
    assert committed == render_matrix(), (
        "domain/access_matrix.txt no longer matches domain/policy.py: who sees what has "
        f"changed. If the change is deliberate, regenerate the snapshot with\n  {REGENERATE}\n"
        "and commit it beside the policy change."
    )


@dataclass(frozen=True)
class Field:
    owner: str
    name: str
    returns: str
    nullable: bool
    item_class: bool

    def __str__(self) -> str:
        return f"{self.owner}.{self.name}"


def _named(type_node: TypeNode) -> str:
    while not isinstance(type_node, graphql.NamedTypeNode):
        type_node = type_node.type  # type: ignore[attr-defined]
    return type_node.name.value


def _field(owner: str, node: FieldDefinitionNode) -> Field:
    return Field(
        owner=owner,
        name=node.name.value,
        returns=_named(node.type),
        nullable=not isinstance(node.type, graphql.NonNullTypeNode),
        item_class=any(d.name.value == "itemClass" for d in node.directives or ()),
    )


def _fields() -> list[Field]:
    """Every object field of the printed SDL, as a reviewer reads schema.graphql."""
    document = graphql.parse(printed_sdl(build_schema()))
    return [
        _field(definition.name.value, node)
        for definition in document.definitions
        if isinstance(definition, ObjectTypeDefinitionNode)
        for node in definition.fields or ()
    ]


def _only_reached_through_guards(fields: list[Field]) -> set[str]:
    """Types every path to which passes through an ``@itemClass`` field."""
    reached_by: dict[str, list[Field]] = {}
    for field in fields:
        reached_by.setdefault(field.returns, []).append(field)
    return {
        type_name
        for type_name, parents in reached_by.items()
        if all(parent.item_class for parent in parents)
    }


def test_every_sensitive_looking_field_is_guarded() -> None:
    fields = _fields()
    guarded_parents = _only_reached_through_guards(fields)
    checked = [f for f in fields if f.owner in PERSONAL_TYPES and SENSITIVE_NAME.search(f.name)]
    unguarded = [str(f) for f in checked if not f.item_class and f.owner not in guarded_parents]
    assert unguarded == [], (
        f"fields that look like personal data but carry no @itemClass: {unguarded}. "
        "Declare them with schema.guard.sensitive(ItemClass..., ...)."
    )
    # The check bites: it saw the items of PRODUCT.md's table.
    names = {str(f) for f in checked}
    assert {"Child.healthStatus", "Guardian.mobilePhone", "HouseholdMember.name"} <= names
    assert {"HouseholdMember", "PickupPerson", "Employment", "Allergy"} <= guarded_parents


def test_every_guarded_field_is_nullable() -> None:
    """A denied field answers null; a non-null one would null its parent instead."""
    not_nullable = [str(f) for f in _fields() if f.item_class and not f.nullable]
    assert not_nullable == []
