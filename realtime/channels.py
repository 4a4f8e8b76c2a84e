"""Stream and channel names, built in one place.

A *stream* is an ordered, resumable sequence of events in the database
(``stream_event``): the streams of attendance are named here (the unit of work
takes them in the order classroom, child, facility alerts). Its Redis/in-memory
channel is the stream's name under a versioned prefix (``channel_of``). A message
on a channel carries the committed event itself, ids only (``publisher``'s
version 2); the database stays the source of truth, which a follower reads
whenever a message is missing, out of step or not understood.
"""

from __future__ import annotations

import uuid

CHANNEL_VERSION = "v1"


def classroom_attendance(classroom_id: uuid.UUID) -> str:
    return f"attendance:classroom:{classroom_id}"


def child_attendance(child_id: uuid.UUID) -> str:
    return f"attendance:child:{child_id}"


def facility_alerts(facility_id: uuid.UUID) -> str:
    return f"alerts:facility:{facility_id}"


def channel_of(stream: str) -> str:
    return f"hoiku:{CHANNEL_VERSION}:{stream}"


def session_revocations() -> str:
    """Not a stream: "account A's tokens below generation G are dead", for every process."""
    return "sessions:revoked"
