"""Who may do what with attendance, as predicates over the actor.

Row scope (which children, classes, facilities an actor reaches) is applied in
SQL as everywhere else; these predicates decide the action on a record that
is already in scope. Out-of-scope records answer NOT_FOUND before any of these
is asked.
"""

from __future__ import annotations

from domain.attendance import StampKind
from domain.policy import can_edit_family_records
from domain.roles import FACILITY_STAFF, Actor, Role


def can_stamp(actor: Actor, kind: StampKind) -> bool:
    """Guardians (own child), staff (own class or facility), and the entrance tablet.

    The tablet may tap an arrival without a credential, but a pick-up there
    must name who collects the child (QR code or PIN, through ``kioskStamp``),
    or the pick-up restriction could not be enforced.
    """
    if actor.role is Role.KIOSK:
        return kind is StampKind.ARRIVAL
    return actor.role is Role.GUARDIAN or actor.is_staff


def can_stamp_with_credential(actor: Actor) -> bool:
    return actor.role is Role.KIOSK


def can_correct_stamps(actor: Actor) -> bool:
    return actor.is_staff


def can_read_stamp_history(actor: Actor) -> bool:
    """History shows who presented and why stamps were corrected: staff only."""
    return actor.is_staff


def can_send_notice(actor: Actor) -> bool:
    return actor.role is Role.GUARDIAN


def can_read_notices(actor: Actor) -> bool:
    return actor.role is Role.GUARDIAN or actor.is_staff


def can_acknowledge_notice(actor: Actor) -> bool:
    return actor.is_staff


def can_read_board(actor: Actor) -> bool:
    return actor.is_staff


def can_read_alerts(actor: Actor) -> bool:
    return actor.is_staff


def can_read_monthly_figures(actor: Actor) -> bool:
    return actor.is_staff or actor.role is Role.REPORTER


def can_clock_in(actor: Actor) -> bool:
    """Staff who work in rooms; a ward admin is never counted towards a room's ratio."""
    return actor.role in FACILITY_STAFF


def can_issue_qr_token(actor: Actor) -> bool:
    return can_edit_family_records(actor)


def can_set_guardian_pin(actor: Actor, *, is_self: bool) -> bool:
    """A guardian sets their own PIN; the office may set anyone's (e.g. on paper request)."""
    return (actor.role is Role.GUARDIAN and is_self) or can_edit_family_records(actor)


def can_set_pickup_person_pin(actor: Actor) -> bool:
    return can_edit_family_records(actor)
