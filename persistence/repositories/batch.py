"""Helpers that turn one query's rows back into per-key lists, in key order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def one_per_key(keys: Sequence[K], rows: Iterable[T], key: Callable[[T], K]) -> list[T | None]:
    by_key = {key(row): row for row in rows}
    return [by_key.get(k) for k in keys]


def many_per_key(keys: Sequence[K], rows: Iterable[T], key: Callable[[T], K]) -> list[list[T]]:
    grouped: dict[K, list[T]] = defaultdict(list)
    for row in rows:
        grouped[key(row)].append(row)
    return [grouped.get(k, []) for k in keys]
