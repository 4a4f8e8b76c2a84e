"""Which input field writes which item class, and how its value is checked.

One table per record kind. A write touches the item classes of the fields it
provides; the policy decides from those classes alone whether the writer may
make it (``domain.policy.unwritable``), before anything is read or written.
Errors name the GraphQL field (the camelCase of the attribute).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import strawberry
from strawberry.utils.str_converters import to_camel_case

from domain import validation as v
from domain.errors import Forbidden, InvalidInput
from domain.policy import ItemClass, unwritable
from domain.roles import Actor
from persistence.repositories.audit import AuditRecord

C = ItemClass
# (value, GraphQL field name, today) -> the value to store
Cleaner = Callable[[Any, str, date], Any]


@dataclass(frozen=True, slots=True)
class FieldRule:
    attr: str
    item_class: ItemClass
    clean: Cleaner

    @property
    def field(self) -> str:
        return to_camel_case(self.attr)


def _text(max_length: int) -> Cleaner:
    return lambda value, field, _: v.require_text(value, field=field, max_length=max_length)


def _optional_text(max_length: int) -> Cleaner:
    return lambda value, field, _: v.optional_text(value, field=field, max_length=max_length)


def _kana(value: Any, field: str, _: date) -> str:
    return v.require_kana(value, field=field)


def _phone(value: Any, field: str, _: date) -> str | None:
    return v.optional_phone(value, field=field)


def _plain(value: Any, field: str, _: date) -> Any:
    """Enums and booleans: GraphQL already checked them."""
    return getattr(value, "value", value)


def _child_birth(value: Any, field: str, today: date) -> date:
    return v.child_birth_date(value, today=today, field=field)


def _adult_birth(value: Any, field: str, today: date) -> date | None:
    return None if value is None else v.adult_birth_date(value, today=today, field=field)


def _person_birth(value: Any, field: str, today: date) -> str | None:
    # Household members live in one encrypted JSON document: dates as ISO text.
    return (
        None if value is None else v.person_birth_date(value, today=today, field=field).isoformat()
    )


def _allergies(value: Any, field: str, _: date) -> list[dict[str, str | None]] | None:
    if not value:
        return None
    entries = [v.AllergyEntry(a.allergen, v.AllergySeverity(a.severity), a.note) for a in value]
    return v.allergy_list(entries, field=field)


def _required(clean: Cleaner) -> Cleaner:
    """Update inputs let every field be null (so the error can name it); these may not be."""

    def check(value: Any, field: str, today: date) -> Any:
        if value is None:
            raise InvalidInput(f"{field} cannot be cleared", field=field)
        return clean(value, field, today)

    return check


_NAME, _KANA = _required(_text(v.MAX_NAME)), _required(_kana)
_RELATIONSHIP = _required(_text(v.MAX_RELATIONSHIP))
_CHOICE, _NOTE = _required(_plain), _optional_text(v.MAX_NOTE)

CHILD_FIELDS = (
    FieldRule("family_name", C.CHILD_IDENTITY, _NAME),
    FieldRule("given_name", C.CHILD_IDENTITY, _NAME),
    FieldRule("family_name_kana", C.CHILD_IDENTITY, _KANA),
    FieldRule("given_name_kana", C.CHILD_IDENTITY, _KANA),
    FieldRule("sex", C.CHILD_IDENTITY, _CHOICE),
    FieldRule("date_of_birth", C.CHILD_IDENTITY, _required(_child_birth)),
    FieldRule("nationality", C.CHILD_IDENTITY, _optional_text(v.MAX_NAME)),
    FieldRule("certified_hours", C.CHILD_IDENTITY, _CHOICE),
    FieldRule("health_status", C.CHILD_SPECIAL_CARE, _NOTE),
    FieldRule("growth_status", C.CHILD_SPECIAL_CARE, _NOTE),
    FieldRule("care_notes", C.CHILD_SPECIAL_CARE, _NOTE),
    FieldRule("family_doctor", C.CHILD_SPECIAL_CARE, _optional_text(v.MAX_TEXT)),
    FieldRule("allergies", C.CHILD_SPECIAL_CARE, _allergies),
)

GUARDIAN_FIELDS = (
    FieldRule("family_name", C.GUARDIAN_NAME, _NAME),
    FieldRule("given_name", C.GUARDIAN_NAME, _NAME),
    FieldRule("family_name_kana", C.GUARDIAN_NAME, _KANA),
    FieldRule("given_name_kana", C.GUARDIAN_NAME, _KANA),
    FieldRule("date_of_birth", C.GUARDIAN_CONTACT, _adult_birth),
    FieldRule("nationality", C.GUARDIAN_CONTACT, _optional_text(v.MAX_NAME)),
    FieldRule("home_phone", C.GUARDIAN_CONTACT, _phone),
    FieldRule("mobile_phone", C.GUARDIAN_CONTACT, _phone),
    FieldRule("fax", C.GUARDIAN_CONTACT, _phone),
    FieldRule("address", C.GUARDIAN_EMPLOYMENT, _optional_text(v.MAX_ADDRESS)),
    FieldRule("employer_name", C.GUARDIAN_EMPLOYMENT, _optional_text(v.MAX_TEXT)),
    FieldRule("employer_address", C.GUARDIAN_EMPLOYMENT, _optional_text(v.MAX_ADDRESS)),
    FieldRule("employer_phone", C.GUARDIAN_EMPLOYMENT, _phone),
    FieldRule("family_situation", C.GUARDIAN_SPECIAL_CARE, _NOTE),
    FieldRule("illness", C.GUARDIAN_SPECIAL_CARE, _NOTE),
    FieldRule("disability", C.GUARDIAN_SPECIAL_CARE, _NOTE),
    FieldRule("residence_situation", C.GUARDIAN_SPECIAL_CARE, _NOTE),
)

LINK_FIELDS = (
    FieldRule("relationship", C.GUARDIAN_NAME, _RELATIONSHIP),
    FieldRule("is_primary_contact", C.GUARDIAN_NAME, _CHOICE),
    FieldRule("may_pick_up", C.GUARDIAN_NAME, _CHOICE),
    FieldRule("pickup_restricted", C.PICKUP_RESTRICTION, _CHOICE),
    FieldRule("pickup_restriction_reason", C.PICKUP_RESTRICTION, _optional_text(500)),
)

HOUSEHOLD_FIELDS = (
    FieldRule("name", C.HOUSEHOLD, _NAME),
    FieldRule("relationship", C.HOUSEHOLD, _RELATIONSHIP),
    FieldRule("sex", C.HOUSEHOLD, _plain),
    FieldRule("date_of_birth", C.HOUSEHOLD, _person_birth),
)

PICKUP_PERSON_FIELDS = (
    FieldRule("name", C.PICKUP_PERSON, _NAME),
    FieldRule("name_kana", C.PICKUP_PERSON, _KANA),
    FieldRule("relationship", C.PICKUP_PERSON, _RELATIONSHIP),
    FieldRule("phone", C.PICKUP_PERSON, _phone),
)


def _given(source: object, rules: Iterable[FieldRule]) -> list[tuple[FieldRule, Any]]:
    """The fields the client sent. ``Maybe`` fields arrive wrapped in ``Some`` (whose
    value may be None: clear); plain optional fields count only when not null."""
    given = []
    for rule in rules:
        value = getattr(source, rule.attr, None)
        if isinstance(value, strawberry.Some):
            given.append((rule, value.value))
        elif value is not None and value is not strawberry.UNSET:
            given.append((rule, value))
    return given


def touched(source: object, rules: Iterable[FieldRule]) -> set[ItemClass]:
    return {rule.item_class for rule, _ in _given(source, rules)}


def cleaned(source: object, rules: Iterable[FieldRule], *, today: date) -> dict[str, Any]:
    """Attribute → value to store, for every field sent; the first bad one raises."""
    return {
        rule.attr: rule.clean(value, rule.field, today) for rule, value in _given(source, rules)
    }


def require_writable(actor: Actor, item_classes: Iterable[ItemClass]) -> None:
    denied = unwritable(actor, item_classes)
    if denied:
        names = ", ".join(c.value for c in denied)
        raise Forbidden(f"Not permitted to write {names} items")


def require_changes(item_classes: set[ItemClass]) -> None:
    if not item_classes:
        raise InvalidInput("Give at least one field to change", field="input")


def audit_records(
    action: str,
    entity: str,
    record_id: Any,
    facility_id: Any,
    item_classes: Iterable[ItemClass],
) -> list[AuditRecord]:
    """One entry per item class written, so special-care writes stand out in the log."""
    return [
        AuditRecord(action, c.value, entity, record_id, facility_id)
        for c in sorted(set(item_classes), key=list(ItemClass).index)
    ]
