"""Who may collect a child, and the credentials adults present at the entrance.

Each adult has their own PIN (a PIN belongs to a person, not to a child). A
family's QR code speaks for the guardian it was issued to.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from domain.errors import InvalidInput

# ASCII digits only, the whole string: ``$`` would let "1234\n" through, ``\d`` "１２３４".
_PIN = re.compile(r"[0-9]{4,8}")


def validated_pin(pin: str, *, field: str = "pin") -> str:
    if not _PIN.fullmatch(pin):
        raise InvalidInput("A PIN is 4 to 8 digits", field=field)
    return pin


@dataclass(frozen=True, slots=True)
class Presenter:
    """The adult who presented a credential or signed in: a guardian or a pick-up person."""

    guardian_id: uuid.UUID | None = None
    pickup_person_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class PickupRight:
    """What the records say about one adult and one child."""

    is_guardian: bool = False
    may_pick_up: bool = False
    restricted: bool = False
    is_pickup_person: bool = False


def may_collect(right: PickupRight | None) -> bool:
    """A restricted guardian never; otherwise a guardian allowed to pick up, or an
    authorised pick-up person of that child. Anyone else is refused."""
    if right is None:
        return False
    if right.is_guardian:
        return right.may_pick_up and not right.restricted
    return right.is_pickup_person


def may_bring(right: PickupRight | None) -> bool:
    """Any guardian or authorised pick-up person of the child may stamp an arrival."""
    return right is not None and (right.is_guardian or right.is_pickup_person)
