"""One process's followers of event streams: gapless, resumable, cheap per subscriber.

``async with hub.follow(stream, after_seq) as events: async for row in events`` yields the
stream's events (``EventRow``: plain rows of the event log, or events taken from
messages) in ``seq`` order with no gap and no duplicate. The hub never touches the
database itself: it reads through the ``EventLog`` the composition root hands it.

- A *feed* per stream serves every local follower of it: one broadcast subscription and
  at most one database read per new event (or per burst of them), however many followers.
- The feed subscribes first and only then reads the stream's head, so an event committed
  after that read is announced to a live subscription.  A message carrying the event
  whose seq is exactly ``head + 1`` is handed out as it is, with no read (seqs have no
  gaps, so it is the next one).  Any other message — a gap, a bare "seq n exists" hint
  of version 1, one we do not understand — makes the feed read the log after its head,
  so a lost message costs nothing once a later one arrives.  After the broadcast backend
  reconnects, ``catch_up`` makes every feed read from its head again.
- A follower with a cursor replays the rows after it from the database (it registered
  with the feed first, so nothing slips between replay and live), then takes live rows,
  dropping what it has already seen and reading any gap from the database.
- Each follower's queue is bounded (``queue_size``): a burst that overflows it is read
  from the database instead, at the subscriber's pace. A subscriber that takes nothing
  while ``max_stall`` rows go by ends with ``FollowerLagged`` and the last seq it took,
  so its client resumes from there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import Protocol, cast

from realtime.broadcast import Broadcast, Subscriber, SubscriberOverflow
from realtime.channels import channel_of
from realtime.follower import BEHIND, EventRow, Follower, Lagged
from realtime.publisher import AnnouncedEvent, parse_notification

__all__ = ["CursorAhead", "EventLog", "EventRow", "FollowerLagged", "StreamHub"]

logger = logging.getLogger(__name__)


class EventLog(Protocol):
    """The database's event log as the hub reads it; the composition root hands the hub
    one (``persistence.repositories.events.StreamLog``), so realtime needs no database."""

    async def head(self, stream: str) -> int:
        """The stream's last seq (0 for a stream with no event yet)."""
        ...

    async def after(self, stream: str, after_seq: int, *, limit: int) -> Sequence[EventRow]:
        """Up to ``limit`` events after ``after_seq``, in seq order."""
        ...


class FollowerLagged(Exception):
    """The follower fell too far behind; resume with ``after_seq = last_seq``."""

    def __init__(self, stream: str, last_seq: int) -> None:
        super().__init__(f"follower of {stream!r} fell behind after seq {last_seq}")
        self.stream = stream
        self.last_seq = last_seq


class CursorAhead(Exception):
    """The cursor names a seq this stream has not reached: it is not one of ours."""


class _Feed:
    """The live side of one stream in this process, shared by its local followers."""

    def __init__(self, hub: StreamHub, stream: str) -> None:
        self.hub = hub
        self.stream = stream
        self.channel = channel_of(stream)
        self.followers: set[Follower] = set()
        self.head = 0  # highest seq handed to followers (valid once ready)
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.poked = asyncio.Event()
        self.task = asyncio.create_task(self._run(), name=f"feed:{stream}")

    def attach(self, follower: Follower) -> None:
        if self.ready.done() and not self.ready.cancelled() and self.ready.exception() is None:
            follower.start = self.head
        self.followers.add(follower)

    def poke(self) -> None:
        self.poked.set()

    async def _run(self) -> None:
        pump: asyncio.Task[None] | None = None
        try:
            while True:
                async with self.hub.broadcast.subscribe(self.channel) as inbox:
                    if pump is None:
                        await self._go_live()
                        pump = asyncio.create_task(self._pump(), name=f"pump:{self.stream}")
                    else:
                        self.poke()  # notifications may have been dropped meanwhile
                    if not await self._listen(inbox):
                        return
        except asyncio.CancelledError:
            self.ready.cancel()  # retired or shut down before going live
            raise
        except Exception as error:  # its followers see it (or end), and the next one retries
            if self.ready.done():
                logger.exception("the feed of %s failed", self.stream)
            else:
                self.ready.set_exception(error)
                self.ready.exception()  # retrieved: the followers see it through shield()
        finally:
            if pump is not None:
                pump.cancel()
                await asyncio.gather(pump, return_exceptions=True)
            self.hub._forget(self)
            for follower in self.followers:
                follower.close()

    async def _go_live(self) -> None:
        self.head = await self.hub.read_head(self.stream)
        for follower in self.followers:
            follower.start = self.head
        self.ready.set_result(None)

    async def _listen(self, inbox: Subscriber) -> bool:
        """Hand out the next event, or poke the pump to read; False once the broadcast ends."""
        try:
            async for message in inbox:
                announced = parse_notification(message.message)
                if announced is None:
                    self.poke()
                elif announced.seq == self.head + 1 and self._carries_own(announced.event):
                    self._hand_out(cast(EventRow, announced.event))
                elif announced.seq > self.head:
                    self.poke()
        except SubscriberOverflow:
            logger.warning("notifications for %s overflowed; re-subscribing", self.stream)
            return True
        return False

    def _carries_own(self, event: AnnouncedEvent | None) -> bool:
        return event is not None and event.stream == self.stream

    def _hand_out(self, row: EventRow) -> None:
        """The next event (seq ``head + 1``) to every follower; no await in here."""
        self.head = row.seq
        for follower in self.followers:
            follower.deliver(row)

    async def _pump(self) -> None:
        delay = 0.05
        while True:
            await self.poked.wait()
            self.poked.clear()
            try:
                await self._catch_up()
                delay = 0.05
            except Exception:
                logger.exception("reading %s failed; retrying in %.2f s", self.stream, delay)
                self.poke()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _catch_up(self) -> None:
        while True:
            rows = await self.hub.read_after(self.stream, self.head)
            for row in rows:  # no await in here: a follower joins between batches only
                if row.seq > self.head:  # not already handed out from a message meanwhile
                    self._hand_out(row)
            if len(rows) < self.hub.page_size:
                return


class StreamHub:
    """Per-process fan-out of stream events to followers, backed by the event log."""

    def __init__(
        self,
        broadcast: Broadcast,
        log: EventLog,
        *,
        queue_size: int = 256,
        max_stall: int = 1024,
        page_size: int = 500,
    ) -> None:
        self.broadcast = broadcast
        self.page_size = page_size
        self._log = log
        self._queue_size = queue_size
        self._max_stall = max_stall
        self._feeds: dict[str, _Feed] = {}
        self._ending: set[asyncio.Task[None]] = set()

    @contextlib.asynccontextmanager
    async def follow(
        self, stream: str, after_seq: int | None = None
    ) -> AsyncIterator[AsyncIterator[EventRow]]:
        """Rows after ``after_seq`` (None: from now on), then live ones, in seq order."""
        feed = self._feeds.get(stream)
        if feed is None:
            feed = self._feeds[stream] = _Feed(self, stream)
        follower = Follower(self._queue_size, self._max_stall)
        feed.attach(follower)  # before any await: nothing published from now on is missed
        try:
            await asyncio.shield(feed.ready)
            events = self._events(feed, follower, after_seq)
            try:
                yield events
            finally:
                await events.aclose()
        finally:
            feed.followers.discard(follower)
            if not feed.followers:
                self._retire(feed)

    async def catch_up(self, channels: set[str]) -> None:
        """After a broadcast reconnect: notifications may have been lost on these channels."""
        for feed in list(self._feeds.values()):
            if feed.channel in channels:
                feed.poke()

    async def close(self) -> None:
        for feed in list(self._feeds.values()):
            self._retire(feed)
        await asyncio.gather(*self._ending, return_exceptions=True)

    @property
    def streams(self) -> int:
        """How many streams this process follows (one broadcast subscription each)."""
        return len(self._feeds)

    def live_followers(self, stream: str) -> int:
        """Followers of ``stream`` here whose feed is live: events from now on reach them."""
        feed = self._feeds.get(stream)
        if feed is None or not feed.ready.done() or feed.ready.cancelled():
            return 0
        return len(feed.followers) if feed.ready.exception() is None else 0

    async def read_head(self, stream: str) -> int:
        return await self._log.head(stream)

    async def read_after(self, stream: str, after_seq: int) -> Sequence[EventRow]:
        """One page of the stream after ``after_seq``."""
        return await self._log.after(stream, after_seq, limit=self.page_size)

    async def _events(
        self, feed: _Feed, follower: Follower, after_seq: int | None
    ) -> AsyncGenerator[EventRow, None]:
        if after_seq is None:
            last = follower.start if follower.start is not None else feed.head
        else:
            last = await self._checked_cursor(feed, after_seq)
            follower.behind = True  # the missed events come from the database first
        while True:
            try:
                item = await follower.next()
            except Lagged:
                raise FollowerLagged(feed.stream, last) from None
            if item is None:
                return
            if item is BEHIND:
                rows = self._catch_up(feed, follower, last)
            elif (live := cast(EventRow, item)).seq <= last:
                continue  # already read from the database
            elif live.seq > last + 1:  # a gap (there should be none) is read, not skipped
                rows = self._replay(feed.stream, last, until=live.seq)
            else:
                rows = _just(live)
            async for row in rows:
                if follower.lagged:  # it stalled even while reading from the database
                    raise FollowerLagged(feed.stream, last)
                follower.took_one()
                yield row
                last = row.seq

    async def _catch_up(
        self, feed: _Feed, follower: Follower, after_seq: int
    ) -> AsyncIterator[EventRow]:
        """Read on from the database until level with the feed, then take live rows again."""
        while True:
            async for row in self._replay(feed.stream, after_seq, until=None):
                yield row
                after_seq = row.seq
            if after_seq >= feed.head:  # no await between this check and going live
                follower.behind = False
                return

    async def _replay(
        self, stream: str, after_seq: int, *, until: int | None
    ) -> AsyncIterator[EventRow]:
        while True:
            rows = await self.read_after(stream, after_seq)
            for row in rows:
                if until is not None and row.seq > until:
                    return
                yield row
                after_seq = row.seq
            if len(rows) < self.page_size:
                return

    async def _checked_cursor(self, feed: _Feed, after_seq: int) -> int:
        if after_seq < 0 or (
            after_seq > feed.head and after_seq > await self.read_head(feed.stream)
        ):
            raise CursorAhead(f"{feed.stream} has no event {after_seq}")
        return after_seq

    def _retire(self, feed: _Feed) -> None:
        if self._feeds.get(feed.stream) is feed:
            del self._feeds[feed.stream]
        feed.task.cancel()
        self._ending.add(feed.task)
        feed.task.add_done_callback(self._ending.discard)

    def _forget(self, feed: _Feed) -> None:
        if self._feeds.get(feed.stream) is feed:
            del self._feeds[feed.stream]


async def _just(row: EventRow) -> AsyncIterator[EventRow]:
    yield row
