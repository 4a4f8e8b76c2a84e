"""Stream and channel names, built in one place.

A *stream* is an ordered, resumable sequence of events in the database
(``stream_event``); its Redis/in-memory channel carries the same name, so a
message on a channel is just "stream X has new events up to seq N".
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


def child_contact_book(child_id: uuid.UUID) -> str:
    return f"contact-book:child:{child_id}"


def channel_of(stream: str) -> str:
    return f"hoiku:{CHANNEL_VERSION}:{stream}"


def session_revocations() -> str:
    """Not a stream: "account A's tokens below generation G are dead", for every process."""
    return "sessions:revoked"
