"""Subscriptions: who may follow a stream, cursors, and the events each subscriber is sent.

A subscription yields ``StreamEvent``s, which carry ids only; the event's fields resolve
those ids through loaders scoped to the subscriber (fresh for every event), so the field
guards and row scope of a query apply to pushed data too. Subscribers in one process
that are the same actor (a class's tablets share one sign-in) share one set of loaders
per event, so they read each row once; each still runs its own execution, so its own
field guards and audit apply.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import uuid
import weakref
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any

import strawberry

from domain.attendance import AttendanceEvent
from domain.errors import DomainError, Forbidden, InvalidInput
from domain.roles import Actor
from domain.subscriptions import can_follow_alerts, can_follow_child, can_follow_classroom
from realtime import channels
from realtime.hub import CursorAhead, EventRow, FollowerLagged, StreamHub
from resolvers.attendance.loaders import loaders_of
from resolvers.ids import parse_id
from resolvers.loaders import Loaders


class ResubscribeRequired(DomainError):
    """The subscriber fell too far behind; it subscribes again with ``after = cursor``."""

    code = "RESUBSCRIBE"

    def __init__(self, cursor: str) -> None:
        super().__init__("This subscription fell behind; subscribe again with after = cursor")
        self.cursor = cursor

    @property
    def extensions(self) -> dict[str, str]:
        return {"code": self.code, "cursor": self.cursor}


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One event of a stream, as a subscription yields it."""

    stream: str
    row: EventRow

    @property
    def cursor(self) -> str:
        return encode_cursor(self.stream, self.row.seq)

    def ref(self, name: str) -> uuid.UUID | None:
        """An id the event carries in its payload (``child_id``, ``stamp_id`` …), if any."""
        value = self.row.payload.get(name)
        return uuid.UUID(value) if value else None


# A cursor names a seq *of one stream*: a cursor of another stream is bad input, not a
# silently wrong resume point.
def _stream_tag(stream: str) -> str:
    return hashlib.blake2s(stream.encode(), digest_size=4).hexdigest()


def encode_cursor(stream: str, seq: int) -> str:
    return base64.urlsafe_b64encode(f"{seq}:{_stream_tag(stream)}".encode()).decode()


def decode_cursor(stream: str, cursor: str) -> int:
    try:
        seq, tag = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        if tag == _stream_tag(stream) and seq.isdigit():
            return int(seq)
    except (ValueError, UnicodeError, binascii.Error):
        pass
    raise InvalidInput("after is not a cursor of this stream", field="after")


async def attendance_changed(
    info: strawberry.Info, classroom_id: strawberry.ID, after: str | None = None
) -> AsyncGenerator[StreamEvent, None]:
    actor, key = info.context.actor, parse_id(classroom_id, field="classroomId")
    loaded = await info.context.loaders.classroom_by_id.load(key)
    _require(can_follow_classroom, actor, loaded, "this classroom's attendance")
    return await _follow(info, channels.classroom_attendance(key), after)


async def child_attendance_changed(
    info: strawberry.Info, child_id: strawberry.ID, after: str | None = None
) -> AsyncGenerator[StreamEvent, None]:
    actor, key = info.context.actor, parse_id(child_id, field="childId")
    loaded = await loaders_of(info).attendance_child_by_id.load(key)
    _require(can_follow_child, actor, loaded, "this child's attendance")
    return await _follow(info, channels.child_attendance(key), after)


async def alert_raised(
    info: strawberry.Info, facility_id: strawberry.ID, after: str | None = None
) -> AsyncGenerator[StreamEvent, None]:
    actor, key = info.context.actor, parse_id(facility_id, field="facilityId")
    loaded = await info.context.loaders.facility_by_id.load(key)
    _require(can_follow_alerts, actor, loaded, "this facility's alerts")
    return await _follow(info, channels.facility_alerts(key), after)


def _require(policy: Callable[[Actor], bool], actor: Actor, record: Any, what: str) -> None:
    # Out of scope and missing answer alike, so the answer reveals nothing.
    if record is None or not policy(actor):
        raise Forbidden(f"Not permitted to follow {what}")


async def _follow(
    info: strawberry.Info, stream: str, after: str | None
) -> AsyncGenerator[StreamEvent, None]:
    """Checks the cursor now, so a bad one is an error on the subscription, not an event."""
    hub = info.context.services.hub
    if hub is None:
        raise RuntimeError("subscriptions are served only while the realtime layer runs")
    # The loaders of the check above would otherwise idle with the subscription.
    info.context.fresh_loaders()
    after_seq = None if after is None else decode_cursor(stream, after)
    if after_seq is not None and after_seq > await hub.read_head(stream):
        raise InvalidInput("after is not a cursor of this stream", field="after")
    return _events(info, hub, stream, after_seq)


async def _events(
    info: strawberry.Info, hub: StreamHub, stream: str, after_seq: int | None
) -> AsyncGenerator[StreamEvent, None]:
    try:
        async with hub.follow(stream, after_seq) as rows:
            async for row in rows:
                _loaders_for_event(info.context, hub, stream, row.seq)
                yield StreamEvent(stream, row)
    except FollowerLagged as lag:
        raise ResubscribeRequired(encode_cursor(stream, lag.last_seq)) from None
    except CursorAhead:
        raise InvalidInput("after is not a cursor of this stream", field="after") from None


# Per hub: (stream, actor) → the seq and loaders of the latest event resolved for that
# actor. An entry only ever serves the same actor's (same scope's) reads of the same event.
_SHARED: weakref.WeakKeyDictionary[StreamHub, dict[tuple[str, Actor], tuple[int, Loaders]]] = (
    weakref.WeakKeyDictionary()
)
_MAX_SHARED = 4096  # actors × streams of one process; past it, start over (only less sharing)


def _loaders_for_event(context: Any, hub: StreamHub, stream: str, seq: int) -> None:
    """Fresh loaders for this event, or those another subscriber of the same actor made.

    The key is the whole actor but its client tag (account, role, facility, classes,
    guardian), so loaders are only shared where every scoped read answers alike.
    """
    actor = context.actor_or_none
    if actor is None:
        context.fresh_loaders()
        return
    shared = _SHARED.setdefault(hub, {})
    key = (stream, dataclasses.replace(actor, client=""))
    held = shared.get(key)
    if held is not None and held[0] == seq:
        context.use_loaders(held[1])
        return
    context.fresh_loaders()
    if len(shared) >= _MAX_SHARED:
        shared.clear()
    shared[key] = (seq, context.loaders)


def kind_of_event(root: StreamEvent) -> AttendanceEvent:
    return AttendanceEvent(root.row.kind)


def _referenced(ref: str, loader: Callable[[strawberry.Info], Any]) -> Any:
    """A field resolving the id ``ref`` through the subscriber's own (scoped) loader."""

    async def resolve(root: StreamEvent, info: strawberry.Info) -> Any:
        key = root.ref(ref)
        return None if key is None else await loader(info).load(key)

    return resolve


child_of_event = _referenced("child_id", lambda info: info.context.loaders.child_by_id)
classroom_of_event = _referenced("classroom_id", lambda info: info.context.loaders.classroom_by_id)
stamp_of_event = _referenced("stamp_id", lambda info: loaders_of(info).stamp_by_id)
notice_of_event = _referenced("notice_id", lambda info: loaders_of(info).notice_by_id)
alert_of_event = _referenced("alert_id", lambda info: loaders_of(info).alert_by_id)
presence_of_event = _referenced("presence_id", lambda info: loaders_of(info).presence_by_id)
