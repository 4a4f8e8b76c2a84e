"""Small asyncio helpers shared by the broadcast layer."""

from __future__ import annotations

import asyncio


class Backoff:
    def __init__(self, low: float = 0.05, high: float = 2.0) -> None:
        self._low, self._high, self._delay = low, high, low

    def next(self) -> float:
        delay, self._delay = self._delay, min(self._delay * 2, self._high)
        return delay

    def reset(self) -> None:
        self._delay = self._low


def resolve_waiters(waiters: list[asyncio.Future[None]]) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(None)


def retrieve_exception(task: asyncio.Task[None]) -> None:
    # Subscribers see the failure through shield(); this only keeps asyncio from also
    # reporting it as "never retrieved" when every one of them gave up first.
    if not task.cancelled():
        task.exception()
