"""Who may follow which live stream, as predicates over the actor.

Row scope decides *which* classroom, child or facility an actor reaches; these decide
whether the role follows that kind of stream at all. Both must hold, else FORBIDDEN,
whether or not the record exists.
"""

from __future__ import annotations

from domain.roles import Actor, Role


def can_follow_classroom(actor: Actor) -> bool:
    """A class's stamps, corrections, notices and alerts: its teachers, the office, the ward."""
    return actor.is_staff


def can_follow_child(actor: Actor) -> bool:
    """One child's stamps and notices: the child's guardians and the staff who reach the child."""
    return actor.role is Role.GUARDIAN or actor.is_staff


def can_follow_alerts(actor: Actor) -> bool:
    """A facility's alerts (restricted pick-ups, missing arrivals, staff ratio): staff only."""
    return actor.is_staff
