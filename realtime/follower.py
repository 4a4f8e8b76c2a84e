"""One local subscriber's inbox of stream rows: bounded, and cheap while idle.

The queue holds at most ``maxsize`` rows. A burst that does not fit is not an error: the
follower drops the rest and, once the subscriber has drained the queue, reads on from
the database at its own pace (``next()`` answers ``BEHIND``). Only a subscriber that takes
nothing while ``max_stall`` rows go by is *lagged*: its stream ends, and its client
resumes by cursor from the last row it took.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import deque
from datetime import datetime
from typing import Any, Protocol


class EventRow(Protocol):
    """A ``stream_event`` row as followers receive it: read-only, ids in its payload."""

    @property
    def stream(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def subject_id(self) -> uuid.UUID | None: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def created_at(self) -> datetime: ...


BEHIND = object()  # next(): the queue overflowed and is drained; read on from the database


class Lagged(Exception):
    """The subscriber took nothing while ``max_stall`` rows went by."""


class Follower:
    __slots__ = (
        "behind",
        "closed",
        "lagged",
        "max_stall",
        "maxsize",
        "queue",
        "stalled",
        "start",
        "waiter",
    )

    def __init__(self, maxsize: int, max_stall: int) -> None:
        self.maxsize = maxsize
        self.max_stall = max_stall
        self.queue: deque[EventRow] = deque()
        self.waiter: asyncio.Future[None] | None = None
        self.start: int | None = None  # the feed's head when this follower joined it
        self.stalled = 0  # rows handed over since the subscriber last took one
        self.behind = False  # rows were dropped: the database has them
        self.lagged = False
        self.closed = False

    def deliver(self, row: EventRow) -> None:
        if self.lagged or self.closed:
            return
        self.stalled += 1
        if self.stalled > self.max_stall:
            self.lagged = True
            self.queue.clear()
        elif self.behind:
            return
        elif len(self.queue) >= self.maxsize:
            self.behind = True
        else:
            self.queue.append(row)
        self._wake()

    def took_one(self) -> None:
        self.stalled = 0

    def close(self) -> None:
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def next(self) -> EventRow | object | None:
        """The next queued row; BEHIND once drained after an overflow; None once closed."""
        while True:
            if self.lagged:
                raise Lagged
            if self.queue:
                return self.queue.popleft()
            if self.closed:
                return None
            if self.behind:
                return BEHIND
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
